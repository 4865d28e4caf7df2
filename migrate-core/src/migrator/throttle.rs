//! A token-bucket throttle on operations and bytes per second.

use std::time::{Duration, Instant};

/// Limits for one phase (`None` = unlimited).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Throttle {
    /// Operations (keys or commands) per second.
    pub ops_per_sec: Option<u64>,
    /// Bytes per second.
    pub bytes_per_sec: Option<u64>,
}

impl Throttle {
    /// No limit.
    pub fn unlimited() -> Throttle {
        Throttle::default()
    }

    /// Whether any limit is set.
    pub fn is_limited(&self) -> bool {
        self.ops_per_sec.is_some() || self.bytes_per_sec.is_some()
    }
}

#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
}

impl Bucket {
    fn new(rate: u64) -> Bucket {
        let rate = rate.max(1) as f64;
        // A tenth of a second of burst keeps the measured rate close to the limit over
        // any window longer than that.
        let burst = (rate / 10.0).max(1.0);
        Bucket {
            rate,
            burst,
            tokens: burst,
        }
    }

    fn refill(&mut self, dt: f64) {
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
    }

    /// Takes `n` (may go negative: a big item is paid for by waiting afterwards); returns
    /// how long to wait until the balance is non-negative.
    fn take(&mut self, n: f64) -> Duration {
        self.tokens -= n;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

/// The running state of a [`Throttle`].
#[derive(Debug)]
pub(crate) struct Limiter {
    ops: Option<Bucket>,
    bytes: Option<Bucket>,
    last: Instant,
}

impl Limiter {
    pub(crate) fn new(t: Throttle) -> Limiter {
        Limiter {
            ops: t.ops_per_sec.map(Bucket::new),
            bytes: t.bytes_per_sec.map(Bucket::new),
            last: Instant::now(),
        }
    }

    pub(crate) fn is_limited(&self) -> bool {
        self.ops.is_some() || self.bytes.is_some()
    }

    /// Pays for `ops` operations of `bytes` bytes, sleeping as needed.
    pub(crate) async fn take(&mut self, ops: u64, bytes: u64) {
        if !self.is_limited() {
            return;
        }
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        let mut wait = Duration::ZERO;
        if let Some(b) = self.ops.as_mut() {
            b.refill(dt);
            wait = wait.max(b.take(ops as f64));
        }
        if let Some(b) = self.bytes.as_mut() {
            b.refill(dt);
            wait = wait.max(b.take(bytes as f64));
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn rate_is_bounded() {
        let mut l = Limiter::new(Throttle {
            ops_per_sec: Some(1000),
            bytes_per_sec: None,
        });
        let start = tokio::time::Instant::now();
        for _ in 0..5000 {
            l.take(1, 10).await;
        }
        // 5000 ops at 1000/s, with a 100-op burst: at least 4.9 s.
        assert!(
            start.elapsed() >= Duration::from_millis(4890),
            "{:?}",
            start.elapsed()
        );
    }
}
