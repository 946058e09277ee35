//! `wharf notifications export | plan | apply`: notification sets from the command line, for
//! scripts and review in git. They use the connections the app saved and the tokens in the
//! keyring; `WHARF_TOKEN` replaces the keyring (CI machines have none), and `--url` with
//! `--kind` replaces the saved connection.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use registry::client::Client;
use registry::connection::{Connection, ConnectionKind};
use registry::fleet::plan::{self, Applied, Change, Plan, PlanItem};
use registry::fleet::set::{self, NotificationSet};
use registry::fleet::Source;
use registry::listing::DEFAULT_CONCURRENCY;
use registry::tls::TlsOptions;

use crate::cli::EXIT_FAILED;
use crate::state::{saved_connections, AppPaths};

/// The environment variable that holds a token instead of the keyring.
pub const TOKEN_ENV: &str = "WHARF_TOKEN";

/// Exit code of `plan` when applying would change something (as `terraform plan
/// -detailed-exitcode`); 0 means nothing to do.
pub const EXIT_CHANGES: i32 = 2;

/// `wharf notifications …`
#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// Writes the notifications of a connection (or one namespace) as a set file on stdout.
    /// Secrets (Slack URLs, Flowdock and HipChat tokens) are replaced by a placeholder.
    Export {
        #[command(flatten)]
        registry: RegistryArgs,
        /// Only this namespace (user or organization).
        #[arg(long)]
        namespace: Option<String>,
    },
    /// Shows what applying a set would change. Exit code 0: nothing; 2: changes pending;
    /// 1: the plan could not be made.
    Plan(SetArgs),
    /// Applies a set: creates what is missing (and with --prune deletes what the set does not
    /// name). Exit code 0 when everything in the set is in place afterwards, 1 otherwise.
    Apply(SetArgs),
}

/// Which registry to talk to.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// A connection saved in the app, by name or id.
    #[arg(long, short = 'c', required_unless_present = "url")]
    pub connection: Option<String>,
    /// Instead of a saved connection: the registry's address (needs --kind and WHARF_TOKEN).
    #[arg(long, conflicts_with = "connection", requires = "kind")]
    pub url: Option<String>,
    /// With --url: quay or dtr.
    #[arg(long, value_parser = ["quay", "dtr"])]
    pub kind: Option<String>,
    /// With --url and DTR: the user name the token belongs to.
    #[arg(long)]
    pub username: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}

/// `plan` and `apply` options.
#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// The set file (`-` for stdin).
    pub file: PathBuf,
    /// Also delete notifications of the set's repositories that the set does not name.
    #[arg(long)]
    pub prune: bool,
    /// Print the plan (or the results) as JSON instead of lines.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `notifications` command; returns the exit code.
pub fn run(command: NotificationsCommand) -> i32 {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wharf: cannot start the async runtime: {e}");
            return EXIT_FAILED;
        }
    };
    match runtime.block_on(execute(command)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("wharf: {message}");
            EXIT_FAILED
        }
    }
}

async fn execute(command: NotificationsCommand) -> Result<i32, String> {
    match command {
        NotificationsCommand::Export {
            registry,
            namespace,
        } => {
            let source = source(&registry).await?;
            let (set, notes) = set::export(
                &source,
                namespace.as_deref(),
                None,
                registry.concurrency,
                |_| {},
            )
            .await
            .map_err(|e| e.to_string())?;
            print!("{}", set.to_text());
            for skipped in &notes.skipped {
                eprintln!("wharf: left out {skipped}");
            }
            for problem in &notes.problems {
                eprintln!("wharf: could not read {}", describe_problem(problem));
            }
            Ok(if notes.problems.is_empty() {
                0
            } else {
                EXIT_FAILED
            })
        }
        NotificationsCommand::Plan(args) => {
            let (_, plan) = make_plan(&args).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&plan).expect("plan"));
            } else {
                print_plan(&plan, args.prune);
            }
            Ok(if plan.has_changes() { EXIT_CHANGES } else { 0 })
        }
        NotificationsCommand::Apply(args) => {
            let (source, plan) = make_plan(&args).await?;
            let applied = plan::apply(
                &source,
                plan.items.clone(),
                args.registry.concurrency,
                |_| {},
            )
            .await;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&applied).expect("results")
                );
            } else {
                print_applied(&plan, &applied);
            }
            let complete = applied.iter().all(|a| a.ok)
                && plan.count(Change::Invalid) == 0
                && plan.count(Change::Cannot) == 0;
            Ok(if complete { 0 } else { EXIT_FAILED })
        }
    }
}

async fn make_plan(args: &SetArgs) -> Result<(Source, Plan), String> {
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("stdin: {e}"))?
    } else {
        std::fs::read_to_string(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?
    };
    let set = NotificationSet::parse(&text).map_err(|e| e.to_string())?;
    let source = source(&args.registry).await?;
    let wanted = set.wanted(source.kind()).map_err(|e| e.to_string())?;
    let plan = plan::plan(
        &source,
        wanted,
        args.prune,
        args.registry.concurrency,
        |_| {},
    )
    .await;
    Ok((source, plan))
}

/// The connection the arguments name, with its token.
async fn source(args: &RegistryArgs) -> Result<Source, String> {
    let env_token = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty());
    if let Some(url) = &args.url {
        let kind = match args.kind.as_deref() {
            Some("dtr") => ConnectionKind::Dtr,
            _ => ConnectionKind::Quay,
        };
        let token = env_token.ok_or(format!("--url needs the token in {TOKEN_ENV}"))?;
        let connection = Connection::new(
            url,
            kind,
            url,
            args.username.as_deref(),
            TlsOptions::default(),
        )
        .map_err(|e| e.to_string())?;
        return Ok(Source {
            connection_id: connection.id,
            connection: url.clone(),
            client: Client::new(&connection, &token).map_err(|e| e.to_string())?,
        });
    }
    let wanted = args.connection.as_deref().unwrap_or_default();
    let paths = AppPaths::for_user(None)?;
    let saved = saved_connections(&paths.config_dir);
    let connections = saved.overview().connections;
    let connection = connections
        .iter()
        .find(|c| c.name == wanted || c.id.to_string() == wanted)
        .ok_or_else(|| {
            let names: Vec<&str> = connections.iter().map(|c| c.name.as_str()).collect();
            if names.is_empty() {
                format!(
                    "no connection “{wanted}”: the app has saved none (or use --url with --kind)"
                )
            } else {
                format!("no connection “{wanted}”; saved: {}", names.join(", "))
            }
        })?;
    let client = match env_token {
        Some(token) => Client::new(connection, &token),
        None => saved.client(connection.id).await,
    }
    .map_err(|e| match e {
        registry::RegistryError::NoToken(name) => {
            format!("no token is stored for “{name}”; save it in the app or set {TOKEN_ENV}")
        }
        other => other.to_string(),
    })?;
    Ok(Source {
        connection_id: connection.id,
        connection: connection.name.clone(),
        client,
    })
}

fn describe_problem(p: &registry::fleet::FleetProblem) -> String {
    match &p.target {
        Some(t) => format!("{t}: {}", p.message),
        None => format!("{}: {}", p.connection, p.message),
    }
}

fn sign(change: Change) -> (&'static str, &'static str) {
    match change {
        Change::Create => ("+", "create"),
        Change::Unchanged => ("=", "same"),
        Change::Extra => ("~", "extra"),
        Change::Delete => ("-", "delete"),
        Change::Invalid => ("!", "invalid"),
        Change::Cannot => ("!", "cannot"),
    }
}

fn line(item: &PlanItem) -> String {
    let (mark, word) = sign(item.change);
    let mut line = format!("{mark} {word:<7} {}  {}", item.target, item.summary);
    if let Some(reason) = &item.reason {
        line.push_str(&format!("  ({reason})"));
    }
    line
}

fn print_plan(plan: &Plan, prune: bool) {
    for item in &plan.items {
        println!("{}", line(item));
    }
    let extra = plan.count(Change::Extra);
    println!(
        "Plan: {} to create, {} to delete, {} unchanged, {} extra{}, {} invalid, {} cannot.",
        plan.count(Change::Create),
        plan.count(Change::Delete),
        plan.count(Change::Unchanged),
        extra,
        if extra > 0 && !prune {
            " (kept; --prune deletes them)"
        } else {
            ""
        },
        plan.count(Change::Invalid),
        plan.count(Change::Cannot),
    );
}

fn print_applied(plan: &Plan, applied: &[Applied]) {
    for a in applied {
        let status = if a.ok { "ok" } else { "FAILED" };
        println!("{} → {status}: {}", line(&a.item), a.message);
    }
    for item in plan
        .items
        .iter()
        .filter(|i| matches!(i.change, Change::Invalid | Change::Cannot))
    {
        println!("{} → not applied", line(item));
    }
    let failed = applied.iter().filter(|a| !a.ok).count();
    println!(
        "Applied: {} created, {} deleted, {} failed, {} unchanged, {} not applied.",
        applied
            .iter()
            .filter(|a| a.ok && a.item.change == Change::Create)
            .count(),
        applied
            .iter()
            .filter(|a| a.ok && a.item.change == Change::Delete)
            .count(),
        failed,
        plan.count(Change::Unchanged),
        plan.count(Change::Invalid) + plan.count(Change::Cannot),
    );
}
