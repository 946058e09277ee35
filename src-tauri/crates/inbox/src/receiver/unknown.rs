//! Requests to route tokens this inbox does not have. Anyone who can reach the receiver can send
//! them, so their bodies are never read or stored, and at most one of them per sender address
//! per minute is recorded (method, path, headers, declared size), so a misconfigured
//! notification still shows up while a flood neither fills the disk nor evicts real deliveries.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// How long one sender's unknown-route requests share one recorded row.
pub const WINDOW_MS: i64 = 60_000;

/// Senders tracked at once; beyond this the oldest entries are forgotten (which at worst
/// records one more row for them).
const TRACKED: usize = 4096;

/// When each sender last had an unknown-route request recorded.
#[derive(Debug, Default)]
pub struct UnknownSenders(Mutex<HashMap<IpAddr, i64>>);

impl UnknownSenders {
    /// Whether a request from `ip` at `now_ms` should be recorded: the first in its window.
    pub fn record(&self, ip: IpAddr, now_ms: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(last) = seen.get(&ip) {
            if now_ms - last < WINDOW_MS {
                return false;
            }
        }
        if seen.len() >= TRACKED {
            seen.retain(|_, last| now_ms - *last < WINDOW_MS);
            if seen.len() >= TRACKED {
                seen.clear();
            }
        }
        seen.insert(ip, now_ms);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_sender_per_minute() {
        let s = UnknownSenders::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(s.record(a, 0));
        assert!(!s.record(a, 59_999));
        assert!(s.record(b, 1_000));
        assert!(s.record(a, 60_000));
        for i in 0..10_000u32 {
            s.record(IpAddr::from(i.to_be_bytes()), 70_000);
        }
        assert!(s.0.lock().unwrap().len() <= TRACKED);
    }
}
