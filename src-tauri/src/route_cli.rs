//! `wharf route`: receiver routes from the command line. A route made for one notification
//! (its event and repository) lets the inbox name every delivery exactly; the route the headless
//! receiver mints by itself knows neither. `--respond` makes a route answer with another status
//! or later, to watch a registry retry and give up.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use inbox::recognize::Source;
use inbox::route_url::{hook_url, warning};
use inbox::settings::{lan_address, Settings};
use inbox::store::{HookRoute, NewHookRoute, RouteResponse, Store};
use registry::dtr::DtrWebhookType;
use registry::quay::QuayEvent;

use crate::cli::{EXIT_FAILED, EXIT_USAGE};
use crate::state::AppPaths;

/// `wharf route …`.
#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Mints a route for one Quay notification or DTR webhook and prints the URL to give the
    /// registry.
    New(NewRoute),
    /// Lists every route with its URL and how it answers.
    List(Place),
    /// Sets how a route answers: `wharf route respond TOKEN 500` or `200:15` (15 s late).
    Respond {
        /// The route's token (the last part of its URL).
        token: String,
        /// STATUS[:DELAY], DELAY in seconds (at most 30).
        #[arg(value_parser = parse_respond)]
        respond: RouteResponse,
        #[command(flatten)]
        place: Place,
    },
}

/// Where the inbox lives.
#[derive(Debug, Args)]
pub struct Place {
    /// Where the inbox database lives [default: the app's data folder].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// `wharf route new`.
#[derive(Debug, Args)]
pub struct NewRoute {
    /// The Quay event the notification sends, such as repo_push or build_failure.
    #[arg(
        long,
        value_name = "EVENT",
        conflicts_with = "dtr",
        required_unless_present = "dtr"
    )]
    pub quay: Option<String>,
    /// The DTR webhook type, such as TAG_PUSH.
    #[arg(long, value_name = "TYPE")]
    pub dtr: Option<String>,
    /// The repository, NAMESPACE/NAME.
    #[arg(long, value_name = "NS/REPO")]
    pub repository: Option<String>,
    /// A name for the route in the Inbox [default: the event and repository].
    #[arg(long)]
    pub label: Option<String>,
    /// How it answers, STATUS[:DELAY] [default: 200 at once].
    #[arg(long, value_name = "STATUS[:DELAY]", value_parser = parse_respond)]
    pub respond: Option<RouteResponse>,
    #[command(flatten)]
    pub place: Place,
}

/// Parses `STATUS[:DELAY]` (DELAY in seconds, decimals allowed) into a checked response.
pub fn parse_respond(text: &str) -> Result<RouteResponse, String> {
    let (status, delay) = text.split_once(':').unwrap_or((text, "0"));
    let status: u16 = status
        .trim()
        .parse()
        .map_err(|_| format!("\"{status}\" is not an HTTP status such as 200 or 500"))?;
    let seconds: f64 = delay
        .trim()
        .trim_end_matches('s')
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| format!("\"{delay}\" is not a number of seconds"))?;
    let response = RouteResponse {
        status,
        body: None,
        delay_ms: (seconds * 1000.0).round() as u64,
    };
    match response.problem() {
        Some(problem) => Err(problem),
        None => Ok(response),
    }
}

/// Runs a `wharf route` command; returns the exit code.
pub fn run(command: RouteCommand) -> i32 {
    match execute(command) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            0
        }
        Err((code, message)) => {
            eprintln!("wharf: {message}");
            code
        }
    }
}

type Outcome = Result<Vec<String>, (i32, String)>;

fn execute(command: RouteCommand) -> Outcome {
    match command {
        RouteCommand::New(new) => {
            let route = new_route(&new)?;
            let store = open(&new.place)?;
            let stored = store.create_route(&route).map_err(failed)?;
            Ok(describe(&stored, &base_url()))
        }
        RouteCommand::List(place) => {
            let base = base_url();
            Ok(open(&place)?
                .list_routes()
                .iter()
                .flat_map(|r| describe(r, &base))
                .collect())
        }
        RouteCommand::Respond {
            token,
            respond,
            place,
        } => match open(&place)?
            .set_route_response(&token, &respond)
            .map_err(failed)?
        {
            Some(route) => Ok(describe(&route, &base_url())),
            None => Err((
                EXIT_FAILED,
                format!("no route {token}; see wharf route list"),
            )),
        },
    }
}

/// The route `wharf route new` asks for, with its event checked against the registry's list.
fn new_route(new: &NewRoute) -> Result<NewHookRoute, (i32, String)> {
    let usage = |m: String| (EXIT_USAGE, m);
    let (source, event) = match (&new.quay, &new.dtr) {
        (Some(event), _) => {
            let known = QuayEvent::known(event)
                .ok_or_else(|| usage(format!("Quay has no event \"{event}\"")))?;
            (Source::Quay, known.as_str().to_owned())
        }
        (None, Some(kind)) => {
            let known = DtrWebhookType::ALL
                .iter()
                .find(|t| t.as_str().eq_ignore_ascii_case(kind))
                .ok_or_else(|| usage(format!("DTR has no webhook type \"{kind}\"")))?;
            (Source::Dtr, known.as_str().to_owned())
        }
        (None, None) => return Err(usage("give --quay EVENT or --dtr TYPE".into())),
    };
    if let Some(repo) = &new.repository {
        let parts: Vec<&str> = repo.split('/').collect();
        if parts.len() < 2 || parts.iter().any(|p| p.trim().is_empty()) {
            return Err(usage(format!("\"{repo}\" is not NAMESPACE/NAME")));
        }
    }
    let label = new.label.clone().unwrap_or_else(|| match &new.repository {
        Some(repo) => format!("{event} on {repo}"),
        None => event.clone(),
    });
    Ok(NewHookRoute {
        repository: new.repository.clone(),
        source: Some(source),
        event: Some(event),
        label,
        response: new.respond.clone().unwrap_or_default(),
        ..NewHookRoute::default()
    })
}

fn open(place: &Place) -> Result<Store, (i32, String)> {
    let paths = AppPaths::for_user(place.data_dir.clone())
        .map_err(|e| (EXIT_FAILED, format!("{e}; pass --data-dir")))?;
    paths.create().map_err(|e| (EXIT_FAILED, e))?;
    Store::open(paths.database()).map_err(failed)
}

fn failed(e: impl std::fmt::Display) -> (i32, String) {
    (EXIT_FAILED, e.to_string())
}

/// The base URL registries reach the receiver at, from the app's settings: the public base URL,
/// or the bound address (this machine's LAN address when bound to all interfaces).
fn base_url() -> String {
    let settings = AppPaths::for_user(None)
        .ok()
        .and_then(|p| Settings::load(&p.config_dir).ok())
        .unwrap_or_default();
    if let Some(public) = settings.public_base_url() {
        return public;
    }
    match settings.receiver_addr() {
        Ok(addr) if addr.ip().is_unspecified() => match lan_address() {
            Some(ip) => format!("http://{}", std::net::SocketAddr::new(ip, addr.port())),
            None => format!("http://{addr}"),
        },
        Ok(addr) => format!("http://{addr}"),
        Err(_) => format!("http://127.0.0.1:{}", inbox::receiver::DEFAULT_PORT),
    }
}

/// Lines for one route: its URL, what it is for, how it answers, and any warning.
fn describe(route: &HookRoute, base: &str) -> Vec<String> {
    let r = &route.route;
    let answer = match r.response.delay_ms {
        0 => format!("answers {}", r.response.status),
        ms => format!(
            "answers {} after {:.1} s",
            r.response.status,
            ms as f64 / 1000.0
        ),
    };
    let mut lines = vec![
        hook_url(base, &route.token),
        format!("  {} ({answer})", r.label),
    ];
    if let Some(w) = warning(r.source, base) {
        lines.push(format!("  warning: {w}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respond_takes_a_status_and_an_optional_delay_in_seconds() {
        assert_eq!(
            parse_respond("500"),
            Ok(RouteResponse {
                status: 500,
                body: None,
                delay_ms: 0
            })
        );
        assert_eq!(parse_respond("200:15").unwrap().delay_ms, 15_000);
        assert_eq!(parse_respond("200:2.5s").unwrap().delay_ms, 2_500);
        assert!(parse_respond("abc").unwrap_err().contains("HTTP status"));
        assert!(parse_respond("200:soon").unwrap_err().contains("seconds"));
        assert!(parse_respond("200:-1").is_err());
        assert!(parse_respond("99").unwrap_err().contains("200 to 599"));
        assert!(parse_respond("200:31").unwrap_err().contains("30 s"));
    }
}
