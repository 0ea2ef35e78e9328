//! Infeasible plans, explained against the source: an SLO that no candidate meets (with the
//! best any candidate reaches), or a pool or site limit that binds (with how much more the
//! plan would need).

use crate::check::units::duration_text;
use miette::Diagnostic;
use thiserror::Error;

use super::program::{solve_with_slacks, Limits, Scope};
use super::{Options, Solver};
use crate::diagnostic::{Diagnostics, StageError};
use crate::graph::CandidateGraph;
use crate::perf::{self, Role};
use crate::source::Span;
use crate::spec::{Metric, Percentile, Spec};

/// Why the solver gave no plan.
#[derive(Debug, Error)]
pub enum SolveError {
    #[error("the program is infeasible")]
    Infeasible,
    #[error("{0}")]
    Other(String),
}

/// Errors of the solve stage.
#[derive(Debug, Error, Diagnostic)]
pub enum PlanError {
    #[error("no candidate meets `{bound}` for workload `{workload}`")]
    #[diagnostic(code(fleet::slo_unreachable), help("{help}"))]
    SloUnreachable {
        workload: String,
        bound: String,
        help: String,
        #[label("{best}")]
        span: Span,
        best: String,
    },

    #[error("no pool can serve the {phase} of workload `{workload}`")]
    #[diagnostic(code(fleet::no_candidate), help("{help}"))]
    NoCandidate {
        workload: String,
        phase: String,
        help: String,
        #[label("no candidate for its {phase}")]
        span: Span,
    },

    #[error("pool `{pool}` is too small: the plan needs {needed} devices, `max` allows {max}")]
    #[diagnostic(
        code(fleet::pool_limit),
        help("raise `max` to at least {needed}, or add another pool the workloads can use")
    )]
    PoolLimit {
        pool: String,
        max: u32,
        needed: u32,
        #[label("{extra} more devices needed")]
        span: Span,
        extra: u32,
    },

    #[error("the site {what} limit binds: the cheapest plan needs {needed}, the limit is {limit}")]
    #[diagnostic(
        code(fleet::site_limit),
        help("raise the site `{field}` to at least {needed}, or relax the workloads")
    )]
    SiteLimit {
        what: String,
        field: String,
        needed: String,
        limit: String,
        #[label("binds")]
        span: Span,
    },

    #[error("no plan meets every limit")]
    #[diagnostic(code(fleet::infeasible), help("{help}"))]
    Infeasible {
        help: String,
        #[label("for example, this workload cannot be placed")]
        span: Span,
    },

    #[error("the solver failed: {message}")]
    #[diagnostic(code(fleet::solver_error), help("{help}"))]
    Solver {
        message: String,
        help: String,
        #[label("while planning this workload")]
        span: Span,
    },
}

impl StageError for PlanError {
    fn span(&self) -> Span {
        match self {
            PlanError::SloUnreachable { span, .. }
            | PlanError::NoCandidate { span, .. }
            | PlanError::PoolLimit { span, .. }
            | PlanError::SiteLimit { span, .. }
            | PlanError::Infeasible { span, .. }
            | PlanError::Solver { span, .. } => *span,
        }
    }
}

/// What to try when the solver gives up: the other solver only when it is not the one that
/// failed.
pub(super) fn solver_help(options: &Options) -> String {
    let other = match options.solver {
        Solver::Microlp => "",
        Solver::Highs => "`--solver microlp`, ",
    };
    format!(
        "try {other}a larger `--time-limit` (now {} s) or a larger `--mip-gap` (now {})",
        options.time_limit_s, options.mip_gap
    )
}

fn percentile_text(p: Percentile) -> String {
    match p {
        Percentile::Mean => "mean".to_string(),
        Percentile::P(v) => format!("p{v}"),
    }
}

/// Workloads with a phase that no candidate can serve, each explained at its SLO bound.
pub fn missing_candidates(spec: &Spec, g: &CandidateGraph) -> Option<Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    // The roles each workload has candidates in, and its rejections: one pass each (a large
    // fleet has ~10⁵ of both, so scanning them per workload would be quadratic).
    let mut served: std::collections::BTreeSet<(&str, Role)> = std::collections::BTreeSet::new();
    for c in &g.candidates {
        served.insert((c.workload.as_str(), c.role));
    }
    let mut rejected: std::collections::BTreeMap<&str, Vec<&perf::Rejected>> =
        std::collections::BTreeMap::new();
    for r in &g.rejected {
        rejected.entry(r.workload.as_str()).or_default().push(r);
    }
    for workload in spec.workloads.values() {
        for (phase, roles, metric) in [
            ("prefill", [Role::Prefill, Role::Aggregated], Metric::Ttft),
            ("decode", [Role::Decode, Role::Aggregated], Metric::Tpot),
        ] {
            if roles.iter().any(|&role| served.contains(&(workload.name.as_str(), role))) {
                continue;
            }
            let misses: Vec<&perf::Rejected> = rejected
                .get(workload.name.as_str())
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .copied()
                .filter(|r| roles.contains(&r.role))
                .collect();
            let best = misses
                .iter()
                .filter_map(|r| Some((r.best_s?, r.metric?, *r)))
                .filter(|(_, m, _)| perf::bound(workload, *m).is_some())
                // The phase's own metric first (TTFT for prefill, TPOT for decode).
                .min_by(|a, b| (a.1 != metric).cmp(&(b.1 != metric)).then(a.0.total_cmp(&b.0)));
            match best.and_then(|(best_s, m, r)| {
                let bound = perf::bound(workload, m)?;
                Some((best_s, bound, r))
            }) {
                Some((best_s, bound, r)) => {
                    let text = format!(
                        "{} {} <= {}",
                        bound.metric.name(),
                        percentile_text(bound.percentile),
                        duration_text(bound.limit_s)
                    );
                    diagnostics.push(PlanError::SloUnreachable {
                        workload: workload.name.clone(),
                        bound: text,
                        help: format!(
                            "relax the bound to at least {}, or add a pool of faster devices",
                            duration_text(best_s)
                        ),
                        span: bound.span,
                        best: format!(
                            "the fastest candidate, {} ×{} ({}), reaches {}",
                            r.pool,
                            r.devices,
                            r.role.name(),
                            duration_text(best_s)
                        ),
                    });
                }
                None => {
                    let reason = misses.first().map_or_else(
                        || "no pool holds a device that computes".to_string(),
                        |r| {
                            format!(
                                "on pool `{}`, {} device{}: {}",
                                r.pool,
                                r.devices,
                                if r.devices == 1 { "" } else { "s" },
                                r.reason
                            )
                        },
                    );
                    diagnostics.push(PlanError::NoCandidate {
                        workload: workload.name.clone(),
                        phase: phase.to_string(),
                        help: format!(
                            "{reason}; add a pool of larger devices or raise a pool's `max`"
                        ),
                        span: workload.span,
                    });
                }
            }
        }
    }
    if diagnostics.is_empty() {
        None
    } else {
        Some(diagnostics)
    }
}

/// Re-solves with elastic limits and reports each limit that needed slack.
pub fn explain_infeasible(spec: &Spec, g: &CandidateGraph, options: &Options) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let first = spec.workloads.values().next().map(|w| w.span);
    match solve_with_slacks(spec, g, options, Limits::Elastic, &Scope::whole(g)) {
        Ok((_, slacks)) => {
            for (pool, extra) in &slacks.pools {
                let Some(p) = spec.pools.get(pool) else { continue };
                let extra = extra.ceil() as u32;
                diagnostics.push(PlanError::PoolLimit {
                    pool: pool.clone(),
                    max: p.max_devices,
                    needed: p.max_devices + extra,
                    span: p.max_span,
                    extra,
                });
            }
            if slacks.power_watts > 1e-3 {
                if let (Some(limit), Some(span)) = (spec.site.max_power_watts, spec.site.power_span)
                {
                    diagnostics.push(PlanError::SiteLimit {
                        what: "power".into(),
                        field: "power".into(),
                        needed: format!("{:.1} kW", (limit + slacks.power_watts) / 1e3),
                        limit: format!("{:.1} kW", limit / 1e3),
                        span,
                    });
                }
            }
            if slacks.budget_usd_per_hour > 1e-6 {
                if let (Some(limit), Some(span)) =
                    (spec.site.budget_usd_per_hour, spec.site.budget_span)
                {
                    diagnostics.push(PlanError::SiteLimit {
                        what: "budget".into(),
                        field: "budget".into(),
                        needed: format!("{:.2} $/h", limit + slacks.budget_usd_per_hour),
                        limit: format!("{limit:.2} $/h"),
                        span,
                    });
                }
            }
        }
        Err(error) => {
            if let Some(span) = first {
                diagnostics.push(PlanError::Solver {
                    message: error.to_string(),
                    help: solver_help(options),
                    span,
                });
            }
        }
    }
    if diagnostics.is_empty() {
        if let Some(span) = first {
            diagnostics.push(PlanError::Infeasible {
                help: "the memory tiers or pool minimums may conflict; `fleetplan explain` shows each workload's candidates".into(),
                span,
            });
        }
    }
    diagnostics
}
