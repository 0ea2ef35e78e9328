//! HTML tables for the report page: cells escaped, numbers right-aligned.

use super::charts::escape;

/// One cell: text, a right-aligned number, or text over a bar showing a share.
pub enum Cell {
    Text(String),
    Num(String),
    Meter(String, f64),
}

impl Cell {
    pub fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    pub fn num(s: String) -> Cell {
        Cell::Num(s)
    }

    /// `share` in [0, 1] (clamped: a tier is never drawn fuller than full).
    pub fn meter(s: String, share: f64) -> Cell {
        Cell::Meter(s, if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 })
    }
}

/// A table whose header cells align like the first row's cells.
pub fn table(header: &[&str], rows: &[Vec<Cell>]) -> String {
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| rows.first().and_then(|r| r.get(i)).is_some_and(|c| matches!(c, Cell::Num(_))))
        .collect();
    let mut out = String::from("<table>\n<thead><tr>");
    for (h, num) in header.iter().zip(&numeric) {
        let class = if *num { " class=\"num\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&match cell {
                Cell::Text(s) => format!("<td>{}</td>", escape(s)),
                Cell::Num(s) => format!("<td class=\"num\">{}</td>", escape(s)),
                Cell::Meter(s, share) => format!(
                    "<td>{}<span class=\"meter\"><span style=\"width: {:.1}%\"></span></span></td>",
                    escape(s),
                    share * 100.0
                ),
            });
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
