use super::ast::*;
use super::*;
use crate::source::FileId;

fn parse_ok(text: &str) -> File {
    let (file, errors) = parse_file(FileId(0), text);
    assert!(errors.is_empty(), "unexpected errors: {errors:?}");
    file.expect("a tree")
}

fn codes(text: &str) -> Vec<String> {
    let (_, errors) = parse_file(FileId(0), text);
    errors.sorted().iter().map(|d| d.code()).collect()
}

#[test]
fn keywords_come_from_the_grammar() {
    let kws = keywords();
    for kw in ITEM_KEYWORDS {
        assert!(kws.iter().any(|k| k == kw), "{kw} is not a kw_ rule");
    }
    assert!(kws.iter().any(|k| k == "from"));
    assert!(kws.iter().any(|k| k == "minimize"));
}

#[test]
fn units_stop_before_the_next_field_on_the_same_line() {
    let file = parse_ok("model m { layers = 80  hidden = 8192 }");
    let Item::Definition(def) = &file.items[0] else { panic!("not a definition") };
    assert_eq!(def.body.entries.len(), 2);
    let Entry::Field(field) = &def.body.entries[0] else { panic!("not a field") };
    let Value::Quantity(q) = &field.value else { panic!("not a quantity") };
    assert!(q.unit.is_none());
}

#[test]
fn unit_less_bound_before_another_bound() {
    let file = parse_ok("workload w { slo { ttft p90 <= 2  tpot p99.9 <= 40 ms } }");
    let Item::Definition(def) = &file.items[0] else { panic!("not a definition") };
    let Entry::Block(slo) = &def.body.entries[0] else { panic!("not a block") };
    assert_eq!(slo.body.entries.len(), 2);
}

#[test]
fn scales_and_byte_units_are_distinct() {
    let file = parse_ok("model m { params = 70.6G  size = 70B  ctx = 128k tokens  bw = 4.8TB/s }");
    let Item::Definition(def) = &file.items[0] else { panic!("not a definition") };
    let quantities: Vec<&Quantity> = def
        .body
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Field(Field { value: Value::Quantity(q), .. }) => Some(q),
            _ => None,
        })
        .collect();
    assert_eq!(quantities[0].scale, Some(Scale::Giga));
    assert!(quantities[0].unit.is_none());
    assert_eq!(quantities[1].scale, None);
    assert_eq!(quantities[1].unit.as_ref().map(Unit::text).as_deref(), Some("B"));
    assert_eq!(quantities[2].scale, Some(Scale::Kilo));
    assert_eq!(quantities[3].unit.as_ref().map(Unit::text).as_deref(), Some("TB/s"));
}

#[test]
fn comments_are_kept() {
    let file = parse_ok("// head\npool p { /* inner */ max = 4 // tail\n}\n");
    let texts: Vec<&str> = file.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["// head", "/* inner */", "// tail"]);
}

#[test]
fn friendly_errors_for_common_mistakes() {
    assert_eq!(codes("device d { memory: 80 GB }"), ["fleet::colon_field"]);
    assert_eq!(codes("workload w { slo { ttft <= 2 s } }"), ["fleet::missing_percentile"]);
    assert_eq!(codes("workload w { slo { ttft p90 < 2 s } }"), ["fleet::strict_bound"]);
    assert_eq!(codes("pooll p { max = 1 }"), ["fleet::unknown_keyword"]);
    assert_eq!(codes("objective lower cost"), ["fleet::objective_direction"]);
    assert_eq!(codes("/* open"), ["fleet::unterminated_comment"]);
    assert_eq!(codes("use \"a.fleet\n"), ["fleet::unterminated_string"]);
    assert_eq!(codes("pool p { max = 1e999 }"), ["fleet::number_too_large"]);
    assert_eq!(codes("pool p { max = 1 "), ["fleet::unclosed_block"]);
    assert_eq!(codes("pool p { max = }"), ["fleet::syntax"]);
}

#[test]
fn spans_are_ignored_by_equality() {
    assert_eq!(parse_ok("pool p { max = 4 }"), parse_ok("pool   p {\n  max   = 4\n}"));
    assert_ne!(parse_ok("pool p { max = 4 }"), parse_ok("pool p { max = 5 }"));
}

#[test]
fn syntax_errors_of_later_items_are_reported_too() {
    let text = "pool a { max = }\npool b { max 4 }\npool c { memory: 80 GB }\npool d { max = 1 }\n";
    assert_eq!(codes(text), ["fleet::syntax", "fleet::syntax", "fleet::colon_field"]);
    // Recovery needs an item keyword at the start of a later line; an unclosed block has none.
    assert_eq!(codes("pool a {\n  max = 4\npool b { max = 1 }\n"), ["fleet::unclosed_block"]);
}
