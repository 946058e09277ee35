//! A fake Quay (API v1) for tests: a real axum server on loopback with in-memory state.
//!
//! It answers like the Quay server where clients trip (see `quay-api.md`): a bad or unknown
//! bearer token silently acts as anonymous (401 on protected reads, CSRF 403 on writes), a
//! missing repository and a missing admin role both give 403 `insufficient_scope`, notification
//! create answers 201, test 200 `{}`, reset and delete 204, an unknown UUID 404 on GET but 400
//! elsewhere, an unknown event or method an HTML 500, and webhook URLs on `localhost` or
//! `127.0.0.1` a 400 `Invalid webhook URL`.
//!
//! Repositories are created (201), made public or private, described and deleted (204) like
//! Quay's `repository.py` does it, schema errors in `jsonschema`'s words (see `repos.rs`).
//!
//! Organizations have teams (`owners`, holding the admins, plus [`FakeQuay::add_team`]):
//! `GET /organization/{org}` lists them to members only, and a `quay_notification` team target
//! must name a team of the repository's own namespace.
//!
//! Delivery (for test and [`FakeQuay::simulate_event`]) runs like Quay's notification worker.
//! A disabled notification (`number_of_failures >= 3`) is skipped; then the event's filter may
//! drop it silently (`ref-regex` on build events, `level` on `vulnerability_found`); then the
//! method runs with the event's sample payload (quay.io's variant, from the shared
//! `inbox::samples`, with the repository envelope keys set to the real repository and, as in
//! Quay's samples, the ref `refs/heads/somebranch` on builds and the configured level's priority on vulnerabilities):
//! - `webhook` POSTs the payload, or its `template` with the `${…}` expressions filled in, with
//!   Quay's headers (`inbox::samples::QUAY_HEADERS`: JSON, a `python-requests` User-Agent);
//! - `slack` POSTs Slack's message shape (summary, colour) to its URL;
//! - `hipchat` and `flowdock` fail every time, without sending: both services are gone;
//! - `email` is accepted by the fake's mail server ([`FakeQuay::sent_emails`]);
//! - `quay_notification` creates in-app notifications for the user, the organization (its
//!   admins see it) or each team member ([`FakeQuay::user_notifications`]).
//!
//! A failed attempt (non-2xx, no answer, a dead service) increments `number_of_failures` and is
//! retried a configurable number of times; a success sets the count to 0. Nothing is ever sent
//! outside 127.0.0.0/8 (redirects included): such an attempt fails as unreachable.

use crate::common::{
    apply_body_fault, fault_control, hash, header_text, html_status, json, now_epoch,
    percent_decode, query_param, rfc2822, Delivery, Recorder,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;
use serde_json::{json as j, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The repository events Quay's event table knows; any other name gives a 500 on create.
pub const EVENTS: [&str; 13] = [
    "repo_push",
    "build_queued",
    "build_start",
    "build_success",
    "build_failure",
    "build_cancelled",
    "vulnerability_found",
    "repo_mirror_sync_started",
    "repo_mirror_sync_success",
    "repo_mirror_sync_failed",
    "repo_image_expiry",
    "quota_warning",
    "quota_error",
];

/// The notification methods Quay knows; any other name gives a 500 on create.
pub const METHODS: [&str; 6] = [
    "email",
    "flowdock",
    "hipchat",
    "quay_notification",
    "slack",
    "webhook",
];

/// The feature flags the fake's `GET /config` publishes, all on until
/// [`FakeQuay::set_feature`] turns one off.
pub const FEATURES: [&str; 7] = [
    "BUILD_SUPPORT",
    "SECURITY_SCANNER",
    "MAILING",
    "REPO_MIRROR",
    "IMAGE_EXPIRY_TRIGGER",
    "QUOTA_MANAGEMENT",
    "ANONYMOUS_ACCESS",
];

/// The User-Agent webhook deliveries carry, like Quay's `requests` library.
pub const DELIVERY_USER_AGENT: &str = inbox::samples::QUAY_USER_AGENT;

/// The failure count at which a notification is disabled.
pub const DISABLED_AT: u64 = 3;

/// An OAuth scope a fake token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `repo:read`.
    RepoRead,
    /// `repo:write` (implies read).
    RepoWrite,
    /// `repo:admin` (implies write and read); every notification call needs it.
    RepoAdmin,
    /// `repo:create`.
    RepoCreate,
    /// `user:read`; `GET /user/` needs it.
    UserRead,
    /// `user:admin`.
    UserAdmin,
    /// `org:admin`.
    OrgAdmin,
}

impl Scope {
    /// Every scope, for an all-powerful token.
    pub const ALL: [Scope; 7] = [
        Scope::RepoRead,
        Scope::RepoWrite,
        Scope::RepoAdmin,
        Scope::RepoCreate,
        Scope::UserRead,
        Scope::UserAdmin,
        Scope::OrgAdmin,
    ];
}

/// A tag to seed into a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTag {
    /// The tag name.
    pub name: String,
    /// The manifest digest (`sha256:…`).
    pub manifest_digest: String,
    /// Size in bytes.
    pub size: u64,
    /// When the tag started pointing at its manifest (epoch seconds).
    pub start_ts: i64,
    /// When it stopped (deleted or expired), if it did or will.
    pub end_ts: Option<i64>,
    /// Whether the manifest is a manifest list.
    pub is_manifest_list: bool,
}

impl FakeTag {
    /// A live tag pushed at `start_ts`, with a digest derived from its name.
    pub fn new(name: &str, start_ts: i64) -> Self {
        Self {
            name: name.to_owned(),
            manifest_digest: format!("sha256:{:064x}", hash(name.as_bytes())),
            size: 1024,
            start_ts,
            end_ts: None,
            is_manifest_list: false,
        }
    }

    /// The same tag, ended (deleted or expired) at `end_ts`; it is history once that is past.
    pub fn ended_at(mut self, end_ts: i64) -> Self {
        self.end_ts = Some(end_ts);
        self
    }

    fn is_active(&self, now: i64) -> bool {
        self.end_ts.is_none_or(|end| end > now)
    }

    fn to_json(&self) -> Value {
        let mut tag = j!({
            "name": self.name,
            "reversion": false,
            "start_ts": self.start_ts,
            "manifest_digest": self.manifest_digest,
            "is_manifest_list": self.is_manifest_list,
            "size": self.size,
            "last_modified": rfc2822(self.start_ts),
        });
        if let Some(end) = self.end_ts {
            tag["end_ts"] = j!(end);
            tag["expiration"] = j!(rfc2822(end));
        }
        tag
    }
}

/// Why a test-only call could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FakeQuayError {
    /// No such repository was seeded.
    #[error("no repository {0}")]
    UnknownRepository(String),
    /// The event is not one of [`EVENTS`].
    #[error("no event {0}")]
    UnknownEvent(String),
    /// No such organization was seeded.
    #[error("no organization {0}")]
    UnknownOrganization(String),
}

/// A team's organization-wide role, as Quay names it, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TeamRole {
    /// `member`: nothing beyond what the team is granted on repositories (none in the fake).
    Member,
    /// `creator`: may also create repositories.
    Creator,
    /// `admin`: administers the organization and all its repositories, like `owners`.
    Admin,
}

impl TeamRole {
    fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Creator => "creator",
            Self::Admin => "admin",
        }
    }
}

/// An in-app notification (Quay's bell icon) that a `quay_notification` delivery created.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InAppNotification {
    /// Its id (a UUID).
    pub id: String,
    /// The user it is for, or the organization when `target_is_org`.
    pub target: String,
    /// Made for an organization: its admins see it.
    pub target_is_org: bool,
    /// Quay's notification kind: the event name, such as `repo_push`.
    pub kind: String,
    /// The event data.
    pub metadata: Value,
}

/// An e-mail the fake's mail server accepted for an `email` notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentEmail {
    /// The repository notification it was sent for.
    pub notification: String,
    /// The recipient.
    pub to: String,
    /// The subject: the event's one-line summary.
    pub subject: String,
}

/// What a simulated event carries instead of the sample data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulatedEvent {
    /// Build events: the build's git ref (`trigger_metadata.ref`), such as `refs/heads/main`;
    /// `None` keeps the sample's `refs/heads/somebranch`.
    pub git_ref: Option<String>,
    /// Build events: a manual (non-git) build, with empty `trigger_metadata` and no trigger;
    /// it wins over `git_ref`.
    pub manual_build: bool,
    /// `vulnerability_found`: the vulnerability's priority, such as `High`; `None` keeps the
    /// sample's, which Quay derives from each notification's `level` (so it always passes).
    pub priority: Option<String>,
}

#[derive(Debug, Clone)]
struct Caller {
    user: String,
    scopes: Vec<Scope>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    None,
    Read,
    Write,
    Admin,
}

#[derive(Debug, Clone)]
struct Repo {
    namespace: String,
    name: String,
    /// `image` or `application`.
    kind: String,
    public: bool,
    description: Option<String>,
    tags: Vec<FakeTag>,
    /// Users granted admin on this repository alone: Quay grants it to whoever creates a
    /// repository, so a team `creator` can administer what they made.
    admins: BTreeSet<String>,
}

impl Repo {
    fn new(namespace: &str, name: &str, public: bool) -> Self {
        Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            kind: "image".to_owned(),
            public,
            description: None,
            tags: Vec::new(),
            admins: BTreeSet::new(),
        }
    }
}

#[derive(Debug, Clone)]
struct Notification {
    uuid: String,
    namespace: String,
    name: String,
    title: Option<String>,
    event: String,
    method: String,
    config: Value,
    event_config: Value,
    number_of_failures: u64,
}

impl Notification {
    fn to_json(&self) -> Value {
        j!({
            "uuid": self.uuid,
            "title": self.title,
            "event": self.event,
            "method": self.method,
            "config": self.config,
            "event_config": self.event_config,
            "number_of_failures": self.number_of_failures,
        })
    }
}

#[derive(Debug, Clone)]
struct Team {
    name: String,
    role: TeamRole,
    members: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Org {
    admins: BTreeSet<String>,
    members: BTreeSet<String>,
    /// In creation order, which is Quay's `ordered_teams` order.
    teams: Vec<Team>,
}

impl Org {
    fn team(&self, name: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.name == name)
    }

    fn is_admin(&self, user: &str) -> bool {
        self.admins.contains(user)
            || self
                .teams
                .iter()
                .any(|t| t.role == TeamRole::Admin && t.members.contains(user))
    }

    /// Quay's `CreateRepositoryPermission` on an organization: an admin or a `creator` team.
    fn can_create(&self, user: &str) -> bool {
        self.is_admin(user)
            || self
                .teams
                .iter()
                .any(|t| t.role == TeamRole::Creator && t.members.contains(user))
    }

    /// The user's strongest role in the organization, before any token scope caps it.
    fn best_role(&self, user: &str) -> Option<TeamRole> {
        if self.admins.contains(user) {
            return Some(TeamRole::Admin);
        }
        let teams = self.teams.iter().filter(|t| t.members.contains(user));
        teams
            .map(|t| t.role)
            .max()
            .or_else(|| self.members.contains(user).then_some(TeamRole::Member))
    }

    /// Quay's organization need for a token: the user's role capped by its scopes, as in
    /// `SCOPE_MAX_TEAM_ROLES`: `org:admin` allows admin, `repo:create` creator, and without
    /// either a token has no role in any organization, not even member (so its teams are
    /// hidden from an owner's token).
    fn scoped_role(&self, caller: &Caller) -> Option<TeamRole> {
        let cap = if caller.scopes.contains(&Scope::OrgAdmin) {
            TeamRole::Admin
        } else if caller.scopes.contains(&Scope::RepoCreate) {
            TeamRole::Creator
        } else {
            return None;
        };
        self.best_role(&caller.user).map(|role| role.min(cap))
    }

    fn is_member(&self, user: &str) -> bool {
        self.is_admin(user)
            || self.members.contains(user)
            || self.teams.iter().any(|t| t.members.contains(user))
    }
}

#[derive(Debug)]
struct QuayState {
    users: BTreeSet<String>,
    tokens: HashMap<String, Caller>,
    orgs: BTreeMap<String, Org>,
    repos: Vec<Repo>,
    notifications: Vec<Notification>,
    in_app: Vec<InAppNotification>,
    emails: Vec<SentEmail>,
    /// (namespace, repository, e-mail) → confirmed.
    authorized_emails: HashMap<(String, String, String), bool>,
    /// The confirmation links mailed, as (namespace, repository, e-mail), oldest first.
    confirmation_mails: Vec<(String, String, String)>,
    cursors: HashMap<String, usize>,
    repo_page_size: usize,
    /// While set, repository writes answer as if they worked but change nothing.
    ignore_repository_writes: bool,
    /// The feature flags `GET /config` publishes (without `FEATURE_`).
    features: BTreeMap<String, bool>,
    delivery_retries: u32,
    retry_delay: Duration,
    delivery_timeout: Duration,
    recorder: Recorder,
}

impl Default for QuayState {
    fn default() -> Self {
        Self {
            users: BTreeSet::new(),
            tokens: HashMap::new(),
            orgs: BTreeMap::new(),
            repos: Vec::new(),
            notifications: Vec::new(),
            in_app: Vec::new(),
            emails: Vec::new(),
            authorized_emails: HashMap::new(),
            confirmation_mails: Vec::new(),
            features: FEATURES.iter().map(|f| (f.to_string(), true)).collect(),
            cursors: HashMap::new(),
            repo_page_size: 100,
            ignore_repository_writes: false,
            delivery_retries: 4,
            retry_delay: Duration::from_millis(20),
            delivery_timeout: Duration::from_secs(10),
            recorder: Recorder::default(),
        }
    }
}

impl QuayState {
    fn repo(&self, namespace: &str, name: &str) -> Option<&Repo> {
        self.repos
            .iter()
            .find(|r| r.namespace == namespace && r.name == name)
    }

    fn repo_mut(&mut self, namespace: &str, name: &str) -> Option<&mut Repo> {
        self.repos
            .iter_mut()
            .find(|r| r.namespace == namespace && r.name == name)
    }

    /// Whether `caller` may create repositories in `namespace`: their own, or an organization
    /// they administer or create in, with a `repo:create` token. A namespace that does not
    /// exist is refused like any other.
    fn can_create_in(&self, caller: &Caller, namespace: &str) -> bool {
        caller.scopes.contains(&Scope::RepoCreate)
            && (caller.user == namespace
                || self
                    .orgs
                    .get(namespace)
                    .is_some_and(|org| org.can_create(&caller.user)))
    }

    fn role(&self, caller: Option<&Caller>, repo: &Repo) -> Role {
        let real = match caller {
            None => Role::None,
            Some(c) if c.user == repo.namespace || repo.admins.contains(&c.user) => Role::Admin,
            Some(c) => match self.orgs.get(&repo.namespace) {
                Some(org) if org.is_admin(&c.user) => Role::Admin,
                Some(org) if org.members.contains(&c.user) => Role::Read,
                _ => Role::None,
            },
        };
        // A token's scopes cap the user's real role.
        let cap = caller.map_or(Role::None, |c| {
            if c.scopes.contains(&Scope::RepoAdmin) {
                Role::Admin
            } else if c.scopes.contains(&Scope::RepoWrite) {
                Role::Write
            } else if c.scopes.contains(&Scope::RepoRead) {
                Role::Read
            } else {
                Role::None
            }
        });
        let role = real.min(cap);
        if repo.public {
            role.max(Role::Read)
        } else {
            role
        }
    }
}

struct Shared {
    state: Mutex<QuayState>,
    http: reqwest::Client,
    pending: Mutex<Vec<JoinHandle<()>>>,
    base_url: String,
    host: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, QuayState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake Quay. Dropping it stops the server and any delivery in flight.
pub struct FakeQuay {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for FakeQuay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeQuay")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeQuay {
    fn drop(&mut self) {
        self.server.abort();
        for task in self
            .shared
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            task.abort();
        }
    }
}

crate::fake_controls!(FakeQuay);

impl FakeQuay {
    /// Starts an empty fake on `127.0.0.1`, on a free port.
    pub async fn start() -> std::io::Result<Self> {
        Self::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts an empty fake on `addr` (port 0 for a free one).
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .user_agent(DELIVERY_USER_AGENT)
            // Redirects are followed like `requests` does, but never off 127.0.0.0/8.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() >= 10 {
                    attempt.error("too many redirects")
                } else if is_loopback(attempt.url().as_str()) {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(QuayState::default()),
            http,
            pending: Mutex::new(Vec::new()),
            base_url: format!("http://{local}"),
            host: local.to_string(),
        });
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                tracing::warn!("fake Quay stopped: {err}");
            }
        });
        Ok(Self { shared, server })
    }

    /// The server address, such as `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Adds a user (whose namespace is its name).
    pub fn add_user(&self, name: &str) {
        self.shared.lock().users.insert(name.to_owned());
    }

    /// Adds an OAuth token for `user` with `scopes`.
    pub fn add_token(&self, token: &str, user: &str, scopes: &[Scope]) {
        self.shared.lock().tokens.insert(
            token.to_owned(),
            Caller {
                user: user.to_owned(),
                scopes: scopes.to_vec(),
            },
        );
    }

    /// Adds an organization: `admins` administer all its repositories (and make up its
    /// `owners` team, as in Quay), `members` read them.
    pub fn add_org(&self, name: &str, admins: &[&str], members: &[&str]) {
        let admins: BTreeSet<String> = admins.iter().map(|s| (*s).to_owned()).collect();
        self.shared.lock().orgs.insert(
            name.to_owned(),
            Org {
                teams: vec![Team {
                    name: "owners".to_owned(),
                    role: TeamRole::Admin,
                    members: admins.clone(),
                }],
                admins,
                members: members.iter().map(|s| (*s).to_owned()).collect(),
            },
        );
    }

    /// Adds a team to an organization, or replaces the one of that name (keeping its place in
    /// `ordered_teams`). Its members become members of the organization; an `admin` team's
    /// members administer it, other teams grant no repository access by themselves.
    pub fn add_team(
        &self,
        org: &str,
        team: &str,
        role: TeamRole,
        members: &[&str],
    ) -> Result<(), FakeQuayError> {
        let mut state = self.shared.lock();
        let org = state
            .orgs
            .get_mut(org)
            .ok_or_else(|| FakeQuayError::UnknownOrganization(org.to_owned()))?;
        let team = Team {
            name: team.to_owned(),
            role,
            members: members.iter().map(|s| (*s).to_owned()).collect(),
        };
        match org.teams.iter_mut().find(|t| t.name == team.name) {
            Some(existing) => *existing = team,
            None => org.teams.push(team),
        }
        Ok(())
    }

    /// Adds an empty repository; `public` ones are readable by anyone.
    pub fn add_repo(&self, namespace: &str, name: &str, public: bool) {
        self.shared
            .lock()
            .repos
            .push(Repo::new(namespace, name, public));
    }

    /// Turns a feature flag of `GET /config` on or off (see [`FEATURES`]). Like Quay, the fake
    /// still accepts and tests notifications whose feature is off.
    pub fn set_feature(&self, feature: &str, on: bool) {
        self.shared.lock().features.insert(feature.to_owned(), on);
    }

    /// While `on`, creating, changing (visibility, description) and deleting repositories answer
    /// exactly as on success but change nothing, so a test can prove that a client reads a
    /// mutation back instead of trusting the answer.
    pub fn ignore_repository_writes(&self, on: bool) {
        self.shared.lock().ignore_repository_writes = on;
    }

    /// A repository as its detail route shows it to an admin (tags included), or `None` when
    /// there is no such repository.
    pub fn repository(&self, namespace: &str, name: &str) -> Option<Value> {
        let state = self.shared.lock();
        let repo = state.repo(namespace, name)?;
        Some(detail_json(&state, repo, Role::Admin, true, true, false))
    }

    /// Adds a tag to a seeded repository.
    pub fn add_tag(&self, namespace: &str, name: &str, tag: FakeTag) -> Result<(), FakeQuayError> {
        let mut state = self.shared.lock();
        let repo = state
            .repos
            .iter_mut()
            .find(|r| r.namespace == namespace && r.name == name)
            .ok_or_else(|| FakeQuayError::UnknownRepository(format!("{namespace}/{name}")))?;
        repo.tags.push(tag);
        Ok(())
    }

    /// The confirmation links Quay mailed (`POST …/authorizedemail/{email}` for an address not
    /// confirmed yet), as (namespace, repository, e-mail).
    pub fn confirmation_mails(&self) -> Vec<(String, String, String)> {
        self.shared.lock().confirmation_mails.clone()
    }

    /// Marks `email` as authorized and confirmed for e-mail notifications of a repository (as
    /// if the recipient clicked the confirmation link).
    pub fn authorize_email(&self, namespace: &str, name: &str, email: &str) {
        self.shared.lock().authorized_emails.insert(
            (namespace.to_owned(), name.to_owned(), email.to_owned()),
            true,
        );
    }

    /// Repositories per page of `GET /repository` (Quay: 100).
    pub fn set_repo_page_size(&self, size: usize) {
        self.shared.lock().repo_page_size = size.max(1);
    }

    /// Retries after a failed delivery attempt (Quay: 4, so 5 attempts at most).
    pub fn set_delivery_retries(&self, retries: u32) {
        self.shared.lock().delivery_retries = retries;
    }

    /// The pause between delivery attempts (Quay: about 30 s; here 20 ms by default).
    pub fn set_retry_delay(&self, delay: Duration) {
        self.shared.lock().retry_delay = delay;
    }

    /// How long a receiver may take before the attempt fails (Quay: 10 s).
    pub fn set_delivery_timeout(&self, timeout: Duration) {
        self.shared.lock().delivery_timeout = timeout;
    }

    /// A notification as the API returns it, looked up by UUID.
    pub fn notification(&self, uuid: &str) -> Option<Value> {
        self.shared
            .lock()
            .notifications
            .iter()
            .find(|n| n.uuid == uuid)
            .map(Notification::to_json)
    }

    /// Waits until every delivery queued by a test call has finished.
    pub async fn wait_for_deliveries(&self) {
        loop {
            let tasks: Vec<_> = std::mem::take(
                &mut *self
                    .shared
                    .pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()),
            );
            if tasks.is_empty() {
                return;
            }
            for task in tasks {
                let _ = task.await;
            }
        }
    }

    /// Fires `event` on a repository with the sample data: every notification of that
    /// repository for that event that is enabled and passes the event's filter (`ref-regex` for
    /// builds, `level` for vulnerabilities) is performed by its method. Returns the HTTP
    /// attempts made (webhook and Slack, and the HipChat and Flowdock ones, which always fail).
    pub async fn simulate_event(
        &self,
        namespace: &str,
        name: &str,
        event: &str,
    ) -> Result<Vec<Delivery>, FakeQuayError> {
        self.simulate_event_with(namespace, name, event, &SimulatedEvent::default())
            .await
    }

    /// [`FakeQuay::simulate_event`] with the build's ref or the vulnerability's priority set.
    pub async fn simulate_event_with(
        &self,
        namespace: &str,
        name: &str,
        event: &str,
        options: &SimulatedEvent,
    ) -> Result<Vec<Delivery>, FakeQuayError> {
        simulate(self.shared.clone(), namespace, name, event, options).await
    }

    /// The in-app notifications `user` sees: those made for them (as the target or as a member
    /// of the target team) and those made for an organization they administer.
    pub fn user_notifications(&self, user: &str) -> Vec<InAppNotification> {
        visible_notifications(&self.shared.lock(), user)
    }

    /// The e-mails `email` notifications sent so far.
    pub fn sent_emails(&self) -> Vec<SentEmail> {
        self.shared.lock().emails.clone()
    }
}

fn visible_notifications(state: &QuayState, user: &str) -> Vec<InAppNotification> {
    state
        .in_app
        .iter()
        .filter(|n| {
            if n.target_is_org {
                state.orgs.get(&n.target).is_some_and(|o| o.is_admin(user))
            } else {
                n.target == user
            }
        })
        .cloned()
        .collect()
}

mod api;
mod deliver;
mod payloads;
mod repos;
mod template;
mod validate;

use api::*;
use deliver::*;
pub use payloads::sample_payload;
use payloads::*;
use repos::*;
use template::*;
use validate::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_errors_read_like_jsonschema() {
        let e =
            schema_error(&j!({"event": "repo_push", "method": "webhook", "config": {}})).unwrap();
        assert!(
            e.starts_with("'eventConfig' is a required property\n\n"),
            "{e}"
        );
        let e = schema_error(
            &j!({"event": "repo_push", "method": "webhook", "config": {},
            "eventConfig": {}, "title": null}),
        )
        .unwrap();
        assert!(e.starts_with("None is not of type 'string'"), "{e}");
        assert_eq!(
            schema_error(&j!({"event": "x", "method": "y", "config": {}, "eventConfig": {}})),
            None
        );
    }

    #[test]
    fn repo_paths_split_like_quay_routes() {
        assert!(matches!(
            split_repo_path("a/b/tag/"),
            ("a/b", RepoRoute::Tags)
        ));
        assert!(matches!(
            split_repo_path("a/b/c/notification/"),
            ("a/b/c", RepoRoute::Notifications)
        ));
        assert!(matches!(
            split_repo_path("a/b/notification/u1/test"),
            ("a/b", RepoRoute::Test(u)) if u == "u1"
        ));
        assert!(matches!(
            split_repo_path("a/b/notification/u1"),
            ("a/b", RepoRoute::Notification(u)) if u == "u1"
        ));
        assert!(matches!(
            split_repo_path("a/b/notification"),
            ("a/b/notification", RepoRoute::Detail)
        ));
        assert!(matches!(
            split_repo_path("a/b/changevisibility"),
            ("a/b", RepoRoute::ChangeVisibility)
        ));
        assert!(matches!(
            split_repo_path("a/b/c/changevisibility"),
            ("a/b/c", RepoRoute::ChangeVisibility)
        ));
        // A repository named `changevisibility`.
        assert!(matches!(
            split_repo_path("a/changevisibility"),
            ("a/changevisibility", RepoRoute::Detail)
        ));
    }

    #[test]
    fn samples_carry_the_real_repository() {
        let p = sample_payload("repo_push", "acme", "web", &j!({}), "h:1");
        assert_eq!(p["repository"], "acme/web");
        assert_eq!(p["docker_url"], "h:1/acme/web");
        assert_eq!(p["pruned_image_count"], 3);
        let p = sample_payload("repo_image_expiry", "acme", "web", &j!({"days": 7}), "h");
        assert_eq!(p["expiring_in"], "7 days");
        // Quay's samples: every build on `refs/heads/somebranch`, the priority from the level.
        let p = sample_payload("build_cancelled", "acme", "web", &j!({}), "h");
        assert_eq!(p["trigger_metadata"]["ref"], "refs/heads/somebranch");
        let p = sample_payload(
            "vulnerability_found",
            "acme",
            "web",
            &j!({"level": "2"}),
            "h",
        );
        assert_eq!(p["vulnerability"]["priority"], "Medium");
        let p = sample_payload("vulnerability_found", "acme", "web", &j!({"level": 0}), "h");
        assert_eq!(p["vulnerability"]["priority"], "Critical");
        for config in [j!({}), j!({"level": "High"}), j!({"level": "9"})] {
            let p = sample_payload("vulnerability_found", "acme", "web", &config, "h");
            assert_eq!(p["vulnerability"]["priority"], "Unknown", "{config}");
        }
    }

    #[test]
    fn ref_regex_is_python_re_match() {
        let m = ref_regex_matches;
        assert_eq!(m("refs/heads/main", "refs/heads/main"), Some(true));
        // Anchored at the start only.
        assert_eq!(m("refs/heads/main", "refs/heads/mainline"), Some(true));
        assert_eq!(m("refs/heads/main$", "refs/heads/mainline"), Some(false));
        assert_eq!(m("heads/main", "refs/heads/main"), Some(false));
        let either = "(refs/heads/main)|(refs/tags/v.*)";
        assert_eq!(m(either, "refs/tags/v1.2"), Some(true));
        assert_eq!(m(either, "refs/heads/dev"), Some(false));
        assert_eq!(m(r"refs/tags/v\d+\.\d+$", "refs/tags/v10.2"), Some(true));
        assert_eq!(m(r"refs/tags/v\d+\.\d+$", "refs/tags/v10.2b"), Some(false));
        let branch = "refs/heads/(?:feature|fix)/[a-z-]{3,}";
        assert_eq!(m(branch, "refs/heads/fix/ab-c"), Some(true));
        assert_eq!(m(branch, "refs/heads/fix/ab"), Some(false));
        assert_eq!(m("refs/heads/[^m]", "refs/heads/main"), Some(false));
        assert_eq!(m(r".*?-rc\Z", "refs/tags/v1-rc"), Some(true));
        assert_eq!(m("a{2}b", "aab"), Some(true));
        assert_eq!(m("a{2}b", "ab"), Some(false));
        assert_eq!(m(r"v\\Z", "v\\Z"), Some(true));
        assert_eq!(m(r"refs/heads/\w+\Z", "refs/heads/main/x"), Some(false));
        assert_eq!(m(r"\bv", "v1"), Some(true));
        // Python refuses these, so such a filter never fires.
        for bad in [
            "(",
            "refs/(heads",
            "*main",
            "[z-a]",
            r"\1",
            "[abc",
            "a)",
            "a)|(b",
        ] {
            assert_eq!(m(bad, "a"), None, "{bad}");
        }
        // Python syntax the `regex` crate refuses counts as invalid too.
        for unsupported in ["(?=refs/)", r"(?<!x)main", r"(a)\1", "a{b", "a{,3}"] {
            assert_eq!(m(unsupported, "a"), None, "{unsupported}");
        }
    }

    #[test]
    fn event_filters_follow_quays_should_perform() {
        let build = |r: &str| j!({"trigger_metadata": {"ref": r}});
        let main = build("refs/heads/main");
        assert_eq!(should_perform("build_start", &j!({}), &main), Some(true));
        assert_eq!(
            should_perform("build_start", &j!({"ref-regex": ""}), &main),
            Some(true)
        );
        assert_eq!(
            should_perform("build_start", &j!({"ref-regex": "refs/heads/ma"}), &main),
            Some(true)
        );
        assert_eq!(
            should_perform("build_queued", &j!({"ref-regex": "main"}), &main),
            Some(false)
        );
        assert_eq!(
            should_perform("build_failure", &j!({"ref-regex": "("}), &build("(")),
            Some(false)
        );
        // A manual build has no ref: a regex, even `.*`, never lets it through.
        let manual = j!({"trigger_metadata": {}});
        assert_eq!(
            should_perform("build_success", &j!({"ref-regex": ".*"}), &manual),
            Some(false)
        );

        let vuln = |p: &str| j!({"vulnerability": {"priority": p}});
        let high = j!({"level": "1"});
        assert_eq!(
            should_perform("vulnerability_found", &j!({}), &vuln("Low")),
            Some(true)
        );
        assert_eq!(
            should_perform("vulnerability_found", &high, &vuln("Critical")),
            Some(true)
        );
        assert_eq!(
            should_perform("vulnerability_found", &high, &vuln("High")),
            Some(true)
        );
        assert_eq!(
            should_perform("vulnerability_found", &high, &vuln("Medium")),
            Some(false)
        );
        assert_eq!(
            should_perform("vulnerability_found", &high, &vuln("Severe")),
            Some(false)
        );
        assert_eq!(
            should_perform("vulnerability_found", &j!({"level": 2}), &vuln("Medium")),
            Some(true)
        );
        // `int("High")` raises: nothing is sent and nothing counted.
        assert_eq!(
            should_perform("vulnerability_found", &j!({"level": "High"}), &vuln("High")),
            None
        );
        let new_index = j!({"vulnerable_index_report_created": "true",
            "vulnerability": {"priority": "Low"}});
        assert_eq!(
            should_perform("vulnerability_found", &high, &new_index),
            Some(true)
        );
        assert_eq!(
            should_perform("repo_push", &j!({"level": "0", "ref-regex": "x"}), &j!({})),
            Some(true)
        );
    }

    #[test]
    fn templates_fill_like_quays_jsontemplate() {
        let data = j!({"repository": "acme/web", "docker_tags": ["latest", "v1"], "one": ["latest"],
            "n": 3, "nested": {"ref": "refs/heads/x"}, "flag": true, "nothing": null});
        let template = r#"{"repo": "${repository}", "tags": "${docker_tags}",
            "first": "${docker_tags[0]}", "all": "${docker_tags[*]}", "missing": "${nope}",
            "count": "${n}", "text": "tags ${docker_tags} one ${one} n=${n} ${nope} ${flag} ${nothing}",
            "${nested.ref}": ["${$.nested.ref}", 1, null], "quoted": "${nested.'ref'}"}"#;
        assert_eq!(
            apply_template(template, &data).unwrap(),
            j!({"repo": "acme/web", "tags": ["latest", "v1"], "first": "latest",
                "all": ["latest", "v1"], "missing": null, "count": 3,
                "text": "tags latest,v1 one ['latest'] n=3 (none) True (none)",
                "refs/heads/x": ["refs/heads/x", 1, null], "quoted": "refs/heads/x"})
        );
        assert_eq!(
            apply_template(r#"{"a": "x ${}"}"#, &j!({})),
            Err(TemplateError::Parse("Empty expression found".into()))
        );
        assert!(matches!(apply_template("{", &j!({})),
            Err(TemplateError::Parse(e)) if e.starts_with("Could not parse template: ")));
        // `",".join` of numbers raises in Python.
        assert!(matches!(
            apply_template(r#"{"a": "x ${ns}"}"#, &j!({"ns": [1, 2]})),
            Err(TemplateError::Uncaught(_))
        ));
        assert!(matches!(
            apply_template(r#"{"a": "${a..b}"}"#, &j!({})),
            Err(TemplateError::Uncaught(_))
        ));
    }
}
