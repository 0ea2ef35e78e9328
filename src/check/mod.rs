//! Stage 2, check: AST of every loaded file → [`Spec`] of the root file.
//!
//! Resolves names across files, validates every field against the schema (units by
//! dimension, ranges, enumerated values), applies `from` derivations, and reports every error
//! of every file in one run.
//!
//! INVARIANT: the output holds no AST or pest types; everything later stages need is in
//! [`Spec`], in base units.

mod error;
mod fields;
pub mod limits;
mod lower;
mod measured;
mod model_config;
pub mod schema;
pub mod scope;
pub(crate) mod traffic;
pub mod units;

use std::collections::{BTreeMap, BTreeSet};

pub use error::CheckError;
use fields::{FieldChecker, Fields};
use lower::Reader;
pub use scope::catalog_names;
use scope::{DefId, Scopes};

use crate::diagnostic::{did_you_mean, Diagnostics};
use crate::load::Program;
use crate::source::Span;
use crate::spec::{Device, Model, Objective, Pool, Spec, Workload};
use crate::syntax::ast::{DefKind, Item};

/// Checks a loaded program. `Err` carries every diagnostic found.
pub fn check(program: &Program) -> Result<Spec, Diagnostics> {
    let mut errors = Diagnostics::new();
    let scopes = Scopes::build(program, &mut errors);
    let mut checker =
        Checker { program, scopes: &scopes, errors, own: Vec::new(), resolved: BTreeMap::new() };
    checker.own = scopes
        .defs
        .iter()
        .map(|def| {
            let place = format!("{} `{}`", def.ast.kind.keyword(), def.ast.name.text);
            let mut fc = FieldChecker {
                sources: &program.sources,
                data: &program.data,
                errors: &mut checker.errors,
            };
            fc.block(&def.ast.body, schema::fields_of(def.ast.kind), &place)
        })
        .collect();
    let lowered = checker.lower_all();
    let spec = checker.assemble(&lowered);
    checker.errors.finish(spec)
}

/// A definition turned into its typed form.
enum Lowered {
    Device(Device),
    Model(Model),
    Pool(Pool, DefId),
    Workload(Workload, DefId),
}

struct Checker<'p> {
    program: &'p Program,
    scopes: &'p Scopes<'p>,
    errors: Diagnostics,
    /// Each definition's own fields, validated.
    own: Vec<Fields>,
    /// Fields after `from` derivation (`None`: the derivation failed).
    resolved: BTreeMap<DefId, Option<Fields>>,
}

impl<'p> Checker<'p> {
    /// The fields of `id` with its base's merged beneath, following `from` chains.
    fn derived(&mut self, id: DefId, stack: &mut Vec<DefId>) -> Option<Fields> {
        if let Some(done) = self.resolved.get(&id) {
            return done.clone();
        }
        let def = &self.scopes.defs[id];
        let own = self.own[id].clone();
        let result = match &def.ast.base {
            None => Some(own),
            Some(base) => {
                stack.push(id);
                let resolved = self.scopes.resolve(
                    def.file,
                    &base.text,
                    base.span,
                    def.ast.kind,
                    &mut self.errors,
                );
                let merged = match resolved {
                    Some(base_id) if stack.contains(&base_id) => {
                        let chain: Vec<&str> = stack
                            .iter()
                            .skip_while(|d| **d != base_id)
                            .chain(std::iter::once(&base_id))
                            .map(|d| self.scopes.defs[*d].ast.name.text.as_str())
                            .collect();
                        self.errors.push(CheckError::DerivationCycle {
                            name: def.ast.name.text.clone(),
                            chain: chain.join(" → "),
                            span: base.span,
                        });
                        None
                    }
                    Some(base_id) => self.derived(base_id, stack).map(|b| b.overlay(own)),
                    None => None,
                };
                stack.pop();
                merged
            }
        };
        self.resolved.insert(id, result.clone());
        result
    }

    fn lower_all(&mut self) -> BTreeMap<DefId, Lowered> {
        let mut lowered = BTreeMap::new();
        // Devices and models first: pools and workloads look them up.
        for pass in [[DefKind::Device, DefKind::Model], [DefKind::Pool, DefKind::Workload]] {
            for id in 0..self.scopes.defs.len() {
                let def = &self.scopes.defs[id];
                if !pass.contains(&def.ast.kind) {
                    continue;
                }
                let Some(fields) = self.derived(id, &mut Vec::new()) else { continue };
                if let Some(value) = self.lower(id, &fields, &lowered) {
                    lowered.insert(id, value);
                }
            }
        }
        lowered
    }

    fn lower(
        &mut self,
        id: DefId,
        fields: &Fields,
        done: &BTreeMap<DefId, Lowered>,
    ) -> Option<Lowered> {
        let def = &self.scopes.defs[id];
        let (kind, name, file) = (def.ast.kind, def.ast.name.text.as_str(), def.file);
        // Resolve references first, so their errors come even when other fields are missing.
        let reference = |field: &str| match fields.values.get(field) {
            Some(fields::Checked::Reference { name, span }) => Some((name.clone(), *span)),
            _ => None,
        };
        let target = match kind {
            DefKind::Pool => reference("device").map(|r| (r, DefKind::Device)),
            DefKind::Workload => reference("model").map(|r| (r, DefKind::Model)),
            _ => None,
        };
        let target_id = target
            .and_then(|((n, span), k)| self.scopes.resolve(file, &n, span, k, &mut self.errors));
        let mut reader = Reader {
            fields,
            schema: schema::fields_of(kind),
            place: format!("{} `{name}`", kind.keyword()),
            at: def.ast.name.span,
            errors: &mut self.errors,
        };
        match kind {
            DefKind::Device => lower::device(name, &mut reader).map(Lowered::Device),
            DefKind::Model => lower::model(name, &mut reader).map(Lowered::Model),
            DefKind::Pool => {
                if target_id.is_none() {
                    reader.reference("device");
                }
                let device = match target_id.and_then(|t| done.get(&t)) {
                    Some(Lowered::Device(d)) => Some(d),
                    _ => None,
                };
                lower::pool(name, device, &mut reader)
                    .map(|p| Lowered::Pool(p, target_id.unwrap_or(id)))
            }
            DefKind::Workload => {
                if target_id.is_none() {
                    reader.reference("model");
                }
                let model = match target_id.and_then(|t| done.get(&t)) {
                    Some(Lowered::Model(m)) => Some(m),
                    _ => None,
                };
                lower::workload(name, model, &mut reader)
                    .map(|w| Lowered::Workload(w, target_id.unwrap_or(id)))
            }
        }
    }

    /// The root file's spec: its visible definitions and what they use.
    fn assemble(&mut self, lowered: &BTreeMap<DefId, Lowered>) -> Spec {
        let root = self.program.root;
        let mut wanted: BTreeSet<DefId> = self.scopes.visible(root).map(|(_, id)| id).collect();
        for id in wanted.clone() {
            match lowered.get(&id) {
                Some(Lowered::Pool(_, dep)) | Some(Lowered::Workload(_, dep)) => {
                    wanted.insert(*dep);
                }
                _ => {}
            }
        }
        let mut spec = Spec::default();
        let mut used_names: BTreeMap<String, DefId> = BTreeMap::new();
        for id in wanted {
            let Some(item) = lowered.get(&id) else { continue };
            let def = &self.scopes.defs[id];
            if let Some(other) = used_names.insert(def.ast.name.text.clone(), id) {
                if other != id {
                    self.errors.push(CheckError::NameClash {
                        name: def.ast.name.text.clone(),
                        span: def.ast.name.span,
                    });
                }
            }
            match item {
                Lowered::Device(d) => {
                    spec.devices.insert(d.name.clone(), d.clone());
                }
                Lowered::Model(m) => {
                    spec.models.insert(m.name.clone(), m.clone());
                }
                Lowered::Pool(p, _) => {
                    spec.pools.insert(p.name.clone(), p.clone());
                }
                Lowered::Workload(w, _) => {
                    spec.workloads.insert(w.name.clone(), w.clone());
                }
            }
        }
        self.site_and_objective(&mut spec);
        spec
    }

    fn site_and_objective(&mut self, spec: &mut Spec) {
        let mut site_seen: Option<Span> = None;
        let mut objective_seen: Option<Span> = None;
        for (&file, ast) in &self.program.files {
            for item in &ast.items {
                let (what, span) = match item {
                    Item::Site(site) => ("site", site.span),
                    Item::Objective(objective) => ("objective", objective.span),
                    _ => continue,
                };
                if file != self.program.root {
                    self.errors.push(CheckError::MisplacedItem { item: what.to_string(), span });
                    continue;
                }
                let seen = if what == "site" { &mut site_seen } else { &mut objective_seen };
                if let Some(first) = *seen {
                    self.errors.push(CheckError::DuplicateItem {
                        item: what.to_string(),
                        span,
                        first,
                    });
                    continue;
                }
                *seen = Some(span);
                match item {
                    Item::Site(site) => {
                        let mut fc = FieldChecker {
                            sources: &self.program.sources,
                            data: &self.program.data,
                            errors: &mut self.errors,
                        };
                        let fields = fc.block(&site.body, schema::SITE, "`site`");
                        let mut reader = Reader {
                            fields: &fields,
                            schema: schema::SITE,
                            place: "`site`".to_string(),
                            at: site.span,
                            errors: &mut self.errors,
                        };
                        spec.site = lower::site(&mut reader);
                    }
                    Item::Objective(objective) => {
                        let direction = objective.direction.text.as_str();
                        let metric = objective.metric.text.as_str();
                        match Objective::from_words(direction, metric) {
                            Some(goal) => spec.objective = goal,
                            None => {
                                let metrics = Objective::metrics(direction);
                                let help = match did_you_mean(metric, metrics.iter().copied()) {
                                    Some(best) => format!("did you mean `{direction} {best}`?"),
                                    None => {
                                        let all: Vec<String> = Objective::ALL
                                            .iter()
                                            .map(|(_, d, m)| format!("`{d} {m}`"))
                                            .collect();
                                        format!("fleetplan can {}", all.join(" or "))
                                    }
                                };
                                self.errors.push(CheckError::UnknownObjective {
                                    metric: format!("{direction} {metric}"),
                                    help,
                                    span: objective.metric.span,
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
