//! A bound on how many costly reads (full-text searches) run at once.
//!
//! A search's cost is bounded by its words (docs/api.md §7), but one that matches
//! most logs still reads most of the index. Were every pooled connection
//! and core given to such searches, other users' reads would wait for a
//! connection; so searches take a place here first, *before* a pooled
//! connection, and wait a bounded time for one (else 503/115, retry later).

use crate::store::StoreError;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub struct Gate {
    places: usize,
    taken: Mutex<usize>,
    freed: Condvar,
    wait: Duration,
}

/// A place in the gate, given back when dropped.
pub struct Place {
    gate: Arc<Gate>,
}

impl Gate {
    pub fn new(places: usize, wait: Duration) -> Gate {
        Gate { places: places.max(1), taken: Mutex::new(0), freed: Condvar::new(), wait }
    }

    /// Searches at once: half the cores (at least one), so the other half
    /// and the rest of the read pool stay free for everyone else.
    pub fn for_searches() -> Gate {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        Gate::new(cores / 2, Duration::from_secs(5))
    }

    /// Waits (blocking the thread) for a place, at most the gate's wait.
    pub fn enter(self: &Arc<Self>) -> Result<Place, StoreError> {
        let deadline = Instant::now() + self.wait;
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        while *taken >= self.places {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Busy("Too many searches are running; retry shortly.".into()));
            }
            taken = self.freed.wait_timeout(taken, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        *taken += 1;
        Ok(Place { gate: self.clone() })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut taken = self.gate.taken.lock().unwrap_or_else(|e| e.into_inner());
        *taken = taken.saturating_sub(1);
        self.gate.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_gate_refuses_after_its_wait_and_a_freed_place_is_taken_again() {
        let gate = Arc::new(Gate::new(1, Duration::from_millis(20)));
        let first = gate.enter().unwrap();
        assert!(matches!(gate.enter(), Err(StoreError::Busy(_))));
        drop(first);
        let _again = gate.enter().unwrap();
    }
}
