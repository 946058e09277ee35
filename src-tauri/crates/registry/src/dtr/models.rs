//! The objects DTR / MSR 2.x–3.x API v0 (and the eNZi identity service beside it) answers with,
//! and the drafts the UI fills in before [`super::validate`] turns them into request bodies.
//!
//! Field names follow the server's JSON exactly (camelCase, `authorID`, `tlsCert`,
//! `skipTLSVerification`). Fields that older versions leave out are `Option` or defaulted, so one
//! model reads every version from 2.5 on.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// Go's zero `time.Time`: DTR's way of writing "never" in `lastSuccessfulAt`.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// A webhook event type: the 13 in DTR's server enum, or any other name (MSR 3.x chart events
/// such as `CHART_PUSH`, or types added later) carried as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export_to = "registry.ts")]
pub enum DtrWebhookType {
    /// A tag was pushed (repository scope).
    TagPush,
    /// A tag was pulled (repository scope, DTR 2.6+).
    TagPull,
    /// A tag was deleted (repository scope).
    TagDelete,
    /// An image was promoted by a promotion policy (repository scope).
    Promotion,
    /// A push-mirroring policy ran (repository scope, DTR 2.5+).
    PushMirroring,
    /// A poll-mirroring policy ran (repository scope, DTR 2.5+).
    PollMirroring,
    /// A manifest was pushed (repository scope).
    ManifestPush,
    /// A manifest was pulled (repository scope, DTR 2.6+).
    ManifestPull,
    /// A manifest was deleted (repository scope).
    ManifestDelete,
    /// A repository in the namespace was created, updated or deleted (namespace scope).
    RepoEvent,
    /// A security scan finished (repository scope).
    ScanCompleted,
    /// A security scan failed (repository scope).
    ScanFailed,
    /// The scanner's vulnerability database was updated (global scope, DTR admins only).
    ScannerUpdateCompleted,
    /// Any other type name, such as `CHART_PUSH`; kept exactly as written.
    #[serde(untagged)]
    Other(String),
}

/// Which kind of `key` a webhook type takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub enum DtrScopeKind {
    /// `key` is `namespace/repository` (or empty, for a DTR admin, meaning every repository).
    Repository,
    /// `key` is a namespace (or empty, for a DTR admin, meaning every namespace).
    Namespace,
    /// No `key` at all; DTR admins only.
    Global,
}

impl DtrWebhookType {
    /// The 13 types of the DTR 2.6/2.7 server enum, in the spec's order.
    pub const ALL: [DtrWebhookType; 13] = [
        Self::TagPush,
        Self::TagPull,
        Self::TagDelete,
        Self::Promotion,
        Self::PushMirroring,
        Self::PollMirroring,
        Self::ManifestPush,
        Self::ManifestPull,
        Self::ManifestDelete,
        Self::RepoEvent,
        Self::ScanCompleted,
        Self::ScanFailed,
        Self::ScannerUpdateCompleted,
    ];

    /// The type from its wire name; names outside the enum become [`DtrWebhookType::Other`].
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }

    /// The type of DTR's enum `name` names, ASCII case ignored; `None` for any other name.
    pub fn known(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
    }

    /// The wire name, such as `TAG_PUSH`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::TagPush => "TAG_PUSH",
            Self::TagPull => "TAG_PULL",
            Self::TagDelete => "TAG_DELETE",
            Self::Promotion => "PROMOTION",
            Self::PushMirroring => "PUSH_MIRRORING",
            Self::PollMirroring => "POLL_MIRRORING",
            Self::ManifestPush => "MANIFEST_PUSH",
            Self::ManifestPull => "MANIFEST_PULL",
            Self::ManifestDelete => "MANIFEST_DELETE",
            Self::RepoEvent => "REPO_EVENT",
            Self::ScanCompleted => "SCAN_COMPLETED",
            Self::ScanFailed => "SCAN_FAILED",
            Self::ScannerUpdateCompleted => "SCANNER_UPDATE_COMPLETED",
            Self::Other(name) => name,
        }
    }

    /// The key a type takes; `None` for an unknown name, whose scope Wharf cannot know.
    /// MSR 3.x documents its `CHART_*` events as repository events.
    pub fn scope_kind(&self) -> Option<DtrScopeKind> {
        match self {
            Self::RepoEvent => Some(DtrScopeKind::Namespace),
            Self::ScannerUpdateCompleted => Some(DtrScopeKind::Global),
            Self::Other(name) if name.starts_with("CHART_") => Some(DtrScopeKind::Repository),
            Self::Other(_) => None,
            _ => Some(DtrScopeKind::Repository),
        }
    }

    /// The first release that knows this type, for messages about older servers.
    pub fn introduced_in(&self) -> Option<&'static str> {
        match self {
            Self::TagPull | Self::ManifestPull => Some("DTR 2.6"),
            Self::Promotion | Self::PushMirroring | Self::PollMirroring => Some("DTR 2.5"),
            Self::Other(name) if name.starts_with("CHART_") => Some("MSR 3.0"),
            Self::Other(_) => None,
            _ => Some("DTR 2.2"),
        }
    }
}

impl fmt::Display for DtrWebhookType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a webhook is attached to; it decides the `key` DTR expects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub enum DtrWebhookScope {
    /// One repository: `key` is `namespace/repository`.
    Repository {
        /// The user or organization owning the repository.
        namespace: String,
        /// The repository name without its namespace.
        repository: String,
    },
    /// One namespace (user or organization): `key` is its name.
    Namespace {
        /// The user or organization name.
        namespace: String,
    },
    /// No key: every repository or namespace for repository/namespace types, or a global event.
    Global,
}

impl DtrWebhookScope {
    /// The `key` DTR uses for this scope; `None` for [`DtrWebhookScope::Global`].
    pub fn key(&self) -> Option<String> {
        match self {
            Self::Repository {
                namespace,
                repository,
            } => Some(format!("{namespace}/{repository}")),
            Self::Namespace { namespace } => Some(namespace.clone()),
            Self::Global => None,
        }
    }

    /// Reads a `key` as DTR returns it: empty is global, `a` a namespace, `a/b` a repository.
    /// Returns `None` for shapes DTR never produces (`a/b/c`, `/b`, `a/`).
    pub fn from_key(key: &str) -> Option<Self> {
        if key.is_empty() {
            return Some(Self::Global);
        }
        match key.split_once('/') {
            None => Some(Self::Namespace {
                namespace: key.to_owned(),
            }),
            Some((ns, repo)) if !ns.is_empty() && !repo.is_empty() && !repo.contains('/') => {
                Some(Self::Repository {
                    namespace: ns.to_owned(),
                    repository: repo.to_owned(),
                })
            }
            Some(_) => None,
        }
    }
}

/// A webhook subscription as DTR lists it (`responses.Webhook`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct DtrWebhook {
    /// Opaque ID (64 hex characters in practice, though the docs say UUID).
    pub id: String,
    /// The event type.
    #[serde(rename = "type")]
    pub webhook_type: DtrWebhookType,
    /// `namespace/repository`, `namespace`, or empty for a global or all-repositories webhook.
    #[serde(default)]
    pub key: String,
    /// The URL DTR POSTs deliveries to.
    pub endpoint: String,
    /// eNZi account ID of the creator.
    #[serde(rename = "authorID", default)]
    pub author_id: String,
    /// RFC 3339 with nanoseconds.
    pub created_at: String,
    /// Last delivery DTR counted as successful; `null` when never (DTR writes Go's zero time).
    #[serde(default, with = "never_as_none")]
    #[ts(type = "string | null")]
    pub last_successful_at: Option<String>,
    /// Paused; changed only through `POST /api/v0/webhooks/update`.
    #[serde(default)]
    pub inactive: bool,
    /// PEM certificate DTR trusts for the endpoint; `null` on DTR 2.5, which has no such field.
    #[serde(rename = "tlsCert", default)]
    pub tls_cert: Option<String>,
    /// Whether DTR skips TLS verification; `null` on DTR 2.5, which has no such field.
    #[serde(rename = "skipTLSVerification", default)]
    pub skip_tls_verification: Option<bool>,
}

impl DtrWebhook {
    /// The scope its `key` names; `None` if DTR sent a key of no known shape.
    pub fn scope(&self) -> Option<DtrWebhookScope> {
        DtrWebhookScope::from_key(&self.key)
    }
}

mod never_as_none {
    use super::GO_ZERO_TIME;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let value = Option::<String>::deserialize(d)?;
        Ok(value.filter(|v| !v.is_empty() && v != GO_ZERO_TIME))
    }

    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// What the UI fills in to create a webhook; `validate::validate_create` checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct DtrWebhookDraft {
    /// The event type.
    #[serde(rename = "type")]
    pub webhook_type: DtrWebhookType,
    /// What the webhook is attached to.
    pub scope: DtrWebhookScope,
    /// The URL DTR will POST to; it must be reachable from the DTR server.
    pub endpoint: String,
    /// PEM certificate (or CA) to trust for the endpoint; empty for the system trust store.
    #[serde(rename = "tlsCert", default)]
    pub tls_cert: String,
    /// Skip TLS verification; DTR requires it for `http://` endpoints.
    #[serde(rename = "skipTLSVerification", default)]
    pub skip_tls_verification: bool,
}

/// What the UI fills in to send DTR's canned test delivery (`POST /api/v0/webhooks/test`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct DtrWebhookTestDraft {
    /// The event type whose fixed sample DTR sends.
    #[serde(rename = "type")]
    pub webhook_type: DtrWebhookType,
    /// The URL DTR will POST the sample to.
    pub endpoint: String,
    /// PEM certificate to trust for the endpoint; empty for the system trust store.
    #[serde(rename = "tlsCert", default)]
    pub tls_cert: String,
    /// Skip TLS verification; DTR requires it for `http://` endpoints.
    #[serde(rename = "skipTLSVerification", default)]
    pub skip_tls_verification: bool,
}

/// The fields `POST /api/v0/webhooks/update` can change. The endpoint, type and key cannot be
/// changed: delete the webhook and create it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct DtrWebhookUpdate {
    /// The webhook's ID.
    pub id: String,
    /// Pause (`true`) or resume (`false`) deliveries.
    pub inactive: bool,
    /// PEM certificate to trust; send the current one to keep it.
    #[serde(rename = "tlsCert", default)]
    pub tls_cert: String,
    /// Skip TLS verification; send the current value to keep it.
    #[serde(rename = "skipTLSVerification", default)]
    pub skip_tls_verification: bool,
}

impl DtrWebhookUpdate {
    /// An update that keeps every current setting, to change one field from. The TLS fields are
    /// required in the 2.6+ form, so leaving them out could reset them.
    pub fn from_webhook(webhook: &DtrWebhook) -> Self {
        // DTR 2.5 has no skipTLSVerification; 2.6+ needs it true for http://, and 2.5 ignores it.
        let is_http = webhook
            .endpoint
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
        Self {
            id: webhook.id.clone(),
            inactive: webhook.inactive,
            tls_cert: webhook.tls_cert.clone().unwrap_or_default(),
            skip_tls_verification: webhook.skip_tls_verification.unwrap_or(is_http),
        }
    }
}

/// Whether a namespace is a user or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export_to = "registry.ts")]
pub enum DtrNamespaceType {
    /// A user's personal namespace.
    User,
    /// An organization.
    Organization,
}

/// Who may pull from a repository without being granted access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export_to = "registry.ts")]
pub enum DtrVisibility {
    /// Anyone, including anonymous users.
    Public,
    /// Only users and teams granted access.
    Private,
}

/// A repository (`responses.Repository`); always exactly `namespace/name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct DtrRepository {
    /// Repository ID (a UUID).
    pub id: String,
    /// Owning user or organization.
    pub namespace: String,
    /// Whether the namespace is a user or an organization.
    pub namespace_type: DtrNamespaceType,
    /// Name without the namespace.
    pub name: String,
    /// At most 140 characters.
    #[serde(default)]
    pub short_description: String,
    /// Markdown; DTR fills it only when one repository is fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub long_description: Option<String>,
    /// Public or private.
    pub visibility: DtrVisibility,
    /// Scan every pushed image.
    #[serde(default)]
    pub scan_on_push: bool,
    /// Tags cannot be overwritten.
    #[serde(default)]
    pub immutable_tags: bool,
    /// Deprecated in DTR 2.6.
    #[serde(default)]
    pub enable_manifest_lists: bool,
    /// Pull count.
    #[serde(default)]
    #[ts(type = "number")]
    pub pulls: u64,
    /// Push count.
    #[serde(default)]
    #[ts(type = "number")]
    pub pushes: u64,
    /// Most tags kept (DTR 2.6+; 0 = no limit); `null` before 2.6.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub tag_limit: Option<u64>,
}

impl DtrRepository {
    /// `namespace/name`, the form webhook keys and image names use.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// The body of `GET /api/v0/repositories[/{namespace}]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryList {
    /// The page of repositories.
    pub repositories: Vec<DtrRepository>,
}

/// One tag from `GET /api/v0/repositories/{ns}/{repo}/tags` (`responses.ListTag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct DtrTag {
    /// Tag name.
    pub name: String,
    /// Digest of the manifest the tag points to.
    pub digest: String,
    /// Who pushed it.
    #[serde(default)]
    pub author: String,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: String,
    /// DTR found the stored content does not match the digest.
    #[serde(default)]
    pub hash_mismatch: bool,
    /// Signed in Notary; such tags cannot be deleted through the API.
    #[serde(default)]
    pub in_notary: bool,
    /// The manifest; fully filled only with `includeManifests=true`.
    #[serde(default)]
    pub manifest: Option<DtrManifest>,
    /// Set when the tag came from a mirroring policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mirroring: Option<DtrTagMirroring>,
    /// Set when the tag came from a promotion policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub promotion: Option<DtrTagPromotion>,
}

/// A tag's manifest summary.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export_to = "registry.ts")]
pub struct DtrManifest {
    /// Manifest digest.
    pub digest: String,
    /// Manifest media type.
    pub media_type: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Operating system.
    pub os: String,
    /// OS version (Windows images).
    pub os_version: String,
    /// CPU architecture.
    pub architecture: String,
    /// Image author.
    pub author: String,
    /// RFC 3339.
    pub created_at: String,
    /// Image config digest.
    pub config_digest: String,
    /// Image config media type.
    pub config_media_type: String,
    /// One entry per layer; `null` becomes empty.
    #[serde(with = "null_as_empty")]
    #[ts(as = "Vec<DtrLayer>")]
    pub dockerfile: Vec<DtrLayer>,
}

/// One layer line of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export_to = "registry.ts")]
pub struct DtrLayer {
    /// The Dockerfile line that made the layer.
    pub line: String,
    /// Layer digest.
    pub layer_digest: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// An empty layer (metadata only).
    pub is_empty: bool,
    /// Layer media type.
    pub media_type: String,
    /// Foreign-layer URLs; usually `null`.
    pub urls: Option<Vec<String>>,
}

/// Mirroring origin of a tag.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export_to = "registry.ts")]
pub struct DtrTagMirroring {
    /// The policy that mirrored it.
    #[serde(rename = "mirroringPolicyID")]
    pub mirroring_policy_id: String,
    /// Mirrored digest.
    pub digest: String,
    /// Remote repository.
    pub remote_repository: String,
    /// Remote tag.
    pub remote_tag: String,
}

/// Promotion origin of a tag.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export_to = "registry.ts")]
pub struct DtrTagPromotion {
    /// The policy that promoted it.
    #[serde(rename = "promotionPolicyID")]
    pub promotion_policy_id: String,
    /// Source repository.
    pub source_repository: String,
    /// Source tag.
    pub source_tag: String,
}

/// An eNZi account (user or organization), from `GET /enzi/v0/accounts/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct DtrAccount {
    /// Account name (the namespace).
    pub name: String,
    /// Account ID.
    #[serde(default)]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub full_name: String,
    /// An organization rather than a user.
    #[serde(default)]
    pub is_org: bool,
    /// DTR admin (users only).
    #[serde(default)]
    pub is_admin: Option<bool>,
    /// Active (users only).
    #[serde(default)]
    pub is_active: Option<bool>,
}

/// One organization the user belongs to, from `GET /enzi/v0/accounts/{user}/organizations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberOrg {
    /// The organization.
    pub org: DtrAccount,
    /// The user is an owner (admin) of the organization.
    #[serde(default)]
    pub is_admin: bool,
    /// The membership is visible to others.
    #[serde(default)]
    pub is_public: bool,
}

/// The body of `GET /enzi/v0/accounts/{user}/organizations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberOrgList {
    /// The page of organizations.
    #[serde(default, with = "null_as_empty")]
    pub member_orgs: Vec<MemberOrg>,
    /// Newer eNZi versions repeat the next-page cursor in the body.
    #[serde(default)]
    pub next_page_start: Option<String>,
}

/// A namespace the user belongs to: their own, or an organization they are a member of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct DtrNamespace {
    /// The namespace name.
    pub name: String,
    /// User or organization.
    pub namespace_type: DtrNamespaceType,
    /// The user may manage namespace webhooks here (own namespace, org owner, or DTR admin).
    pub is_admin: bool,
}

/// The namespaces `user` belongs to: their own first, then their organizations by name.
/// DTR has no such route; `GET /enzi/v0/accounts` lists every account, so it is no substitute.
pub fn namespaces_of(user: &DtrAccount, orgs: &[MemberOrg]) -> Vec<DtrNamespace> {
    let dtr_admin = user.is_admin.unwrap_or(false);
    // A paged listing can repeat an org; keep it once, admin if any entry says so.
    let mut by_name = std::collections::BTreeMap::<&str, bool>::new();
    for m in orgs.iter().filter(|m| m.org.name != user.name) {
        *by_name.entry(&m.org.name).or_default() |= m.is_admin;
    }
    let own = DtrNamespace {
        name: user.name.clone(),
        namespace_type: DtrNamespaceType::User,
        is_admin: true,
    };
    std::iter::once(own)
        .chain(by_name.into_iter().map(|(name, is_admin)| DtrNamespace {
            name: name.to_owned(),
            namespace_type: DtrNamespaceType::Organization,
            is_admin: dtr_admin || is_admin,
        }))
        .collect()
}

mod null_as_empty {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
    }

    pub fn serialize<S: Serializer, T: Serialize>(value: &[T], s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}
