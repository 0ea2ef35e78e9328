//! The event loop: prefill servers (FCFS), KV transfers, decode and aggregated instances
//! (continuous batching, chunked prefill), in simulated time.
//!
//! Times are seconds. Every service time comes from `perf` (through `Kind`); this file only
//! schedules. Events at the same time run in the order they were scheduled (a sequence number
//! breaks ties), so a seed gives one history.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, VecDeque};

use super::queue::FcfsServer;
use super::rng::Rng;
use crate::perf::{self, Role};

/// One request as generated or read from a trace, in arrival order.
#[derive(Clone, Copy, Debug)]
pub(super) struct Arrival {
    pub time: f64,
    pub workload: u32,
    pub input: u32,
    pub output: u32,
}

/// What every instance of one chosen candidate does: its perf instance and its limits.
pub(super) struct Kind<'a> {
    pub role: Role,
    pub instance: perf::Instance<'a>,
    /// Decode batch cap (an engine's `max_num_seqs`): the planned batch, or an aggregated
    /// candidate's batch limit (perf (7)).
    pub batch_cap: u32,
    /// The planned batch, the unit of load for routing.
    pub planned_batch: u32,
    /// KV bytes the instance holds (perf equation (1)).
    pub kv_capacity: f64,
    /// Aggregated: the candidate's step budget `T` (perf (7)), which prompt chunks fill each
    /// step up to.
    pub step_budget_s: f64,
    /// Aggregated: the prefill part of a step at the batch limit, `T − t_step(cap)` (at the
    /// planner's context): the least prefill time a step with waiting prompts gets.
    pub chunk_floor_s: f64,
    /// Width of a context bucket for the step-time cache, in tokens.
    pub bucket: f64,
    pub step_cache: HashMap<(u32, u32), f64>,
    /// (new, cached) → (service time alone, prefill work in a chunked step).
    pub prefill_cache: HashMap<(u32, u32), (f64, f64)>,
}

impl Kind<'_> {
    /// Decode step of `batch` sequences at mean context `context` (perf (3)), cached by batch
    /// and context bucket.
    fn step_time(&mut self, batch: u32, context: f64) -> f64 {
        let bucket = (context / self.bucket).round().max(1.0) as u32;
        let instance = self.instance;
        let width = self.bucket;
        *self.step_cache.entry((batch, bucket)).or_insert_with(|| {
            instance.decode_step(f64::from(batch), f64::from(bucket) * width).time_s
        })
    }

    /// Prefill of `new` tokens after `cached` loaded ones (perf (4), (10)): the time alone and
    /// the compute and communication a chunked step pays for it (perf (7)'s `t_pf`).
    fn prefill(&mut self, new: u32, cached: u32) -> (f64, f64) {
        let instance = self.instance;
        *self.prefill_cache.entry((new, cached)).or_insert_with(|| {
            let step = instance.prefill_after(f64::from(new), f64::from(cached));
            (step.time_s, step.compute_s + step.communication_s)
        })
    }
}

/// A workload's instances, by role, and how its requests are drawn.
pub(super) struct Route {
    pub prefill: Vec<usize>,
    pub decode: Vec<usize>,
    pub aggregated: Vec<usize>,
    /// Probability that a request's prompt is prefilled on an aggregated instance (else on a
    /// prefill instance).
    pub prefill_on_aggregated: f64,
    /// Probability that a request decodes on an aggregated instance (else on a decode
    /// instance). Prompts prefilled on an aggregated instance decode there when they can.
    pub decode_on_aggregated: f64,
    /// Memory tiers holding its retained KV: (cumulative share, read bytes per second).
    pub tiers: Vec<(f64, f64)>,
    pub reuse: f64,
    pub rng: Rng,
}

#[derive(Clone, Copy, Debug, Default)]
struct Req {
    arrival: f64,
    first: f64,
    /// KV bytes of the whole sequence (prompt and output).
    kv: f64,
    input: u32,
    output: u32,
    cached: u32,
    workload: u32,
    counted: bool,
    kv_held: bool,
    /// Whether it decodes on an aggregated instance (drawn when its prefill starts).
    decode_aggregated: bool,
    /// Aggregated: prompt tokens still to prefill.
    prefill_left: f64,
}

/// One running instance.
#[derive(Default)]
struct Inst {
    kind: usize,
    /// Prefill server.
    server: FcfsServer,
    nic_free_at: f64,
    // Continuous batching.
    active: u32,
    kv_used: f64,
    context_sum: f64,
    steps: u64,
    stepping: bool,
    finish: BinaryHeap<Reverse<(u64, u32)>>,
    first_in_step: Vec<u32>,
    waiting: VecDeque<u32>,
    prompts: VecDeque<u32>,
    chunks: Vec<(u32, f64)>,
    assigned: u32,
    // Statistics over the measurement window.
    last: f64,
    pub busy: f64,
    pub queue_area: f64,
    pub batch_area: f64,
    pub max_queue: u32,
}

/// Per-instance figures over the window, for the report.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct InstStats {
    pub kind: usize,
    pub busy_s: f64,
    pub queue_area: f64,
    pub batch_area: f64,
    pub max_queue: u32,
}

/// Latencies of the counted requests of one workload, in seconds.
#[derive(Clone, Debug, Default)]
pub(super) struct Samples {
    pub ttft: Vec<f64>,
    pub tpot: Vec<f64>,
    pub e2e: Vec<f64>,
    /// Counted requests no instance could take (no route).
    pub unserved: u64,
}

#[derive(Clone, Copy, Debug)]
enum What {
    /// After loading retained KV from a tier, the prompt joins a prefill queue.
    Join(u32),
    PrefillDone(u32, usize),
    KvArrived(u32, usize),
    StepEnd(usize),
}

struct Event {
    time: f64,
    seq: u64,
    what: What,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed: the heap pops the earliest time, then the earliest scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        other.time.total_cmp(&self.time).then(other.seq.cmp(&self.seq))
    }
}

/// The measurement window: from the first counted arrival to the last arrival.
#[derive(Clone, Copy, Debug)]
pub(super) struct Window {
    pub start: f64,
    pub end: f64,
}

impl Window {
    fn overlap(&self, a: f64, b: f64) -> f64 {
        (b.min(self.end) - a.max(self.start)).max(0.0)
    }
}

/// What a run gives back.
pub(super) struct Outcome {
    pub samples: Vec<Samples>,
    pub instances: Vec<InstStats>,
}

pub(super) struct Engine<'a, 'k> {
    kinds: &'k mut [Kind<'a>],
    routes: &'k mut [Route],
    /// KV bytes of a sequence of this many tokens, per workload.
    kv_of: &'k dyn Fn(usize, f64) -> f64,
    insts: Vec<Inst>,
    reqs: Vec<Req>,
    heap: BinaryHeap<Event>,
    seq: u64,
    window: Window,
    samples: Vec<Samples>,
}

/// Relative tolerance under which a prompt's prefill counts as done (chunks are fractional).
const DONE: f64 = 1e-9;

impl<'a, 'k> Engine<'a, 'k> {
    pub fn new(
        kinds: &'k mut [Kind<'a>],
        routes: &'k mut [Route],
        instance_kinds: &[usize],
        kv_of: &'k dyn Fn(usize, f64) -> f64,
        window: Window,
    ) -> Self {
        let insts = instance_kinds.iter().map(|&kind| Inst { kind, ..Inst::default() }).collect();
        let samples = (0..routes.len()).map(|_| Samples::default()).collect();
        Engine {
            kinds,
            routes,
            kv_of,
            insts,
            reqs: Vec::new(),
            heap: BinaryHeap::new(),
            seq: 0,
            window,
            samples,
        }
    }

    fn schedule(&mut self, time: f64, what: What) {
        self.seq += 1;
        self.heap.push(Event { time, seq: self.seq, what });
    }

    /// Runs every arrival to completion; arrivals before index `warmup` are not measured.
    pub fn run(
        mut self,
        arrivals: &[Arrival],
        warmup: usize,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Outcome {
        self.reqs.reserve(arrivals.len());
        let total = arrivals.len() as u64;
        let tick = (total / 100).max(1);
        let mut next = 0usize;
        loop {
            let take_arrival = next < arrivals.len()
                && self.heap.peek().is_none_or(|e| arrivals[next].time <= e.time);
            if take_arrival {
                self.arrive(&arrivals[next], next >= warmup);
                next += 1;
                if (next as u64).is_multiple_of(tick) {
                    progress(next as u64, total);
                }
                continue;
            }
            let Some(event) = self.heap.pop() else { break };
            let now = event.time;
            match event.what {
                What::Join(r) => self.join(r, now),
                What::PrefillDone(r, i) => self.prefill_done(r, i, now),
                What::KvArrived(r, i) => {
                    self.account(i, now);
                    self.insts[i].waiting.push_back(r);
                    self.note_queue(i, now);
                    if !self.insts[i].stepping {
                        self.start_step(i, now);
                    }
                }
                What::StepEnd(i) => self.step_end(i, now),
            }
        }
        let instances = self
            .insts
            .iter()
            .map(|inst| InstStats {
                kind: inst.kind,
                busy_s: inst.busy,
                queue_area: inst.queue_area,
                batch_area: inst.batch_area,
                max_queue: inst.max_queue,
            })
            .collect();
        Outcome { samples: self.samples, instances }
    }

    fn arrive(&mut self, a: &Arrival, counted: bool) {
        let w = a.workload as usize;
        let r = self.reqs.len() as u32;
        let kv = (self.kv_of)(w, f64::from(a.input) + f64::from(a.output));
        let route = &mut self.routes[w];
        // A hit loads `reuse` of the prompt from the tier holding the session (each tier with
        // its share of the workload's retained KV); the rest is prefilled.
        let u = route.rng.uniform();
        let mut load_s = 0.0;
        let mut cached = 0u32;
        if let Some(&(_, read)) = route.tiers.iter().find(|(cumulative, _)| u < *cumulative) {
            let reused = (route.reuse * f64::from(a.input)).round() as u32;
            cached = reused.min(a.input.saturating_sub(1));
            if cached > 0 {
                load_s = (self.kv_of)(w, f64::from(cached)) / read.max(1.0);
            }
        }
        self.reqs.push(Req {
            arrival: a.time,
            first: f64::NAN,
            kv,
            input: a.input,
            output: a.output.max(1),
            cached,
            workload: a.workload,
            counted,
            kv_held: false,
            decode_aggregated: false,
            prefill_left: f64::from(a.input - cached),
        });
        if load_s > 0.0 {
            self.schedule(a.time + load_s, What::Join(r));
        } else {
            self.join(r, a.time);
        }
    }

    fn unserved(&mut self, r: u32) {
        let req = self.reqs[r as usize];
        if req.counted {
            let s = &mut self.samples[req.workload as usize];
            s.unserved += 1;
            s.ttft.push(f64::INFINITY);
            s.e2e.push(f64::INFINITY);
            if req.output > 1 {
                s.tpot.push(f64::INFINITY);
            }
        }
    }

    /// Routes a prompt to the prefill phase: to an aggregated instance with the workload's
    /// share, else to the prefill instance where it would finish first; and draws where it
    /// will decode, so that both phases split as the plan's capacities do.
    fn join(&mut self, r: u32, now: f64) {
        let req = self.reqs[r as usize];
        let route = &mut self.routes[req.workload as usize];
        let on_aggregated = if route.aggregated.is_empty() {
            false
        } else if route.prefill.is_empty() {
            true
        } else {
            route.rng.uniform() < route.prefill_on_aggregated
        };
        let (pa, pb) = (route.prefill_on_aggregated, route.decode_on_aggregated);
        let decode_aggregated = if route.aggregated.is_empty() {
            false
        } else if route.decode.is_empty() {
            true
        } else if on_aggregated {
            // Local decode with probability pb/pa: the rest is sent to decode instances.
            route.rng.uniform() * pa < pb
        } else {
            // Sent to an aggregated instance with probability (pb − pa)/(1 − pa).
            route.rng.uniform() * (1.0 - pa) < pb - pa
        };
        self.reqs[r as usize].decode_aggregated = decode_aggregated;
        if on_aggregated {
            let i = self.least_loaded_aggregated(req.workload as usize);
            self.account(i, now);
            self.insts[i].prompts.push_back(r);
            self.note_queue(i, now);
            if !self.insts[i].stepping {
                self.start_step(i, now);
            }
            return;
        }
        if self.routes[req.workload as usize].prefill.is_empty() {
            self.unserved(r);
            return;
        }
        let new = req.input - req.cached;
        let mut best = (f64::INFINITY, usize::MAX, 0.0);
        for idx in 0..self.routes[req.workload as usize].prefill.len() {
            let i = self.routes[req.workload as usize].prefill[idx];
            let kind = self.insts[i].kind;
            let (service, _) = self.kinds[kind].prefill(new, req.cached);
            let done = self.insts[i].server.completion(now, service);
            if done < best.0 {
                best = (done, i, service);
            }
        }
        let (_, i, service) = best;
        let window = self.window;
        let inst = &mut self.insts[i];
        let admitted = inst.server.admit(now, service);
        if now >= window.start {
            inst.max_queue = inst.max_queue.max(admitted.queue as u32);
        }
        inst.queue_area += window.overlap(now, admitted.start);
        inst.busy += window.overlap(admitted.start, admitted.end);
        self.schedule(admitted.end, What::PrefillDone(r, i));
    }

    /// Least loaded aggregated instance: fewest requests in it (prompts, and sequences in
    /// transfer, waiting or decoding) per batch slot; the first on ties.
    fn least_loaded_aggregated(&self, w: usize) -> usize {
        let mut best = (f64::INFINITY, usize::MAX);
        for &i in &self.routes[w].aggregated {
            let inst = &self.insts[i];
            let load = inst.prompts.len() as f64 + f64::from(inst.assigned);
            let load = load / f64::from(self.kinds[inst.kind].planned_batch.max(1));
            if load < best.0 {
                best = (load, i);
            }
        }
        best.1
    }

    fn prefill_done(&mut self, r: u32, i: usize, now: f64) {
        self.send(r, i, now);
    }

    /// A prompt is prefilled on instance `i` and decodes elsewhere: its KV goes over `i`'s NIC
    /// (one transfer after another) to the least-loaded decode instance (fewest sequences
    /// assigned, in transfer, waiting or decoding, per batch slot), or to an aggregated one.
    fn send(&mut self, r: u32, i: usize, now: f64) {
        let req = self.reqs[r as usize];
        let w = req.workload as usize;
        let d = if req.decode_aggregated {
            self.least_loaded_aggregated(w)
        } else {
            let mut best = (f64::INFINITY, usize::MAX);
            for &d in &self.routes[w].decode {
                let inst = &self.insts[d];
                let load = f64::from(inst.assigned)
                    / f64::from(self.kinds[inst.kind].planned_batch.max(1));
                if load < best.0 {
                    best = (load, d);
                }
            }
            best.1
        };
        if d == usize::MAX {
            self.unserved(r);
            return;
        }
        self.insts[d].assigned += 1;
        let transfer = self.kinds[self.insts[i].kind].instance.kv_transfer_s(f64::from(req.input));
        let start = self.insts[i].nic_free_at.max(now);
        let arrive = start + if transfer.is_finite() { transfer } else { 0.0 };
        self.insts[i].nic_free_at = arrive;
        self.schedule(arrive, What::KvArrived(r, d));
    }

    /// Integrates queue length and batch over time up to `now`.
    fn account(&mut self, i: usize, now: f64) {
        let window = self.window;
        let inst = &mut self.insts[i];
        let dt = window.overlap(inst.last, now);
        inst.queue_area += (inst.waiting.len() + inst.prompts.len()) as f64 * dt;
        inst.batch_area += f64::from(inst.active) * dt;
        inst.last = now;
    }

    fn note_queue(&mut self, i: usize, now: f64) {
        if now >= self.window.start {
            let inst = &mut self.insts[i];
            inst.max_queue = inst.max_queue.max((inst.waiting.len() + inst.prompts.len()) as u32);
        }
    }

    /// Starts a step: admits waiting sequences (FCFS, while the batch is below its cap and
    /// the sequence's whole KV fits), and on aggregated instances adds prompt chunks.
    fn start_step(&mut self, i: usize, now: f64) {
        self.account(i, now);
        let kind_index = self.insts[i].kind;
        let kind = &mut self.kinds[kind_index];
        let inst = &mut self.insts[i];
        while let Some(&r) = inst.waiting.front() {
            if inst.active >= kind.batch_cap.max(1) {
                break;
            }
            let req = &mut self.reqs[r as usize];
            let need = if req.kv_held { 0.0 } else { req.kv };
            // A sequence larger than the whole KV memory runs alone rather than never.
            if inst.kv_used + need > kind.kv_capacity && inst.active > 0 {
                break;
            }
            inst.waiting.pop_front();
            inst.active += 1;
            inst.kv_used += need;
            req.kv_held = true;
            inst.context_sum += f64::from(req.input);
            inst.finish.push(Reverse((inst.steps + u64::from(req.output) - 1, r)));
            inst.first_in_step.push(r);
        }
        let mut time = if inst.active > 0 {
            kind.step_time(inst.active, inst.context_sum / f64::from(inst.active))
        } else {
            0.0
        };
        if kind.role == Role::Aggregated && !inst.prompts.is_empty() {
            // Chunked prefill: prompt tokens, FCFS, until the step reaches the budget `T`, and
            // at least `T − t_step(cap)` (when the batch's context runs above the planner's);
            // alone (no decode) at least the whole first prompt.
            let mut budget = (kind.step_budget_s - time).max(kind.chunk_floor_s);
            for &r in inst.prompts.iter() {
                if budget <= 0.0 {
                    break;
                }
                let req = &mut self.reqs[r as usize];
                if !req.kv_held {
                    if inst.kv_used + req.kv > kind.kv_capacity
                        && (inst.active > 0 || inst.kv_used > 0.0)
                    {
                        break;
                    }
                    inst.kv_used += req.kv;
                    req.kv_held = true;
                }
                let new = req.input - req.cached;
                let (_, work) = kind.prefill(new, req.cached);
                let per_token = work / f64::from(new.max(1));
                if inst.active == 0 && inst.chunks.is_empty() {
                    budget = budget.max(req.prefill_left * per_token);
                }
                let tokens = if per_token > 0.0 {
                    (budget / per_token).min(req.prefill_left)
                } else {
                    req.prefill_left
                };
                inst.chunks.push((r, tokens));
                time += tokens * per_token;
                budget -= tokens * per_token;
                if tokens < req.prefill_left * (1.0 - DONE) {
                    break;
                }
            }
        }
        if time <= 0.0 && inst.active == 0 && inst.chunks.is_empty() {
            inst.stepping = false;
            return;
        }
        inst.stepping = true;
        inst.busy += self.window.overlap(now, now + time);
        self.schedule(now + time, What::StepEnd(i));
    }

    fn step_end(&mut self, i: usize, now: f64) {
        self.account(i, now);
        let inst = &mut self.insts[i];
        for r in inst.first_in_step.drain(..) {
            self.reqs[r as usize].first = now;
        }
        inst.steps += 1;
        inst.context_sum += f64::from(inst.active);
        while let Some(&Reverse((last, r))) = inst.finish.peek() {
            if last >= inst.steps {
                break;
            }
            inst.finish.pop();
            let req = self.reqs[r as usize];
            inst.active -= 1;
            inst.assigned = inst.assigned.saturating_sub(1);
            inst.kv_used = (inst.kv_used - req.kv).max(0.0);
            inst.context_sum -= f64::from(req.input) + f64::from(req.output);
            if req.counted {
                let s = &mut self.samples[req.workload as usize];
                s.ttft.push(req.first - req.arrival);
                s.e2e.push(now - req.arrival);
                if req.output > 1 {
                    s.tpot.push((now - req.first) / f64::from(req.output - 1));
                }
            }
        }
        if inst.active == 0 {
            inst.context_sum = 0.0;
        }
        let mut sent = Vec::new();
        for (r, tokens) in inst.chunks.drain(..) {
            let req = &mut self.reqs[r as usize];
            req.prefill_left -= tokens;
        }
        while let Some(&r) = inst.prompts.front() {
            let req = &self.reqs[r as usize];
            let new = f64::from(req.input - req.cached);
            if req.prefill_left > new * DONE {
                break;
            }
            inst.prompts.pop_front();
            if self.reqs[r as usize].decode_aggregated {
                inst.assigned += 1;
                inst.waiting.push_back(r);
            } else {
                // Decodes on a decode instance: the KV leaves this one.
                let req = &mut self.reqs[r as usize];
                inst.kv_used = (inst.kv_used - req.kv).max(0.0);
                req.kv_held = false;
                sent.push(r);
            }
        }
        for r in sent {
            self.send(r, i, now);
        }
        self.start_step(i, now);
    }
}
