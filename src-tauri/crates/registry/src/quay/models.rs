//! The objects Quay API v1 answers with, and the drafts the UI fills in before
//! [`super::validate`] turns them into request bodies.
//!
//! Field names are Quay's own snake_case names, in Rust, on the wire and in TypeScript alike, so a
//! field means the same thing everywhere and matches Quay's documentation. The one name that
//! differs on the wire (`eventConfig` in the create body, `event_config` in answers) only exists
//! in [`super::validate::CreateNotificationRequest`], which the UI never sees. Fields that some
//! versions or features leave out are `Option` or defaulted.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use ts_rs::TS;

/// Quay treats a notification with this many consecutive failed deliveries as disabled; the
/// number is hard-coded in Quay's notification worker.
pub const DISABLED_AFTER_FAILURES: u32 = 3;

/// A notification event: the 11 repository events, the namespace-only quota events (which
/// arrive in deliveries but are never created on a repository), and any name Wharf does not
/// know, kept as `Other`, which Wharf never sends, because Quay answers an unknown name with a
/// 500.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "registry.ts")]
pub enum QuayEvent {
    /// A tag was pushed (one event per tag).
    RepoPush,
    /// A build was queued.
    BuildQueued,
    /// A build started.
    BuildStart,
    /// A build succeeded.
    BuildSuccess,
    /// A build failed.
    BuildFailure,
    /// A build was cancelled.
    BuildCancelled,
    /// The security scanner found a vulnerability.
    VulnerabilityFound,
    /// A repository mirror sync started.
    RepoMirrorSyncStarted,
    /// A repository mirror sync succeeded.
    RepoMirrorSyncSuccess,
    /// A repository mirror sync failed.
    RepoMirrorSyncFailed,
    /// Tags will expire within the configured number of days (Quay 3.12+).
    RepoImageExpiry,
    /// A namespace's storage quota passed its warning threshold (namespace notification).
    QuotaWarning,
    /// A namespace's storage quota is exceeded (namespace notification).
    QuotaError,
    /// Any other name, kept exactly as written.
    #[serde(untagged)]
    Other(String),
}

impl QuayEvent {
    /// The 11 repository events, in Quay's own order.
    pub const ALL: [QuayEvent; 13] = [
        Self::RepoPush,
        Self::BuildQueued,
        Self::BuildStart,
        Self::BuildSuccess,
        Self::BuildFailure,
        Self::BuildCancelled,
        Self::VulnerabilityFound,
        Self::RepoMirrorSyncStarted,
        Self::RepoMirrorSyncSuccess,
        Self::RepoMirrorSyncFailed,
        Self::RepoImageExpiry,
        Self::QuotaWarning,
        Self::QuotaError,
    ];

    /// The event from its wire name; unknown names become [`QuayEvent::Other`].
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == name)
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }

    /// The repository or namespace event `name` names, ASCII case ignored; `None` for a name
    /// Quay does not have.
    pub fn known(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(name))
    }

    /// The wire name, such as `repo_push`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::RepoPush => "repo_push",
            Self::BuildQueued => "build_queued",
            Self::BuildStart => "build_start",
            Self::BuildSuccess => "build_success",
            Self::BuildFailure => "build_failure",
            Self::BuildCancelled => "build_cancelled",
            Self::VulnerabilityFound => "vulnerability_found",
            Self::RepoMirrorSyncStarted => "repo_mirror_sync_started",
            Self::RepoMirrorSyncSuccess => "repo_mirror_sync_success",
            Self::RepoMirrorSyncFailed => "repo_mirror_sync_failed",
            Self::RepoImageExpiry => "repo_image_expiry",
            Self::QuotaWarning => "quota_warning",
            Self::QuotaError => "quota_error",
            Self::Other(name) => name,
        }
    }

    /// The `/config` feature flag (without `FEATURE_`) that makes the event fire. Quay accepts
    /// the event without it, but such a notification never fires.
    pub fn required_feature(&self) -> Option<&'static str> {
        match self {
            Self::BuildQueued
            | Self::BuildStart
            | Self::BuildSuccess
            | Self::BuildFailure
            | Self::BuildCancelled => Some("BUILD_SUPPORT"),
            Self::VulnerabilityFound => Some("SECURITY_SCANNER"),
            Self::RepoMirrorSyncStarted
            | Self::RepoMirrorSyncSuccess
            | Self::RepoMirrorSyncFailed => Some("REPO_MIRROR"),
            Self::RepoImageExpiry => Some("IMAGE_EXPIRY_TRIGGER"),
            Self::QuotaWarning | Self::QuotaError => Some("QUOTA_MANAGEMENT"),
            Self::RepoPush | Self::Other(_) => None,
        }
    }
}

impl fmt::Display for QuayEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a notification is delivered. Unknown names are kept as `Other` and never sent (Quay
/// answers them with a 500).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "registry.ts")]
pub enum QuayMethod {
    /// An HTTP POST of the event (or a template) as JSON.
    Webhook,
    /// An e-mail to an address confirmed for the repository.
    Email,
    /// A Slack incoming webhook.
    Slack,
    /// An in-app notification for a Quay user, team or organization.
    QuayNotification,
    /// Flowdock (the service has shut down).
    Flowdock,
    /// HipChat (the service has shut down).
    Hipchat,
    /// Any other name, kept exactly as written.
    #[serde(untagged)]
    Other(String),
}

impl QuayMethod {
    /// The six methods Quay offers.
    pub const ALL: [QuayMethod; 6] = [
        Self::Webhook,
        Self::Email,
        Self::Slack,
        Self::QuayNotification,
        Self::Flowdock,
        Self::Hipchat,
    ];

    /// The method from its wire name; unknown names become [`QuayMethod::Other`].
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == name)
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }

    /// The wire name, such as `quay_notification`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Webhook => "webhook",
            Self::Email => "email",
            Self::Slack => "slack",
            Self::QuayNotification => "quay_notification",
            Self::Flowdock => "flowdock",
            Self::Hipchat => "hipchat",
            Self::Other(name) => name,
        }
    }

    /// The `/config` feature flag the method needs (`MAILING` for e-mail).
    pub fn required_feature(&self) -> Option<&'static str> {
        matches!(self, Self::Email).then_some("MAILING")
    }

    /// The service behind it is gone, so every delivery fails and the notification soon
    /// disables itself. Quay still offers these methods.
    pub fn is_defunct(&self) -> bool {
        matches!(self, Self::Flowdock | Self::Hipchat)
    }
}

impl fmt::Display for QuayMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A vulnerability severity, worst first, as Quay's security scanner names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub enum QuaySeverity {
    /// Index 0.
    Critical,
    /// Index 1.
    High,
    /// Index 2.
    Medium,
    /// Index 3.
    Low,
    /// Index 4.
    Negligible,
    /// Index 5: the lowest, so a notification at this level fires for everything.
    Unknown,
}

impl QuaySeverity {
    /// Every severity, worst first (the order of Quay's index).
    pub const ALL: [QuaySeverity; 6] = [
        Self::Critical,
        Self::High,
        Self::Medium,
        Self::Low,
        Self::Negligible,
        Self::Unknown,
    ];

    /// Quay's index for `eventConfig.level`: 0 (Critical) to 5 (Unknown).
    pub fn index(self) -> u8 {
        self as u8
    }

    /// The name for `eventConfig.vulnerability.priority`, such as `High`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Critical => "Critical",
            Self::High => "High",
            Self::Medium => "Medium",
            Self::Low => "Low",
            Self::Negligible => "Negligible",
            Self::Unknown => "Unknown",
        }
    }
}

/// The event of a new notification with its options (`eventConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
#[ts(export_to = "registry.ts")]
pub enum QuayEventSpec {
    /// A tag was pushed.
    RepoPush,
    /// A build was queued.
    BuildQueued {
        /// Python regex matched from the start of the git ref (`refs/heads/main`); empty for
        /// every build. With a regex, manual and non-git builds never notify.
        #[serde(default)]
        ref_regex: String,
    },
    /// A build started.
    BuildStart {
        /// As for [`QuayEventSpec::BuildQueued`].
        #[serde(default)]
        ref_regex: String,
    },
    /// A build succeeded.
    BuildSuccess {
        /// As for [`QuayEventSpec::BuildQueued`].
        #[serde(default)]
        ref_regex: String,
    },
    /// A build failed.
    BuildFailure {
        /// As for [`QuayEventSpec::BuildQueued`].
        #[serde(default)]
        ref_regex: String,
    },
    /// A build was cancelled.
    BuildCancelled {
        /// As for [`QuayEventSpec::BuildQueued`].
        #[serde(default)]
        ref_regex: String,
    },
    /// A vulnerability was found.
    VulnerabilityFound {
        /// The lowest severity that notifies; `Unknown` notifies for everything.
        level: QuaySeverity,
    },
    /// A mirror sync started.
    RepoMirrorSyncStarted,
    /// A mirror sync succeeded.
    RepoMirrorSyncSuccess,
    /// A mirror sync failed.
    RepoMirrorSyncFailed,
    /// Tags will expire soon.
    RepoImageExpiry {
        /// Notify about tags expiring within this many days (at least 1).
        days: u32,
    },
    /// The namespace's storage passed its warning limit (Quay with quota management; the limits
    /// are the namespace's, so there is nothing to configure).
    QuotaWarning,
    /// The namespace's storage reached its reject limit: pushes fail.
    QuotaError,
}

impl QuayEventSpec {
    /// The event this spec creates.
    pub fn event(&self) -> QuayEvent {
        match self {
            Self::RepoPush => QuayEvent::RepoPush,
            Self::BuildQueued { .. } => QuayEvent::BuildQueued,
            Self::BuildStart { .. } => QuayEvent::BuildStart,
            Self::BuildSuccess { .. } => QuayEvent::BuildSuccess,
            Self::BuildFailure { .. } => QuayEvent::BuildFailure,
            Self::BuildCancelled { .. } => QuayEvent::BuildCancelled,
            Self::VulnerabilityFound { .. } => QuayEvent::VulnerabilityFound,
            Self::RepoMirrorSyncStarted => QuayEvent::RepoMirrorSyncStarted,
            Self::RepoMirrorSyncSuccess => QuayEvent::RepoMirrorSyncSuccess,
            Self::RepoMirrorSyncFailed => QuayEvent::RepoMirrorSyncFailed,
            Self::RepoImageExpiry { .. } => QuayEvent::RepoImageExpiry,
            Self::QuotaWarning => QuayEvent::QuotaWarning,
            Self::QuotaError => QuayEvent::QuotaError,
        }
    }
}

/// Who receives a `quay_notification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "registry.ts")]
pub enum QuayTargetKind {
    /// One (non-robot) user.
    User,
    /// Every member of a team of the repository's organization.
    Team,
    /// The repository's own organization (its admins see it).
    Org,
}

/// The receiver of a `quay_notification` (`config.target`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayTarget {
    /// User, team or organization.
    pub kind: QuayTargetKind,
    /// The user, team or organization name.
    pub name: String,
}

/// The method of a new notification with its settings (`config`). Secrets (URLs, tokens,
/// templates) are hidden from `Debug` so they cannot reach a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
#[ts(export_to = "registry.ts")]
pub enum QuayMethodSpec {
    /// POST the event as JSON to a URL.
    Webhook {
        /// An http:// or https:// URL the Quay server can reach.
        url: String,
        /// A JSON document (as text) to send instead of the event; `${path}` expressions are
        /// filled from the event. Empty for the event itself.
        #[serde(default)]
        template: String,
    },
    /// E-mail an address confirmed for the repository.
    Email {
        /// The address.
        email: String,
    },
    /// Post to a Slack incoming webhook.
    Slack {
        /// The incoming-webhook URL, such as `https://hooks.slack.com/services/…`.
        url: String,
    },
    /// Notify a Quay user, team or organization inside Quay.
    QuayNotification {
        /// The receiver.
        target: QuayTarget,
    },
    /// Post to a Flowdock flow.
    Flowdock {
        /// The flow's API token.
        flow_api_token: String,
    },
    /// Post to a HipChat room.
    Hipchat {
        /// The numeric room ID.
        room_id: String,
        /// The room notification token.
        notification_token: String,
    },
}

impl QuayMethodSpec {
    /// The method this spec creates.
    pub fn method(&self) -> QuayMethod {
        match self {
            Self::Webhook { .. } => QuayMethod::Webhook,
            Self::Email { .. } => QuayMethod::Email,
            Self::Slack { .. } => QuayMethod::Slack,
            Self::QuayNotification { .. } => QuayMethod::QuayNotification,
            Self::Flowdock { .. } => QuayMethod::Flowdock,
            Self::Hipchat { .. } => QuayMethod::Hipchat,
        }
    }
}

impl fmt::Debug for QuayMethodSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HIDDEN: &str = "<hidden>";
        match self {
            Self::Webhook { .. } | Self::Slack { .. } => f
                .debug_struct(self.method().as_str())
                .field("url", &HIDDEN)
                .finish_non_exhaustive(),
            Self::Email { email } => f.debug_struct("email").field("email", email).finish(),
            Self::QuayNotification { target } => f
                .debug_struct("quay_notification")
                .field("target", target)
                .finish(),
            Self::Flowdock { .. } => f
                .debug_struct("flowdock")
                .field("flow_api_token", &HIDDEN)
                .finish(),
            Self::Hipchat { room_id, .. } => f
                .debug_struct("hipchat")
                .field("room_id", room_id)
                .field("notification_token", &HIDDEN)
                .finish(),
        }
    }
}

/// What the UI fills in to create a notification; [`super::validate::validate_create`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayNotificationDraft {
    /// Optional human-readable title; blank means none.
    #[serde(default)]
    pub title: String,
    /// The event and its options.
    pub event: QuayEventSpec,
    /// The method and its settings.
    pub method: QuayMethodSpec,
}

/// A repository notification as Quay returns it from list, get and create.
///
/// `config` and `event_config` are exactly what was stored at creation (secrets included), so
/// they stay raw JSON; `Debug` hides `config`. `disabled` is not sent by Quay: it is derived
/// from `number_of_failures` while reading.
#[derive(Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayNotification {
    /// The notification's UUID, used in every other call.
    pub uuid: String,
    /// `null` when created without a title.
    pub title: Option<String>,
    /// The event.
    pub event: QuayEvent,
    /// The delivery method.
    pub method: QuayMethod,
    /// The method settings as stored, secrets included; mask them when showing.
    pub config: serde_json::Value,
    /// The event options as stored (`{}` when none).
    pub event_config: serde_json::Value,
    /// Consecutive failed delivery attempts; any success resets it to 0.
    pub number_of_failures: u32,
    /// Quay skips the notification: `number_of_failures >= 3`. Reset the failures to enable it.
    pub disabled: bool,
}

impl<'de> Deserialize<'de> for QuayNotification {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            uuid: String,
            #[serde(default)]
            title: Option<String>,
            event: QuayEvent,
            method: QuayMethod,
            #[serde(default)]
            config: serde_json::Value,
            #[serde(default)]
            event_config: serde_json::Value,
            #[serde(default)]
            number_of_failures: u32,
        }
        let w = Wire::deserialize(d)?;
        Ok(Self {
            disabled: w.number_of_failures >= DISABLED_AFTER_FAILURES,
            uuid: w.uuid,
            title: w.title,
            event: w.event,
            method: w.method,
            config: w.config,
            event_config: w.event_config,
            number_of_failures: w.number_of_failures,
        })
    }
}

impl fmt::Debug for QuayNotification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuayNotification")
            .field("uuid", &self.uuid)
            .field("title", &self.title)
            .field("event", &self.event)
            .field("method", &self.method)
            .field("config", &"<hidden>")
            .field("event_config", &self.event_config)
            .field("number_of_failures", &self.number_of_failures)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// The body of `GET …/notification/` (no paging: every notification at once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuayNotificationList {
    /// All of the repository's notifications.
    #[serde(default)]
    pub notifications: Vec<QuayNotification>,
}

/// A repository, `namespace/name`; Quay allows nested names (`ns/a/b`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayRepoRef {
    /// The user or organization owning the repository.
    pub namespace: String,
    /// The name without the namespace; may itself contain `/`.
    pub name: String,
}

impl QuayRepoRef {
    /// A reference from its two parts.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Splits `namespace/name` at the first `/`; `None` without one.
    pub fn parse(full: &str) -> Option<Self> {
        let (namespace, name) = full.split_once('/')?;
        Some(Self::new(namespace, name))
    }
}

impl fmt::Display for QuayRepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// A user or organization picture reference.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export_to = "registry.ts")]
pub struct QuayAvatar {
    /// The name the avatar belongs to.
    pub name: String,
    /// Gravatar-style hash.
    pub hash: String,
    /// Background colour, such as `#9edae5`.
    pub color: String,
    /// `user`, `org`, `team` or `robot`.
    pub kind: String,
}

/// An organization as listed in `GET /api/v1/user/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayUserOrganization {
    /// The organization name (a namespace).
    pub name: String,
    /// Its avatar.
    #[serde(default)]
    pub avatar: Option<QuayAvatar>,
    /// The user may create repositories in it.
    #[serde(default)]
    pub can_create_repo: bool,
    /// Listed publicly (from `PUBLIC_NAMESPACES`).
    #[serde(default)]
    pub public: bool,
    /// The user is an admin of the organization.
    #[serde(default)]
    pub is_org_admin: bool,
    /// The user marked it as preferred.
    #[serde(default)]
    pub preferred_namespace: bool,
}

/// The caller, from `GET /api/v1/user/` (needs the `user:read` scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayUser {
    /// `true` only for an anonymous caller, which Wharf treats as a rejected token.
    #[serde(default)]
    pub anonymous: bool,
    /// The user name (their own namespace).
    #[serde(default)]
    pub username: String,
    /// Their avatar.
    #[serde(default)]
    pub avatar: Option<QuayAvatar>,
    /// Their e-mail; only shown with admin rights on the account.
    #[serde(default)]
    pub email: Option<String>,
    /// The e-mail is verified.
    #[serde(default)]
    pub verified: Option<bool>,
    /// They may create repositories in their own namespace.
    #[serde(default)]
    pub can_create_repo: bool,
    /// The organizations they belong to.
    #[serde(default)]
    pub organizations: Vec<QuayUserOrganization>,
}

/// A team's organization-wide role. Unknown names are kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "registry.ts")]
pub enum QuayTeamRole {
    /// Members see only what the team was granted on repositories.
    Member,
    /// Members may also create repositories in the organization.
    Creator,
    /// Members administer the organization and all its repositories (like `owners`).
    Admin,
    /// Any other role, kept as written.
    #[serde(untagged)]
    Other(String),
}

/// A team of an organization, from `GET /api/v1/organization/{org}`; a `quay_notification`
/// with a team target notifies each of its members.
/// Read in Quay's snake_case, sent to the UI in camelCase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all(serialize = "camelCase"))]
#[ts(rename_all = "camelCase")]
pub struct QuayTeam {
    /// The team name, unique within its organization.
    pub name: String,
    /// Free text; empty (or `null`) when never set.
    #[serde(default)]
    pub description: Option<String>,
    /// The role every member has in the organization.
    pub role: QuayTeamRole,
    /// Its avatar.
    #[serde(default)]
    pub avatar: Option<QuayAvatar>,
    /// The caller may open the team (an organization admin, or a member of the team).
    #[serde(default)]
    pub can_view: bool,
    /// Repositories the team has permissions on.
    #[serde(default)]
    pub repo_count: u32,
    /// Members of the team (pending invitations not counted).
    #[serde(default)]
    pub member_count: u32,
    /// Membership is synced from an external group (LDAP, Keystone, OIDC).
    #[serde(default)]
    pub is_synced: bool,
}

/// The parts of `GET /api/v1/organization/{org}` Wharf reads. Quay adds `teams` and
/// `ordered_teams` only for members of the organization; a user's namespace answers 404.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuayOrganization {
    /// The organization name.
    pub name: String,
    /// The caller administers the organization (and the token has `org:admin`).
    #[serde(default)]
    pub is_admin: bool,
    /// The caller is in one of its teams.
    #[serde(default)]
    pub is_member: bool,
    /// Teams by name; absent when the caller is not a member.
    #[serde(default)]
    pub teams: Option<BTreeMap<String, QuayTeam>>,
    /// Team names in Quay's order (oldest first); absent with `teams`.
    #[serde(default)]
    pub ordered_teams: Option<Vec<String>>,
}

impl QuayOrganization {
    /// The teams in `ordered_teams` order, then any it leaves out by name; empty when Quay
    /// hid them (the caller is not a member).
    pub fn teams_in_order(&self) -> Vec<QuayTeam> {
        let Some(teams) = &self.teams else {
            return Vec::new();
        };
        let mut out: Vec<QuayTeam> = Vec::with_capacity(teams.len());
        for name in self.ordered_teams.iter().flatten() {
            if let Some(team) = teams.get(name) {
                if !out.iter().any(|t| t.name == team.name) {
                    out.push(team.clone());
                }
            }
        }
        for team in teams.values() {
            if !out.iter().any(|t| t.name == team.name) {
                out.push(team.clone());
            }
        }
        out
    }
}

/// Whether a namespace is a user's or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "registry.ts")]
pub enum QuayNamespaceKind {
    /// The caller's own namespace.
    User,
    /// An organization.
    Organization,
}

/// A namespace the caller can browse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayNamespace {
    /// The namespace name.
    pub name: String,
    /// User or organization.
    pub kind: QuayNamespaceKind,
    /// Their own namespace, or an organization they administer. Repository admin rights can
    /// also be granted per repository, so `false` does not rule notifications out.
    pub is_admin: bool,
}

/// The caller's namespaces: their own first, then their organizations by name. Quay has no
/// other way to list them than `GET /api/v1/user/`.
pub fn namespaces_of(user: &QuayUser) -> Vec<QuayNamespace> {
    let mut orgs = BTreeMap::<&str, bool>::new();
    for org in user
        .organizations
        .iter()
        .filter(|o| o.name != user.username)
    {
        *orgs.entry(&org.name).or_default() |= org.is_org_admin;
    }
    let own = QuayNamespace {
        name: user.username.clone(),
        kind: QuayNamespaceKind::User,
        is_admin: true,
    };
    std::iter::once(own)
        .chain(orgs.into_iter().map(|(name, is_admin)| QuayNamespace {
            name: name.to_owned(),
            kind: QuayNamespaceKind::Organization,
            is_admin,
        }))
        .collect()
}

/// A repository's state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export_to = "registry.ts")]
pub enum QuayRepositoryState {
    /// Normal.
    Normal,
    /// Read-only.
    ReadOnly,
    /// Filled by a repository mirror; pushes are refused.
    Mirror,
    /// Filled by an organization mirror.
    OrgMirror,
    /// Being deleted.
    MarkedForDeletion,
    /// Any other state, kept as written.
    #[serde(untagged)]
    Other(String),
}

/// Storage used against the quota, when quotas are on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayQuotaReport {
    /// Bytes used.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub quota_bytes: Option<u64>,
    /// The namespace's quota in bytes.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub configured_quota: Option<u64>,
}

/// One repository from `GET /api/v1/repository`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayRepository {
    /// The owning namespace.
    pub namespace: String,
    /// The name without the namespace.
    pub name: String,
    /// Markdown; `null` when never set.
    #[serde(default)]
    pub description: Option<String>,
    /// Anyone may pull it.
    #[serde(default)]
    pub is_public: bool,
    /// `image` (or `application` on old servers).
    #[serde(default)]
    pub kind: Option<String>,
    /// Its state; older servers leave it out.
    #[serde(default)]
    pub state: Option<QuayRepositoryState>,
    /// Starred by the caller; only present for an authenticated caller.
    #[serde(default)]
    pub is_starred: Option<bool>,
    /// Newest tag push, epoch seconds; only with `last_modified=true`.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub last_modified: Option<i64>,
    /// Only with `popularity=true`.
    #[serde(default)]
    pub popularity: Option<f64>,
    /// Only when quotas are on.
    #[serde(default)]
    pub quota_report: Option<QuayQuotaReport>,
}

impl QuayRepository {
    /// The reference to use in repository paths.
    pub fn repo_ref(&self) -> QuayRepoRef {
        QuayRepoRef::new(&self.namespace, &self.name)
    }
}

/// One page of `GET /api/v1/repository` (100 per page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayRepositoryPage {
    /// This page's repositories.
    #[serde(default)]
    pub repositories: Vec<QuayRepository>,
    /// Opaque cursor for the next page, valid for two days; absent on the last page. Quay
    /// silently restarts at page 1 for a bad cursor, so callers must watch for repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_page: Option<String>,
}

/// A tag as embedded in the repository detail (only with `includeTags=true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayDetailTag {
    /// Tag name.
    pub name: String,
    /// Size in bytes; `null` for manifest lists.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    /// RFC 2822 date.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// RFC 2822 date, when the tag expires.
    #[serde(default)]
    pub expiration: Option<String>,
    /// The manifest digest.
    #[serde(default)]
    pub manifest_digest: Option<String>,
}

/// `GET /api/v1/repository/{repo}` (ask with `includeTags=false`; otherwise up to 500 tags).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayRepositoryDetail {
    /// The owning namespace.
    pub namespace: String,
    /// The name without the namespace.
    pub name: String,
    /// `image` (or `application` on old servers).
    #[serde(default)]
    pub kind: Option<String>,
    /// Markdown; `null` when never set.
    #[serde(default)]
    pub description: Option<String>,
    /// Anyone may pull it.
    #[serde(default)]
    pub is_public: bool,
    /// The namespace is an organization.
    #[serde(default)]
    pub is_organization: bool,
    /// Starred by the caller.
    #[serde(default)]
    pub is_starred: bool,
    /// Its state.
    #[serde(default)]
    pub state: Option<QuayRepositoryState>,
    /// The caller may push.
    #[serde(default)]
    pub can_write: bool,
    /// The caller administers it: the notification endpoints need this.
    #[serde(default)]
    pub can_admin: bool,
    /// Default tag expiration of the namespace, seconds.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub tag_expiration_s: Option<i64>,
    /// Embedded active tags by name, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tags: Option<BTreeMap<String, QuayDetailTag>>,
}

/// One tag from `GET /api/v1/repository/{repo}/tag/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayTag {
    /// Tag name (may repeat in history listings).
    pub name: String,
    /// The tag was restored to an earlier manifest.
    #[serde(default)]
    pub reversion: bool,
    /// Start, epoch seconds.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub start_ts: Option<i64>,
    /// End, epoch seconds; only for expiring or expired tags.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub end_ts: Option<i64>,
    /// The manifest digest.
    #[serde(default)]
    pub manifest_digest: Option<String>,
    /// Points to a manifest list (multi-arch).
    #[serde(default)]
    pub is_manifest_list: bool,
    /// Size in bytes; `null` for manifest lists.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    /// RFC 2822 date, such as `Mon, 10 Jun 2024 09:12:25 -0000`.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// RFC 2822 date, when the tag expires.
    #[serde(default)]
    pub expiration: Option<String>,
    /// Immutable tag; only with `FEATURE_IMMUTABLE_TAGS`.
    #[serde(default)]
    pub immutable: Option<bool>,
}

/// One page of `GET /api/v1/repository/{repo}/tag/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayTagPage {
    /// This page's tags, newest first.
    #[serde(default)]
    pub tags: Vec<QuayTag>,
    /// The 1-based page number.
    #[serde(default = "first_page")]
    pub page: u32,
    /// Another page follows.
    #[serde(default)]
    pub has_additional: bool,
}

fn first_page() -> u32 {
    1
}

/// `GET`/`POST …/authorizedemail/{email}`: whether Quay may e-mail an address for a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct QuayAuthorizedEmail {
    /// The address.
    pub email: String,
    /// The repository name.
    #[serde(default)]
    pub repository: String,
    /// The namespace.
    #[serde(default)]
    pub namespace: String,
    /// The recipient clicked the confirmation link; only then can an e-mail notification be
    /// created.
    #[serde(default)]
    pub confirmed: bool,
}
