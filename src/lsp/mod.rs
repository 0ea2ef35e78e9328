//! `fleetplan lsp`: the compiler in the editor, as a Language Server Protocol server.
//!
//! Synchronous, on `lsp-server` and `lsp-types` (as rust-analyzer): one thread reads
//! messages in order and answers each. Every answer comes from the pipeline itself: a
//! document is compiled by [`crate::compile_with`] with its text in memory and its imports
//! read through the open documents first ([`state::Documents`] is the compiler's
//! [`crate::load::Files`]); hover, definition and references walk the parsed files and
//! resolve names through the checker's scopes; formatting is `fmt`. A change is
//! re-checked once the messages waiting behind it are read, so a burst of keystrokes costs
//! one check, and a request always sees the text it was sent after.
//!
//! One module per feature: `state` (documents, paths and URIs), `catalog` (a file to open for
//! the embedded standard catalog), `position` (UTF-16 columns), `diagnostics`, `symbols` (what
//! each name stands for), `comments` (notes and cited sources), `hover`, `navigate`
//! (definition, references), `outline` (document symbols), `lens` (planned cost per workload), `context` and `completion`,
//! `formatting`.

mod catalog;
mod comments;
mod completion;
mod context;
pub mod diagnostics;
mod formatting;
mod hover;
mod lens;
mod navigate;
mod outline;
pub mod position;
pub mod state;
mod symbols;

use std::collections::{BTreeMap, BTreeSet};

use lsp_server::{Connection, ErrorCode, Message, Notification, ProtocolError, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeLensRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    References, Request as _,
};
use lsp_types::{
    CompletionOptions, CompletionResponse, Diagnostic, GotoDefinitionResponse, Location, OneOf,
    Position, PublishDiagnosticsParams, Range, SaveOptions, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, Url,
};
use serde::de::DeserializeOwned;
use thiserror::Error;

use position::LineIndex;
use state::{name_of, Document, Documents};

/// Why the server stopped before the client said `exit`.
#[derive(Debug, Error)]
pub enum ServeError {
    #[error("language server protocol: {0}")]
    Protocol(#[from] ProtocolError),
    #[error("the client is gone: {0}")]
    Disconnected(String),
    #[error("cannot encode a message: {0}")]
    Json(#[from] serde_json::Error),
}

/// What the server offers: full and incremental sync, diagnostics pushed on open and on
/// change, hover, definition, references, completion, whole-document formatting, the outline,
/// and a code lens on each workload from its last plan.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(SaveOptions { include_text: Some(false) }.into()),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(true.into()),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["=".into(), "{".into(), ",".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(lsp_types::CodeLensOptions { resolve_provider: Some(false) }),
        ..ServerCapabilities::default()
    }
}

/// Serves one client over standard input and output until it exits.
pub fn run_stdio() -> Result<(), ServeError> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join().map_err(|e| ServeError::Disconnected(e.to_string()))
}

/// Serves one client on `connection`: the handshake, then every message until `exit` (or
/// until the client hangs up).
pub fn serve(connection: &Connection) -> Result<(), ServeError> {
    let (id, params) = connection.initialize_start()?;
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "fleetplan", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result)?;
    let refresh = params.pointer("/capabilities/workspace/codeLens/refreshSupport");
    let mut server = Server { refresh_lenses: refresh == Some(&true.into()), ..Server::default() };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let response = server.request(request);
                send(connection, response.into())?;
            }
            Message::Notification(notification) => server.notification(notification),
            Message::Response(_) => {}
        }
        for message in std::mem::take(&mut server.outgoing) {
            send(connection, message)?;
        }
        if connection.receiver.is_empty() {
            server.publish(connection)?;
        }
    }
    Ok(())
}

fn send(connection: &Connection, message: Message) -> Result<(), ServeError> {
    connection.sender.send(message).map_err(|e| ServeError::Disconnected(e.to_string()))
}

#[derive(Default)]
struct Server {
    docs: Documents,
    /// Documents whose diagnostics have not been published since they changed.
    dirty: BTreeSet<Url>,
    /// What each document's analysis reported, by the file it points into: a file's
    /// diagnostics are the union over the open documents that load it.
    reported: BTreeMap<Url, BTreeMap<Url, Vec<Diagnostic>>>,
    /// The last successful plan of each document, for its code lenses.
    plans: BTreeMap<Url, lens::LastPlan>,
    /// The client asks for code lenses again when told to (after a save, which plans anew).
    refresh_lenses: bool,
    /// Requests to the client, sent after the message being handled.
    outgoing: Vec<Message>,
    /// Ids of those requests.
    sent: i32,
}

/// An error answer: its code and message.
type Failure = (ErrorCode, String);

impl Server {
    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            HoverRequest::METHOD => params(request).and_then(|p| self.hover(p)),
            GotoDefinition::METHOD => params(request).and_then(|p| self.definition(p)),
            References::METHOD => params(request).and_then(|p| self.references(p)),
            Completion::METHOD => params(request).and_then(|p| self.completion(p)),
            Formatting::METHOD => params(request).and_then(|p| self.formatting(p)),
            DocumentSymbolRequest::METHOD => params(request).and_then(|p| self.outline(p)),
            CodeLensRequest::METHOD => params(request).and_then(|p| self.lenses(p)),
            other => Err((ErrorCode::MethodNotFound, format!("`{other}` is not supported"))),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    fn notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidOpenTextDocumentParams>(notification) else {
                    return;
                };
                let doc = p.text_document;
                let fleet = doc.language_id == "fleet" || doc.uri.path().ends_with(".fleet");
                let document = Document {
                    fleet,
                    text: doc.text,
                    version: doc.version,
                    analysis: None,
                    fresh: false,
                    saved: true,
                };
                self.docs.open.insert(doc.uri.clone(), document);
                self.changed(&doc.uri);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidChangeTextDocumentParams>(notification) else {
                    return;
                };
                let uri = p.text_document.uri;
                let Some(doc) = self.docs.open.get_mut(&uri) else { return };
                for change in p.content_changes {
                    apply(&mut doc.text, change.range, &change.text);
                }
                doc.version = p.text_document.version;
                doc.saved = false;
                self.changed(&uri);
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = params::<lsp_types::DidSaveTextDocumentParams>(notification) {
                    if let Some(doc) = self.docs.open.get_mut(&p.text_document.uri) {
                        doc.saved = true;
                    }
                }
                if self.refresh_lenses {
                    self.sent += 1;
                    let id = lsp_server::RequestId::from(format!("fleetplan-{}", self.sent));
                    let method = lsp_types::request::CodeLensRefresh::METHOD.to_string();
                    self.outgoing.push(Request::new(id, method, serde_json::Value::Null).into());
                }
                // A save may be of a data file or an import read from the disk: check all.
                let all: Vec<Url> = self.docs.open.keys().cloned().collect();
                for uri in all {
                    self.stale(&uri);
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = params::<lsp_types::DidCloseTextDocumentParams>(notification) else {
                    return;
                };
                let uri = p.text_document.uri;
                self.changed(&uri);
                self.docs.open.remove(&uri);
                self.dirty.remove(&uri);
                self.plans.remove(&uri);
                self.reported.entry(uri).or_default();
            }
            _ => {}
        }
    }

    /// The document at `uri` changed: it and every open document that reads it are re-checked.
    fn changed(&mut self, uri: &Url) {
        // Imported files go by the path as joined (`dir/../common.fleet`): compare normalised.
        let path = state::path_of(uri);
        let reads = |a: &state::Analysis| {
            (0..a.program.sources.len()).any(|i| {
                let name = a.program.sources.name(crate::source::FileId(i as u32));
                path.as_ref().is_some_and(|p| *p == state::normalise(std::path::Path::new(name)))
            })
        };
        let readers: Vec<Url> = self
            .docs
            .open
            .iter()
            .filter(|(other, doc)| *other == uri || doc.analysis.as_ref().is_some_and(reads))
            .map(|(u, _)| u.clone())
            .collect();
        for reader in readers {
            self.stale(&reader);
        }
    }

    fn stale(&mut self, uri: &Url) {
        if let Some(doc) = self.docs.open.get_mut(uri) {
            doc.fresh = false;
        }
        self.dirty.insert(uri.clone());
    }

    /// The document, analysed for its current text.
    fn fresh(&mut self, uri: &Url) -> Result<&Document, Failure> {
        let needs = self.docs.open.get(uri).map(|d| !d.fresh).ok_or_else(|| not_open(uri))?;
        if needs {
            let fleet = self.docs.open.get(uri).is_some_and(|d| d.fleet);
            let analysis = if fleet { self.docs.analyse(uri) } else { None };
            if let Some(doc) = self.docs.open.get_mut(uri) {
                doc.analysis = analysis;
                doc.fresh = true;
            }
        }
        self.docs.open.get(uri).ok_or_else(|| not_open(uri))
    }

    /// Publishes the diagnostics of every document changed since the last time, and clears
    /// those of closed ones.
    fn publish(&mut self, connection: &Connection) -> Result<(), ServeError> {
        let mut touched: BTreeSet<Url> = BTreeSet::new();
        for uri in std::mem::take(&mut self.dirty) {
            let Ok(doc) = self.fresh(&uri) else { continue };
            let Some(analysis) = &doc.analysis else { continue };
            let now = diagnostics::by_file(analysis, &uri);
            let before = self.reported.insert(uri.clone(), now).unwrap_or_default();
            touched.extend(before.into_keys());
            touched.extend(self.reported.get(&uri).into_iter().flat_map(|m| m.keys().cloned()));
        }
        // Closed documents: what they reported goes.
        let closed: Vec<Url> =
            self.reported.keys().filter(|u| !self.docs.open.contains_key(*u)).cloned().collect();
        for uri in closed {
            if let Some(before) = self.reported.remove(&uri) {
                touched.extend(before.into_keys());
            }
            touched.insert(uri);
        }
        for target in touched {
            let mut all: Vec<Diagnostic> = Vec::new();
            for reported in self.reported.values() {
                for d in reported.get(&target).into_iter().flatten() {
                    if !all.contains(d) {
                        all.push(d.clone());
                    }
                }
            }
            let version = self.docs.open.get(&target).map(|d| d.version);
            let params = PublishDiagnosticsParams { uri: target, diagnostics: all, version };
            let note = Notification::new(PublishDiagnostics::METHOD.to_string(), params);
            send(connection, note.into())?;
        }
        Ok(())
    }

    /// The document's analysis and the byte offset of a position in it.
    fn at(
        &mut self,
        p: &lsp_types::TextDocumentPositionParams,
    ) -> Result<Option<(&state::Analysis, usize)>, Failure> {
        let doc = self.fresh(&p.text_document.uri)?;
        let Some(analysis) = &doc.analysis else { return Ok(None) };
        if analysis.refused.is_some() {
            return Ok(None);
        }
        let text = analysis.program.sources.text(analysis.program.root);
        Ok(Some((analysis, LineIndex::new(text).offset(p.position))))
    }

    fn hover(&mut self, p: lsp_types::HoverParams) -> Result<serde_json::Value, Failure> {
        let found = self.at(&p.text_document_position_params)?;
        json(found.and_then(|(a, offset)| hover::hover(&a.program, offset)))
    }

    fn definition(
        &mut self,
        p: lsp_types::GotoDefinitionParams,
    ) -> Result<serde_json::Value, Failure> {
        let uri = p.text_document_position_params.text_document.uri.clone();
        let found = self.at(&p.text_document_position_params)?;
        let location = found.and_then(|(a, offset)| navigate::definition(&a.program, &uri, offset));
        json(location.map(GotoDefinitionResponse::Scalar))
    }

    /// References in every open document's program: a catalog device's uses in all of them.
    fn references(&mut self, p: lsp_types::ReferenceParams) -> Result<serde_json::Value, Failure> {
        let found = self.at(&p.text_document_position)?;
        let Some(key) = found.and_then(|(a, offset)| navigate::key_at(&a.program, offset)) else {
            return json(None::<Vec<Location>>);
        };
        let mut places = BTreeSet::new();
        let uris: Vec<Url> = self.docs.open.keys().cloned().collect();
        for uri in uris {
            let doc = self.fresh(&uri)?;
            if let Some(a) = doc.analysis.as_ref().filter(|a| a.refused.is_none()) {
                let declaration = p.context.include_declaration;
                navigate::references(&a.program, &uri, &key, declaration, &mut places);
            }
        }
        let locations: Vec<Location> = places
            .into_iter()
            .map(|(uri, (l0, c0), (l1, c1))| Location {
                uri,
                range: Range {
                    start: Position { line: l0, character: c0 },
                    end: Position { line: l1, character: c1 },
                },
            })
            .collect();
        json(Some(locations))
    }

    /// Completion reads the text as it is now, and the last analysis for imported names
    /// (re-checking on every keystroke would make typing wait for the checker).
    fn completion(&mut self, p: lsp_types::CompletionParams) -> Result<serde_json::Value, Failure> {
        let at = &p.text_document_position;
        let doc = self
            .docs
            .open
            .get(&at.text_document.uri)
            .ok_or_else(|| not_open(&at.text_document.uri))?;
        if !doc.fleet {
            return json(CompletionResponse::Array(Vec::new()));
        }
        let offset = LineIndex::new(&doc.text).offset(at.position);
        let items = completion::complete(&doc.text, offset, doc.analysis.as_ref());
        json(CompletionResponse::Array(items))
    }

    /// Code lenses from the last plan; the document is planned again first when it is saved,
    /// checks clean and changed since.
    fn lenses(&mut self, p: lsp_types::CodeLensParams) -> Result<serde_json::Value, Failure> {
        let uri = p.text_document.uri;
        self.fresh(&uri)?;
        let doc = self.docs.open.get(&uri).ok_or_else(|| not_open(&uri))?;
        let clean = doc.saved
            && doc
                .analysis
                .as_ref()
                .is_some_and(|a| a.refused.is_none() && a.diagnostics.is_empty());
        let planned = self.plans.get(&uri).is_some_and(|last| last.text == doc.text);
        if clean && !planned {
            if let Some(last) = lens::plan(&self.docs, name_of(&uri), &doc.text) {
                self.plans.insert(uri.clone(), last);
            }
        }
        let lenses = match (self.plans.get(&uri), &doc.analysis) {
            (Some(last), Some(analysis)) => lens::lenses(&analysis.program, last),
            _ => Vec::new(),
        };
        json(lenses)
    }

    fn outline(
        &mut self,
        p: lsp_types::DocumentSymbolParams,
    ) -> Result<serde_json::Value, Failure> {
        let doc = self.fresh(&p.text_document.uri)?;
        let symbols =
            doc.analysis.as_ref().map(|a| outline::outline(&a.program)).unwrap_or_default();
        json(lsp_types::DocumentSymbolResponse::Nested(symbols))
    }

    fn formatting(
        &mut self,
        p: lsp_types::DocumentFormattingParams,
    ) -> Result<serde_json::Value, Failure> {
        let uri = &p.text_document.uri;
        let doc = self.docs.open.get(uri).ok_or_else(|| not_open(uri))?;
        json(doc.fleet.then(|| formatting::format(&doc.text)).flatten())
    }
}

/// Applies one change: the whole text, or a range of it. Ranges past the end are clamped
/// (a confused client must not crash the server).
fn apply(text: &mut String, range: Option<Range>, new_text: &str) {
    match range {
        None => *text = new_text.to_string(),
        Some(range) => {
            let index = LineIndex::new(text);
            let start = index.offset(range.start);
            let end = index.offset(range.end);
            let (start, end) = (start.min(end), start.max(end));
            text.replace_range(start..end, new_text);
        }
    }
}

fn params<P: DeserializeOwned>(message: impl Into<Message>) -> Result<P, Failure> {
    let value = match message.into() {
        Message::Request(r) => r.params,
        Message::Notification(n) => n.params,
        Message::Response(_) => serde_json::Value::Null,
    };
    serde_json::from_value(value).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json(value: impl serde::Serialize) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

fn not_open(uri: &Url) -> Failure {
    (ErrorCode::InvalidParams, format!("`{uri}` is not open"))
}
