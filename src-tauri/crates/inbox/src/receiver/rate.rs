//! Requests per second per sender address: a token bucket each. Anyone on the network can
//! learn nothing but can still send; one who knows (or guesses from a leaked export) a real
//! route token could otherwise post as fast as the store commits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// How fast one address may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: u32,
    /// Requests at once after a quiet spell.
    pub burst: u32,
    /// Programs on this machine (loopback addresses) are not limited: they are trusted with the
    /// user's files already, and benchmarks and tests drive the receiver from there.
    pub exempt_loopback: bool,
}

impl Default for RateLimit {
    /// 50 a second with bursts of 200: far above what Quay's notification worker or DTR's
    /// job runner send, which deliver one event at a time.
    fn default() -> Self {
        Self {
            per_second: 50,
            burst: 200,
            exempt_loopback: true,
        }
    }
}

/// Senders tracked at once; beyond this the idle ones are forgotten (they start full again).
const TRACKED: usize = 4096;

/// Every sender's bucket: tokens left and when they were counted.
#[derive(Debug, Default)]
pub struct Buckets(Mutex<HashMap<IpAddr, (f64, Instant)>>);

impl Buckets {
    /// Whether `ip` may send one more request now under `limit`.
    pub fn allow(&self, ip: IpAddr, limit: &RateLimit) -> bool {
        if limit.exempt_loopback && ip.is_loopback() {
            return true;
        }
        let (rate, burst) = (f64::from(limit.per_second), f64::from(limit.burst));
        let now = Instant::now();
        let mut buckets = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= TRACKED && !buckets.contains_key(&ip) {
            let full = |(tokens, at): &(f64, Instant)| {
                tokens + now.duration_since(*at).as_secs_f64() * rate >= burst
            };
            buckets.retain(|_, b| !full(b));
            if buckets.len() >= TRACKED {
                buckets.clear();
            }
        }
        let (tokens, at) = buckets.entry(ip).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate_and_loopback_is_exempt() {
        let limit = RateLimit {
            per_second: 10,
            burst: 5,
            exempt_loopback: true,
        };
        let b = Buckets::default();
        let lan: IpAddr = "192.0.2.7".parse().unwrap();
        let allowed = (0..20).filter(|_| b.allow(lan, &limit)).count();
        assert_eq!(allowed, 5, "the burst, then nothing until tokens come back");
        std::thread::sleep(std::time::Duration::from_millis(250));
        let later = (0..20).filter(|_| b.allow(lan, &limit)).count();
        assert!((2..=3).contains(&later), "{later} after 250 ms at 10/s");
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert!((0..1000).all(|_| b.allow(local, &limit)));
    }
}
