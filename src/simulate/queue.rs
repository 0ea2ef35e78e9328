//! The queue core of a prefill instance: one server, first come first served, one prompt at a
//! time. A job's start and end are known when it arrives (Lindley's recursion), so a prefill
//! needs one event, at its end. `tests/simulate.rs` drives this core with M/D/1 and M/M/1
//! traffic against the analytic waits.

use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
pub struct FcfsServer {
    free_at: f64,
    /// Start times of the jobs still waiting (for the queue length).
    starts: VecDeque<f64>,
}

/// Where an admitted job runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Admitted {
    pub start: f64,
    pub end: f64,
    /// Jobs waiting after this one joined (itself included when it waits).
    pub queue: usize,
}

impl FcfsServer {
    /// When a job of `service` seconds arriving at `now` would end.
    pub fn completion(&self, now: f64, service: f64) -> f64 {
        self.free_at.max(now) + service
    }

    /// Admits a job arriving at `now` (arrivals must come in time order).
    pub fn admit(&mut self, now: f64, service: f64) -> Admitted {
        let start = self.free_at.max(now);
        let end = start + service;
        while self.starts.front().is_some_and(|&s| s <= now) {
            self.starts.pop_front();
        }
        if start > now {
            self.starts.push_back(start);
        }
        self.free_at = end;
        Admitted { start, end, queue: self.starts.len() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_wait_for_the_ones_before() {
        let mut server = FcfsServer::default();
        assert_eq!(server.admit(0.0, 2.0), Admitted { start: 0.0, end: 2.0, queue: 0 });
        assert_eq!(server.admit(1.0, 2.0), Admitted { start: 2.0, end: 4.0, queue: 1 });
        assert_eq!(server.admit(1.5, 1.0), Admitted { start: 4.0, end: 5.0, queue: 2 });
        // At 3.0 the second job has started; only the third waits.
        assert_eq!(server.completion(3.0, 1.0), 6.0);
        assert_eq!(server.admit(3.0, 1.0), Admitted { start: 5.0, end: 6.0, queue: 2 });
        assert_eq!(server.admit(10.0, 1.0), Admitted { start: 10.0, end: 11.0, queue: 0 });
    }
}
