//! Work spread over threads with results in input order, so that what a stage builds does not
//! depend on how many threads built it or which finished first (`graph::build` and `solve`'s
//! groups use it; a test compares one thread's plans with several's, byte for byte).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `threads`, or every core the system offers when it is 0.
pub fn thread_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// `f` of every item, in the items' order, on up to `threads` threads (0: every core). Items
/// are handed out one at a time, so uneven items still share the threads. `f` sees each
/// item's index.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let threads = thread_count(threads).clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().enumerate().map(|(i, item)| f(i, item)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = f(i, item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(result);
                }
            });
        }
    });
    // Every slot was filled: each index below `items.len()` was taken by exactly one thread
    // (a panicking `f` ends the scope with that panic before this point).
    slots.into_iter().filter_map(|slot| slot.into_inner().ok().flatten()).collect()
}
