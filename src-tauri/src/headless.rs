//! `wharf headless`: the inbox without a window, for machines with no display.
//!
//! It runs the same [`Inbox`] as the app, on the same database, and prints one line per
//! delivery. With no route yet, it mints one so there is a URL to point a registry at.

use std::net::SocketAddr;
use std::sync::Arc;

use inbox::receiver::ReceiverConfig;
use inbox::retention;
use inbox::route_url::hook_url;
use inbox::store::{DeliverySummary, NewHookRoute};
use inbox::{Inbox, InboxConfig};
use tokio::sync::broadcast::error::RecvError;

use crate::cli::{HeadlessArgs, EXIT_FAILED};
use crate::state::AppPaths;

/// Runs until Ctrl-C; returns the process exit code.
pub fn run(opts: HeadlessArgs) -> i32 {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wharf: cannot start the async runtime: {e}");
            return EXIT_FAILED;
        }
    };
    match runtime.block_on(serve(opts)) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("wharf: {message}");
            EXIT_FAILED
        }
    }
}

async fn serve(opts: HeadlessArgs) -> Result<(), String> {
    let paths =
        AppPaths::for_user(opts.data_dir.clone()).map_err(|e| format!("{e}; pass --data-dir"))?;
    let retention = opts.retention();
    let config = InboxConfig {
        receiver: Ok(ReceiverConfig {
            addr: SocketAddr::new(opts.bind, opts.port),
            catch_all: opts.catch_all,
            respond: opts.respond.clone(),
            ..ReceiverConfig::default()
        }),
        retention,
        ..InboxConfig::default()
    };
    let inbox = Inbox::start(&paths.database(), config, None::<Arc<_>>).await;
    let status = inbox.status();
    let Some(base) = status.base_url else {
        return Err(status.error.unwrap_or_default());
    };
    if inbox.routes().map_err(|e| e.to_string())?.is_empty() {
        inbox
            .mint_route(NewHookRoute {
                label: "headless".into(),
                ..NewHookRoute::default()
            })
            .await
            .map_err(|e| e.to_string())?;
    }
    for (route, url) in &opts.forward {
        let found = inbox
            .forward_for_this_run(route, url)
            .map_err(|e| format!("--forward {route}={url}: {e}"))?;
        eprintln!("wharf: forwarding route {:?} to {url}", found.route.label);
    }
    println!(
        "Wharf receiver listening on {base} (database {}; keeping {})",
        paths.database().display(),
        retention::describe(&retention)
    );
    if let Some(warning) = inbox::settings::all_interfaces_warning(opts.bind) {
        eprintln!("wharf: {warning}");
    }
    for route in inbox.routes().map_err(|e| e.to_string())? {
        println!(
            "route {:?}: {}",
            route.route.label,
            hook_url(&base, &route.token)
        );
    }

    let mut deliveries = inbox.subscribe();
    let mut pruned = inbox.prune_reports().ok_or("the pruner is not running")?;
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
                        retention::describe(&retention)
                    );
                }
            }
            next = deliveries.recv() => match next {
                Ok(d) => println!("{}", line(&d)),
                Err(RecvError::Lagged(n)) => {
                    println!("({n} deliveries stored but not printed: the terminal fell behind)");
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
    inbox.shutdown().await;
    Ok(())
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
            alert: None,
            forward: None,
        };
        let l = line(&d);
        assert_eq!(l, "#7 200 POST /hooks/t 3B repo_push push [2J to ns/r : v1");
    }
}
