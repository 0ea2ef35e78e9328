//! JSON Schemas of every JSON output, generated from the types that serialise it (schemars),
//! so that a schema cannot say what the output does not do. The checked-in copies under
//! `schemas/` are what users validate against; `tests/schemas.rs` fails when they drift from
//! these and validates every example's output against them (docs/json.md).

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

/// The schema of what `T` serialises to (a field skipped when empty is then optional).
fn schema_for<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12().for_serialize().into_generator().into_root_schema_for::<T>()
}

/// Each schema's file name under `schemas/` and the schema.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    vec![
        ("plan.schema.json", schema_for::<crate::report::Plan>()),
        ("verification.schema.json", schema_for::<crate::simulate::Verification>()),
        ("simulation.schema.json", schema_for::<crate::simulate::SimReport>()),
        ("explanation.schema.json", schema_for::<crate::perf::Explanation>()),
        ("estimate.schema.json", schema_for::<crate::perf::Estimate>()),
        ("catalog.schema.json", schema_for::<crate::catalog::Catalog>()),
        ("sensitivity.schema.json", schema_for::<crate::whatif::Sensitivity>()),
        ("frontier.schema.json", schema_for::<crate::whatif::frontier::Frontier>()),
        ("frontier-by-pool.schema.json", schema_for::<crate::whatif::frontier::Comparison>()),
        ("report.schema.json", schema_for::<crate::report::PageWritten>()),
        ("diagnostics.schema.json", schema_for::<Vec<crate::diagnostic::JsonDiagnostic>>()),
        ("document.schema.json", document()),
    ]
}

/// With `--error-format json`, what a command that has a result prints: the result under its
/// key (`null` when none came), the text of a non-JSON format, the diagnostics and the exit
/// code (README). `check` and `fmt --check` print only the diagnostics array.
fn document() -> Schema {
    let diagnostics = schema_for::<Vec<crate::diagnostic::JsonDiagnostic>>();
    let diagnostic_defs = diagnostics.get("$defs").cloned().unwrap_or_default();
    let mut items = diagnostics.get("items").cloned().unwrap_or_default();
    if let Some(object) = items.as_object_mut() {
        object.remove("$schema");
    }
    let results = [
        "plan",
        "verification",
        "simulation",
        "explanation",
        "estimate",
        "catalog",
        "deployment",
        "frontier",
        "report",
        "formatted",
        "sensitivity",
        "spec",
        "ast",
        "completions",
        "man",
    ];
    let result_properties: serde_json::Map<String, serde_json::Value> = results
        .iter()
        .map(|key| {
            let schema = serde_json::json!({
                "description": format!("the `{key}` result (its own schema), null when none came")
            });
            (key.to_string(), schema)
        })
        .collect();
    let mut properties = result_properties;
    properties.insert(
        "text".into(),
        serde_json::json!({"type": ["string", "null"], "description": "the result in a non-JSON format (text, md, dot)"}),
    );
    properties.insert("diagnostics".into(), serde_json::json!({"type": "array", "items": items}));
    properties.insert(
        "exit_code".into(),
        serde_json::json!({"type": "integer", "enum": [0, 1, 2, 3, 64]}),
    );
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Document",
        "description": "stdout of a command with a result under --error-format json",
        "type": "object",
        "properties": properties,
        "required": ["text", "diagnostics", "exit_code"],
        "additionalProperties": false,
        "$defs": diagnostic_defs,
    });
    Schema::try_from(schema).unwrap_or_default()
}
