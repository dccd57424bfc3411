//! When to try again: exponential backoff with full jitter, capped, and the server's
//! `Retry-After` when it gives one. The jitter is an input (a number in 0..1) so the policy is
//! deterministic under test.

use std::time::Duration;

/// Backoff policy for timeouts, refused connections, 5xx and 429 answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// Attempts before giving up (the outbox keeps the entry and tries again later).
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_millis(200), max: Duration::from_secs(30), attempts: 8 }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (1 for the first retry), given `jitter` in 0..1
    /// and the server's `Retry-After`, which wins when it asks for longer.
    pub fn delay(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt == 0 || attempt > self.attempts {
            return None;
        }
        let exp = self.base.saturating_mul(1u32 << (attempt - 1).min(20));
        let ceiling = exp.min(self.max);
        let jittered = ceiling.mul_f64(jitter.clamp(0.0, 1.0));
        Some(match retry_after {
            Some(wait) if wait > jittered => wait.min(self.max.saturating_mul(4)),
            _ => jittered,
        })
    }
}

/// Parses a `Retry-After` header: delay-seconds, or an HTTP date (IMF-fixdate, RFC 2822
/// shaped) relative to `now`.
pub fn retry_after(header: &str, now: jiff::Timestamp) -> Option<Duration> {
    let header = header.trim();
    if let Ok(seconds) = header.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(header).ok()?.timestamp();
    let wait = when.as_second() - now.as_second();
    Some(Duration::from_secs(wait.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let b = Backoff { base: Duration::from_millis(100), max: Duration::from_secs(2), attempts: 10 };
        assert_eq!(b.delay(1, 1.0, None), Some(Duration::from_millis(100)));
        assert_eq!(b.delay(3, 1.0, None), Some(Duration::from_millis(400)));
        assert_eq!(b.delay(9, 1.0, None), Some(Duration::from_secs(2)));
        assert_eq!(b.delay(3, 0.5, None), Some(Duration::from_millis(200)));
        assert_eq!(b.delay(11, 1.0, None), None, "gives up after its attempts");
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 0.5, Some(Duration::from_secs(5))), Some(Duration::from_secs(5)));
        assert_eq!(b.delay(1, 0.5, Some(Duration::from_millis(1))), Some(Duration::from_millis(100)));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: jiff::Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Fri, 20 Nov 2026 12:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("soon", now), None);
    }
}
