//! How many connections the receiver holds: in all, and per sender address. Every accepted
//! socket costs a file descriptor, which registry calls, keyring calls, toasts and exports need
//! too; a sender holding thousands of idle sockets must not starve them or other senders.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Connections held at once, all senders together (the default of
/// [`super::ReceiverConfig::max_connections`]).
pub const MAX_CONNECTIONS: usize = 1024;
/// Connections held at once from one address (the default of
/// [`super::ReceiverConfig::max_per_source`]; a registry sends a few in parallel; Quay's
/// worker pool and DTR's job runner stay far below this).
pub const MAX_PER_SOURCE: usize = 64;

/// The open connections, counted per sender.
#[derive(Debug, Default)]
pub struct Connections(Mutex<Counts>);

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_source: HashMap<IpAddr, usize>,
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub struct Admitted {
    connections: Arc<Connections>,
    source: IpAddr,
}

impl Connections {
    /// A place for a connection from `source`, or `None` when it (`per_source`) or everyone
    /// (`total`) is at the cap.
    pub fn admit(
        self: &Arc<Self>,
        source: IpAddr,
        total: usize,
        per_source: usize,
    ) -> Option<Admitted> {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mine = counts.per_source.get(&source).copied().unwrap_or(0);
        if counts.total >= total || mine >= per_source {
            return None;
        }
        counts.total += 1;
        counts.per_source.insert(source, mine + 1);
        Some(Admitted {
            connections: self.clone(),
            source,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.connections.0.lock().unwrap_or_else(|p| p.into_inner());
        counts.total -= 1;
        if let Some(n) = counts.per_source.get_mut(&self.source) {
            *n -= 1;
            if *n == 0 {
                counts.per_source.remove(&self.source);
            }
        }
    }
}

/// Raises this process's soft limit on open files to its hard limit (on Linux typically from
/// 1,024 to 524,288), so the connection caps, not the descriptor limit, decide what is refused.
/// Returns the soft limit now in force.
#[cfg(unix)]
pub fn raise_open_file_limit() -> Option<u64> {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                ..limit
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        Some(limit.rlim_cur)
    }
}

/// Elsewhere the platform's default stands.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_source_and_in_all_and_frees_on_drop() {
        let c = Arc::new(Connections::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let admit = |ip| c.admit(ip, MAX_CONNECTIONS, MAX_PER_SOURCE);
        let held: Vec<_> = (0..MAX_PER_SOURCE).map(|_| admit(a).unwrap()).collect();
        assert!(admit(a).is_none(), "one source is capped");
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let other = admit(b).expect("another source still gets in");
        drop(held);
        assert!(admit(a).is_some(), "places come back");
        drop(other);
        let many: Vec<_> = (0..MAX_CONNECTIONS)
            .map(|i| admit(IpAddr::from((i as u32).to_be_bytes())).unwrap())
            .collect();
        assert!(admit(b).is_none(), "everyone is capped");
        drop(many);
        assert_eq!(c.0.lock().unwrap().total, 0);
        assert!(c.0.lock().unwrap().per_source.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_soft_open_file_limit_is_raised_to_the_hard_one() {
        let read = || {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: as above.
            assert_eq!(
                unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
                0
            );
            limit
        };
        // Lower the soft limit first (by one, harmless to other tests), so the raise is seen
        // even where the soft limit starts at the hard one.
        let start = read();
        let lowered = libc::rlimit {
            rlim_cur: start.rlim_max - 1,
            ..start
        };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lowered) }, 0);
        assert_eq!(read().rlim_cur, start.rlim_max - 1);
        let now = raise_open_file_limit().unwrap();
        let limit = read();
        assert_eq!(now, limit.rlim_cur);
        assert_eq!(limit.rlim_cur, limit.rlim_max);
    }
}
