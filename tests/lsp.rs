//! The language server driven as an editor drives it: JSON-RPC messages in, responses and
//! published diagnostics out, over an in-memory connection to `fleetplan::lsp::serve`. Each
//! expectation is computed from the files themselves (where a name is, what its comment
//! says, what the formatted file is), not from the server's own functions.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use lsp_types::Url;
use serde_json::{json, Value};

use common::mutate::mutate;
use common::Rng;

/// Long enough for a debug build on a busy machine; a hung server fails instead of waiting.
const WAIT: Duration = Duration::from_secs(60);

struct Client {
    conn: Connection,
    server: Option<JoinHandle<()>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    held: Vec<Notification>,
}

impl Client {
    fn start() -> Client {
        Client::start_with(json!({}))
    }

    fn start_with(capabilities: Value) -> Client {
        let (server, conn) = Connection::memory();
        let handle = std::thread::spawn(move || {
            fleetplan::lsp::serve(&server).unwrap();
        });
        let mut client = Client { conn, server: Some(handle), next_id: 0, held: Vec::new() };
        let init = client.request("initialize", json!({ "capabilities": capabilities }));
        assert_eq!(init["serverInfo"]["name"], "fleetplan");
        let caps = &init["capabilities"];
        for cap in [
            "hoverProvider",
            "definitionProvider",
            "referencesProvider",
            "documentFormattingProvider",
        ] {
            assert_eq!(caps[cap], true, "{cap}");
        }
        assert!(caps["completionProvider"].is_object());
        client.notify("initialized", json!({}));
        client
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        let request = Request::new(id.clone(), method.to_string(), params);
        self.conn.sender.send(request.into()).unwrap();
        loop {
            match self.conn.receiver.recv_timeout(WAIT).expect("the server answers") {
                Message::Response(r) if r.id == id => {
                    assert!(r.error.is_none(), "{method}: {:?}", r.error);
                    return r.result.unwrap_or(Value::Null);
                }
                Message::Notification(n) => self.held.push(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        let note = Notification::new(method.to_string(), params);
        self.conn.sender.send(note.into()).unwrap();
    }

    fn open(&mut self, uri: &Url, text: &str) {
        let doc = json!({ "uri": uri, "languageId": "fleet", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": doc }));
    }

    fn change(&mut self, uri: &Url, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "text": text }] }),
        );
    }

    /// The next diagnostics published for `uri` (at `version`, when it is given).
    fn diagnostics(&mut self, uri: &Url, version: Option<i32>) -> Vec<Value> {
        let matches = |n: &Notification| {
            n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == uri.as_str()
                && version.is_none_or(|v| n.params["version"] == v)
        };
        if let Some(i) = self.held.iter().position(matches) {
            let n = self.held.remove(i);
            return n.params["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        loop {
            match self.conn.receiver.recv_timeout(WAIT).expect("diagnostics are published") {
                Message::Notification(n) if matches(&n) => {
                    return n.params["diagnostics"].as_array().cloned().unwrap_or_default()
                }
                Message::Notification(n) => self.held.push(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn at(&mut self, method: &str, uri: &Url, (line, character): (u32, u32)) -> Value {
        let mut params = json!({ "textDocument": { "uri": uri },
                                 "position": { "line": line, "character": character } });
        if method == "textDocument/references" {
            params["context"] = json!({ "includeDeclaration": true });
        }
        self.request(method, params)
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().expect("the server ends cleanly");
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn uri(path: &Path) -> Url {
    Url::from_file_path(path).unwrap()
}

/// Line and UTF-16 column of the first `needle` in `text` (after `after`), counted here.
fn position_of(text: &str, needle: &str, after: &str) -> (u32, u32) {
    let from = text.find(after).unwrap();
    let at = from + text[from..].find(needle).unwrap();
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, text[start..at].encode_utf16().count() as u32)
}

fn range_start(v: &Value) -> (u32, u32) {
    (v["start"]["line"].as_u64().unwrap() as u32, v["start"]["character"].as_u64().unwrap() as u32)
}

fn chat() -> (PathBuf, String) {
    let path = root().join("examples/chat.fleet");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

/// The check: a bad unit gives coded diagnostics at the unit; the fix clears them.
#[test]
fn bad_unit_is_reported_and_cleared() {
    let (path, good) = chat();
    let bad = good.replace("price = 3.29 $/h", "price = 3.29 $/hr");
    assert_ne!(bad, good);
    let doc = uri(&path);
    let mut client = Client::start();
    client.open(&doc, &bad);
    let diagnostics = client.diagnostics(&doc, Some(1));
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "fleet::unknown_unit");
    assert_eq!(d["source"], "fleetplan");
    assert_eq!(d["severity"], 1);
    assert!(d["message"].as_str().unwrap().contains("help:"), "{d}");
    // The range covers `hr`, where this test finds it.
    let hr = position_of(&bad, "hr", "price = 3.29");
    assert_eq!(range_start(&d["range"]), hr);
    assert_eq!(d["range"]["end"]["character"].as_u64().unwrap() as u32, hr.1 + 2);
    // The file with an error still hovers and jumps: what was built stands beside the errors.
    let h200 = position_of(&bad, "h200", "device =");
    let hover = client.at("textDocument/hover", &doc, h200);
    assert!(hover["contents"]["value"].as_str().unwrap().contains("4.8 TB/s"), "{hover}");
    let def = client.at("textDocument/definition", &doc, h200);
    assert!(def["uri"].as_str().unwrap().ends_with("std/hardware.fleet"), "{def}");
    client.change(&doc, 2, &good);
    assert!(client.diagnostics(&doc, Some(2)).is_empty());
    client.shutdown();
}

/// Labels become related information; a column after a non-ASCII character counts UTF-16.
#[test]
fn labels_and_utf16_columns() {
    let text = "// é𝄞\npool p { device = nope  max = 1  price = 1 $/h }  // 𝄞 \nworkload w { model = m  rate = 1 req/s  input = 1 tokens  output = 1 tokens }\nworkload w { model = m  rate = 1 req/s  input = 1 tokens  output = 1 tokens }\n";
    let doc = Url::parse("untitled:Untitled-1").unwrap();
    let mut client = Client::start();
    client.open(&doc, text);
    let diagnostics = client.diagnostics(&doc, Some(1));
    let codes: Vec<&str> = diagnostics.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"fleet::unknown_name"), "{codes:?}");
    let nope =
        diagnostics.iter().find(|d| d["message"].as_str().unwrap().contains("nope")).unwrap();
    assert_eq!(range_start(&nope["range"]), position_of(text, "nope", ""));
    let duplicate =
        diagnostics.iter().find(|d| d["code"] == "fleet::duplicate_definition").unwrap();
    let related = duplicate["relatedInformation"].as_array().unwrap();
    assert!(related.len() >= 2, "{duplicate:#}");
    client.shutdown();
}

/// A document over the size limit is not checked: one coded diagnostic says so, and requests
/// about it answer nothing rather than fail.
#[test]
fn a_document_over_the_limit_is_refused() {
    let limit = fleetplan::load::max_file_bytes(fleetplan::load::FileKind::Source) as usize;
    let text = format!("// {}\n", "x".repeat(limit));
    let doc = Url::parse("untitled:big").unwrap();
    let mut client = Client::start();
    client.open(&doc, &text);
    let diagnostics = client.diagnostics(&doc, Some(1));
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["code"], "fleet::file_too_large");
    assert_eq!(client.at("textDocument/hover", &doc, (0, 3)), Value::Null);
    client.shutdown();
}

/// Hover on a catalog device: its figures with units, its note and the source it cites, as
/// std/hardware.fleet has them.
#[test]
fn hover_on_a_catalog_device() {
    let (path, text) = chat();
    let catalog = std::fs::read_to_string(root().join("std/hardware.fleet")).unwrap();
    let s2 = catalog.lines().find(|l| l.starts_with("// [S2]")).unwrap();
    let s2_words = s2.trim_start_matches("// [S2]").trim();
    let doc = uri(&path);
    let mut client = Client::start();
    client.open(&doc, &text);
    let hover = client.at("textDocument/hover", &doc, position_of(&text, "h200", "device ="));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("device** `h200`"), "{shown}");
    assert!(shown.contains("bandwidth = 4.8 TB/s"), "{shown}");
    assert!(shown.contains("= 4.8e12 B/s"), "{shown}");
    assert!(shown.contains("NVIDIA H200 SXM 141GB"), "{shown}");
    assert!(shown.contains(s2_words), "the source [S2] is listed: {shown}");
    // A model derived from a catalog one: its own field, then the base's figures and sources.
    let models = std::fs::read_to_string(root().join("std/models.fleet")).unwrap();
    let m2 = models.lines().find(|l| l.starts_with("// [M2]")).unwrap();
    let hover =
        client.at("textDocument/hover", &doc, position_of(&text, "llama3_1_70b_fp8", "model = "));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("`weights = fp8`"), "{shown}");
    assert!(shown.contains("from **model** `llama3_1_70b`"), "{shown}");
    assert!(shown.contains("`params = 70.6G` = 7.06e10"), "{shown}");
    assert!(shown.contains(m2.trim_start_matches("// [M2]").trim()), "{shown}");
    // A pool: its fields with their notes.
    let hover = client.at("textDocument/hover", &doc, position_of(&text, "gpu", "pool "));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("**pool** `gpu`") && shown.contains("`max = 256`"), "{shown}");
    assert!(shown.contains("the catalog's reference price (Lambda on demand)"), "{shown}");
    // … and the figures of the device it names, as std/hardware.fleet writes them.
    assert!(
        shown.contains("device `h200`: kind = gpu, memory = 143771 MiB, bandwidth = 4.8 TB/s"),
        "{shown}"
    );
    // A unit literal: its value in base units (3.29 $/h = 3.29/3600 $/s).
    let hover = client.at("textDocument/hover", &doc, position_of(&text, "3.29", "price"));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("0.000913889 $/s"), "{shown}");
    client.shutdown();
}

/// Definition on a catalog device lands on its definition in std/ (the checkout's own file,
/// since the document is inside it); references find the use and the definition.
#[test]
fn definition_and_references_into_the_catalog() {
    let (path, text) = chat();
    let catalog_path = root().join("std/hardware.fleet");
    let catalog = std::fs::read_to_string(&catalog_path).unwrap();
    let doc = uri(&path);
    let mut client = Client::start();
    client.open(&doc, &text);
    let at = position_of(&text, "h200", "device =");
    let def = client.at("textDocument/definition", &doc, at);
    assert_eq!(def["uri"], uri(&catalog_path).as_str());
    assert_eq!(range_start(&def["range"]), position_of(&catalog, "h200", "\ndevice h200 {"));
    let refs = client.at("textDocument/references", &doc, at);
    let refs: Vec<(String, (u32, u32))> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["uri"].as_str().unwrap().to_string(), range_start(&l["range"])))
        .collect();
    let expected = [
        (doc.to_string(), position_of(&text, "h200", "use std.hardware")),
        (doc.to_string(), at),
        (uri(&catalog_path).to_string(), position_of(&catalog, "h200", "\ndevice h200 {")),
    ];
    for e in &expected {
        assert!(refs.contains(e), "{e:?} in {refs:?}");
    }
    // Definition of a local model's base goes into std/models.fleet.
    let base =
        client.at("textDocument/definition", &doc, position_of(&text, "llama3_1_70b", "from "));
    assert!(base["uri"].as_str().unwrap().ends_with("std/models.fleet"), "{base}");
    client.shutdown();
}

fn labels(items: &Value) -> Vec<String> {
    let list = items.as_array().or_else(|| items["items"].as_array()).unwrap();
    list.iter().map(|i| i["label"].as_str().unwrap().to_string()).collect()
}

/// Completion after `device =`: devices (the catalog's, with an edit that imports one not yet
/// imported), no models; field names in a block; units of the field's dimension.
#[test]
fn completion_of_names_fields_and_units() {
    let (path, text) = chat();
    let typing = text
        .replace("  device = h200\n", "  device = \n")
        .replace("  model = llama3_1_70b_fp8\n", "  model = \n");
    let doc = uri(&path);
    let mut client = Client::start();
    client.open(&doc, &typing);
    let (line, _) = position_of(&typing, "device = ", "pool gpu");
    let items = client.at("textDocument/completion", &doc, (line, 11));
    let names = labels(&items);
    assert!(
        names.contains(&"h200".to_string()) && names.contains(&"h100_sxm".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"llama3_1_70b".to_string()), "{names:?}");
    assert!(names.iter().all(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_')), "{names:?}");
    let h100 = items.as_array().unwrap().iter().find(|i| i["label"] == "h100_sxm").unwrap();
    assert_eq!(h100["additionalTextEdits"][0]["newText"], ", h100_sxm");
    // After `model =`: this file's model first, then the imported one, no devices.
    let (line, _) = position_of(&typing, "model = ", "workload chat");
    let items = client.at("textDocument/completion", &doc, (line, 10));
    let mut listed: Vec<(String, String)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sortText"].as_str().unwrap_or("").to_string(),
                i["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    listed.sort();
    let names: Vec<&str> = listed.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(names[..2], ["llama3_1_70b", "llama3_1_70b_fp8"], "{names:?}");
    assert!(names.contains(&"deepseek_v3") && !names.contains(&"h200"), "{names:?}");
    // Field names: those of a pool (the checker's schema) that the block does not set yet;
    // the word under the cursor (`per_node`) is being retyped, so it is offered.
    let fields_at = position_of(&typing, "per_node", "pool gpu");
    let names = labels(&client.at("textDocument/completion", &doc, fields_at));
    let set = ["device", "max", "price"];
    for field in fleetplan::check::schema::POOL {
        assert_eq!(
            names.contains(&field.name.to_string()),
            !set.contains(&field.name),
            "{}: {names:?}",
            field.name
        );
    }
    // Units after `rate = 25 `: request rates.
    let (line, col) = position_of(&typing, "req/s", "rate = 25");
    let items = client.at("textDocument/completion", &doc, (line, col));
    let names = labels(&items);
    assert!(
        names.contains(&"req/s".to_string()) && names.contains(&"req/day".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"GB".to_string()), "{names:?}");
    // After `use `: the catalog's modules; after `from` in a model's header: models.
    let items =
        client.at("textDocument/completion", &doc, position_of(&typing, "std.hardware", "use "));
    assert_eq!(labels(&items), ["std.hardware", "std.models"]);
    let (line, col) = position_of(&typing, "llama3_1_70b {", "from ");
    let names = labels(&client.at("textDocument/completion", &doc, (line, col)));
    assert!(
        names.contains(&"llama3_1_70b".to_string()) && !names.contains(&"h200".to_string()),
        "{names:?}"
    );
    // In a `use std.models.{…}` list: the module's names.
    let (line, col) = position_of(&typing, "}", "use std.models.{");
    let items = client.at("textDocument/completion", &doc, (line, col));
    let names = labels(&items);
    assert!(
        names.contains(&"deepseek_v3".to_string()) && !names.contains(&"h200".to_string()),
        "{names:?}"
    );
    client.shutdown();
}

/// Formatting a badly laid out copy of a formatted example gives the example back.
#[test]
fn formatting_restores_the_canonical_layout() {
    let (path, text) = chat();
    let messy = text.replace("  ", "      ").replace(" = ", "=").replace("\n\n", "\n\n\n");
    assert_ne!(messy, text);
    let doc = uri(&path);
    let mut client = Client::start();
    client.open(&doc, &messy);
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": doc }, "options": { "tabSize": 2, "insertSpaces": true } }));
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["range"]["start"], json!({ "line": 0, "character": 0 }));
    assert_eq!(edits[0]["newText"], text);
    client.open(&doc, &text);
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": doc }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(edits, json!([]));
    client.shutdown();
}

/// A file with imports: names resolve into the imported file, an error in it is published
/// for it, and an unsaved edit of the import (open in the editor) is what the importer sees.
#[test]
fn imports_resolve_through_open_documents() {
    let dir = tempfile::tempdir().unwrap();
    let common_path = dir.path().join("common.fleet");
    // The importer in a folder below: the import's path goes through `..`.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let main_path = dir.path().join("sub").join("main.fleet");
    let common = "use std.hardware.{h200}\n\npool gpu {\n  device = h200\n  max = 8\n}\n";
    let main = "use \"../common.fleet\"\nuse std.models.{llama3_1_8b}\n\nworkload w {\n  model = llama3_1_8b\n  rate = 1 req/s\n  input = 100 tokens\n  output = 10 tokens\n}\n";
    std::fs::write(&common_path, common).unwrap();
    std::fs::write(&main_path, main).unwrap();
    let (common_uri, main_uri) = (uri(&common_path), uri(&main_path));
    let mut client = Client::start();
    client.open(&main_uri, main);
    assert!(client.diagnostics(&main_uri, Some(1)).is_empty());
    // Hover on the import names the file; definition of `gpu` from … the pool is not named
    // in main, so go to the device through common.fleet itself.
    let hover = client.at("textDocument/hover", &main_uri, position_of(main, "common", ""));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("pool `gpu`"), "{hover}");
    let def = client.at("textDocument/definition", &main_uri, position_of(main, "common", ""));
    assert_eq!(def["uri"], common_uri.as_str());
    // The import opened and broken without saving: main sees the unsaved text, and the error
    // is published for common.fleet.
    client.open(&common_uri, common);
    let broken = common.replace("max = 8", "max = 8 GB");
    client.change(&common_uri, 2, &broken);
    let mut found = Vec::new();
    for _ in 0..4 {
        found = client.diagnostics(&common_uri, Some(2));
        if !found.is_empty() {
            break;
        }
    }
    assert!(
        found
            .iter()
            .any(|d| d["code"] == "fleet::unit_mismatch"
                || d["code"].as_str().unwrap().contains("unit")),
        "{found:?}"
    );
    assert_eq!(range_start(&found[0]["range"]), position_of(&broken, "8 GB", "max"));
    // The importer shows it on its `use`, with the place in common.fleet as related.
    let mut on_use = Vec::new();
    for _ in 0..4 {
        on_use = client.diagnostics(&main_uri, None);
        if !on_use.is_empty() {
            break;
        }
    }
    assert_eq!(on_use.len(), 1, "{on_use:?}");
    assert_eq!(on_use[0]["code"], found[0]["code"]);
    assert_eq!(range_start(&on_use[0]["range"]), (0, 4));
    let related = &on_use[0]["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], common_uri.as_str());
    assert_eq!(range_start(&related["range"]), position_of(&broken, "8 GB", "max"));
    client.change(&common_uri, 3, common);
    loop {
        if client.diagnostics(&common_uri, Some(3)).is_empty() {
            break;
        }
    }
    client.shutdown();
}

/// A data file open in the editor: the `.fleet` file that reads it sees its unsaved rows, and
/// the CSV itself is never checked as a `.fleet` file.
#[test]
fn an_open_data_file_is_read_unsaved_and_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    let main_path = dir.path().join("main.fleet");
    let csv_path = dir.path().join("lengths.csv");
    let main = "use std.models.{llama3_1_8b}\n\nworkload w {\n  model = llama3_1_8b\n  rate = 1 req/s\n  input = empirical(\"lengths.csv\")\n  output = 10 tokens\n}\n";
    std::fs::write(&main_path, main).unwrap();
    std::fs::write(&csv_path, "tokens\n1200\n800\n").unwrap();
    let (main_uri, csv_uri) = (uri(&main_path), uri(&csv_path));
    let mut client = Client::start();
    client.open(&main_uri, main);
    assert!(client.diagnostics(&main_uri, Some(1)).is_empty());
    let doc = json!({ "uri": csv_uri, "languageId": "csv", "version": 1, "text": "tokens\n1200\ntwelve\n" });
    client.notify("textDocument/didOpen", json!({ "textDocument": doc }));
    let found = client.diagnostics(&main_uri, Some(1));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "fleet::data_file_row");
    assert_eq!(range_start(&found[0]["range"]), position_of(main, "\"lengths.csv\"", ""));
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": csv_uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(edits, Value::Null);
    assert_eq!(client.at("textDocument/completion", &csv_uri, (0, 0)), json!([]));
    // Everything published before those answers is held: nothing was said about the CSV.
    let about_csv = client.held.iter().filter(|n| {
        n.params["uri"] == csv_uri.as_str()
            && n.params["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    assert_eq!(about_csv.count(), 0, "the CSV is not checked as a .fleet file");
    client.shutdown();
}

/// No panic on mutated inputs through `didChange` (whole texts and range edits), with
/// requests at random places in between; the server still answers at the end.
#[test]
fn mutated_inputs_through_did_change_never_panic() {
    let cases: usize =
        std::env::var("FLEETPLAN_LSP_MUTATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let mut seeds = Vec::new();
    for folder in ["examples", "std", "tests/ui"] {
        for path in common::fleet_files(folder) {
            seeds.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    let mut rng = Rng(0x15B_5EED);
    let mut client = Client::start();
    let methods = [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/completion",
        "textDocument/documentSymbol",
        "textDocument/codeLens",
    ];
    for case in 0..cases {
        let (path, seed) = &seeds[case % seeds.len()];
        let doc = uri(path);
        client.open(&doc, seed);
        if case < seeds.len() {
            // Each seed planned once for its lenses (the solver's own no-panic tests are
            // tests/no_panic_numbers.rs); mutants are unsaved, so they are never planned.
            client.request("textDocument/codeLens", json!({ "textDocument": { "uri": doc } }));
        }
        let mutant = mutate(&mut rng, seed);
        client.change(&doc, 2, &mutant);
        // A range edit anywhere, even past the end: the server clamps it.
        let (l, c) = (rng.below(80) as u32, rng.below(120) as u32);
        let piece = common::mutate::TRICKY[rng.below(common::mutate::TRICKY.len())];
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": doc, "version": 3 },
                    "contentChanges": [{ "range": { "start": { "line": l, "character": c },
                                                    "end": { "line": l + rng.below(3) as u32, "character": rng.below(40) } },
                                         "text": piece }] }),
        );
        let method = methods[rng.below(methods.len())];
        client.at(method, &doc, (rng.below(60) as u32, rng.below(80) as u32));
        client.request("textDocument/formatting", json!({ "textDocument": { "uri": doc }, "options": { "tabSize": 2, "insertSpaces": true } }));
        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": doc } }));
        client.held.clear();
    }
    client.shutdown();
}

/// The outline: every definition in order (as the file reads), each with its fields.
#[test]
fn outline_lists_definitions_and_fields() {
    let (path, text) = chat();
    let doc = uri(&path);
    let mut client = Client::start();
    client.open(&doc, &text);
    let symbols =
        client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": doc } }));
    let names: Vec<&str> =
        symbols.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["llama3_1_70b_fp8", "gpu", "chat", "objective minimize cost"]);
    let gpu = &symbols[1];
    assert_eq!(range_start(&gpu["selectionRange"]), position_of(&text, "gpu", "pool "));
    let fields: Vec<&str> =
        gpu["children"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(fields, ["device", "per_node", "max", "price"]);
    assert_eq!(symbols[0]["detail"], "model from llama3_1_70b");
    client.shutdown();
}

/// A workload's cost per hour in the plan `fleetplan plan --format json` prints for `text`.
fn planned_cost(text: &str, workload: &str) -> f64 {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(["plan", "-", "--format", "json"])
        .current_dir(root().join("examples"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let workloads = plan["workloads"].as_array().unwrap();
    let w = workloads.iter().find(|w| w["workload"] == workload).unwrap();
    w["cost_usd_per_hour"].as_f64().unwrap()
}

/// The code lens on a workload: the cost the CLI's plan gives it and its latencies against the
/// SLOs; unsaved edits keep the last plan (marked), a save plans again.
#[test]
fn code_lens_shows_the_last_plan() {
    let (path, text) = chat();
    let doc = uri(&path);
    let mut client =
        Client::start_with(json!({ "workspace": { "codeLens": { "refreshSupport": true } } }));
    client.open(&doc, &text);
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": doc } }));
    let lenses = lenses.as_array().unwrap();
    assert_eq!(lenses.len(), 1, "{lenses:?}");
    assert_eq!(range_start(&lenses[0]["range"]), position_of(&text, "chat", "\nworkload "));
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    let cost = format!("plan: ${:.2}/h", planned_cost(&text, "chat"));
    assert!(title.starts_with(&cost), "{title} / {cost}");
    assert!(title.contains("ttft p90") && title.contains("(SLO 1.00 s)"), "{title}");
    assert!(title.contains("tpot p90") && title.contains("(SLO 40.0 ms)"), "{title}");
    // An unsaved edit: the last plan stays, marked; after the save, the new rate's plan.
    let busier = text.replace("rate = 25 req/s", "rate = 50 req/s");
    client.change(&doc, 2, &busier);
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": doc } }));
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    assert!(title.starts_with(&format!("last {cost}")), "{title}");
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": doc } }));
    // The client said it can refresh lenses: the server asks it to, after the save.
    let refresh = loop {
        match client.conn.receiver.recv_timeout(WAIT).unwrap() {
            Message::Request(r) => break r,
            Message::Notification(n) => client.held.push(n),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(refresh.method, "workspace/codeLens/refresh");
    client.conn.sender.send(lsp_server::Response::new_ok(refresh.id, Value::Null).into()).unwrap();
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": doc } }));
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    let busier_cost = format!("plan: ${:.2}/h", planned_cost(&busier, "chat"));
    assert_ne!(busier_cost, cost);
    assert!(title.starts_with(&busier_cost), "{title} / {busier_cost}");
    client.shutdown();
}

/// The binary itself over standard input and output, with the protocol's framing: what an
/// editor starts. Its standard output carries nothing but protocol messages.
#[test]
fn the_binary_serves_over_stdio() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};

    let (path, good) = chat();
    let bad = good.replace("price = 3.29 $/h", "price = 3.29 $/hr");
    let doc = uri(&path);
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    let mut write = |message: Value| {
        let body = message.to_string();
        write!(input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        input.flush().unwrap();
    };
    // Reads one framed message, checking the header as the protocol defines it.
    let mut read = || -> Value {
        let mut length = None;
        loop {
            let mut line = String::new();
            output.read_line(&mut line).unwrap();
            assert!(line.ends_with("\r\n"), "a header line: {line:?}");
            if line == "\r\n" {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = Some(n.trim().parse::<usize>().unwrap());
            }
        }
        let mut body = vec![0; length.unwrap()];
        output.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    };
    write(
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "capabilities": {} } }),
    );
    assert_eq!(read()["id"], 1);
    write(json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));
    let open = json!({ "uri": doc, "languageId": "fleet", "version": 1, "text": bad });
    write(
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": open } }),
    );
    let published = read();
    assert_eq!(published["method"], "textDocument/publishDiagnostics");
    assert_eq!(published["params"]["diagnostics"][0]["code"], "fleet::unknown_unit");
    write(json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null }));
    assert_eq!(read()["id"], 2);
    write(json!({ "jsonrpc": "2.0", "method": "exit", "params": null }));
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
