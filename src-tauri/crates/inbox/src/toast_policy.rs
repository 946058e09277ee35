//! When to raise a toast, and what it says: per-repository and per-event [`ToastRules`], burst
//! coalescing in the pure, clock-injected [`ToastPolicy`], and the async driver
//! [`spawn_toaster`] that feeds it from the receiver's broadcast.
//!
//! Coalescing: the first delivery after a quiet spell toasts at once and opens a window. Further
//! deliveries inside the window are only counted; when the window ends one summary toast
//! ("37 more deliveries" / "30 pushes, 7 build failures") goes out and, if anything was held, a
//! new window starts. So two toasts are never closer than one window apart: with a window of at
//! least one second, 10,000 deliveries in one second give at most three toasts (in practice two:
//! the first delivery and one summary).
//!
//! Classification for [`RuleMode::FailuresAndVulnerabilities`]:
//! - failures: Quay `build_failure`, `repo_mirror_sync_failed`, `quota_error`; DTR
//!   `SCAN_FAILED` and a failed `SCANNER_UPDATE_COMPLETED`; and deliveries the receiver itself
//!   rejected as misdirected or malformed (status 404 for an unknown route token, 413 for a body
//!   over the limit). Other statuses are the user's configured reply and say nothing.
//! - vulnerabilities: Quay `vulnerability_found`, and DTR `SCAN_COMPLETED` whose summary reports
//!   at least one critical finding.
//!
//! Both come from the [`Alert`] recognition stored with the delivery, never from its summary's
//! words.
//!
//! Titles and bodies come from the recognised summary, which recognition already cleaned; they
//! are cleaned again and capped at [`MAX_TITLE`] / [`MAX_BODY`] characters here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;
use ts_rs::TS;

use registry::dtr::DtrWebhookType;
use registry::quay::QuayEvent;

use crate::recognize::{Alert, EventKind, Source};
use crate::store::DeliverySummary;
use crate::toast::{Toast, ToastError, ToastOpens, Toaster};

/// A toast title never exceeds this many characters.
pub const MAX_TITLE: usize = 80;
/// A toast body never exceeds this many characters.
pub const MAX_BODY: usize = 240;
/// The default coalescing window.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(2);
/// Toasts waiting for a slow notification daemon; more are dropped (and logged).
pub const SHOW_QUEUE: usize = 8;
/// Distinct repositories remembered for one summary toast.
const MAX_REPOS_TRACKED: usize = 64;
/// Kinds spelled out in a summary body before "and N more kinds".
const KINDS_IN_BODY: usize = 4;
/// Repositories named in a summary body.
const REPOS_IN_BODY: usize = 3;

/// Whether deliveries toast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub enum RuleMode {
    /// Every delivery toasts.
    #[default]
    On,
    /// No delivery toasts.
    Off,
    /// Only failures and vulnerability reports toast (see the module docs for which).
    FailuresAndVulnerabilities,
}

/// Toast rules as the Settings screen edits them. The most specific rule wins: repository, then
/// event, then the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase", default)]
pub struct ToastRules {
    /// Mode for deliveries no other rule matches.
    pub default: RuleMode,
    /// Mode by event wire name (`repo_push`, `TAG_PUSH`, ...; ASCII case ignored).
    pub per_event: BTreeMap<String, RuleMode>,
    /// Mode by repository, `namespace/name` exactly as the registry sends it.
    pub per_repository: BTreeMap<String, RuleMode>,
}

impl ToastRules {
    /// The mode that applies to `d`: its repository's rule, else its event's, else the default.
    pub fn mode_for(&self, d: &DeliverySummary) -> RuleMode {
        if let Some(mode) = d
            .repository
            .as_ref()
            .and_then(|r| self.per_repository.get(r))
        {
            return *mode;
        }
        if let Some(ev) = d.event.as_deref() {
            if let Some(mode) = self.per_event.get(ev).or_else(|| {
                self.per_event
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(ev))
                    .map(|(_, m)| m)
            }) {
                return *mode;
            }
        }
        self.default
    }

    /// Whether `d` may toast under these rules.
    pub fn allows(&self, d: &DeliverySummary) -> bool {
        match self.mode_for(d) {
            RuleMode::On => true,
            RuleMode::Off => false,
            RuleMode::FailuresAndVulnerabilities => is_failure(d) || is_vulnerability(d),
        }
    }
}

/// The recognised kind of `d`, parsed from its source and wire name (both registries are tried
/// when the source is unknown).
fn kind_of(d: &DeliverySummary) -> Option<EventKind> {
    let ev = d.event.as_deref()?;
    match d.source {
        Some(s @ (Source::Quay | Source::Dtr)) => EventKind::parse(s, ev),
        _ => EventKind::parse(Source::Quay, ev).or_else(|| EventKind::parse(Source::Dtr, ev)),
    }
}

/// Whether the receiver rejected `d` as misdirected (404) or too large (413).
fn is_rejected(d: &DeliverySummary) -> bool {
    matches!(d.status, 404 | 413)
}

/// Whether `d` reports a failure (see the module docs for the list).
pub fn is_failure(d: &DeliverySummary) -> bool {
    is_rejected(d) || d.alert == Some(Alert::Failure)
}

/// Whether `d` reports a vulnerability: Quay `vulnerability_found`, or a DTR scan with at least
/// one critical finding.
pub fn is_vulnerability(d: &DeliverySummary) -> bool {
    d.alert == Some(Alert::Vulnerability)
}

/// Singular and plural nouns for what `d` is, used in titles and summaries.
fn label(d: &DeliverySummary) -> (&'static str, &'static str) {
    if is_rejected(d) {
        return ("rejected delivery", "rejected deliveries");
    }
    match kind_of(d) {
        Some(EventKind::Quay(event)) => quay_label(&event),
        Some(EventKind::Dtr(kind)) => dtr_label(&kind),
        Some(EventKind::DtrRepoEvent(_)) => ("repository event", "repository events"),
        Some(EventKind::Ambiguous { .. } | EventKind::Unrecognized) | None => {
            ("delivery", "deliveries")
        }
    }
}

fn quay_label(event: &QuayEvent) -> (&'static str, &'static str) {
    use QuayEvent::*;
    match event {
        RepoPush => ("push", "pushes"),
        BuildQueued => ("build queued", "builds queued"),
        BuildStart => ("build started", "builds started"),
        BuildSuccess => ("build succeeded", "builds succeeded"),
        BuildFailure => ("build failure", "build failures"),
        BuildCancelled => ("build cancelled", "builds cancelled"),
        VulnerabilityFound => ("vulnerability found", "vulnerability reports"),
        RepoMirrorSyncStarted => ("mirror sync started", "mirror syncs started"),
        RepoMirrorSyncSuccess => ("mirror sync", "mirror syncs"),
        RepoMirrorSyncFailed => ("mirror sync failure", "mirror sync failures"),
        RepoImageExpiry => ("image expiry", "image expiries"),
        QuotaWarning => ("quota warning", "quota warnings"),
        QuotaError => ("quota error", "quota errors"),
        Other(_) => ("delivery", "deliveries"),
    }
}

fn dtr_label(kind: &DtrWebhookType) -> (&'static str, &'static str) {
    use DtrWebhookType::*;
    match kind {
        TagPush | ManifestPush => ("push", "pushes"),
        TagPull | ManifestPull => ("pull", "pulls"),
        TagDelete | ManifestDelete => ("deletion", "deletions"),
        Promotion => ("promotion", "promotions"),
        PushMirroring | PollMirroring => ("mirroring event", "mirroring events"),
        RepoEvent => ("repository event", "repository events"),
        ScanCompleted => ("scan", "scans"),
        ScanFailed => ("scan failure", "scan failures"),
        ScannerUpdateCompleted => ("scanner update", "scanner updates"),
        Other(name) if name.to_ascii_uppercase().starts_with("CHART_") => {
            ("chart event", "chart events")
        }
        Other(_) => ("delivery", "deliveries"),
    }
}

const MISSED: (&str, &str) = ("missed delivery", "missed deliveries");

/// Replaces control characters with spaces and caps `s` at `max` characters (with `…`).
fn cap(s: &str, max: usize) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().count() <= max {
        return cleaned.to_owned();
    }
    let mut out: String = cleaned.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The immediate toast for one delivery: title `Quay: push`, body the recognised summary.
pub fn toast_for(d: &DeliverySummary) -> Toast {
    let source = match d.source {
        Some(Source::Quay) => "Quay",
        Some(Source::Dtr) => "DTR",
        _ => "Webhook",
    };
    let (what, _) = label(d);
    let title = if is_rejected(d) {
        format!("{source}: {what} ({})", d.status)
    } else {
        format!("{source}: {what}")
    };
    // A refused request's text came from whoever sent it; the toast says only what Wharf did.
    let body = if is_rejected(d) {
        format!(
            "Delivery #{} was refused with status {}; see the Inbox.",
            d.id, d.status
        )
    } else {
        match (
            d.summary.as_deref().filter(|s| !s.trim().is_empty()),
            &d.repository,
        ) {
            (Some(s), _) => s.to_owned(),
            (None, Some(repo)) => format!("{what} for {repo}"),
            (None, None) => format!("delivery #{} (status {})", d.id, d.status),
        }
    };
    Toast {
        title: cap(&title, MAX_TITLE),
        body: cap(&body, MAX_BODY),
        opens: Some(ToastOpens::Delivery(d.id)),
    }
}

fn plural(n: u64, (one, many): (&str, &str)) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Deliveries held back during one window.
#[derive(Debug, Default)]
struct Held {
    total: u64,
    /// (singular, plural, count) in order of first appearance.
    kinds: Vec<(&'static str, &'static str, u64)>,
    repos: BTreeSet<String>,
    repos_overflow: bool,
}

impl Held {
    fn add(&mut self, kind: (&'static str, &'static str), n: u64, repo: Option<&str>) {
        if n == 0 {
            return;
        }
        self.total += n;
        match self.kinds.iter_mut().find(|k| k.0 == kind.0) {
            Some(k) => k.2 += n,
            None => self.kinds.push((kind.0, kind.1, n)),
        }
        if let Some(repo) = repo {
            if self.repos.len() < MAX_REPOS_TRACKED {
                self.repos.insert(repo.to_owned());
            } else if !self.repos.contains(repo) {
                self.repos_overflow = true;
            }
        }
    }

    fn take_toast(&mut self) -> Option<Toast> {
        let held = std::mem::take(self);
        if held.total == 0 {
            return None;
        }
        let n = held.total;
        let (title, body) = if let [(one, many, _)] = held.kinds[..] {
            let title = format!("{n} more {}", if n == 1 { one } else { many });
            (title, held.repos_line())
        } else {
            let mut kinds = held.kinds.clone();
            kinds.sort_by_key(|k| std::cmp::Reverse(k.2));
            let mut parts: Vec<String> = kinds
                .iter()
                .take(KINDS_IN_BODY)
                .map(|(one, many, c)| plural(*c, (one, many)))
                .collect();
            if kinds.len() > KINDS_IN_BODY {
                parts.push(format!("{} more kinds", kinds.len() - KINDS_IN_BODY));
            }
            (
                format!(
                    "{n} more {}",
                    if n == 1 { "delivery" } else { "deliveries" }
                ),
                parts.join(", "),
            )
        };
        Some(Toast {
            title: cap(&title, MAX_TITLE),
            body: cap(&body, MAX_BODY),
            opens: Some(ToastOpens::Inbox),
        })
    }

    fn repos_line(&self) -> String {
        if self.repos.is_empty() {
            return "Open the inbox to see them.".into();
        }
        let named: Vec<&str> = self
            .repos
            .iter()
            .take(REPOS_IN_BODY)
            .map(String::as_str)
            .collect();
        let rest = self.repos.len() - named.len();
        let mut line = format!("in {}", named.join(", "));
        if self.repos_overflow {
            line.push_str(" and others");
        } else if rest > 0 {
            line.push_str(&format!(" and {rest} more"));
        }
        line
    }
}

/// The pure toast policy: rules plus burst coalescing, driven by an injected clock.
#[derive(Debug)]
pub struct ToastPolicy {
    rules: ToastRules,
    window: Duration,
    /// End of the current window; `None` when quiet.
    window_end: Option<Instant>,
    held: Held,
}

impl ToastPolicy {
    /// A policy with `rules` that coalesces bursts over `window` (at least one second keeps the
    /// "≤ 3 toasts per burst-second" guarantee; see [`DEFAULT_WINDOW`]).
    pub fn new(rules: ToastRules, window: Duration) -> Self {
        Self {
            rules,
            window,
            window_end: None,
            held: Held::default(),
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> &ToastRules {
        &self.rules
    }

    /// Replaces the rules; deliveries already held stay held.
    pub fn set_rules(&mut self, rules: ToastRules) {
        self.rules = rules;
    }

    /// Deliveries held back for the next summary.
    pub fn held(&self) -> u64 {
        self.held.total
    }

    /// When [`ToastPolicy::flush`] next has something to do; `None` when quiet.
    pub fn deadline(&self) -> Option<Instant> {
        self.window_end
    }

    /// Takes one delivery: the toast to show now, if any. Deliveries the rules reject are
    /// ignored; inside a window they are only counted for the next summary.
    pub fn offer(&mut self, d: &DeliverySummary, now: Instant) -> Option<Toast> {
        if !self.rules.allows(d) {
            return None;
        }
        if self.window_open(now) {
            self.held.add(label(d), 1, d.repository.as_deref());
            return None;
        }
        self.window_end = Some(now + self.window);
        Some(toast_for(d))
    }

    /// Counts `n` deliveries that were lost before they could be read (a lagging broadcast).
    /// Their kinds are unknown, so they count only while the default rule is [`RuleMode::On`],
    /// and always towards a summary rather than an immediate toast.
    pub fn offer_missed(&mut self, n: u64, now: Instant) {
        if n == 0 || self.rules.default != RuleMode::On {
            return;
        }
        self.held.add(MISSED, n, None);
        if self.window_end.is_none() {
            self.window_end = Some(now + self.window);
        }
    }

    /// At a window's end: the summary of what was held back, if anything, starting a new
    /// window when there was. Before the end, or when quiet, `None`.
    pub fn flush(&mut self, now: Instant) -> Option<Toast> {
        let end = self.window_end?;
        if now < end {
            return None;
        }
        let toast = self.held.take_toast();
        self.window_end = toast.as_ref().map(|_| now + self.window);
        toast
    }

    /// The summary of everything held, whatever the window (for shutdown).
    pub fn finish(&mut self) -> Option<Toast> {
        self.window_end = None;
        self.held.take_toast()
    }

    /// Whether a delivery at `now` falls into an open window. An expired window still open
    /// with held deliveries keeps collecting until it is flushed.
    fn window_open(&self, now: Instant) -> bool {
        match self.window_end {
            None => false,
            Some(end) => now < end || self.held.total > 0,
        }
    }
}

/// Reports a notification error once: later errors with the same message are suppressed until
/// a toast succeeds again.
#[derive(Debug, Default)]
pub struct ErrorGate {
    reported: Option<ToastError>,
}

impl ErrorGate {
    /// A gate that has reported nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one show result; returns the error when it should be surfaced.
    pub fn record(&mut self, result: Result<u32, ToastError>) -> Option<ToastError> {
        match result {
            Ok(_) => {
                self.reported = None;
                None
            }
            Err(e) if self.reported.as_ref() == Some(&e) => None,
            Err(e) => {
                self.reported = Some(e.clone());
                Some(e)
            }
        }
    }
}

/// Runs the toast policy over the receiver's broadcast until it closes.
///
/// Toasts are shown on a blocking thread, one at a time, behind a queue of [`SHOW_QUEUE`], so a
/// slow or hung daemon never holds up reading deliveries (toasts beyond the queue are dropped).
/// `rules` is read again whenever it changes. `on_error` gets the first error of a run of
/// identical ones (see [`ErrorGate`]); it runs on the async runtime and must return quickly.
/// The handle completes after the broadcast closed and the last toast was attempted.
pub fn spawn_toaster<F>(
    mut rx: broadcast::Receiver<DeliverySummary>,
    toaster: Arc<dyn Toaster>,
    mut rules: watch::Receiver<ToastRules>,
    window: Duration,
    on_error: F,
) -> JoinHandle<()>
where
    F: Fn(ToastError) + Send + 'static,
{
    let (show_tx, mut show_rx) = mpsc::channel::<Toast>(SHOW_QUEUE);
    let worker = tokio::spawn(async move {
        let mut gate = ErrorGate::new();
        while let Some(toast) = show_rx.recv().await {
            let toaster = Arc::clone(&toaster);
            let result = tokio::task::spawn_blocking(move || toaster.show(&toast))
                .await
                .unwrap_or_else(|_| Err(ToastError("the notification backend panicked".into())));
            if let Some(e) = gate.record(result) {
                tracing::warn!("toasts: {e}");
                on_error(e);
            }
        }
    });

    tokio::spawn(async move {
        let mut policy = ToastPolicy::new(rules.borrow_and_update().clone(), window);
        let send = |toast: Toast| {
            if show_tx.try_send(toast).is_err() {
                tracing::warn!("toasts: the notification daemon is not keeping up; toast dropped");
            }
        };
        loop {
            if let Some(t) = policy.flush(Instant::now()) {
                send(t);
            }
            let deadline = policy.deadline();
            tokio::select! {
                received = rx.recv() => {
                    if rules.has_changed().unwrap_or(false) {
                        policy.set_rules(rules.borrow_and_update().clone());
                    }
                    match received {
                        Ok(d) => {
                            if let Some(t) = policy.offer(&d, Instant::now()) {
                                send(t);
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            policy.offer_missed(n, Instant::now());
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
                _ = sleep_until(deadline), if deadline.is_some() => {}
            }
        }
        if let Some(t) = policy.finish() {
            send(t);
        }
        drop(show_tx);
        let _ = worker.await;
    })
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(d) = deadline {
        tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await;
    }
}
