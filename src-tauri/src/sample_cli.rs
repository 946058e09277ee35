//! `wharf sample`: the payload Quay or DTR sends for one event, printed, or sent to a URL with
//! the registry's headers (to try a webhook consumer, or the inbox, without a registry). The
//! payloads are the app's own (`inbox::samples`), the ones "Send sample" sends.

use clap::Subcommand;
use inbox::recognize::Source;
use inbox::samples::{self, QuayVariant, Sample};

use crate::cli::{EXIT_FAILED, EXIT_USAGE};

/// `wharf sample …`.
#[derive(Debug, Subcommand)]
pub enum SampleCommand {
    /// A Quay notification's payload: `wharf sample quay repo_push --to URL`.
    Quay {
        /// The event, such as repo_push or build_failure.
        #[arg(value_parser = quay_event)]
        event: String,
        /// Which documented payload: redhat (`updated_tags` as a list) or quayio (as a
        /// tag→digest map) [default: redhat].
        #[arg(long, value_parser = variant)]
        variant: Option<QuayVariant>,
        /// POST it here with Quay's headers, instead of printing it.
        #[arg(long, value_name = "URL")]
        to: Option<String>,
    },
    /// A DTR webhook's payload: `wharf sample dtr TAG_PUSH --to URL`.
    Dtr {
        /// The webhook type, such as TAG_PUSH or SCAN_FAILED.
        #[arg(value_name = "TYPE", value_parser = dtr_type)]
        kind: String,
        /// POST it here with DTR's headers, instead of printing it.
        #[arg(long, value_name = "URL")]
        to: Option<String>,
    },
}

fn quay_event(name: &str) -> Result<String, String> {
    samples::sample(Source::Quay, name, None)
        .map(|s| s.event)
        .map_err(|e| e.to_string())
}

fn dtr_type(name: &str) -> Result<String, String> {
    samples::sample(Source::Dtr, name, None)
        .map(|s| s.event)
        .map_err(|e| e.to_string())
}

fn variant(name: &str) -> Result<QuayVariant, String> {
    QuayVariant::parse(name)
        .ok_or_else(|| format!("\"{name}\" is not a Quay payload variant; give redhat or quayio"))
}

/// Runs a `wharf sample` command; returns the exit code.
pub fn run(command: SampleCommand) -> i32 {
    let (made, to) = match command {
        SampleCommand::Quay { event, variant, to } => {
            (samples::sample(Source::Quay, &event, variant), to)
        }
        SampleCommand::Dtr { kind, to } => (samples::sample(Source::Dtr, &kind, None), to),
    };
    let sample = match made {
        Ok(sample) => sample,
        Err(e) => {
            eprintln!("wharf: {e}");
            return EXIT_USAGE;
        }
    };
    match to {
        None => {
            println!("{}", String::from_utf8_lossy(&sample.body));
            0
        }
        Some(url) => send(&sample, &url),
    }
}

fn send(sample: &Sample, url: &str) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("wharf: {e}");
            return EXIT_FAILED;
        }
    };
    let what = match sample.variant {
        Some(variant) => format!("{} ({})", sample.event, variant.as_str()),
        None => sample.event.clone(),
    };
    match runtime.block_on(samples::send(sample, url)) {
        Ok(answer) => {
            println!(
                "sent {what} to {url}: {} in {} ms",
                answer.status, answer.elapsed_ms
            );
            if (200..300).contains(&answer.status) {
                0
            } else {
                if !answer.body_preview.is_empty() {
                    eprintln!("wharf: the answer was {}", answer.body_preview.trim());
                }
                EXIT_FAILED
            }
        }
        Err(e) => {
            eprintln!("wharf: {what} not sent to {url}: {e}");
            EXIT_FAILED
        }
    }
}
