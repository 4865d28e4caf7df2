//! A shared key-rate limit (token bucket) protecting the source.

use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::Mutex;

/// Limits how many keys per second all workers together read from the source.
#[derive(Debug)]
pub struct Throttle {
    rate: f64,
    burst: f64,
    state: Mutex<(Instant, f64)>,
}

impl Throttle {
    /// `rate` keys per second (at least 1), with a burst of a tenth of a second's worth.
    pub fn new(rate: u64) -> Throttle {
        let rate = rate.max(1) as f64;
        Throttle {
            rate,
            burst: (rate / 10.0).max(1.0),
            state: Mutex::new((Instant::now(), 0.0)),
        }
    }

    /// Waits until `n` keys may be read. Callers are served in turn; a batch bigger than
    /// the burst waits for its full share, so the long-run rate never exceeds the limit.
    pub async fn acquire(&self, n: u64) {
        let mut st = self.state.lock().await;
        let now = Instant::now();
        let (last, tokens) = *st;
        let mut tokens =
            (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.burst);
        tokens -= n as f64;
        *st = (now, tokens);
        if tokens < 0.0 {
            let wait = Duration::from_secs_f64(-tokens / self.rate);
            // Holding the lock while sleeping serves waiters in order.
            tokio::time::sleep(wait).await;
            *st = (Instant::now(), 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn long_run_rate_is_bounded() {
        let t = Throttle::new(1000);
        let start = tokio::time::Instant::now();
        for _ in 0..50 {
            t.acquire(100).await;
        }
        // 5000 keys at 1000/s: at least ~4.9 s (the burst is 100).
        assert!(
            start.elapsed() >= Duration::from_millis(4800),
            "{:?}",
            start.elapsed()
        );
    }
}
