//! `wharf --headless`: the webhook receiver without a window, for machines with no display.
//!
//! It stores deliveries in the same database the app uses and prints one line per delivery.
//! With no route yet, it mints one so there is a URL to point a registry at.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use inbox::receiver::{Receiver, ReceiverConfig, DEFAULT_PORT};
use inbox::retention::{self, spawn_pruner, RetentionPolicy};
use inbox::store::{DeliverySummary, NewHookRoute, Store};

use crate::state::{database_path, IDENTIFIER};

/// Options of the headless mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub addr: SocketAddr,
    pub data_dir: Option<PathBuf>,
    pub catch_all: bool,
    /// What the background pruner keeps.
    pub retention: RetentionPolicy,
}

pub const USAGE: &str =
    "usage: wharf --headless [--port N] [--bind ADDRESS] [--data-dir DIR] [--catch-all]

Runs Wharf's webhook receiver without a window and prints one line per delivery.
  --port N          port to listen on (default 47820; 0 picks a free one)
  --bind ADDRESS    address to listen on (default 127.0.0.1; a LAN address lets a registry reach it)
  --data-dir DIR    where the inbox database lives (default: the app's data folder)
  --catch-all       also store requests outside /hooks/
  --max-deliveries N  keep the newest N deliveries (default 100000; 0 keeps all)
  --max-age-days N    delete deliveries older than N days (default 30; 0 keeps all)";

/// Parses the arguments after the program name; `Ok(None)` when this is not a headless run.
pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
    if !args.iter().any(|a| a == "--headless") {
        return Ok(None);
    }
    let mut opts = Options {
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
        data_dir: None,
        catch_all: false,
        retention: RetentionPolicy::default(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--headless" => {}
            "--catch-all" => opts.catch_all = true,
            "--port" => {
                let v = value("--port")?;
                let port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port number (0-65535)"))?;
                opts.addr.set_port(port);
            }
            "--bind" => {
                let v = value("--bind")?;
                let ip = v
                    .parse()
                    .map_err(|_| format!("--bind: {v:?} is not an IP address"))?;
                opts.addr.set_ip(ip);
            }
            "--data-dir" => opts.data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--max-deliveries" => {
                let v = value("--max-deliveries")?;
                let n: u64 = v
                    .parse()
                    .map_err(|_| format!("--max-deliveries: {v:?} is not a whole number"))?;
                opts.retention.max_count = (n > 0).then_some(n);
            }
            "--max-age-days" => {
                let v = value("--max-age-days")?;
                let days: u64 = v
                    .parse()
                    .ok()
                    .filter(|d| *d <= 365 * 1000)
                    .ok_or_else(|| format!("--max-age-days: {v:?} is not a number of days"))?;
                opts.retention.max_age = (days > 0).then(|| Duration::from_secs(days * 24 * 3600));
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    Ok(Some(opts))
}

/// Runs until Ctrl-C; returns the process exit code.
pub fn run(opts: Options) -> i32 {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wharf: cannot start the async runtime: {e}");
            return 1;
        }
    };
    match runtime.block_on(serve(opts)) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("wharf: {message}");
            1
        }
    }
}

async fn serve(opts: Options) -> Result<(), String> {
    let data_dir = match opts.data_dir {
        Some(dir) => dir,
        None => dirs::data_dir()
            .ok_or("no data folder for this user; pass --data-dir")?
            .join(IDENTIFIER),
    };
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let db = database_path(&data_dir);
    let store = Store::open(&db).map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    if store.list_routes().map_err(|e| e.to_string())?.is_empty() {
        store
            .create_route(&NewHookRoute {
                label: "headless".into(),
                ..Default::default()
            })
            .map_err(|e| e.to_string())?;
    }
    let config = ReceiverConfig {
        addr: opts.addr,
        catch_all: opts.catch_all,
        ..ReceiverConfig::default()
    };
    let receiver = Receiver::start(config, store.clone())
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.addr))?;
    let base = format!("http://{}", receiver.local_addr());
    println!(
        "Wharf receiver listening on {base} (database {}; keeping {})",
        db.display(),
        retention::describe(&opts.retention)
    );
    for route in store.list_routes().map_err(|e| e.to_string())? {
        println!(
            "route {:?}: {base}/hooks/{}",
            route.route.label, route.token
        );
    }

    // The sender stays here: the policy is fixed for this run.
    let (_policy, policy) = tokio::sync::watch::channel(opts.retention);
    let pruner = spawn_pruner(store.clone(), policy, retention::DEFAULT_INTERVAL);
    let mut pruned = pruner.reports();

    let mut deliveries = receiver.subscribe();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            Ok(()) = pruned.changed() => {
                let report = pruned.borrow_and_update().clone();
                if let Some(e) = report.last_error {
                    println!("(pruning old deliveries failed: {e})");
                } else if report.last_removed > 0 {
                    println!(
                        "(pruned {} deliveries, keeping {})",
                        report.last_removed,
                        retention::describe(&opts.retention)
                    );
                }
            }
            next = deliveries.recv() => match next {
                Ok(d) => println!("{}", line(&d)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    println!("({n} deliveries stored but not printed: the terminal fell behind)");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    pruner.stop().await;
    receiver.shutdown().await.map_err(|e| e.to_string())
}

/// One terminal line for a delivery. Payload-derived text is stripped of control characters so
/// a hostile sender cannot drive the terminal.
pub fn line(d: &DeliverySummary) -> String {
    let event = d.event.as_deref().unwrap_or("-");
    let summary = d.summary.as_deref().unwrap_or("");
    let text = format!(
        "#{} {} {} {} {}B {} {}",
        d.id, d.status, d.method, d.path, d.size, event, summary
    );
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn not_headless_without_the_flag() {
        assert_eq!(parse(&args(&["--port", "1"])), Ok(None));
    }

    #[test]
    fn parses_every_option() {
        let opts = parse(&args(&[
            "--headless",
            "--port",
            "0",
            "--bind",
            "127.0.0.2",
            "--data-dir",
            "/tmp/x",
            "--catch-all",
            "--max-deliveries",
            "500",
            "--max-age-days",
            "7",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(opts.addr, "127.0.0.2:0".parse().unwrap());
        assert_eq!(opts.data_dir, Some(PathBuf::from("/tmp/x")));
        assert!(opts.catch_all);
        assert_eq!(
            opts.retention,
            RetentionPolicy {
                max_count: Some(500),
                max_age: Some(Duration::from_secs(7 * 24 * 3600)),
            }
        );
    }

    #[test]
    fn zero_lifts_a_retention_limit() {
        let opts = parse(&args(&[
            "--headless",
            "--max-deliveries",
            "0",
            "--max-age-days",
            "0",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(opts.retention, RetentionPolicy::UNLIMITED);
    }

    #[test]
    fn defaults_to_loopback_on_the_default_port() {
        let opts = parse(&args(&["--headless"])).unwrap().unwrap();
        assert_eq!(opts.addr, SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)));
        assert_eq!(opts.retention, RetentionPolicy::default());
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let err = parse(&args(&["--headless", "--port", "http"])).unwrap_err();
        assert!(err.contains("not a port number"), "{err}");
        let err = parse(&args(&["--headless", "--bind", "lan"])).unwrap_err();
        assert!(err.contains("not an IP address"), "{err}");
        let err = parse(&args(&["--headless", "--port"])).unwrap_err();
        assert!(err.contains("needs a value"), "{err}");
        let err = parse(&args(&["--headless", "--max-deliveries", "-1"])).unwrap_err();
        assert!(err.contains("not a whole number"), "{err}");
        let err = parse(&args(&["--headless", "--max-age-days", "1e9"])).unwrap_err();
        assert!(err.contains("not a number of days"), "{err}");
        let err = parse(&args(&["--headless", "--bogus"])).unwrap_err();
        assert!(err.contains("unknown argument"), "{err}");
    }

    #[test]
    fn a_line_cannot_carry_terminal_escapes() {
        let d = DeliverySummary {
            id: 7,
            received_at: 0,
            method: "POST".into(),
            path: "/hooks/t".into(),
            size: 3,
            route_token: Some("t".into()),
            status: 200,
            source: None,
            event: Some("repo_push".into()),
            repository: None,
            summary: Some("push\u{1b}[2J to ns/r\n: v1".into()),
        };
        let l = line(&d);
        assert_eq!(l, "#7 200 POST /hooks/t 3B repo_push push [2J to ns/r : v1");
    }
}
