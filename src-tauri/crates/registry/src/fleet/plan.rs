//! Plans and their application: what it takes to make targets hold a list of notifications
//! (create what is missing, skip what already has an equivalent, report what cannot be done,
//! and with `prune` delete what the list does not name), then doing it with an undo.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::actions::{confirm_gone, quay_repo};
use super::source::{Found, Source};
use super::spec::NotificationSpec;
use super::target::Target;
use crate::client::Client;
use crate::dtr::{DtrWebhookDraft, DtrWebhookScope};
use crate::error::RegistryError;
use crate::listing::{self, Progress};

/// What a plan does to one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub enum Change {
    /// It is missing: create it.
    Create,
    /// An equivalent one is already there: skip.
    Unchanged,
    /// On the server but not asked for; kept (removed only with prune).
    Extra,
    /// On the server, not asked for, and prune is on: delete it.
    Delete,
    /// Asked for but not valid (the reason says why).
    Invalid,
    /// The target cannot be read or written (the reason says why).
    Cannot,
}

/// One line of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct PlanItem {
    /// The repository or namespace.
    pub target: Target,
    /// What happens.
    pub change: Change,
    /// The notification in one line ("build_failure → Webhook → ci.example/hook").
    pub summary: String,
    /// What to create (for `Create`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<NotificationSpec>,
    /// The notification on the server (for `Unchanged`, `Extra`, `Delete`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why (for `Invalid` and `Cannot`, and an `Extra` Wharf cannot read).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A plan: what to do, target by target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct Plan {
    /// Every line, in target order.
    pub items: Vec<PlanItem>,
}

impl Plan {
    /// How many lines make `change`.
    pub fn count(&self, change: Change) -> usize {
        self.items.iter().filter(|i| i.change == change).count()
    }

    /// Whether applying it would change anything on the server.
    pub fn has_changes(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i.change, Change::Create | Change::Delete))
    }
}

/// What a target should hold: each entry is a spec or, when the file's entry is unreadable,
/// why.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The repository or namespace.
    pub target: Target,
    /// The notifications it should have.
    pub notifications: Vec<Result<NotificationSpec, String>>,
}

/// Plans every target of `wanted` against what `source` holds, reading at most `concurrency`
/// targets at a time.
pub async fn plan(
    source: &Source,
    wanted: Vec<Wanted>,
    prune: bool,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Plan {
    let listed = listing::bounded(
        wanted,
        concurrency,
        |w| async move { source.list(&w.target).await },
        progress,
    )
    .await;
    let mut plan = Plan::default();
    for (wanted, existing) in listed {
        plan.items
            .extend(plan_target(source, &wanted, existing.as_deref(), prune));
    }
    for item in &mut plan.items {
        if let Some(reason) = email_unconfirmed(source, item).await {
            item.change = Change::Cannot;
            item.reason = Some(reason);
        }
    }
    plan
}

/// Quay refuses an e-mail notification until the address is confirmed for that repository; say
/// so in the plan rather than fail on apply.
async fn email_unconfirmed(source: &Source, item: &PlanItem) -> Option<String> {
    let (Client::Quay(quay), Change::Create, Some(NotificationSpec::Quay(draft))) =
        (&source.client, item.change, &item.spec)
    else {
        return None;
    };
    let crate::quay::QuayMethodSpec::Email { email } = &draft.method else {
        return None;
    };
    let repo = quay_repo(&item.target).ok()?;
    match quay.authorized_email(&repo, email.trim()).await {
        Ok(Some(a)) if a.confirmed => None,
        Ok(_) => Some(format!(
            "{} has not confirmed e-mails for this repository yet: send the confirmation e-mail from the notification form, then plan again",
            email.trim()
        )),
        Err(e) => Some(e.to_string()),
    }
}

/// Plans copying notifications of `from` (those with `ids`, or all) to each of `to`: the
/// "apply to repositories" and "copy notifications to" flows. `from` itself is left out.
pub async fn plan_copy(
    source: &Source,
    from: &Target,
    ids: Option<&[String]>,
    to: Vec<Target>,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Result<Plan, RegistryError> {
    let chosen: Vec<Result<NotificationSpec, String>> = source
        .list(from)
        .await?
        .into_iter()
        .filter(|f| ids.is_none_or(|ids| ids.contains(&f.row.id)))
        .map(|f| f.spec)
        .collect();
    if chosen.is_empty() {
        return Err(RegistryError::Gone);
    }
    let wanted = to
        .into_iter()
        .filter(|t| t != from)
        .map(|target| Wanted {
            target,
            notifications: chosen.clone(),
        })
        .collect();
    Ok(plan(source, wanted, false, concurrency, progress).await)
}

/// Plans one target from what it holds (or the error reading it).
pub fn plan_target(
    source: &Source,
    wanted: &Wanted,
    existing: Result<&[Found], &RegistryError>,
    prune: bool,
) -> Vec<PlanItem> {
    let target = &wanted.target;
    let item = |change, summary: String| PlanItem {
        target: target.clone(),
        change,
        summary,
        spec: None,
        id: None,
        reason: None,
    };
    let existing = match existing {
        Ok(existing) => existing,
        Err(e) => {
            return wanted
                .notifications
                .iter()
                .map(|w| PlanItem {
                    reason: Some(e.to_string()),
                    ..item(Change::Cannot, summary_of(w))
                })
                .collect();
        }
    };
    let mut used = vec![false; existing.len()];
    let mut items = Vec::new();
    for w in &wanted.notifications {
        let spec = match w {
            Ok(spec) => spec,
            Err(reason) => {
                items.push(PlanItem {
                    reason: Some(reason.clone()),
                    ..item(Change::Invalid, summary_of(w))
                });
                continue;
            }
        };
        let twin = existing
            .iter()
            .enumerate()
            .position(|(i, f)| !used[i] && f.spec.as_ref().is_ok_and(|have| have.equivalent(spec)));
        if let Some(i) = twin {
            used[i] = true;
            items.push(PlanItem {
                id: Some(existing[i].row.id.clone()),
                ..item(Change::Unchanged, spec.summary())
            });
            continue;
        }
        match check(source, target, spec) {
            Ok(()) => items.push(PlanItem {
                spec: Some(spec.clone()),
                ..item(Change::Create, spec.summary())
            }),
            Err(reason) => items.push(PlanItem {
                reason: Some(reason),
                ..item(Change::Invalid, spec.summary())
            }),
        }
    }
    for (found, _) in existing.iter().zip(&used).filter(|(_, used)| !**used) {
        let summary = match &found.spec {
            Ok(spec) => spec.summary(),
            Err(_) => format!("{} → {}", found.row.event, found.row.destination),
        };
        items.push(PlanItem {
            id: Some(found.row.id.clone()),
            reason: found.spec.as_ref().err().cloned(),
            ..item(if prune { Change::Delete } else { Change::Extra }, summary)
        });
    }
    items
}

fn summary_of(w: &Result<NotificationSpec, String>) -> String {
    match w {
        Ok(spec) => spec.summary(),
        Err(_) => "unreadable entry".into(),
    }
}

/// Whether `spec` can be created on `target` of `source`, with the reason when not.
fn check(source: &Source, target: &Target, spec: &NotificationSpec) -> Result<(), String> {
    if spec.kind() != source.kind() {
        return Err(format!(
            "this is a {} notification and “{}” is a {} connection",
            kind_name(spec.kind()),
            source.connection,
            kind_name(source.kind())
        ));
    }
    if spec.has_hidden_secret() {
        return Err(
            "the file hides a secret (exports never contain them): replace the placeholder with the real value".into(),
        );
    }
    match spec {
        NotificationSpec::Quay(draft) => {
            let repo = quay_repo(target).map_err(|e| e.to_string())?;
            crate::quay::validate_create(&repo, draft)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        NotificationSpec::Dtr(_) => crate::dtr::validate_create(&dtr_draft(target, spec)?, false)
            .map(drop)
            .map_err(|e| e.to_string()),
    }
}

fn kind_name(kind: crate::connection::ConnectionKind) -> &'static str {
    match kind {
        crate::connection::ConnectionKind::Quay => "Quay",
        crate::connection::ConnectionKind::Dtr => "DTR",
    }
}

fn dtr_draft(target: &Target, spec: &NotificationSpec) -> Result<DtrWebhookDraft, String> {
    let NotificationSpec::Dtr(spec) = spec else {
        return Err("not a DTR webhook".into());
    };
    Ok(DtrWebhookDraft {
        webhook_type: spec.webhook_type.clone(),
        scope: match &target.repository {
            Some(name) => DtrWebhookScope::Repository {
                namespace: target.namespace.clone(),
                repository: name.clone(),
            },
            None => DtrWebhookScope::Namespace {
                namespace: target.namespace.clone(),
            },
        },
        endpoint: spec.endpoint.clone(),
        tls_cert: spec.tls_cert.clone(),
        skip_tls_verification: spec.skip_tls_verification,
    })
}

/// How one line of a plan went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct Applied {
    /// The line.
    pub item: PlanItem,
    /// Done and confirmed by reading the target back.
    pub ok: bool,
    /// The new notification's id, for a create (what undo deletes).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_id: Option<String>,
    /// What happened, in words.
    pub message: String,
}

/// Creates and deletes what `items` say (other lines are skipped), at most `concurrency`
/// targets at a time. Each created notification is read back before it counts.
pub async fn apply(
    source: &Source,
    items: Vec<PlanItem>,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Vec<Applied> {
    run(source, items, false, concurrency, progress).await
}

/// [`apply`] for lines that failed before. A create that timed out may have happened on the
/// server anyway, so each target is read first and a line whose notification (or an equivalent)
/// is already there, or whose delete already happened, counts as done instead of being repeated.
pub async fn retry(
    source: &Source,
    items: Vec<PlanItem>,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Vec<Applied> {
    run(source, items, true, concurrency, progress).await
}

async fn run(
    source: &Source,
    items: Vec<PlanItem>,
    recheck: bool,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Vec<Applied> {
    let work: Vec<PlanItem> = items
        .into_iter()
        .filter(|i| matches!(i.change, Change::Create | Change::Delete))
        .collect();
    listing::bounded(
        work,
        concurrency,
        |item| async move {
            if recheck {
                if let Some(done) = already_done(source, &item).await? {
                    return Ok(done);
                }
            }
            apply_one(source, &item).await
        },
        progress,
    )
    .await
    .into_iter()
    .map(|(item, result)| match result {
        Ok((created_id, message)) => Applied {
            item,
            ok: true,
            created_id,
            message,
        },
        Err(e) => Applied {
            item,
            ok: false,
            created_id: None,
            message: e.to_string(),
        },
    })
    .collect()
}

/// Whether a line's change is already on the server, by reading its target.
async fn already_done(
    source: &Source,
    item: &PlanItem,
) -> Result<Option<(Option<String>, String)>, RegistryError> {
    let found = source.list(&item.target).await?;
    Ok(match (item.change, &item.spec, &item.id) {
        (Change::Create, Some(spec), _) => found
            .iter()
            .find(|f| f.spec.as_ref().is_ok_and(|have| have.equivalent(spec)))
            .map(|f| {
                (
                    Some(f.row.id.clone()),
                    "Already there: the earlier attempt went through.".to_owned(),
                )
            }),
        (Change::Delete, _, Some(id)) => {
            (!found.iter().any(|f| &f.row.id == id)).then(|| (None, "Already deleted.".to_owned()))
        }
        _ => None,
    })
}

async fn apply_one(
    source: &Source,
    item: &PlanItem,
) -> Result<(Option<String>, String), RegistryError> {
    let target = &item.target;
    match (item.change, &item.id, &item.spec) {
        (Change::Delete, Some(id), _) => {
            match (&source.client, target.repository.is_some()) {
                (Client::Quay(quay), _) => {
                    quay.delete_notification(&quay_repo(target)?, id).await?
                }
                (Client::Dtr(dtr), _) => dtr.delete_webhook(id).await?,
            }
            Ok((None, confirm_gone(source, target, id).await?))
        }
        (Change::Create, _, Some(spec)) => {
            let id = create(source, target, spec).await?;
            let present = source.list(target).await?.iter().any(|f| f.row.id == id);
            if !present {
                return Err(RegistryError::Unconfirmed(
                    "the new notification is not in the repository's list".into(),
                ));
            }
            Ok((Some(id), "Created.".into()))
        }
        _ => Err(RegistryError::Unsupported("nothing to do".into())),
    }
}

/// Creates one notification; returns its id.
pub async fn create(
    source: &Source,
    target: &Target,
    spec: &NotificationSpec,
) -> Result<String, RegistryError> {
    check(source, target, spec).map_err(RegistryError::Unsupported)?;
    match (&source.client, spec) {
        (Client::Quay(quay), NotificationSpec::Quay(draft)) => Ok(quay
            .create_notification(&quay_repo(target)?, draft)
            .await?
            .uuid),
        (Client::Dtr(dtr), NotificationSpec::Dtr(_)) => {
            let draft = dtr_draft(target, spec).map_err(RegistryError::Unsupported)?;
            let request = crate::dtr::validate_create(&draft, false)?;
            Ok(dtr.create_webhook(&request).await?.id)
        }
        _ => Err(RegistryError::Unsupported(
            "this notification is for the other kind of registry".into(),
        )),
    }
}

/// Deletes exactly what a run created: the lines of `applied` with a created id.
pub async fn undo(
    source: &Source,
    applied: &[Applied],
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Vec<super::actions::ActionResult> {
    let created = applied
        .iter()
        .filter_map(|a| {
            Some(super::actions::ActionItem {
                target: a.item.target.clone(),
                id: a.created_id.clone()?,
            })
        })
        .collect();
    super::actions::act_all(
        source,
        super::actions::BulkAction::Delete,
        created,
        concurrency,
        progress,
    )
    .await
}
