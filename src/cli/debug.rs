//! `fleetplan debug ast|spec`: the intermediate forms, as JSON.

use clap::ValueEnum;
use fleetplan::load::Root;
use fleetplan::source::SourceMap;

use super::output::Output;
use super::{compile, root_or_report, Status};

#[derive(clap::Args)]
pub struct DebugArgs {
    #[arg(value_enum)]
    form: DebugForm,
    /// A `.fleet` file; `-` reads standard input.
    file: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum DebugForm {
    /// The syntax tree of the file itself (JSON).
    Ast,
    /// The checked spec of the file and its imports (JSON).
    Spec,
}

pub fn run(args: &DebugArgs, out: &mut Output) -> Status {
    match args.form {
        DebugForm::Spec => {
            out.result_named("spec");
            match compile(&args.file, out) {
                Some(spec) => {
                    out.json(&spec);
                    Status::Success
                }
                None => Status::Invalid,
            }
        }
        DebugForm::Ast => {
            out.result_named("ast");
            let Some(root) = root_or_report(&args.file, out) else { return Status::Invalid };
            let (name, text) = match root {
                Root::Path(path) => match fleetplan::load::read_root(&path) {
                    Ok(text) => (path.display().to_string(), text),
                    Err(e) => {
                        out.root_error(&e);
                        return Status::Invalid;
                    }
                },
                Root::Stdin(text) => ("<stdin>".to_string(), text),
                Root::Text { name, text } => (name, text),
            };
            let mut sources = SourceMap::new();
            let id = sources.add(name, text);
            let (ast, errors) = fleetplan::syntax::parse_file(id, sources.text(id));
            if !errors.is_empty() {
                out.report(&sources, &errors);
            }
            match ast {
                Some(ast) if errors.is_empty() => {
                    out.json(&ast);
                    Status::Success
                }
                _ => Status::Invalid,
            }
        }
    }
}
