//! `fleetplan catalog` as text: one table of devices, one of models, then the sources they
//! cite.

use std::collections::BTreeMap;

use super::Table;
use crate::catalog::Catalog;

pub fn catalog_text(catalog: &Catalog) -> String {
    let mut out = String::new();
    let mut cited: BTreeMap<(String, u32), String> = BTreeMap::new();
    let mut cite = |sources: &[crate::catalog::Source]| -> String {
        for s in sources {
            let (letter, number) = s.tag.split_at(1);
            cited.insert((letter.to_string(), number.parse().unwrap_or(0)), s.text.clone());
        }
        sources.iter().map(|s| s.tag.as_str()).collect::<Vec<_>>().join(",")
    };
    if !catalog.devices.is_empty() {
        let mut t = Table::new(&[
            "device",
            "kind",
            "memory",
            "bandwidth",
            "peak dense",
            "power",
            "price",
            "sources",
        ])
        .right_align(&[2, 3, 5, 6]);
        for d in &catalog.devices {
            let peak = d
                .compute_flops
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
                .map_or("-".to_string(), |(p, f)| format!("{:.0} T {p}", f / 1e12));
            t.row(vec![
                d.name.clone(),
                d.kind.clone(),
                format!("{:.0} GB", d.memory_bytes / 1e9),
                format!("{:.2} TB/s", d.memory_bandwidth_bytes_per_s / 1e12),
                peak,
                d.power_watts.map_or("-".into(), |w| format!("{w:.0} W")),
                d.price_usd_per_hour.map_or("-".into(), |p| format!("${p:.2}/h")),
                cite(&d.sources),
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    if !catalog.models.is_empty() {
        let mut t = Table::new(&[
            "model",
            "params",
            "active",
            "layers",
            "attention",
            "weights",
            "KV/token",
            "context",
            "sources",
        ])
        .right_align(&[1, 2, 3, 6, 7]);
        for m in &catalog.models {
            t.row(vec![
                m.name.clone(),
                format!("{:.1}B", m.params / 1e9),
                format!("{:.1}B", m.active_params / 1e9),
                m.layers.to_string(),
                m.attention.clone(),
                m.weights.clone(),
                format!("{:.1} KiB", m.kv_bytes_per_token / 1024.0),
                m.max_context_tokens.map_or("-".into(), |c| format!("{c:.0}")),
                cite(&m.sources),
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    out.push_str("Sources\n");
    for ((letter, number), text) in &cited {
        out.push_str(&format!("  [{letter}{number}] {text}\n"));
    }
    out.push_str(
        "\nFigures are per device; prices are dated examples (set your own `price` per pool). \
         `use std.hardware.{name}` or `use std.models.{name}` brings one into a file.\n",
    );
    out
}
