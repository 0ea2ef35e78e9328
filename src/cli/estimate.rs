//! `fleetplan estimate`: one instance of a model on a device, the model from the catalog, a
//! `.fleet` file or a Hugging Face config.

use fleetplan::load::Root;

use super::args::{parse_duration, parse_precision, Format};
use super::output::Output;
use super::{compile, Status};

#[derive(clap::Args)]
pub struct EstimateArgs {
    /// Model name (standard catalog, or `--file`).
    #[arg(long, required_unless_present = "model_config")]
    model: Option<String>,
    /// A Hugging Face `config.json` to read the model from instead (docs/models.md).
    #[arg(long, conflicts_with = "model")]
    model_config: Option<String>,
    /// With `--model-config`: its `hf_quant_config.json`, for the weights' precision.
    #[arg(long, requires = "model_config")]
    quant_config: Option<String>,
    /// Device name (standard catalog, or `--file`).
    #[arg(long)]
    device: String,
    /// Devices in the instance (tensor parallel; chips for SRAM parts), 1 to 4096. Default:
    /// the fewest that hold the model.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    tp: Option<u32>,
    /// Decode batch, 1 to 1000000. Default: the largest that fits (and meets `--tpot`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    batch: Option<u32>,
    /// Prompt tokens per request (1 to 10000000).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    input: u32,
    /// Output tokens per request (1 to 10000000).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    output: u32,
    /// Weight precision (default: the model's).
    #[arg(long, value_parser = parse_precision)]
    weights: Option<fleetplan::spec::Precision>,
    /// KV-cache precision (default: the model's).
    #[arg(long, value_parser = parse_precision)]
    kv_cache: Option<fleetplan::spec::Precision>,
    /// Time-per-output-token bound, such as `50ms`.
    #[arg(long, value_parser = parse_duration)]
    tpot: Option<f64>,
    /// Time-to-first-token bound, such as `1s`.
    #[arg(long, value_parser = parse_duration)]
    ttft: Option<f64>,
    /// A `.fleet` file whose definitions are looked up before the catalog.
    #[arg(long)]
    file: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: &EstimateArgs, out: &mut Output) -> Status {
    out.result_named("estimate");
    let catalog = Root::Text {
        name: "<catalog>".into(),
        text: "use std.hardware.*\nuse std.models.*\n".into(),
    };
    let Some(catalog) = fleetplan::compile(catalog).ok().and_then(|c| c.result.ok()) else {
        out.error(
            "fleet::internal",
            "the standard catalog does not compile".into(),
            "this is a bug in fleetplan: please report it",
        );
        return Status::Invalid;
    };
    let user = match &args.file {
        Some(file) => match compile(file, out) {
            Some(spec) => Some(spec),
            None => return Status::Invalid,
        },
        None => None,
    };
    let from_config = match &args.model_config {
        Some(path) => match model_from_config_file(path, args.quant_config.as_deref()) {
            Ok(model) => Some(model),
            Err((code, message, help)) => {
                out.error(code, message, &help);
                return Status::Invalid;
            }
        },
        None => None,
    };
    let mut name = args.model.clone().unwrap_or_default();
    // A Hugging Face id (`meta-llama/Llama-3.1-8B-Instruct`) names a catalog model.
    if name.contains('/') {
        if let Some(alias) = fleetplan::catalog::model_for_hf_id(&name) {
            out.note(&format!("note: `{name}` is the catalog's `{alias}`\n"));
            name = alias;
        }
    }
    let model = from_config.as_ref().or_else(|| {
        user.as_ref().and_then(|s| s.models.get(&name)).or_else(|| catalog.models.get(&name))
    });
    let device = user
        .as_ref()
        .and_then(|s| s.devices.get(&args.device))
        .or_else(|| catalog.devices.get(&args.device));
    let (Some(model), Some(device)) = (model, device) else {
        let mut missing = Vec::new();
        let mut helps = Vec::new();
        let mut suggest = |what: &str, name: &str, known: Vec<&str>, list: &str| {
            missing.push(format!("{what} `{name}`"));
            helps.push(match fleetplan::diagnostic::did_you_mean(name, known) {
                Some(best) => format!("did you mean {what} `{best}`?"),
                None => format!("`fleetplan catalog {list}` lists the catalog's {list}"),
            });
        };
        if model.is_none() {
            let known = user.iter().flat_map(|s| s.models.keys()).chain(catalog.models.keys());
            suggest("model", &name, known.map(String::as_str).collect(), "models");
        }
        if device.is_none() {
            let known = user.iter().flat_map(|s| s.devices.keys()).chain(catalog.devices.keys());
            suggest("device", &args.device, known.map(String::as_str).collect(), "devices");
        }
        out.error(
            "fleet::unknown_name",
            format!("unknown {}", missing.join(" and ")),
            &helps.join("; "),
        );
        return Status::Invalid;
    };
    let request = fleetplan::perf::EstimateRequest {
        model,
        device,
        devices: args.tp,
        batch: args.batch,
        input_tokens: f64::from(args.input),
        output_tokens: f64::from(args.output),
        weights: args.weights,
        kv_cache: args.kv_cache,
        tpot_s: args.tpot,
        ttft_s: args.ttft,
    };
    let estimate = fleetplan::perf::estimate(&request);
    match args.format {
        Format::Text => out.text(&fleetplan::report::estimate_text(&estimate)),
        Format::Json => out.json(&estimate),
    }
    Status::Success
}

/// `estimate --model-config`: the model a Hugging Face config describes, named after its file;
/// or the error's code, message and help.
fn model_from_config_file(
    path: &str,
    quant: Option<&str>,
) -> Result<fleetplan::spec::Model, (&'static str, String, String)> {
    let read = |p: &str| {
        fleetplan::load::read_data_file(std::path::Path::new(p), fleetplan::load::FileKind::Data)
            .map_err(|e| (e.code(), format!("cannot read `{p}`: {e}"), e.help()))
    };
    let text = read(path)?;
    let quant = quant.map(read).transpose()?;
    let name = std::path::Path::new(path)
        .file_stem()
        .map_or("model".to_string(), |s| s.to_string_lossy().replace(['-', '.'], "_"));
    let span = fleetplan::source::Span::new(fleetplan::source::FileId(0), 0, 0);
    fleetplan::hf::model_from_config(&name, &text, quant.as_deref(), span)
        .map(|m| {
            // What the config holds that the model leaves out, said once on stderr.
            for note in &m.notes {
                super::output::write_stderr(&format!("note: {path}: {note}\n"));
            }
            m.model
        })
        .map_err(|problems| {
            let all: Vec<String> = problems.iter().map(|p| p.message()).collect();
            (
                "fleet::model_config",
                format!("`{path}` is not a model config fleetplan can read: {}", all.join("; ")),
                "a model config is a Hugging Face `config.json` (docs/models.md)".to_string(),
            )
        })
}
