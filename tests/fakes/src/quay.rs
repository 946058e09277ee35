//! A fake Quay (API v1) for tests: a real axum server on loopback with in-memory state.
//!
//! It answers like the Quay server where clients trip (see `quay-api.md`): a bad or unknown
//! bearer token silently acts as anonymous (401 on protected reads, CSRF 403 on writes), a
//! missing repository and a missing admin role both give 403 `insufficient_scope`, notification
//! create answers 201, test 200 `{}`, reset and delete 204, an unknown UUID 404 on GET but 400
//! elsewhere, an unknown event or method an HTML 500, and webhook URLs on `localhost` or
//! `127.0.0.1` a 400 `Invalid webhook URL`.
//!
//! Organizations have teams (`owners`, holding the admins, plus [`FakeQuay::add_team`]):
//! `GET /organization/{org}` lists them to members only, and a `quay_notification` team target
//! must name a team of the repository's own namespace.
//!
//! Delivery (for test and [`FakeQuay::simulate_event`]) runs like Quay's notification worker.
//! A disabled notification (`number_of_failures >= 3`) is skipped; then the event's filter may
//! drop it silently (`ref-regex` on build events, `level` on `vulnerability_found`); then the
//! method runs with the event's sample payload (the fixtures in `tests/fixtures/quay`, with the
//! repository envelope keys set to the real repository and, as in Quay's samples, the ref
//! `refs/heads/somebranch` on builds and the configured level's priority on vulnerabilities):
//! - `webhook` POSTs the payload, or its `template` with the `${…}` expressions filled in, with
//!   `Content-Type: application/json` and a `python-requests` User-Agent;
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
    percent_decode, query_param, rfc2822, Delivery, Fault, Faults, RecordedRequest,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;
use serde_json::{json as j, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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

/// The User-Agent webhook deliveries carry, like Quay's `requests` library.
pub const DELIVERY_USER_AGENT: &str = "python-requests/2.32.3";

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

/// A team's organization-wide role, as Quay names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    public: bool,
    description: Option<String>,
    tags: Vec<FakeTag>,
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
    authorized_emails: HashSet<(String, String, String)>,
    cursors: HashMap<String, usize>,
    repo_page_size: usize,
    delivery_retries: u32,
    retry_delay: Duration,
    delivery_timeout: Duration,
    faults: Faults,
    requests: Vec<RecordedRequest>,
    deliveries: Vec<Delivery>,
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
            authorized_emails: HashSet::new(),
            cursors: HashMap::new(),
            repo_page_size: 100,
            delivery_retries: 4,
            retry_delay: Duration::from_millis(20),
            delivery_timeout: Duration::from_secs(10),
            faults: Faults::default(),
            requests: Vec::new(),
            deliveries: Vec::new(),
        }
    }
}

impl QuayState {
    fn repo(&self, namespace: &str, name: &str) -> Option<&Repo> {
        self.repos
            .iter()
            .find(|r| r.namespace == namespace && r.name == name)
    }

    fn role(&self, caller: Option<&Caller>, repo: &Repo) -> Role {
        let real = match caller {
            None => Role::None,
            Some(c) if c.user == repo.namespace => Role::Admin,
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
        self.shared.lock().repos.push(Repo {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            public,
            description: None,
            tags: Vec::new(),
        });
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

    /// Marks `email` as authorized and confirmed for e-mail notifications of a repository.
    pub fn authorize_email(&self, namespace: &str, name: &str, email: &str) {
        self.shared.lock().authorized_emails.insert((
            namespace.to_owned(),
            name.to_owned(),
            email.to_owned(),
        ));
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

    /// Delays every API answer by `latency` (zero to stop).
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().faults.latency = latency;
    }

    /// Gives the next `count` API requests `fault` (queued after faults already injected).
    pub fn inject(&self, fault: Fault, count: usize) {
        self.shared.lock().faults.push(fault, count);
    }

    /// Drops queued faults and latency.
    pub fn clear_faults(&self) {
        let mut state = self.shared.lock();
        state.faults.queue.clear();
        state.faults.latency = Duration::ZERO;
    }

    /// The API requests answered so far (without credentials).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Every delivery attempt made so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().deliveries.clone()
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

/// The build events, whose `ref-regex` filters on the build's git ref.
const BUILD_EVENTS: [&str; 5] = [
    "build_queued",
    "build_start",
    "build_success",
    "build_failure",
    "build_cancelled",
];

/// The ref of every build event's sample data in Quay.
const SAMPLE_REF: &str = "refs/heads/somebranch";

/// Vulnerability severities by Quay's index (`eventConfig.level`): 0 is the worst.
const PRIORITIES: [&str; 6] = ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"];

/// Why nothing reached a host the fake will not contact.
const NOT_LOOPBACK: &str = "not sent: the fake only delivers to 127.0.0.0/8";

async fn simulate(
    shared: Arc<Shared>,
    namespace: &str,
    name: &str,
    event: &str,
    options: &SimulatedEvent,
) -> Result<Vec<Delivery>, FakeQuayError> {
    if !EVENTS.contains(&event) {
        return Err(FakeQuayError::UnknownEvent(event.to_owned()));
    }
    let targets: Vec<(String, Value)> = {
        let state = shared.lock();
        if state.repo(namespace, name).is_none() {
            return Err(FakeQuayError::UnknownRepository(format!(
                "{namespace}/{name}"
            )));
        }
        state
            .notifications
            .iter()
            .filter(|n| n.namespace == namespace && n.name == name && n.event == event)
            .map(|n| (n.uuid.clone(), n.event_config.clone()))
            .collect()
    };
    let mut made = Vec::new();
    for (uuid, event_config) in targets {
        let mut payload = sample_payload(event, namespace, name, &event_config, &shared.host);
        if BUILD_EVENTS.contains(&event) {
            if options.manual_build {
                payload["trigger_metadata"] = j!({});
                payload["trigger_id"] = Value::Null;
                payload["trigger_kind"] = Value::Null;
            } else if let Some(git_ref) = &options.git_ref {
                payload["trigger_metadata"]["ref"] = j!(git_ref);
            }
        }
        if let (Some(priority), "vulnerability_found") = (&options.priority, event) {
            payload["vulnerability"]["priority"] = j!(priority);
        }
        made.extend(deliver(shared.clone(), uuid, payload).await);
    }
    Ok(made)
}

/// The documented sample payload of `event` for a repository, as Quay's test call sends it:
/// build events carry the ref `refs/heads/somebranch`, and `vulnerability_found` the priority
/// named by the configured `level` (`Unknown` without one).
pub fn sample_payload(
    event: &str,
    namespace: &str,
    name: &str,
    event_config: &Value,
    server_hostname: &str,
) -> Value {
    let fixture = match event {
        "repo_push" => Some(include_str!(
            "../../fixtures/quay/repo_push.quayio-docs.json"
        )),
        "build_queued" => Some(include_str!(
            "../../fixtures/quay/build_queued.quayio-docs.json"
        )),
        "build_start" => Some(include_str!(
            "../../fixtures/quay/build_start.quayio-docs.json"
        )),
        "build_success" => Some(include_str!(
            "../../fixtures/quay/build_success.quayio-docs.json"
        )),
        "build_failure" => Some(include_str!(
            "../../fixtures/quay/build_failure.quayio-docs.json"
        )),
        "build_cancelled" => Some(include_str!(
            "../../fixtures/quay/build_cancelled.redhat-docs.json"
        )),
        "vulnerability_found" => Some(include_str!(
            "../../fixtures/quay/vulnerability_found.redhat-docs.json"
        )),
        _ => None,
    };
    let mut payload = match fixture {
        Some(text) => serde_json::from_str(text).unwrap_or_else(|_| j!({})),
        None => match event {
            "repo_mirror_sync_started" | "repo_mirror_sync_success" | "repo_mirror_sync_failed" => {
                j!({"message": "TEST NOTIFICATION"})
            }
            "repo_image_expiry" => {
                let days = match event_config.get("days") {
                    Some(Value::Number(n)) => n.to_string(),
                    _ => "None".to_owned(),
                };
                j!({"tags": ["latest", "v1"], "expiring_in": format!("{days} days")})
            }
            _ => j!({}),
        },
    };
    if let Value::Object(map) = &mut payload {
        map.insert("repository".into(), j!(format!("{namespace}/{name}")));
        map.insert("namespace".into(), j!(namespace));
        map.insert("name".into(), j!(name));
        map.insert(
            "docker_url".into(),
            j!(format!("{server_hostname}/{namespace}/{name}")),
        );
        map.insert(
            "homepage".into(),
            j!(format!(
                "http://{server_hostname}/repository/{namespace}/{name}"
            )),
        );
        if BUILD_EVENTS.contains(&event) {
            if let Some(Value::Object(meta)) = map.get_mut("trigger_metadata") {
                meta.insert("ref".into(), j!(SAMPLE_REF));
            }
        }
        if let Some(Value::Object(vulnerability)) = map.get_mut("vulnerability") {
            // Quay's default level ("Critical") is not an index, so no level gives "Unknown".
            let index = event_config.get("level").and_then(python_int);
            let priority = index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| PRIORITIES.get(i))
                .unwrap_or(&"Unknown");
            vulnerability.insert("priority".into(), j!(priority));
        }
    }
    payload
}

/// Python's `int()` of a JSON value, where it would succeed.
fn python_int(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Python's `str()` of a JSON value.
fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => py_repr(other),
    }
}

/// The event's `should_perform`: `Some(false)` drops the delivery silently, `None` is an error
/// Quay's worker does not count (nothing is sent either).
fn should_perform(event: &str, event_config: &Value, data: &Value) -> Option<bool> {
    let config = event_config.as_object();
    if BUILD_EVENTS.contains(&event) {
        // An empty or falsy `ref-regex` fires for every build.
        let regex = match config.and_then(|c| c.get("ref-regex")) {
            None | Some(Value::Null | Value::Bool(false)) => return Some(true),
            Some(Value::String(s)) if s.is_empty() => return Some(true),
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => return Some(true),
            Some(Value::Array(a)) if a.is_empty() => return Some(true),
            Some(Value::Object(o)) if o.is_empty() => return Some(true),
            Some(other) => py_str(other),
        };
        // Manual and non-git builds carry no ref, so a regex never lets them through; an
        // invalid regex never fires either.
        let Some(git_ref) = data
            .get("trigger_metadata")
            .and_then(|m| m.get("ref"))
            .and_then(Value::as_str)
        else {
            return Some(false);
        };
        return Some(ref_regex_matches(&regex, git_ref) == Some(true));
    }
    if event == "vulnerability_found" {
        let Some(level) = config.and_then(|c| c.get("level")) else {
            return Some(true);
        };
        // New index reports are filtered by a global setting instead.
        if data.get("vulnerable_index_report_created").is_some() {
            return Some(true);
        }
        let Some(vulnerability) = data.get("vulnerability") else {
            return Some(false);
        };
        let priority = match vulnerability.as_object()?.get("priority") {
            None => "Unknown",
            Some(Value::String(p)) => p.as_str(),
            Some(_) => return Some(false),
        };
        let Some(actual) = PRIORITIES.iter().position(|p| *p == priority) else {
            return Some(false);
        };
        return Some(actual as i64 <= python_int(level)?);
    }
    Some(true)
}

/// The event's one-line summary (Slack text, e-mail subject); `None` where Quay's would raise
/// a `KeyError`.
fn summary(event: &str, data: &Value) -> Option<String> {
    let key = |k: &str| data.get(k).map(py_str);
    let repo = key("repository");
    let build = |what: &str| -> Option<String> {
        let id: String = key("build_id")?.chars().take(7).collect();
        Some(format!("{what} for repository {} [{id}]", repo.clone()?))
    };
    match event {
        "repo_push" => Some(format!("Repository {} updated", repo?)),
        "repo_mirror_sync_started" => {
            Some(format!("Repository Mirror started for {}", key("message")?))
        }
        "repo_mirror_sync_success" => {
            Some(format!("Repository Mirror success for {}", key("message")?))
        }
        "repo_mirror_sync_failed" => {
            Some(format!("Repository Mirror failed for {}", key("message")?))
        }
        "vulnerability_found" => {
            let priority = py_str(data.get("vulnerability")?.get("priority")?);
            let tags = match data.get("tags")? {
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                Value::String(s) => s.chars().count(),
                _ => return None,
            };
            Some(format!(
                "{priority} vulnerability detected in repository {} in {tags} tags",
                repo?
            ))
        }
        "build_queued" => build("Build queued"),
        "build_start" => build("Build started"),
        "build_success" => build("Build succeeded"),
        "build_failure" => build("Build failure"),
        "build_cancelled" => build("Build cancelled"),
        "repo_image_expiry" => Some(format!("Repository {} image(s) expiring", repo?)),
        _ => None,
    }
}

/// The event's level (Slack colour); `None` where Quay's would raise a `KeyError`.
fn level(event: &str, data: &Value) -> Option<&'static str> {
    Some(match event {
        "repo_push" => "primary",
        "vulnerability_found" => match data.get("vulnerability")?.get("priority")?.as_str() {
            Some("Critical") => "error",
            Some("Medium" | "High") => "warning",
            _ => "info",
        },
        "build_success" | "repo_mirror_sync_success" => "success",
        "build_failure" | "repo_mirror_sync_failed" | "quota_error" => "error",
        "quota_warning" => "warning",
        _ => "info",
    })
}

/// What one attempt of a method did, as Quay's notification worker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Performed: the failure count goes back to 0.
    Done,
    /// A delivery error (or a `KeyError`): the count goes up and the attempt is retried.
    Failed,
    /// Any other exception: nothing is counted, and retrying would change nothing.
    Uncaught,
}

/// Delivers `payload` for one notification, with retries; returns the HTTP attempts made.
async fn deliver(shared: Arc<Shared>, uuid: String, payload: Value) -> Vec<Delivery> {
    let (retries, delay, timeout) = {
        let state = shared.lock();
        (
            state.delivery_retries,
            state.retry_delay,
            state.delivery_timeout,
        )
    };
    let mut made = Vec::new();
    for attempt in 0..=retries {
        if attempt > 0 {
            tokio::time::sleep(delay).await;
        }
        // The worker loads only enabled notifications; a deleted one is gone too.
        let Some(notification) = shared
            .lock()
            .notifications
            .iter()
            .find(|n| n.uuid == uuid && n.number_of_failures < DISABLED_AT)
            .cloned()
        else {
            break;
        };
        // Filtered out: dropped without a trace, the failure count untouched.
        if should_perform(&notification.event, &notification.event_config, &payload) != Some(true) {
            break;
        }
        let (outcome, delivery) = perform(&shared, &notification, &payload, timeout).await;
        {
            let mut state = shared.lock();
            if let Some(n) = state.notifications.iter_mut().find(|n| n.uuid == uuid) {
                match outcome {
                    Outcome::Done => n.number_of_failures = 0,
                    Outcome::Failed => n.number_of_failures += 1,
                    Outcome::Uncaught => {}
                }
            }
            if let Some(delivery) = &delivery {
                state.deliveries.push(delivery.clone());
            }
        }
        made.extend(delivery);
        if outcome != Outcome::Failed {
            break;
        }
    }
    made
}

/// Runs the notification's method once, like Quay's `perform`.
async fn perform(
    shared: &Arc<Shared>,
    n: &Notification,
    payload: &Value,
    timeout: Duration,
) -> (Outcome, Option<Delivery>) {
    let text = |key: &str| {
        n.config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let unsent = |url: String, why: &str| Delivery {
        subscription_id: n.uuid.clone(),
        event: n.event.clone(),
        url,
        status: None,
        error: Some(why.to_owned()),
    };
    match n.method.as_str() {
        "webhook" => {
            let url = text("url");
            if url.is_empty() {
                return (Outcome::Done, None);
            }
            let body = match n.config.get("template") {
                Some(Value::String(t)) if !t.is_empty() => match apply_template(t, payload) {
                    Ok(body) => body,
                    Err(TemplateError::Parse(_)) => return (Outcome::Failed, None),
                    Err(TemplateError::Uncaught(why)) => {
                        tracing::warn!("fake Quay: template not applied: {why}");
                        return (Outcome::Uncaught, None);
                    }
                },
                _ => payload.clone(),
            };
            post(shared, n, &url, &body, timeout).await
        }
        "slack" => {
            let url = text("url");
            if url.is_empty() {
                return (Outcome::Done, None);
            }
            let (Some(summary), Some(level)) =
                (summary(&n.event, payload), level(&n.event, payload))
            else {
                return (Outcome::Failed, None);
            };
            let color = match level {
                "warning" => "warning",
                "error" => "danger",
                "success" | "primary" => "good",
                _ => "#ffffff",
            };
            // Quay renders an HTML message per event for the attachment; the fake repeats the
            // summary there.
            let body = j!({"text": summary, "username": "quayiobot", "attachments": [
                {"fallback": summary, "text": summary, "color": color, "mrkdwn_in": ["text"]}]});
            post(shared, n, &url, &body, timeout).await
        }
        // Both services are gone: every attempt fails (and nothing leaves the machine).
        "hipchat" => {
            let room = text("room_id");
            if room.is_empty() || text("notification_token").is_empty() {
                return (Outcome::Done, None);
            }
            let url =
                format!("https://api.hipchat.com/v2/room/{room}/notification?auth_token=<hidden>");
            (
                Outcome::Failed,
                Some(unsent(url, "not sent: HipChat has shut down")),
            )
        }
        "flowdock" => {
            if text("flow_api_token").is_empty() {
                return (Outcome::Done, None);
            }
            let url = "https://api.flowdock.com/v1/messages/team_inbox/<hidden>".to_owned();
            (
                Outcome::Failed,
                Some(unsent(url, "not sent: Flowdock has shut down")),
            )
        }
        // The fake's mail server accepts everything.
        "email" => {
            let to = text("email");
            if to.is_empty() {
                return (Outcome::Done, None);
            }
            let Some(subject) = summary(&n.event, payload) else {
                return (Outcome::Failed, None);
            };
            shared.lock().emails.push(SentEmail {
                notification: n.uuid.clone(),
                to,
                subject,
            });
            (Outcome::Done, None)
        }
        "quay_notification" => (in_app(&mut shared.lock(), n, payload), None),
        _ => (Outcome::Uncaught, None),
    }
}

/// Quay's `quay_notification` method: targets are resolved again at delivery (teams in the
/// repository's namespace), and a target that has gone away is skipped without an error.
fn in_app(state: &mut QuayState, n: &Notification, payload: &Value) -> Outcome {
    let target = n.config.get("target");
    let name = target
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let recipients: Vec<(String, bool)> = match target.and_then(|t| t.get("kind")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(kind)) if kind.is_empty() => Vec::new(),
        Some(Value::String(kind)) if kind == "user" => {
            if state.users.contains(name) {
                vec![(name.to_owned(), false)]
            } else {
                Vec::new()
            }
        }
        Some(Value::String(kind)) if kind == "org" => match state.orgs.get(name) {
            None => Vec::new(),
            // Quay's check returns a malformed tuple here.
            Some(_) if name != n.namespace => return Outcome::Uncaught,
            Some(_) => vec![(name.to_owned(), true)],
        },
        Some(Value::String(kind)) if kind == "team" => state
            .orgs
            .get(&n.namespace)
            .and_then(|org| org.team(name))
            .map(|team| team.members.iter().map(|m| (m.clone(), false)).collect())
            .unwrap_or_default(),
        Some(_) => return Outcome::Uncaught,
    };
    if recipients.is_empty() {
        return Outcome::Done;
    }
    // Quay has no in-app notification kind for image expiry: creating one is a database error.
    if n.event == "repo_image_expiry" {
        return Outcome::Uncaught;
    }
    for (target, target_is_org) in recipients {
        state.in_app.push(InAppNotification {
            id: uuid::Uuid::new_v4().to_string(),
            target,
            target_is_org,
            kind: n.event.clone(),
            metadata: payload.clone(),
        });
    }
    Outcome::Done
}

/// Whether `url` points at 127.0.0.0/8, the only hosts the fake ever contacts.
fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().and_then(|h| h.parse::<Ipv4Addr>().ok()))
        .is_some_and(|ip| ip.is_loopback())
}

/// POSTs `body` as JSON, like Quay's `requests.post`; anything but a loopback URL is refused.
async fn post(
    shared: &Arc<Shared>,
    n: &Notification,
    url: &str,
    body: &Value,
    timeout: Duration,
) -> (Outcome, Option<Delivery>) {
    let (status, error) = if !is_loopback(url) {
        (None, Some(NOT_LOOPBACK.to_owned()))
    } else {
        let result = shared
            .http
            .post(url)
            .header("Content-type", "application/json")
            .header("Accept", "*/*")
            .timeout(timeout)
            .body(body.to_string())
            .send()
            .await;
        match result {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(err) if err.is_timeout() => (None, Some("timed out".to_owned())),
            Err(err) if err.is_connect() => (None, Some("connection failed".to_owned())),
            Err(_) => (None, Some("request failed".to_owned())),
        }
    };
    let delivery = Delivery {
        subscription_id: n.uuid.clone(),
        event: n.event.clone(),
        url: url.to_owned(),
        status,
        error,
    };
    let outcome = if delivery.succeeded() {
        Outcome::Done
    } else {
        Outcome::Failed
    };
    (outcome, Some(delivery))
}

/// Why a webhook template could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TemplateError {
    /// Quay's `JSONTemplateParseException`: a 400 at creation, a counted failure at delivery.
    Parse(String),
    /// Another error Quay would raise, or an expression beyond the fake's JSONPath subset.
    Uncaught(String),
}

/// Quay's `JSONTemplate(template).apply(data)`: every string of the template (keys too) has
/// its `${path}` expressions filled from `data`. A string that is exactly one expression takes
/// the value with its JSON type (`null` when missing); inside text a missing value reads
/// `(none)`, several values are joined with `,`, and anything else is printed as Python would.
fn apply_template(template: &str, data: &Value) -> Result<Value, TemplateError> {
    let parsed: Value = serde_json::from_str(template)
        .map_err(|e| TemplateError::Parse(format!("Could not parse template: {e}")))?;
    fill(&parsed, data)
}

fn fill(node: &Value, data: &Value) -> Result<Value, TemplateError> {
    Ok(match node {
        Value::String(s) => fill_string(s, data)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| fill(i, data))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                // `json.dumps` turns scalar keys into text and refuses the rest.
                let key = match fill_string(key, data)? {
                    Value::String(s) => s,
                    Value::Null => "null".to_owned(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err(TemplateError::Uncaught("a key became a list".into())),
                };
                out.insert(key, fill(value, data)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn fill_string(text: &str, data: &Value) -> Result<Value, TemplateError> {
    if let Some(expression) = text
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .filter(|e| !e.contains('}'))
    {
        return Ok(evaluate(expression, data)?.unwrap_or(Value::Null));
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(&rest[..start]);
        out.push_str(&match evaluate(&after[..end], data)? {
            None | Some(Value::Null) => "(none)".to_owned(),
            Some(Value::Array(items)) if items.len() > 1 => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.as_str()),
                    _ => Err(TemplateError::Uncaught(
                        "joined a value that is not text".into(),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            Some(value) => py_str(&value),
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

/// One JSONPath expression against `data`: `None` when nothing matches, the value for one
/// match, a list for several.
fn evaluate(expression: &str, data: &Value) -> Result<Option<Value>, TemplateError> {
    if expression.is_empty() {
        return Err(TemplateError::Parse("Empty expression found".into()));
    }
    let steps = parse_path(expression).ok_or_else(|| {
        TemplateError::Uncaught(format!(
            "the fake cannot read the expression `{expression}`"
        ))
    })?;
    let mut found = vec![data];
    for step in &steps {
        let mut next = Vec::new();
        for value in found {
            match (step, value) {
                (PathStep::Field(name), Value::Object(map)) => next.extend(map.get(name)),
                (PathStep::AnyField, Value::Object(map)) => next.extend(map.values()),
                (PathStep::Index(i), Value::Array(items)) => next.extend(items.get(*i)),
                (PathStep::AllItems, Value::Array(items)) => next.extend(items),
                // jsonpath_rw wraps a non-list in a list for `[*]`.
                (PathStep::AllItems, other) => next.push(other),
                _ => {}
            }
        }
        found = next;
    }
    Ok(match found.as_slice() {
        [] => None,
        [one] => Some((*one).clone()),
        many => Some(Value::Array(many.iter().map(|v| (*v).clone()).collect())),
    })
}

/// One step of the JSONPath subset the fake reads: `a.b`, `'quoted'`, `*`, `[0]`, `[*]`, `$`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathStep {
    Field(String),
    AnyField,
    Index(usize),
    AllItems,
}

fn parse_path(expression: &str) -> Option<Vec<PathStep>> {
    let c: Vec<char> = expression.trim().chars().collect();
    let mut i = 0;
    let mut steps = Vec::new();
    if c.first() == Some(&'$') {
        i = 1;
        match c.get(1) {
            None => return Some(steps),
            Some('.') => i = 2,
            Some('[') => {}
            _ => return None,
        }
    }
    let mut need_field = c.get(i) != Some(&'[');
    loop {
        if need_field {
            match *c.get(i)? {
                '*' => {
                    steps.push(PathStep::AnyField);
                    i += 1;
                }
                quote @ ('\'' | '"') => {
                    let end = c[i + 1..].iter().position(|&x| x == quote)? + i + 1;
                    steps.push(PathStep::Field(c[i + 1..end].iter().collect()));
                    i = end + 1;
                }
                first if first.is_ascii_alphabetic() || matches!(first, '_' | '@') => {
                    let start = i;
                    while c
                        .get(i)
                        .is_some_and(|&x| x.is_ascii_alphanumeric() || matches!(x, '_' | '@' | '-'))
                    {
                        i += 1;
                    }
                    steps.push(PathStep::Field(c[start..i].iter().collect()));
                }
                _ => return None,
            }
        }
        while c.get(i) == Some(&'[') {
            let end = c[i..].iter().position(|&x| x == ']')? + i;
            let inner: String = c[i + 1..end].iter().collect();
            steps.push(match inner.trim() {
                "*" => PathStep::AllItems,
                index => PathStep::Index(index.parse().ok()?),
            });
            i = end + 1;
        }
        match c.get(i) {
            None => return Some(steps),
            Some('.') => {
                i += 1;
                need_field = true;
            }
            _ => return None,
        }
    }
}

/// Python's `re.match` for `ref-regex` filters: anchored at the start of `text`, not the end.
/// `None` when the pattern does not compile, which in Quay means the filter never fires. The
/// `regex` crate refuses some Python syntax (look-arounds, back-references, a `{` that is no
/// quantifier, `{,n}`) and so counts it as invalid too; Python's `\Z` is spelled `\z` there.
fn ref_regex_matches(pattern: &str, text: &str) -> Option<bool> {
    let mut rust = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        rust.push(c);
        if c == '\\' {
            rust.extend(chars.next().map(|e| if e == 'Z' { 'z' } else { e }));
        }
    }
    // The bare pattern must compile on its own, so that something like `a)|(b` cannot pass
    // by closing the wrapping group early.
    regex::Regex::new(&rust).ok()?;
    let anchored = regex::Regex::new(&format!("^(?:{rust})")).ok()?;
    Some(anchored.is_match(text))
}

fn avatar(name: &str, kind: &str) -> Value {
    j!({"name": name, "hash": format!("{:032x}", hash(name.as_bytes())), "color": "#9edae5", "kind": kind})
}

/// Shape A, Quay's ApiError.
fn api_error(base: &str, status: StatusCode, error_type: &str, detail: &str) -> Response {
    json(
        status,
        j!({
            "detail": detail,
            "error_message": detail,
            "error_type": error_type,
            "title": error_type,
            "type": format!("{base}/api/v1/error/{error_type}"),
            "status": status.as_u16(),
        }),
    )
}

fn message(status: StatusCode, text: &str) -> Response {
    json(status, j!({ "message": text }))
}

fn not_found_route() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}

fn method_not_allowed() -> Response {
    message(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested URL.",
    )
}

/// Quay's `truthy_bool`: only these spellings are false.
fn truthy(value: Option<String>, default: bool) -> bool {
    match value {
        None => default,
        Some(v) => !matches!(v.as_str(), "false" | "False" | "FALSE" | "0" | "null" | ""),
    }
}

fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

const CREATE_SCHEMA: &str = "{'description': 'Information for creating a notification on a repository', 'type': 'object', 'required': ['event', 'method', 'config', 'eventConfig'], 'properties': {'event': {'type': 'string'}, 'method': {'type': 'string'}, 'config': {'type': 'object'}, 'eventConfig': {'type': 'object'}, 'title': {'type': 'string'}}}";

/// The `jsonschema` 3.2 error text for a create body, if it fails the schema.
fn schema_error(body: &Value) -> Option<String> {
    let Value::Object(map) = body else {
        return Some(format!(
            "{} is not of type 'object'\n\nFailed validating 'type' in schema:\n    {CREATE_SCHEMA}\n\nOn instance:\n    {}",
            py_repr(body),
            py_repr(body)
        ));
    };
    for key in ["event", "method", "config", "eventConfig"] {
        if !map.contains_key(key) {
            return Some(format!(
                "'{key}' is a required property\n\nFailed validating 'required' in schema:\n    {CREATE_SCHEMA}\n\nOn instance:\n    {}",
                py_repr(body)
            ));
        }
    }
    for (key, kind) in [
        ("event", "string"),
        ("method", "string"),
        ("config", "object"),
        ("eventConfig", "object"),
        ("title", "string"),
    ] {
        let Some(value) = map.get(key) else { continue };
        let fits = match kind {
            "string" => value.is_string(),
            _ => value.is_object(),
        };
        if !fits {
            return Some(format!(
                "{} is not of type '{kind}'\n\nFailed validating 'type' in schema['properties']['{key}']:\n    {{'type': '{kind}'}}\n\nOn instance['{key}']:\n    {}",
                py_repr(value),
                py_repr(value)
            ));
        }
    }
    None
}

/// What the method's validator says about `config`: `Ok`, a 400 text, or `Err(None)` for the
/// uncaught errors that give a 500.
fn validate_method(
    state: &QuayState,
    method: &str,
    namespace: &str,
    name: &str,
    config: &Map<String, Value>,
) -> Result<(), Option<String>> {
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let fail = |s: &str| Err(Some(s.to_owned()));
    match method {
        "webhook" => {
            let Some(url) = text("url") else {
                return fail("Missing webhook URL");
            };
            let Some((scheme, rest)) = url.split_once("://") else {
                return fail("Invalid webhook URL");
            };
            if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
                return fail("Invalid webhook URL");
            }
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit('@').next().unwrap_or_default();
            let host = if host_port.starts_with('[') {
                host_port.split(']').next().unwrap_or_default().to_owned() + "]"
            } else {
                host_port.split(':').next().unwrap_or_default().to_owned()
            };
            if host.is_empty() {
                // urlparse gives no hostname and Quay's check dereferences it.
                return Err(None);
            }
            if matches!(host.to_ascii_lowercase().as_str(), "localhost" | "127.0.0.1") {
                return fail("Invalid webhook URL");
            }
            match config.get("template") {
                None | Some(Value::Null) => Ok(()),
                Some(Value::String(t)) if t.is_empty() => Ok(()),
                // Quay applies the template to `{}`: only syntax errors show.
                Some(Value::String(t)) => match apply_template(t, &j!({})) {
                    Err(TemplateError::Parse(detail)) => Err(Some(detail)),
                    _ => Ok(()),
                },
                Some(_) => Err(None),
            }
        }
        "slack" => match text("url") {
            Some(_) => Ok(()),
            None => fail("Missing Slack Callback URL"),
        },
        "email" => match text("email") {
            None => fail("Missing e-mail address"),
            Some(email)
                if state.authorized_emails.contains(&(
                    namespace.to_owned(),
                    name.to_owned(),
                    email.to_owned(),
                )) =>
            {
                Ok(())
            }
            Some(_) => fail("The specified e-mail address is not authorized to receive notifications for this repository"),
        },
        "hipchat" => {
            if text("notification_token").is_none() {
                return fail("Missing Hipchat Room Notification Token");
            }
            if text("room_id").is_none() {
                return fail("Missing Hipchat Room ID");
            }
            Ok(())
        }
        "flowdock" => match text("flow_api_token") {
            Some(_) => Ok(()),
            None => fail("Missing Flowdock API Token"),
        },
        "quay_notification" => {
            let Some(target) = config.get("target").filter(|t| t.is_object()) else {
                return fail("Missing target");
            };
            let target_name = target.get("name").and_then(Value::as_str).unwrap_or("");
            match target.get("kind").and_then(Value::as_str) {
                Some("user") if state.users.contains(target_name) => Ok(()),
                Some("user") => Err(Some(format!("Unknown user {target_name}"))),
                Some("org") if !state.orgs.contains_key(target_name) => {
                    Err(Some(format!("Unknown organization {target_name}")))
                }
                Some("org") if target_name == namespace => Ok(()),
                // Looked up in the repository's namespace, whatever the target says.
                Some("team")
                    if state
                        .orgs
                        .get(namespace)
                        .is_some_and(|org| org.team(target_name).is_some()) =>
                {
                    Ok(())
                }
                Some("team") => Err(Some(format!("Unknown team {target_name}"))),
                _ => Err(None),
            }
        }
        _ => Err(None),
    }
}

fn server_error_page() -> Response {
    html_status(500)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    if let Some(rest) = path.strip_prefix("/__fake/") {
        return control(shared, &method, rest, &query, &body).await;
    }
    let (fault, latency) = {
        let mut state = shared.lock();
        state.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            has_authorization: headers.contains_key("authorization"),
            requested_with: header_text(&headers, "x-requested-with"),
            content_type: header_text(&headers, "content-type"),
        });
        (state.faults.queue.pop_front(), state.faults.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::Status { status }) => return html_status(status),
        Some(Fault::Hang) => std::future::pending::<()>().await,
        _ => {}
    }
    let response = api(&shared, &method, &path, &query, &headers, &body);
    apply_body_fault(fault, response).await
}

fn caller(state: &QuayState, headers: &HeaderMap) -> Option<Caller> {
    let value = header_text(headers, "authorization")?;
    let parts: Vec<&str> = value.split(' ').collect();
    match parts.as_slice() {
        [scheme, token] if scheme.eq_ignore_ascii_case("bearer") => {
            let c = state.tokens.get(*token)?;
            state.users.contains(&c.user).then(|| c.clone())
        }
        _ => None,
    }
}

fn looks_like_browser(user_agent: &str) -> bool {
    [
        "Mozilla", "Chrome", "Safari", "Firefox", "WebKit", "Opera", "MSIE",
    ]
    .iter()
    .any(|b| user_agent.contains(b))
}

enum RepoRoute {
    Detail,
    Tags,
    Notifications,
    Notification(String),
    Test(String),
}

fn split_repo_path(rest: &str) -> (&str, RepoRoute) {
    if let Some(r) = rest.strip_suffix("/tag/") {
        return (r, RepoRoute::Tags);
    }
    if let Some(r) = rest.strip_suffix("/notification/") {
        return (r, RepoRoute::Notifications);
    }
    if let Some((r, tail)) = rest.rsplit_once("/notification/") {
        if let Some(uuid) = tail.strip_suffix("/test") {
            if !uuid.is_empty() && !uuid.contains('/') {
                return (r, RepoRoute::Test(uuid.to_owned()));
            }
        } else if !tail.is_empty() && !tail.contains('/') {
            return (r, RepoRoute::Notification(tail.to_owned()));
        }
    }
    (rest, RepoRoute::Detail)
}

fn api(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let base = shared.base_url.as_str();
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return not_found_route();
    };
    if *method == Method::GET
        && looks_like_browser(&header_text(headers, "user-agent").unwrap_or_default())
        && header_text(headers, "x-requested-with").as_deref() != Some("XMLHttpRequest")
    {
        return json(
            StatusCode::BAD_REQUEST,
            j!({"error": "API calls must be invoked with an X-Requested-With header if called from a browser"}),
        );
    }
    let mut state = shared.lock();
    let who = caller(&state, headers);
    if who.is_none() && !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        // Only a validated token skips the CSRF check.
        return json(
            StatusCode::FORBIDDEN,
            j!({"error": "CSRF token was invalid or missing."}),
        );
    }
    let unauthorized = |who: &Option<Caller>| match who {
        None => api_error(
            base,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Requires authentication",
        ),
        Some(_) => api_error(
            base,
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "Unauthorized",
        ),
    };

    if rest == "user/" {
        if *method != Method::GET {
            return method_not_allowed();
        }
        let Some(c) = who.filter(|c| c.scopes.contains(&Scope::UserRead)) else {
            return json(
                StatusCode::UNAUTHORIZED,
                j!({"detail": "Requires authentication", "error_message": "Requires authentication",
                    "error_type": "invalid_token", "title": "invalid_token",
                    "type": format!("{base}/api/v1/error/invalid_token"), "status": 401,
                    "session_required": false}),
            );
        };
        let orgs: Vec<Value> = state
            .orgs
            .iter()
            .filter(|(_, o)| o.is_member(&c.user))
            .map(|(name, o)| {
                let admin = o.is_admin(&c.user);
                j!({"name": name, "avatar": avatar(name, "org"), "can_create_repo": admin,
                    "public": false, "is_org_admin": admin, "preferred_namespace": false})
            })
            .collect();
        return json(
            StatusCode::OK,
            j!({"anonymous": false, "username": c.user, "avatar": avatar(&c.user, "user"),
                "can_create_repo": true, "is_me": true, "verified": true,
                "email": format!("{}@example.invalid", c.user), "logins": [],
                "invoice_email": false, "tag_expiration_s": 1_209_600, "prompts": [],
                "super_user": false, "organizations": orgs}),
        );
    }

    if let Some(org_name) = rest.strip_prefix("organization/") {
        if *method != Method::GET {
            return method_not_allowed();
        }
        let org_name = percent_decode(org_name);
        let Some(org) = state.orgs.get(&org_name) else {
            return api_error(base, StatusCode::NOT_FOUND, "not_found", "Not Found");
        };
        let user = who.as_ref().map(|c| c.user.as_str()).unwrap_or_default();
        let is_admin = org.is_admin(user)
            && who
                .as_ref()
                .is_some_and(|c| c.scopes.contains(&Scope::OrgAdmin));
        let is_member = org.is_member(user);
        let mut out = j!({"name": org_name, "avatar": avatar(&org_name, "org"),
            "is_admin": is_admin, "is_member": is_member});
        if is_admin {
            out["email"] = j!(format!("{org_name}@example.invalid"));
            out["tag_expiration_s"] = j!(1_209_600);
            out["is_free_account"] = j!(true);
        }
        if is_member {
            // Quay's team_view; an admin may open every team, anyone else only their own.
            let mut teams = Map::new();
            for t in &org.teams {
                teams.insert(
                    t.name.clone(),
                    j!({"name": t.name, "description": "", "role": t.role.as_str(),
                        "avatar": avatar(&t.name, "team"),
                        "can_view": is_admin || t.members.contains(user),
                        "repo_count": 0, "member_count": t.members.len(), "is_synced": false}),
                );
            }
            out["teams"] = Value::Object(teams);
            out["ordered_teams"] = j!(org.teams.iter().map(|t| &t.name).collect::<Vec<_>>());
        }
        return json(StatusCode::OK, out);
    }

    if rest == "repository" {
        if *method != Method::GET {
            return method_not_allowed();
        }
        return list_repositories(&mut state, who.as_ref(), query);
    }

    let Some(rest) = rest.strip_prefix("repository/") else {
        return not_found_route();
    };
    let (repo_path, route) = split_repo_path(rest);
    let Some((ns_raw, name_raw)) = repo_path.split_once('/') else {
        return not_found_route();
    };
    if ns_raw.is_empty() || name_raw.is_empty() || name_raw.split('/').any(str::is_empty) {
        return not_found_route();
    }
    let namespace = percent_decode(ns_raw);
    let name = name_raw
        .split('/')
        .map(percent_decode)
        .collect::<Vec<_>>()
        .join("/");
    let role = state
        .repo(&namespace, &name)
        .map_or(Role::None, |r| state.role(who.as_ref(), r));

    match route {
        RepoRoute::Detail | RepoRoute::Tags if *method != Method::GET => method_not_allowed(),
        RepoRoute::Detail | RepoRoute::Tags if role < Role::Read => unauthorized(&who),
        RepoRoute::Detail => {
            let Some(repo) = state.repo(&namespace, &name) else {
                return unauthorized(&who);
            };
            repository_detail(&state, repo, role, who.is_some(), query)
        }
        RepoRoute::Tags => {
            let Some(repo) = state.repo(&namespace, &name) else {
                return unauthorized(&who);
            };
            list_tags(repo, query)
        }
        _ if role < Role::Admin => unauthorized(&who),
        RepoRoute::Notifications => match *method {
            Method::GET => {
                let list: Vec<Value> = state
                    .notifications
                    .iter()
                    .filter(|n| n.namespace == namespace && n.name == name)
                    .map(Notification::to_json)
                    .collect();
                json(StatusCode::OK, j!({ "notifications": list }))
            }
            Method::POST => create_notification(&mut state, base, &namespace, &name, headers, body),
            _ => method_not_allowed(),
        },
        RepoRoute::Notification(uuid) => {
            let uuid = percent_decode(&uuid);
            let missing = || {
                api_error(
                    base,
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("No repository notification found for: {namespace}, {name}, {uuid}"),
                )
            };
            match *method {
                // Looked up by UUID alone, whatever the path's repository.
                Method::GET => match state.notifications.iter().find(|n| n.uuid == uuid) {
                    Some(n) => json(StatusCode::OK, n.to_json()),
                    None => api_error(base, StatusCode::NOT_FOUND, "not_found", "Not Found"),
                },
                Method::DELETE => {
                    let before = state.notifications.len();
                    state.notifications.retain(|n| {
                        !(n.uuid == uuid && n.namespace == namespace && n.name == name)
                    });
                    if state.notifications.len() == before {
                        return missing();
                    }
                    StatusCode::NO_CONTENT.into_response()
                }
                Method::POST => {
                    let Some(n) = state.notifications.iter_mut().find(|n| n.uuid == uuid) else {
                        return missing();
                    };
                    if n.namespace != namespace || n.name != name {
                        return message(
                            StatusCode::BAD_REQUEST,
                            &format!("No repository notification found with uuid: {uuid}"),
                        );
                    }
                    n.number_of_failures = 0;
                    StatusCode::NO_CONTENT.into_response()
                }
                _ => method_not_allowed(),
            }
        }
        RepoRoute::Test(uuid) => {
            if *method != Method::POST {
                return method_not_allowed();
            }
            let uuid = percent_decode(&uuid);
            let Some(n) = state.notifications.iter().find(|n| n.uuid == uuid) else {
                return api_error(
                    base,
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("No repository notification found for: {namespace}, {name}, {uuid}"),
                );
            };
            // Queued: the sample is built for the notification's own repository.
            let payload = sample_payload(
                &n.event,
                &n.namespace,
                &n.name,
                &n.event_config,
                &shared.host,
            );
            let task = tokio::spawn(deliver(shared.clone(), n.uuid.clone(), payload));
            let sender = shared.clone();
            drop(state);
            sender
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(tokio::spawn(async move {
                    let _ = task.await;
                }));
            json(StatusCode::OK, j!({}))
        }
    }
}

fn list_repositories(state: &mut QuayState, who: Option<&Caller>, query: &str) -> Response {
    let namespace = query_param(query, "namespace");
    let public = truthy(query_param(query, "public"), false);
    let starred = truthy(query_param(query, "starred"), false);
    if namespace.is_none() && !public && !starred {
        return message(
            StatusCode::BAD_REQUEST,
            "namespace, starred or public are required for this API call",
        );
    }
    let last_modified = truthy(query_param(query, "last_modified"), false);
    let popularity = truthy(query_param(query, "popularity"), false);
    let now = now_epoch();
    let visible: Vec<Value> = if starred && namespace.is_none() && !public {
        // Nothing is ever starred in the fake.
        Vec::new()
    } else {
        state
            .repos
            .iter()
            .filter(|r| namespace.as_deref().is_none_or(|ns| r.namespace == ns))
            .filter(|r| state.role(who, r) >= Role::Read)
            .filter(|r| !public || namespace.is_some() || r.public)
            .map(|r| {
                let mut out = j!({"namespace": r.namespace, "name": r.name,
                    "description": r.description, "is_public": r.public, "kind": "image",
                    "state": "NORMAL"});
                if who.is_some() {
                    out["is_starred"] = j!(false);
                }
                if last_modified {
                    out["last_modified"] = j!(r
                        .tags
                        .iter()
                        .filter(|t| t.is_active(now))
                        .map(|t| t.start_ts)
                        .max());
                }
                if popularity {
                    out["popularity"] = j!(0.0);
                }
                out
            })
            .collect()
    };
    // An unknown cursor silently restarts at page 1, as Quay's does.
    let start = query_param(query, "next_page")
        .and_then(|c| state.cursors.get(&c).copied())
        .unwrap_or(0);
    let end = (start + state.repo_page_size).min(visible.len());
    let page: Vec<Value> = visible.get(start..end).unwrap_or_default().to_vec();
    let mut out = j!({ "repositories": page });
    if end < visible.len() {
        let cursor = format!("gAAAAAB{}", uuid::Uuid::new_v4().simple());
        state.cursors.insert(cursor.clone(), end);
        out["next_page"] = j!(cursor);
    }
    json(StatusCode::OK, out)
}

fn repository_detail(
    state: &QuayState,
    repo: &Repo,
    role: Role,
    authenticated: bool,
    query: &str,
) -> Response {
    let now = now_epoch();
    let mut out = j!({"namespace": repo.namespace, "name": repo.name, "kind": "image",
        "description": repo.description, "is_public": repo.public,
        "is_organization": state.orgs.contains_key(&repo.namespace),
        "is_starred": false, "status_token": if repo.public { "" } else { "fake-status-token" },
        "trust_enabled": false, "tag_expiration_s": 1_209_600, "is_free_account": true,
        "state": "NORMAL", "can_write": role >= Role::Write, "can_admin": role >= Role::Admin});
    if !authenticated {
        out["is_starred"] = j!(false);
    }
    if truthy(query_param(query, "includeTags"), true) {
        let mut tags = Map::new();
        for t in repo.tags.iter().filter(|t| t.is_active(now)).take(500) {
            let mut tag = j!({"name": t.name, "size": t.size,
                "last_modified": rfc2822(t.start_ts), "manifest_digest": t.manifest_digest});
            if let Some(end) = t.end_ts {
                tag["expiration"] = j!(rfc2822(end));
            }
            tags.insert(t.name.clone(), tag);
        }
        out["tags"] = Value::Object(tags);
    }
    if truthy(query_param(query, "includeStats"), false) {
        out["stats"] = j!([]);
    }
    json(StatusCode::OK, out)
}

fn list_tags(repo: &Repo, query: &str) -> Response {
    let now = now_epoch();
    let only_active = truthy(query_param(query, "onlyActiveTags"), false);
    // Flask-RESTful's parser error for a non-integer: `{"message": {"limit": "…"}}`.
    let parse = |key: &str, default: i64| -> Result<i64, Value> {
        match query_param(query, key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                j!({"message": {key: format!("invalid literal for int() with base 10: '{v}'")}})
            }),
        }
    };
    let limit = match parse("limit", 50) {
        Ok(l) => l.clamp(1, 100) as usize,
        Err(body) => return json(StatusCode::BAD_REQUEST, body),
    };
    let page = match parse("page", 1) {
        Ok(p) => p.max(1) as usize,
        Err(body) => return json(StatusCode::BAD_REQUEST, body),
    };
    let filter = query_param(query, "filter_tag_name");
    let filter = match filter.as_deref() {
        None => None,
        Some(f) => match f.split_once(':') {
            Some(("like", s)) => Some((true, s.to_owned())),
            Some(("eq", s)) => Some((false, s.to_owned())),
            _ => return message(StatusCode::BAD_REQUEST, "Invalid filter_tag_name"),
        },
    };
    let specific = query_param(query, "specificTag");
    let mut tags: Vec<&FakeTag> = repo
        .tags
        .iter()
        .filter(|t| !only_active || t.is_active(now))
        .filter(|t| specific.as_deref().is_none_or(|s| t.name == s))
        .filter(|t| match &filter {
            None => true,
            Some((true, s)) => t.name.contains(s.as_str()),
            Some((false, s)) => t.name == *s,
        })
        .collect();
    tags.sort_by(|a, b| b.start_ts.cmp(&a.start_ts).then(a.name.cmp(&b.name)));
    let start = (page - 1).saturating_mul(limit);
    let list: Vec<Value> = tags
        .iter()
        .skip(start)
        .take(limit)
        .map(|t| t.to_json())
        .collect();
    json(
        StatusCode::OK,
        j!({"tags": list, "page": page, "has_additional": tags.len() > start + limit}),
    )
}

fn create_notification(
    state: &mut QuayState,
    base: &str,
    namespace: &str,
    name: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let content_type = header_text(headers, "content-type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
        );
    }
    let Ok(parsed) = serde_json::from_slice::<Value>(body) else {
        return message(
            StatusCode::BAD_REQUEST,
            "The browser (or proxy) sent a request that this server could not understand.",
        );
    };
    if let Some(detail) = schema_error(&parsed) {
        return api_error(base, StatusCode::BAD_REQUEST, "invalid_request", &detail);
    }
    let get = |k: &str| parsed.get(k).cloned().unwrap_or(Value::Null);
    let method = get("method").as_str().unwrap_or_default().to_owned();
    let event = get("event").as_str().unwrap_or_default().to_owned();
    if !METHODS.contains(&method.as_str()) {
        return server_error_page();
    }
    let config = get("config");
    let config_map = config.as_object().cloned().unwrap_or_default();
    match validate_method(state, &method, namespace, name, &config_map) {
        Ok(()) => {}
        Err(Some(detail)) => {
            return api_error(base, StatusCode::BAD_REQUEST, "invalid_request", &detail)
        }
        Err(None) => return server_error_page(),
    }
    if !EVENTS.contains(&event.as_str()) {
        return server_error_page();
    }
    let notification = Notification {
        uuid: uuid::Uuid::new_v4().to_string(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        title: get("title").as_str().map(str::to_owned),
        event,
        method,
        config,
        event_config: get("eventConfig"),
        number_of_failures: 0,
    };
    let out = notification.to_json();
    state.notifications.push(notification);
    json(StatusCode::CREATED, out)
}

/// The `/__fake/` routes the binaries use to drive the fake over HTTP.
async fn control(
    shared: Arc<Shared>,
    method: &Method,
    rest: &str,
    query: &str,
    body: &Bytes,
) -> Response {
    match (method.as_str(), rest) {
        ("GET", "requests") => json(StatusCode::OK, j!(shared.lock().requests)),
        ("GET", "deliveries") => json(StatusCode::OK, j!(shared.lock().deliveries)),
        ("GET", "emails") => json(StatusCode::OK, j!(shared.lock().emails)),
        ("GET", "user-notifications") => match query_param(query, "user") {
            Some(user) => json(
                StatusCode::OK,
                j!(visible_notifications(&shared.lock(), &user)),
            ),
            None => json(StatusCode::BAD_REQUEST, j!({"error": "user is required"})),
        },
        ("POST", "simulate") => {
            let (Some(ns), Some(repo), Some(event)) = (
                query_param(query, "namespace"),
                query_param(query, "repository"),
                query_param(query, "event"),
            ) else {
                return json(
                    StatusCode::BAD_REQUEST,
                    j!({"error": "namespace, repository and event are required"}),
                );
            };
            let options = SimulatedEvent {
                git_ref: query_param(query, "ref"),
                manual_build: truthy(query_param(query, "manual"), false),
                priority: query_param(query, "priority"),
            };
            match simulate(shared, &ns, &repo, &event, &options).await {
                Ok(made) => json(StatusCode::OK, j!(made)),
                Err(err) => json(StatusCode::NOT_FOUND, j!({"error": err.to_string()})),
            }
        }
        _ => {
            let mut state = shared.lock();
            fault_control(&mut state.faults, method.as_str(), rest, query, body).unwrap_or_else(
                || {
                    json(
                        StatusCode::NOT_FOUND,
                        j!({"error": "unknown fake control route"}),
                    )
                },
            )
        }
    }
}

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
