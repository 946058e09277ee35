//! The command line: `wharf` opens the desktop app, `wharf headless` runs the receiver without
//! a window, `wharf notifications` works with notification sets, `wharf sample` prints or sends
//! a registry's payload. `--help` and `--version` work everywhere, with or without a display.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use inbox::receiver::{ReceiverConfig, DEFAULT_PORT};
use inbox::retention::RetentionPolicy;

/// Exit code for a command line Wharf cannot act on (clap uses it for usage errors too).
pub const EXIT_USAGE: i32 = 2;
/// Exit code when the command started but failed (address taken, database unreadable).
pub const EXIT_FAILED: i32 = 1;

/// Wharf: Quay and DTR notifications and webhooks, with a local webhook inbox.
#[derive(Debug, Parser)]
#[command(name = "wharf", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to run; without one, the desktop app.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the webhook receiver without a window and prints one line per delivery. It stores
    /// deliveries in the same database as the app and mints a route the first time.
    Headless(HeadlessArgs),
    /// Exports, plans and applies notification sets (Quay notifications, DTR webhooks) with the
    /// connections the app saved.
    #[command(subcommand)]
    Notifications(crate::notifications_cli::NotificationsCommand),
    /// Mints, lists and changes receiver routes: a route per notification names its
    /// deliveries exactly, and `respond` makes one answer with another status or later.
    #[command(subcommand)]
    Route(crate::route_cli::RouteCommand),
    /// Prints the payload Quay or DTR sends for an event, or sends it to a URL with the
    /// registry's headers: `wharf sample quay repo_push --to URL`, `wharf sample dtr TAG_PUSH`.
    #[command(subcommand)]
    Sample(crate::sample_cli::SampleCommand),
}

/// `wharf headless` options.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct HeadlessArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Address to listen on; a LAN address lets a registry on another machine reach it.
    #[arg(long, default_value_t = ReceiverConfig::default().addr.ip())]
    pub bind: IpAddr,
    /// Where the inbox database lives [default: the app's data folder].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Also store requests to paths outside /hooks/ (answered 200).
    #[arg(long)]
    pub catch_all: bool,
    /// Keep the newest N deliveries (0 keeps all).
    #[arg(long, value_name = "N", default_value_t = RetentionPolicy::default().max_count.unwrap_or(0))]
    pub max_deliveries: u64,
    /// Delete deliveries older than N days (0 keeps all).
    #[arg(long, value_name = "N", default_value_t = default_max_age_days(),
          value_parser = clap::value_parser!(u64).range(0..=365_000))]
    pub max_age_days: u64,
    /// Keep the database under N MiB, deleting refused deliveries first (0 keeps all).
    #[arg(long, value_name = "N", default_value_t = RetentionPolicy::default().max_bytes.unwrap_or(0) / MIB)]
    pub max_mib: u64,
    /// While running, answer every route with STATUS, after DELAY seconds (at most 30), instead
    /// of each route's own answer; nothing is saved. To watch a registry retry and give up.
    #[arg(long, value_name = "STATUS[:DELAY]", value_parser = crate::route_cli::parse_respond)]
    pub respond: Option<inbox::store::RouteResponse>,
}

const MIB: u64 = 1024 * 1024;

fn default_max_age_days() -> u64 {
    RetentionPolicy::default()
        .max_age
        .map_or(0, |age| age.as_secs() / DAY)
}

const DAY: u64 = 24 * 3600;

impl HeadlessArgs {
    /// What the pruner keeps.
    pub fn retention(&self) -> RetentionPolicy {
        RetentionPolicy {
            max_count: (self.max_deliveries > 0).then_some(self.max_deliveries),
            max_age: (self.max_age_days > 0)
                .then(|| std::time::Duration::from_secs(self.max_age_days * DAY)),
            max_bytes: (self.max_mib > 0).then(|| self.max_mib.saturating_mul(MIB)),
        }
    }
}

/// `--headless` anywhere is the older spelling of the `headless` subcommand.
fn with_headless_alias(args: Vec<String>) -> Vec<String> {
    if !args.iter().skip(1).any(|a| a == "--headless") {
        return args;
    }
    let mut rewritten: Vec<String> = args.into_iter().filter(|a| a != "--headless").collect();
    rewritten.insert(1.min(rewritten.len()), "headless".into());
    rewritten
}

/// Parses `args` (program name first).
pub fn parse(args: Vec<String>) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(with_headless_alias(args))
}

/// Whether a window can be opened here.
fn has_display() -> bool {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
    } else {
        true
    }
}

/// Runs what the command line asks for; returns the process exit code.
pub fn main(args: Vec<String>) -> i32 {
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match cli.command {
        Some(Command::Headless(opts)) => crate::headless::run(opts),
        Some(Command::Notifications(command)) => crate::notifications_cli::run(command),
        Some(Command::Route(command)) => crate::route_cli::run(command),
        Some(Command::Sample(command)) => crate::sample_cli::run(command),
        None if !has_display() => {
            eprintln!(
                "wharf: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the desktop app \
                 cannot open.\nTo run the webhook receiver without a window: wharf headless \
                 (see wharf headless --help)."
            );
            EXIT_USAGE
        }
        None => {
            crate::run();
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(list: &[&str]) -> Result<Cli, clap::Error> {
        parse(
            std::iter::once("wharf")
                .chain(list.iter().copied())
                .map(String::from)
                .collect(),
        )
    }

    fn headless(list: &[&str]) -> HeadlessArgs {
        match parse_args(list).unwrap().command {
            Some(Command::Headless(opts)) => opts,
            other => panic!("not headless: {other:?}"),
        }
    }

    #[test]
    fn no_arguments_is_the_desktop_app() {
        assert!(parse_args(&[]).unwrap().command.is_none());
    }

    #[test]
    fn parses_every_option_and_the_old_flag_means_the_subcommand() {
        let list = [
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
            "--max-mib",
            "64",
        ];
        let opts = headless(&[&["headless"], &list[..]].concat());
        assert_eq!(opts, headless(&[&["--headless"], &list[..]].concat()));
        assert_eq!(opts.port, 0);
        assert_eq!(opts.bind, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(opts.data_dir, Some(PathBuf::from("/tmp/x")));
        assert!(opts.catch_all);
        assert_eq!(
            opts.retention(),
            RetentionPolicy {
                max_count: Some(500),
                max_age: Some(std::time::Duration::from_secs(7 * DAY)),
                max_bytes: Some(64 * MIB),
            }
        );
    }

    #[test]
    fn defaults_are_the_inbox_defaults() {
        let opts = headless(&["headless"]);
        assert_eq!(opts.port, DEFAULT_PORT);
        assert_eq!(opts.bind, ReceiverConfig::default().addr.ip());
        assert_eq!(opts.retention(), RetentionPolicy::default());
    }

    #[test]
    fn zero_lifts_a_retention_limit() {
        let opts = headless(&[
            "headless",
            "--max-deliveries",
            "0",
            "--max-age-days",
            "0",
            "--max-mib",
            "0",
        ]);
        assert_eq!(opts.retention(), RetentionPolicy::UNLIMITED);
    }

    #[test]
    fn bad_values_are_usage_errors_that_name_the_option() {
        for (args, names) in [
            (&["headless", "--port", "http"][..], "--port"),
            (&["headless", "--bind", "lan"], "--bind"),
            (&["headless", "--port"], "--port"),
            (
                &["headless", "--max-deliveries", "many"],
                "--max-deliveries",
            ),
            (&["headless", "--max-age-days", "1000000"], "--max-age-days"),
            (&["headless", "--bogus"], "--bogus"),
        ] {
            let e = parse_args(args).unwrap_err();
            assert_eq!(e.exit_code(), EXIT_USAGE, "{args:?}");
            assert!(e.to_string().contains(names), "{args:?}: {e}");
        }
    }

    #[test]
    fn help_and_version_are_answers_not_errors() {
        for args in [&["--help"][..], &["--version"], &["headless", "--help"]] {
            let e = parse_args(args).unwrap_err();
            assert_eq!(e.exit_code(), 0, "{args:?}");
        }
        let help = parse_args(&["headless", "--help"]).unwrap_err().to_string();
        for default in [DEFAULT_PORT as u64, inbox::retention::DEFAULT_MAX_COUNT] {
            assert!(help.contains(&format!("[default: {default}]")), "{help}");
        }
    }
}
