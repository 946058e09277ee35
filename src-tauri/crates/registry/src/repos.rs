//! A repository's lifecycle on either registry: read one, create it, change its visibility or
//! description, see its tags, delete it. Every change is read back before it counts: Quay and
//! DTR both answer success for things that did not happen (DTR's delete of a repository that is
//! not there is a 204), and an admin told "done" for nothing is misled.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::client::Client;
use crate::dtr::repo_admin as dtr_admin;
use crate::dtr::{DtrError, DtrMissing, DtrRepository, DtrTag, DtrVisibility};
use crate::error::RegistryError;
use crate::quay::repo_admin as quay_admin;
use crate::quay::{QuayError, QuayRepoRef, QuayRepositoryDetail, QuayTag};

/// Tags per page in the repository panel.
pub const TAG_PAGE_SIZE: u32 = 50;

/// Tags counted before deleting, at most; more shows as "1,000 or more".
pub const MAX_COUNTED_TAGS: u32 = 1000;

/// A repository as its panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct RepositoryDetail {
    /// Owning namespace.
    pub namespace: String,
    /// Name without the namespace (Quay names may contain `/`).
    pub name: String,
    /// Anyone may pull it.
    pub is_public: bool,
    /// Quay's description (Markdown source), or DTR's short description (at most 140
    /// characters). Shown and edited as text, never rendered.
    pub description: String,
    /// DTR's long description (Markdown source); `None` on Quay, which has one description.
    pub long_description: Option<String>,
    /// The token may change and delete it. DTR does not say, so it is assumed and the registry
    /// decides.
    pub can_admin: bool,
    /// DTR scans every pushed image; `None` on Quay.
    pub scan_on_push: Option<bool>,
    /// DTR refuses pushes that would move an existing tag; `None` on Quay.
    pub immutable_tags: Option<bool>,
}

/// A repository to create.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct RepositoryDraft {
    /// Where to create it.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Anyone may pull it.
    pub is_public: bool,
    /// Quay's description, or DTR's short description; may be empty.
    pub description: String,
    /// DTR's long description; ignored on Quay.
    #[serde(default)]
    pub long_description: String,
    /// DTR: scan every pushed image; ignored on Quay.
    #[serde(default)]
    pub scan_on_push: bool,
    /// DTR: refuse pushes that would move an existing tag; ignored on Quay.
    #[serde(default)]
    pub immutable_tags: bool,
}

/// What to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct RepositoryChange {
    /// New visibility.
    #[ts(optional)]
    pub is_public: Option<bool>,
    /// New description (Quay) or short description (DTR).
    #[ts(optional)]
    pub description: Option<String>,
    /// New long description (DTR only).
    #[ts(optional)]
    pub long_description: Option<String>,
    /// Scan on push (DTR only).
    #[ts(optional)]
    pub scan_on_push: Option<bool>,
    /// Immutable tags (DTR only).
    #[ts(optional)]
    pub immutable_tags: Option<bool>,
}

impl RepositoryChange {
    fn dtr_only(&self) -> bool {
        self.long_description.is_some()
            || self.scan_on_push.is_some()
            || self.immutable_tags.is_some()
    }
}

/// One tag in the repository panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct TagRow {
    /// The tag.
    pub name: String,
    /// The manifest digest.
    pub digest: Option<String>,
    /// Size in bytes, when the registry tells.
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    /// When it last changed, Unix milliseconds.
    #[ts(type = "number | null")]
    pub last_modified: Option<i64>,
}

/// A page of tags and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct TagPage {
    /// This page, newest first on Quay, by name on DTR.
    pub tags: Vec<TagRow>,
    /// Pass back to get the next page; `None` on the last one.
    pub next: Option<String>,
}

/// What deleting a repository takes with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct DeleteImpact {
    /// Tags counted, up to [`MAX_COUNTED_TAGS`].
    pub tags: u32,
    /// There are more tags than counted.
    pub more_tags: bool,
    /// Its notifications (Quay) or webhooks (DTR).
    pub notifications: u32,
}

impl Client {
    /// One repository.
    pub async fn repository(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<RepositoryDetail, RegistryError> {
        Ok(match self {
            Client::Quay(quay) => {
                from_quay(quay.repository(&QuayRepoRef::new(namespace, name)).await?)
            }
            Client::Dtr(dtr) => from_dtr(dtr.repository(namespace, name).await?),
        })
    }

    /// Creates a repository and reads it back.
    pub async fn create_repository(
        &self,
        draft: &RepositoryDraft,
    ) -> Result<RepositoryDetail, RegistryError> {
        match self {
            Client::Quay(quay) => {
                let repo = QuayRepoRef::new(&draft.namespace, &draft.name);
                let request =
                    quay_admin::create_request(&repo, draft.is_public, &draft.description)?;
                quay.create_repository(&request).await?;
            }
            Client::Dtr(dtr) => {
                let new = dtr_admin::NewRepository {
                    public: draft.is_public,
                    short_description: &draft.description,
                    long_description: &draft.long_description,
                    scan_on_push: draft.scan_on_push,
                    immutable_tags: draft.immutable_tags,
                };
                let request = dtr_admin::create_request(&draft.namespace, &draft.name, &new)?;
                dtr.create_repository(&draft.namespace, &request).await?;
            }
        }
        let created = self
            .read_back(&draft.namespace, &draft.name, "it was created")
            .await?;
        let dtr = matches!(self, Client::Dtr(_));
        let wanted = RepositoryChange {
            is_public: Some(draft.is_public),
            description: Some(draft.description.clone()),
            long_description: dtr.then(|| draft.long_description.clone()),
            scan_on_push: dtr.then_some(draft.scan_on_push),
            immutable_tags: dtr.then_some(draft.immutable_tags),
        };
        confirm(&created, &wanted)?;
        Ok(created)
    }

    /// Changes a repository's visibility and descriptions, and reads it back.
    pub async fn change_repository(
        &self,
        namespace: &str,
        name: &str,
        change: &RepositoryChange,
    ) -> Result<RepositoryDetail, RegistryError> {
        match self {
            Client::Quay(quay) => {
                if change.dtr_only() {
                    return Err(RegistryError::Unsupported(
                        "Quay repositories have one description and no scan-on-push or immutable-tags setting here."
                            .into(),
                    ));
                }
                let repo = QuayRepoRef::new(namespace, name);
                if let Some(public) = change.is_public {
                    quay.change_visibility(&repo, public).await?;
                }
                if let Some(description) = &change.description {
                    quay.set_description(&repo, description).await?;
                }
            }
            Client::Dtr(dtr) => {
                let request = dtr_admin::update_request(&dtr_admin::RepositoryUpdate {
                    public: change.is_public,
                    short_description: change.description.as_deref(),
                    long_description: change.long_description.as_deref(),
                    scan_on_push: change.scan_on_push,
                    immutable_tags: change.immutable_tags,
                })?;
                dtr.update_repository(namespace, name, &request).await?;
            }
        }
        let changed = self.read_back(namespace, name, "it was changed").await?;
        confirm(&changed, change)?;
        Ok(changed)
    }

    /// Deletes a repository, having made sure it was there (DTR answers 204 either way), and
    /// confirms it is gone.
    pub async fn delete_repository(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<(), RegistryError> {
        self.repository(namespace, name).await?;
        match self {
            Client::Quay(quay) => {
                quay.delete_repository(&QuayRepoRef::new(namespace, name))
                    .await?
            }
            Client::Dtr(dtr) => dtr.delete_repository(namespace, name).await?,
        }
        match self.repository(namespace, name).await {
            Err(e) if is_gone(&e) => Ok(()),
            Err(e) => Err(e),
            Ok(_) => Err(RegistryError::Unconfirmed(format!(
                "{namespace}/{name} is still there"
            ))),
        }
    }

    /// One page of a repository's tags; `cursor` is the previous page's `next`.
    pub async fn tags_page(
        &self,
        namespace: &str,
        name: &str,
        cursor: Option<&str>,
    ) -> Result<TagPage, RegistryError> {
        Ok(match self {
            Client::Quay(quay) => {
                let page = cursor.and_then(|c| c.parse().ok()).unwrap_or(1);
                let answer = quay
                    .tags_page(&QuayRepoRef::new(namespace, name), page, TAG_PAGE_SIZE)
                    .await?;
                TagPage {
                    tags: answer.tags.iter().map(quay_tag).collect(),
                    next: answer.has_additional.then(|| (page + 1).to_string()),
                }
            }
            Client::Dtr(dtr) => {
                let (tags, next) = dtr
                    .tags_page(namespace, name, cursor, TAG_PAGE_SIZE)
                    .await?;
                TagPage {
                    tags: tags.iter().map(dtr_tag).collect(),
                    next,
                }
            }
        })
    }

    /// What deleting the repository would take with it.
    pub async fn delete_impact(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<DeleteImpact, RegistryError> {
        let mut tags = 0u32;
        let mut cursor: Option<String> = None;
        let more_tags = loop {
            let page = self.tags_page(namespace, name, cursor.as_deref()).await?;
            tags += page.tags.len() as u32;
            match page.next {
                Some(_) if tags >= MAX_COUNTED_TAGS => break true,
                Some(next) => cursor = Some(next),
                None => break false,
            }
        };
        let notifications = self.notifications(namespace, Some(name)).await?.len() as u32;
        Ok(DeleteImpact {
            tags,
            more_tags,
            notifications,
        })
    }

    /// The repository after a change the registry said it made; missing means it did not.
    async fn read_back(
        &self,
        namespace: &str,
        name: &str,
        claimed: &str,
    ) -> Result<RepositoryDetail, RegistryError> {
        match self.repository(namespace, name).await {
            Err(e) if is_gone(&e) => Err(RegistryError::Unconfirmed(format!(
                "no repository {namespace}/{name}, although the registry answered that {claimed}"
            ))),
            other => other,
        }
    }
}

/// Whether an error reading a repository means it is not there. Quay answers 403 for a
/// repository that does not exist (it will not say whether it does), DTR 404.
fn is_gone(error: &RegistryError) -> bool {
    matches!(
        error,
        RegistryError::Quay(QuayError::Forbidden { .. } | QuayError::NotFound { .. })
            | RegistryError::Dtr(DtrError::NotFound {
                missing: DtrMissing::Repository,
                ..
            })
    )
}

/// Checks that `repo` shows every field `wanted` sets.
fn confirm(repo: &RepositoryDetail, wanted: &RepositoryChange) -> Result<(), RegistryError> {
    let full = format!("{}/{}", repo.namespace, repo.name);
    let mut wrong = Vec::new();
    if wanted.is_public.is_some_and(|p| p != repo.is_public) {
        wrong.push(if repo.is_public {
            "it is still public"
        } else {
            "it is still private"
        });
    }
    if wanted
        .description
        .as_ref()
        .is_some_and(|d| d.trim() != repo.description.trim())
    {
        wrong.push("its description is not the one sent");
    }
    if wanted
        .long_description
        .as_ref()
        .is_some_and(|d| d.trim() != repo.long_description.as_deref().unwrap_or_default().trim())
    {
        wrong.push("its long description is not the one sent");
    }
    if wanted.scan_on_push.is_some() && wanted.scan_on_push != repo.scan_on_push {
        wrong.push("its scan-on-push setting is not the one sent");
    }
    if wanted.immutable_tags.is_some() && wanted.immutable_tags != repo.immutable_tags {
        wrong.push("its immutable-tags setting is not the one sent");
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(RegistryError::Unconfirmed(format!(
            "{full}: {}",
            wrong.join(", ")
        )))
    }
}

fn from_quay(r: QuayRepositoryDetail) -> RepositoryDetail {
    RepositoryDetail {
        namespace: r.namespace,
        name: r.name,
        is_public: r.is_public,
        description: r.description.unwrap_or_default(),
        long_description: None,
        can_admin: r.can_admin,
        scan_on_push: None,
        immutable_tags: None,
    }
}

fn from_dtr(r: DtrRepository) -> RepositoryDetail {
    RepositoryDetail {
        is_public: r.visibility == DtrVisibility::Public,
        namespace: r.namespace,
        name: r.name,
        description: r.short_description,
        long_description: Some(r.long_description.unwrap_or_default()),
        can_admin: true,
        scan_on_push: Some(r.scan_on_push),
        immutable_tags: Some(r.immutable_tags),
    }
}

fn quay_tag(t: &QuayTag) -> TagRow {
    TagRow {
        name: t.name.clone(),
        digest: t.manifest_digest.clone(),
        size: t.size,
        last_modified: t.start_ts.map(|s| s.saturating_mul(1000)),
    }
}

fn dtr_tag(t: &DtrTag) -> TagRow {
    let changed = if t.updated_at.is_empty() {
        &t.created_at
    } else {
        &t.updated_at
    };
    TagRow {
        name: t.name.clone(),
        digest: Some(t.digest.clone()).filter(|d| !d.is_empty()),
        size: t.manifest.as_ref().map(|m| m.size),
        last_modified: rfc3339_ms(changed),
    }
}

/// DTR's timestamps (RFC 3339, often with nanoseconds); Go's zero time means "never".
fn rfc3339_ms(text: &str) -> Option<i64> {
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    (at.year() > 1).then(|| (at.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(public: bool, description: &str, long: Option<&str>) -> RepositoryDetail {
        RepositoryDetail {
            namespace: "acme".into(),
            name: "web".into(),
            is_public: public,
            description: description.into(),
            long_description: long.map(str::to_owned),
            can_admin: true,
            scan_on_push: None,
            immutable_tags: None,
        }
    }

    #[test]
    fn a_change_counts_only_when_the_repository_shows_it() {
        let change = RepositoryChange {
            is_public: Some(true),
            description: Some("Front end\n".into()),
            ..RepositoryChange::default()
        };
        assert!(confirm(&detail(true, "Front end", None), &change).is_ok());
        let err = confirm(&detail(false, "old", None), &change).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The registry answered OK, but reading back shows acme/web: it is still private, its description is not the one sent. Refresh and try again; if it persists, check the registry's logs."
        );
        let long = RepositoryChange {
            long_description: Some("# Web".into()),
            ..RepositoryChange::default()
        };
        assert!(confirm(&detail(false, "", Some("")), &long).is_err());
        assert!(confirm(&detail(false, "", Some("# Web")), &long).is_ok());
    }

    #[test]
    fn dtr_times_become_milliseconds_and_zero_time_is_none() {
        assert_eq!(
            rfc3339_ms("2024-03-10T17:02:44.01Z"),
            Some(1_710_090_164_010)
        );
        assert_eq!(rfc3339_ms("0001-01-01T00:00:00Z"), None);
        assert_eq!(rfc3339_ms("yesterday"), None);
    }
}
