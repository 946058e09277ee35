//! What the registry benchmarks share: memory readings and the Markdown row they print.

use std::time::Duration;

/// Resident and peak memory of this process (client and fake server together), in MiB.
pub fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `| what | took | ideal | ratio to ideal | ratio to sleep baseline |`.
pub fn row(what: &str, took: Duration, ideal: Duration, baseline: Duration) {
    println!(
        "| {what} | {:.2} s | {:.2} s | {:.3} | {:.3} |",
        took.as_secs_f64(),
        ideal.as_secs_f64(),
        took.as_secs_f64() / ideal.as_secs_f64(),
        took.as_secs_f64() / baseline.as_secs_f64(),
    );
}
