//! Which reads of visitor data this session has just recorded. A live preview reads the same
//! four profiles on every keystroke; the audit log keeps one entry per person, profile and
//! purpose a minute rather than four a keystroke, which says the same and costs no store write
//! while typing.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long an entry covers the same read again (same person, profile and purpose).
pub(crate) const SAME_READ_WINDOW: Duration = Duration::from_secs(60);

/// (person, purpose, profile) -> when its entry was recorded.
#[derive(Debug, Default)]
pub(crate) struct RecentReads(Mutex<HashMap<(String, String, String), Instant>>);

impl RecentReads {
    /// Those of `profiles` with no entry for `user` and `purpose` within the window at `now`.
    pub(crate) fn unrecorded<'a>(&self, user: &str, purpose: &str, profiles: &[&'a str], now: Instant) -> Vec<&'a str> {
        let seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        profiles
            .iter()
            .copied()
            .filter(|p| {
                seen.get(&(user.to_owned(), purpose.to_owned(), (*p).to_owned()))
                    .is_none_or(|at| now.saturating_duration_since(*at) >= SAME_READ_WINDOW)
            })
            .collect()
    }

    /// Notes that entries for `profiles` were recorded at `now` (only after the store took them,
    /// so a failed write is tried again on the next read). Older notes are dropped.
    pub(crate) fn recorded(&self, user: &str, purpose: &str, profiles: &[&str], now: Instant) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, at| now.saturating_duration_since(*at) < SAME_READ_WINDOW);
        for p in profiles {
            seen.insert((user.to_owned(), purpose.to_owned(), (*p).to_owned()), now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_read_within_a_minute_is_covered_and_after_it_is_recorded_again() {
        let reads = RecentReads::default();
        let t0 = Instant::now();
        assert_eq!(reads.unrecorded("maria", "live edit preview", &["vip-anna", "no-consent"], t0), ["vip-anna", "no-consent"]);
        reads.recorded("maria", "live edit preview", &["vip-anna", "no-consent"], t0);
        let soon = t0 + Duration::from_secs(5);
        assert!(reads.unrecorded("maria", "live edit preview", &["vip-anna", "no-consent"], soon).is_empty());
        assert_eq!(reads.unrecorded("maria", "live edit preview", &["vip-anna", "first-time-mobile"], soon), ["first-time-mobile"]);
        assert_eq!(reads.unrecorded("maria", "why", &["vip-anna"], soon), ["vip-anna"], "another purpose is another entry");
        assert_eq!(reads.unrecorded("rita", "live edit preview", &["vip-anna"], soon), ["vip-anna"], "another person is another entry");
        assert_eq!(reads.unrecorded("maria", "live edit preview", &["vip-anna"], t0 + SAME_READ_WINDOW), ["vip-anna"]);
    }

    #[test]
    fn a_read_whose_entry_was_not_written_is_recorded_on_the_next_read() {
        let reads = RecentReads::default();
        let t0 = Instant::now();
        // The store refused the write: `recorded` was never called.
        let _ = reads.unrecorded("maria", "preview", &["vip-anna"], t0);
        assert_eq!(reads.unrecorded("maria", "preview", &["vip-anna"], t0 + Duration::from_millis(10)), ["vip-anna"]);
    }
}
