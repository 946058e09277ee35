//! A fake DTR / MSR 2.x (API v0) for tests: a real axum server on loopback with in-memory state.
//!
//! It answers like DTR where clients trip (see `dtr-api.md`): failed basic auth silently acts as
//! anonymous (public data with 200, 401 where a user is needed), errors come in the
//! `{"errors":[{code, message, detail?}]}` envelope, lists page with `pageStart`/`pageSize` and
//! the `X-Next-Page-Start` header (absent on the last page), namespace webhooks live at
//! `/api/v0/accounts/{ns}/webhooks`, and webhook create/delete answer per [`DtrVersion`]:
//! 2.6 creates with 200 and a one-item array and deletes with 200, 2.7 with 201 and an object,
//! and 204. eNZi account routes redirect anonymous callers (302) to the sign-in page.
//! Repositories are created (201), patched (200) and deleted (204, even when missing) with
//! DTR's checks and error codes (see `dtr/repos.rs`).
//!
//! Test and [`FakeDtr::simulate_event`] POST the `{type, createdAt, contents, location}` sample
//! from the shared `inbox::samples`, with DTR's headers (test: verbatim, DTR's canned sample;
//! simulate: `contents`' `namespace` and `repository` set to the real repository).

use crate::common::{
    apply_body_fault, decode_basic, delivery_headers, fault_control, fault_prelude, hash,
    header_text, json, percent_decode, query_param, rfc3339_now, Delivery, Recorder,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json as j, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The webhook types of DTR 2.6/2.7's `forms.Webhook.type` enum, in spec order.
pub const WEBHOOK_TYPES: [&str; 13] = [
    "TAG_PUSH",
    "TAG_PULL",
    "TAG_DELETE",
    "PROMOTION",
    "PUSH_MIRRORING",
    "POLL_MIRRORING",
    "MANIFEST_PUSH",
    "MANIFEST_PULL",
    "MANIFEST_DELETE",
    "REPO_EVENT",
    "SCAN_COMPLETED",
    "SCAN_FAILED",
    "SCANNER_UPDATE_COMPLETED",
];

/// The Go zero time DTR uses for "never".
pub const NEVER: &str = "0001-01-01T00:00:00Z";

/// The User-Agent webhook deliveries carry (DTR is written in Go).
pub const DELIVERY_USER_AGENT: &str = inbox::samples::DTR_USER_AGENT;

/// Which DTR generation the fake imitates where the answers changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtrVersion {
    /// DTR 2.6: create answers 200 with a one-item array, delete 200.
    V2_6,
    /// DTR 2.7 and MSR 2.8+: create answers 201 with the object, delete 204.
    V2_7,
}

/// Why a test-only call could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FakeDtrError {
    /// No such repository was seeded.
    #[error("no repository {0}")]
    UnknownRepository(String),
    /// The type is not one of [`WEBHOOK_TYPES`].
    #[error("no webhook type {0}")]
    UnknownType(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    None,
    Read,
    Admin,
}

#[derive(Debug)]
struct User {
    id: String,
    token: String,
    admin: bool,
}

#[derive(Debug)]
struct Org {
    id: String,
    admins: BTreeSet<String>,
    members: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Repo {
    id: String,
    namespace: String,
    name: String,
    public: bool,
    tags: Vec<String>,
    short_description: String,
    long_description: String,
    scan_on_push: bool,
    immutable_tags: bool,
    enable_manifest_lists: bool,
    /// 0 for no limit.
    tag_limit: u64,
}

impl Repo {
    fn new(namespace: &str, name: &str, public: bool, tags: &[&str]) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            public,
            tags: tags.iter().map(|s| (*s).to_owned()).collect(),
            short_description: String::new(),
            long_description: String::new(),
            scan_on_push: false,
            immutable_tags: false,
            enable_manifest_lists: false,
            tag_limit: 0,
        }
    }
}

#[derive(Debug, Clone)]
struct Webhook {
    id: String,
    kind: String,
    key: String,
    endpoint: String,
    author: String,
    author_id: String,
    created_at: String,
    last_successful_at: String,
    inactive: bool,
    tls_cert: String,
    skip_tls: bool,
}

impl Webhook {
    fn to_json(&self) -> Value {
        j!({"id": self.id, "type": self.kind, "key": self.key, "endpoint": self.endpoint,
            "authorID": self.author_id, "createdAt": self.created_at,
            "lastSuccessfulAt": self.last_successful_at, "inactive": self.inactive,
            "tlsCert": self.tls_cert, "skipTLSVerification": self.skip_tls})
    }
}

struct DtrState {
    version: DtrVersion,
    users: BTreeMap<String, User>,
    orgs: BTreeMap<String, Org>,
    repos: Vec<Repo>,
    webhooks: Vec<Webhook>,
    /// While set, repository writes answer as if they worked but change nothing.
    ignore_repository_writes: bool,
    delivery_timeout: Duration,
    recorder: Recorder,
}

impl DtrState {
    fn account_exists(&self, name: &str) -> bool {
        self.users.contains_key(name) || self.orgs.contains_key(name)
    }

    fn is_admin(&self, user: Option<&str>) -> bool {
        user.and_then(|u| self.users.get(u))
            .is_some_and(|u| u.admin)
    }

    fn namespace_role(&self, user: Option<&str>, namespace: &str) -> Role {
        let Some(user) = user else { return Role::None };
        if self.is_admin(Some(user)) || user == namespace {
            return Role::Admin;
        }
        match self.orgs.get(namespace) {
            Some(org) if org.admins.contains(user) => Role::Admin,
            Some(org) if org.members.contains(user) => Role::Read,
            _ => Role::None,
        }
    }

    fn repo_role(&self, user: Option<&str>, repo: &Repo) -> Role {
        let role = self.namespace_role(user, &repo.namespace);
        if repo.public {
            role.max(Role::Read)
        } else {
            role
        }
    }

    fn repo(&self, namespace: &str, name: &str) -> Option<&Repo> {
        self.repos
            .iter()
            .find(|r| r.namespace == namespace && r.name == name)
    }

    /// The Repository object; `long` adds `longDescription`, which DTR fills only where one
    /// repository is answered (get, create, update), never in lists.
    fn repo_json(&self, repo: &Repo, long: bool) -> Value {
        let kind = if self.orgs.contains_key(&repo.namespace) {
            "organization"
        } else {
            "user"
        };
        let mut out = j!({"id": repo.id, "namespace": repo.namespace, "namespaceType": kind,
            "name": repo.name, "shortDescription": repo.short_description,
            "visibility": if repo.public { "public" } else { "private" },
            "scanOnPush": repo.scan_on_push, "immutableTags": repo.immutable_tags,
            "enableManifestLists": repo.enable_manifest_lists,
            "pulls": 0, "pushes": repo.tags.len(), "tagLimit": repo.tag_limit});
        if long {
            out["longDescription"] = j!(repo.long_description);
        }
        out
    }
}

struct Shared {
    state: Mutex<DtrState>,
    http: reqwest::Client,
    base_url: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, DtrState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake DTR. Dropping it stops the server.
pub struct FakeDtr {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for FakeDtr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDtr")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeDtr {
    fn drop(&mut self) {
        self.server.abort();
    }
}

crate::fake_controls!(FakeDtr);

impl FakeDtr {
    /// Starts an empty fake of `version` on `127.0.0.1`, on a free port.
    pub async fn start(version: DtrVersion) -> std::io::Result<Self> {
        Self::bind(SocketAddr::from(([127, 0, 0, 1], 0)), version).await
    }

    /// Starts an empty fake of `version` on `addr` (port 0 for a free one).
    pub async fn bind(addr: SocketAddr, version: DtrVersion) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .user_agent(DELIVERY_USER_AGENT)
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(DtrState {
                version,
                users: BTreeMap::new(),
                orgs: BTreeMap::new(),
                repos: Vec::new(),
                webhooks: Vec::new(),
                ignore_repository_writes: false,
                delivery_timeout: Duration::from_secs(10),
                recorder: Recorder::default(),
            }),
            http,
            base_url: format!("http://{local}"),
        });
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                tracing::warn!("fake DTR stopped: {err}");
            }
        });
        Ok(Self { shared, server })
    }

    /// The server address, such as `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Switches the generation imitated from now on.
    pub fn set_version(&self, version: DtrVersion) {
        self.shared.lock().version = version;
    }

    /// Adds a user who signs in with basic auth `name:token`; `admin` makes a DTR admin.
    pub fn add_user(&self, name: &str, token: &str, admin: bool) {
        self.shared.lock().users.insert(
            name.to_owned(),
            User {
                id: uuid::Uuid::new_v4().to_string(),
                token: token.to_owned(),
                admin,
            },
        );
    }

    /// Adds an organization: `admins` administer its repositories, `members` read them.
    pub fn add_org(&self, name: &str, admins: &[&str], members: &[&str]) {
        self.shared.lock().orgs.insert(
            name.to_owned(),
            Org {
                id: uuid::Uuid::new_v4().to_string(),
                admins: admins.iter().map(|s| (*s).to_owned()).collect(),
                members: members.iter().map(|s| (*s).to_owned()).collect(),
            },
        );
    }

    /// Adds a repository with tags (listed in this order); `public` ones are visible to all.
    pub fn add_repo(&self, namespace: &str, name: &str, public: bool, tags: &[&str]) {
        self.shared
            .lock()
            .repos
            .push(Repo::new(namespace, name, public, tags));
    }

    /// While `on`, creating, updating and deleting repositories answer exactly as on success
    /// but change nothing, so a test can prove that a client reads a mutation back instead of
    /// trusting the answer.
    pub fn ignore_repository_writes(&self, on: bool) {
        self.shared.lock().ignore_repository_writes = on;
    }

    /// A repository as its single-repository GET shows it (with `longDescription`), or `None`
    /// when there is no such repository.
    pub fn repository(&self, namespace: &str, name: &str) -> Option<Value> {
        let state = self.shared.lock();
        state
            .repo(namespace, name)
            .map(|r| state.repo_json(r, true))
    }

    /// How long a receiver may take before the delivery fails (10 s by default).
    pub fn set_delivery_timeout(&self, timeout: Duration) {
        self.shared.lock().delivery_timeout = timeout;
    }

    /// Every webhook, as the API returns them.
    pub fn webhooks(&self) -> Vec<Value> {
        self.shared
            .lock()
            .webhooks
            .iter()
            .map(Webhook::to_json)
            .collect()
    }

    /// Fires `webhook_type` on a repository: every active webhook of that type whose key is the
    /// repository, its namespace (for `REPO_EVENT`) or empty (global) gets the sample.
    pub async fn simulate_event(
        &self,
        namespace: &str,
        repository: &str,
        webhook_type: &str,
    ) -> Result<Vec<Delivery>, FakeDtrError> {
        simulate(self.shared.clone(), namespace, repository, webhook_type).await
    }
}

async fn simulate(
    shared: Arc<Shared>,
    namespace: &str,
    repository: &str,
    webhook_type: &str,
) -> Result<Vec<Delivery>, FakeDtrError> {
    if !WEBHOOK_TYPES.contains(&webhook_type) {
        return Err(FakeDtrError::UnknownType(webhook_type.to_owned()));
    }
    let repo_key = format!("{namespace}/{repository}");
    let targets: Vec<(String, String)> = {
        let state = shared.lock();
        if state.repo(namespace, repository).is_none() {
            return Err(FakeDtrError::UnknownRepository(repo_key));
        }
        state
            .webhooks
            .iter()
            .filter(|w| w.kind == webhook_type && !w.inactive)
            .filter(|w| w.key.is_empty() || w.key == repo_key || w.key == namespace)
            .map(|w| (w.id.clone(), w.endpoint.clone()))
            .collect()
    };
    let mut payload = sample_payload(webhook_type);
    if let Some(contents) = payload.get_mut("contents").and_then(Value::as_object_mut) {
        if contents.contains_key("namespace") {
            contents.insert("namespace".into(), j!(namespace));
        }
        if contents.contains_key("repository") {
            contents.insert("repository".into(), j!(repository));
        }
    }
    let mut made = Vec::new();
    for (id, endpoint) in targets {
        made.push(deliver(&shared, &id, webhook_type, &endpoint, &payload).await);
    }
    Ok(made)
}

/// DTR's sample delivery of `webhook_type` (the shared samples': the documented wrapper, or an
/// empty `contents` for the undocumented types).
pub fn sample_payload(webhook_type: &str) -> Value {
    inbox::samples::dtr_payload(&registry::dtr::DtrWebhookType::from_name(webhook_type))
}

/// One delivery attempt (DTR's retry policy is undocumented, so there are none).
async fn deliver(
    shared: &Arc<Shared>,
    id: &str,
    webhook_type: &str,
    endpoint: &str,
    payload: &Value,
) -> Delivery {
    let timeout = shared.lock().delivery_timeout;
    let result = shared
        .http
        .post(endpoint)
        .headers(delivery_headers(&inbox::samples::DTR_HEADERS))
        .timeout(timeout)
        .body(payload.to_string())
        .send()
        .await;
    let (status, error) = match result {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(err) if err.is_timeout() => (None, Some("timed out".to_owned())),
        Err(err) if err.is_connect() => (None, Some("connection failed".to_owned())),
        Err(_) => (None, Some("request failed".to_owned())),
    };
    let delivery = Delivery {
        subscription_id: id.to_owned(),
        event: webhook_type.to_owned(),
        url: endpoint.to_owned(),
        status,
        error,
    };
    let mut state = shared.lock();
    if delivery.succeeded() {
        if let Some(w) = state.webhooks.iter_mut().find(|w| w.id == id) {
            w.last_successful_at = rfc3339_now();
        }
    }
    state.recorder.deliveries.push(delivery.clone());
    delivery
}

/// The `{"errors":[…]}` envelope.
fn dtr_error(status: StatusCode, code: &str, message: &str, detail: Option<Value>) -> Response {
    let mut error = j!({"code": code, "message": message});
    if let Some(detail) = detail {
        error["detail"] = detail;
    }
    json(status, j!({ "errors": [error] }))
}

fn not_authenticated() -> Response {
    dtr_error(
        StatusCode::UNAUTHORIZED,
        "NOT_AUTHENTICATED",
        "The client is not authenticated.",
        None,
    )
}

fn not_authorized() -> Response {
    dtr_error(
        StatusCode::FORBIDDEN,
        "NOT_AUTHORIZED",
        "The client is not authorized.",
        None,
    )
}

fn no_account(name: &str) -> Response {
    dtr_error(
        StatusCode::NOT_FOUND,
        "NO_SUCH_ACCOUNT",
        "An account with the given name does not exist.",
        Some(j!(format!("Account name: {name:?}."))),
    )
}

fn no_repository(namespace: &str, name: &str) -> Response {
    dtr_error(
        StatusCode::NOT_FOUND,
        "NO_SUCH_REPOSITORY",
        "A repository with the given name does not exist.",
        Some(j!(format!("Repository name: \"{namespace}/{name}\"."))),
    )
}

fn no_webhook() -> Response {
    dtr_error(
        StatusCode::NOT_FOUND,
        "NO_SUCH_WEBHOOK",
        "A webhook with the given ID does not exist.",
        None,
    )
}

fn invalid_json(detail: &str) -> Response {
    dtr_error(
        StatusCode::BAD_REQUEST,
        "INVALID_JSON",
        "Unable to parse JSON.",
        Some(j!(detail)),
    )
}

fn not_allowed() -> Response {
    dtr_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "NOT_ALLOWED",
        "Method not allowed.",
        None,
    )
}

fn no_route() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "404 page not found\n",
    )
        .into_response()
}

/// One page of `items` (each with its cursor key) from `start`, with the next page's key.
fn page(
    items: Vec<(String, Value)>,
    start: Option<&str>,
    size: usize,
) -> (Vec<Value>, Option<String>) {
    let from = start
        .and_then(|s| items.iter().position(|(k, _)| k == s))
        .unwrap_or(0);
    let next = items.get(from + size).map(|(k, _)| k.clone());
    let values = items
        .into_iter()
        .skip(from)
        .take(size)
        .map(|(_, v)| v)
        .collect();
    (values, next)
}

fn paged(status: StatusCode, body: Value, next: Option<String>) -> Response {
    let mut response = json(status, body);
    if let Some(next) = next.and_then(|n| header::HeaderValue::from_str(&n).ok()) {
        response.headers_mut().insert("X-Next-Page-Start", next);
    }
    response
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
    let (fault, latency) = shared
        .lock()
        .recorder
        .answer(&method, &path, &query, &headers);
    if let Some(response) = fault_prelude(fault, latency).await {
        return response;
    }
    let response = match api(&shared, &method, &path, &query, &headers, &body) {
        Route::Done(response) => response,
        Route::Test { kind, endpoint } => {
            let payload = sample_payload(&kind);
            deliver(&shared, "test", &kind, &endpoint, &payload).await;
            StatusCode::OK.into_response()
        }
    };
    apply_body_fault(fault, response).await
}

enum Route {
    Done(Response),
    Test { kind: String, endpoint: String },
}

impl From<Response> for Route {
    fn from(response: Response) -> Self {
        Route::Done(response)
    }
}

fn api(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Route {
    let mut state = shared.lock();
    // Failed basic auth falls back to anonymous.
    let user = header_text(headers, "authorization")
        .and_then(|v| decode_basic(&v))
        .filter(|(name, token)| state.users.get(name).is_some_and(|u| &u.token == token))
        .map(|(name, _)| name);
    let user = user.as_deref();
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let page_size = query_param(query, "pageSize")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(10);
    let page_start = query_param(query, "pageStart");
    let get = *method == Method::GET;

    match segments.as_slice() {
        ["enzi", "v0", "accounts", rest @ ..] if get => {
            if user.is_none() {
                return (
                    StatusCode::FOUND,
                    [(header::LOCATION, "/api/v0/openid/begin")],
                )
                    .into_response()
                    .into();
            }
            match rest {
                [name] => enzi_account(&state, name).into(),
                [name, "organizations"] => {
                    if user != Some(*name) && !state.is_admin(user) {
                        return not_authorized().into();
                    }
                    let orgs: Vec<(String, Value)> = state
                        .orgs
                        .iter()
                        .filter(|(_, o)| o.admins.contains(*name) || o.members.contains(*name))
                        .map(|(org_name, o)| {
                            (
                                org_name.clone(),
                                j!({"org": {"name": org_name, "id": o.id, "fullName": "", "isOrg": true},
                                    "isAdmin": o.admins.contains(*name), "isPublic": false}),
                            )
                        })
                        .collect();
                    let limit = query_param(query, "limit")
                        .and_then(|v| v.parse().ok())
                        .filter(|s| *s > 0)
                        .unwrap_or(10);
                    let (list, next) = page(orgs, query_param(query, "start").as_deref(), limit);
                    let body =
                        j!({"memberOrgs": list, "nextPageStart": next.clone().unwrap_or_default()});
                    paged(StatusCode::OK, body, next).into()
                }
                _ => no_route().into(),
            }
        }
        ["api", "v0", "openid", "begin"] => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<html><body>Sign in</body></html>",
        )
            .into_response()
            .into(),
        ["api", "v0", "accounts", name, "settings"] if get => {
            if !state.account_exists(name) {
                return no_account(name).into();
            }
            match user {
                None => not_authenticated().into(),
                Some(u) if u == *name || state.is_admin(user) => {
                    json(StatusCode::OK, j!({"ContentCacheUUID": ""})).into()
                }
                Some(_) => not_authorized().into(),
            }
        }
        ["api", "v0", "accounts", ns, "webhooks"] if get => {
            if !state.account_exists(ns) {
                return no_account(ns).into();
            }
            if user.is_none() {
                return not_authenticated().into();
            }
            if state.namespace_role(user, ns) < Role::Admin {
                return not_authorized().into();
            }
            let list: Vec<Value> = state
                .webhooks
                .iter()
                .filter(|w| w.key == *ns)
                .map(Webhook::to_json)
                .collect();
            json(StatusCode::OK, j!(list)).into()
        }
        ["api", "v0", "repositories"] if get => {
            let items: Vec<(String, Value)> = state
                .repos
                .iter()
                .filter(|r| state.repo_role(user, r) >= Role::Read)
                .map(|r| (r.id.clone(), state.repo_json(r, false)))
                .collect();
            let (list, next) = page(items, page_start.as_deref(), page_size);
            paged(StatusCode::OK, j!({ "repositories": list }), next).into()
        }
        ["api", "v0", "repositories", ns] if get => {
            if !state.account_exists(ns) {
                return no_account(ns).into();
            }
            let items: Vec<(String, Value)> = state
                .repos
                .iter()
                .filter(|r| r.namespace == *ns && state.repo_role(user, r) >= Role::Read)
                .map(|r| (r.id.clone(), state.repo_json(r, false)))
                .collect();
            let (list, next) = page(items, page_start.as_deref(), page_size);
            paged(StatusCode::OK, j!({ "repositories": list }), next).into()
        }
        ["api", "v0", "repositories", ns, name, rest @ ..] if get => {
            let Some(repo) = state
                .repo(ns, name)
                .filter(|r| state.repo_role(user, r) >= Role::Read)
            else {
                return no_repository(ns, name).into();
            };
            match rest {
                [] => json(StatusCode::OK, state.repo_json(repo, true)).into(),
                ["tags"] => {
                    let items: Vec<(String, Value)> = repo
                        .tags
                        .iter()
                        .map(|t| (t.clone(), tag_json(repo, t)))
                        .collect();
                    let (list, next) = page(items, page_start.as_deref(), page_size);
                    paged(StatusCode::OK, j!(list), next).into()
                }
                ["webhooks"] => {
                    if user.is_none() {
                        return not_authenticated().into();
                    }
                    if state.repo_role(user, repo) < Role::Admin {
                        return not_authorized().into();
                    }
                    let key = format!("{ns}/{name}");
                    let list: Vec<Value> = state
                        .webhooks
                        .iter()
                        .filter(|w| w.key == key)
                        .map(Webhook::to_json)
                        .collect();
                    json(StatusCode::OK, j!(list)).into()
                }
                _ => no_route().into(),
            }
        }
        ["api", "v0", "repositories", ns] if *method == Method::POST => {
            create_repository(&mut state, user, ns, body).into()
        }
        ["api", "v0", "repositories", ns, name] if *method == Method::PATCH => {
            update_repository(&mut state, user, ns, name, body).into()
        }
        ["api", "v0", "repositories", ns, name] if *method == Method::DELETE => {
            delete_repository(&mut state, user, ns, name).into()
        }
        ["api", "v0", "webhooks"] => match *method {
            Method::GET => {
                let Some(u) = user else {
                    return not_authenticated().into();
                };
                let admin = state.is_admin(user);
                let list: Vec<Value> = state
                    .webhooks
                    .iter()
                    .filter(|w| admin || w.author == u)
                    .map(Webhook::to_json)
                    .collect();
                json(StatusCode::OK, j!(list)).into()
            }
            Method::POST => create_webhook(&mut state, user, body).into(),
            _ => not_allowed().into(),
        },
        ["api", "v0", "webhooks", "test"] if *method == Method::POST => {
            if user.is_none() {
                return not_authenticated().into();
            }
            let form: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(err) => return invalid_json(&err.to_string()).into(),
            };
            let kind = form.get("type").and_then(Value::as_str).unwrap_or_default();
            let endpoint = form
                .get("endpoint")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !WEBHOOK_TYPES.contains(&kind) {
                return invalid_json(&format!("invalid webhook type {kind:?}")).into();
            }
            if endpoint.is_empty() {
                return invalid_json("endpoint is required").into();
            }
            Route::Test {
                kind: kind.to_owned(),
                endpoint: endpoint.to_owned(),
            }
        }
        ["api", "v0", "webhooks", "update"] if *method == Method::POST => {
            if user.is_none() {
                return not_authenticated().into();
            }
            let form: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(err) => return invalid_json(&err.to_string()).into(),
            };
            let id = form.get("id").and_then(Value::as_str).unwrap_or_default();
            let Some(index) = state.webhooks.iter().position(|w| w.id == id) else {
                return no_webhook().into();
            };
            if !can_admin_key(&state, user, &state.webhooks[index].key) {
                return not_authorized().into();
            }
            let webhook = &mut state.webhooks[index];
            webhook.inactive = form
                .get("inactive")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            // Required form fields: leaving them out resets them.
            webhook.tls_cert = form
                .get("tlsCert")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            webhook.skip_tls = form
                .get("skipTLSVerification")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            json(StatusCode::OK, j!([webhook.to_json()])).into()
        }
        ["api", "v0", "webhooks", id] if *method == Method::DELETE => {
            let Some(index) = state.webhooks.iter().position(|w| w.id == *id) else {
                return no_webhook().into();
            };
            if user.is_none() {
                return not_authenticated().into();
            }
            if !can_admin_key(&state, user, &state.webhooks[index].key) {
                return not_authorized().into();
            }
            state.webhooks.remove(index);
            match state.version {
                DtrVersion::V2_6 => StatusCode::OK.into_response().into(),
                DtrVersion::V2_7 => StatusCode::NO_CONTENT.into_response().into(),
            }
        }
        ["api", "v0", ..] => not_allowed_or_missing(get).into(),
        _ => no_route().into(),
    }
}

fn not_allowed_or_missing(get: bool) -> Response {
    if get {
        no_route()
    } else {
        not_allowed()
    }
}

fn tag_json(repo: &Repo, tag: &str) -> Value {
    let digest = format!(
        "sha256:{:064x}",
        hash(format!("{}/{}:{tag}", repo.namespace, repo.name).as_bytes())
    );
    j!({"name": tag, "digest": digest, "author": "", "createdAt": "2024-03-10T17:02:44.01Z",
        "updatedAt": "2024-03-10T17:02:44.01Z", "hashMismatch": false, "inNotary": false,
        "manifest": {"digest": digest, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "size": 1024, "os": "linux", "osVersion": "", "architecture": "amd64", "author": "",
            "createdAt": "2024-03-10T17:01:58Z", "configDigest": digest,
            "configMediaType": "application/vnd.docker.container.image.v1+json", "dockerfile": []},
        "repository": format!("{}/{}", repo.namespace, repo.name)})
}

fn enzi_account(state: &DtrState, name: &str) -> Response {
    if let Some(u) = state.users.get(name) {
        return json(
            StatusCode::OK,
            j!({"name": name, "id": u.id, "fullName": "", "isOrg": false, "isAdmin": u.admin,
                "isActive": true, "isImported": false}),
        );
    }
    if let Some(o) = state.orgs.get(name) {
        return json(
            StatusCode::OK,
            j!({"name": name, "id": o.id, "fullName": "", "isOrg": true, "isImported": false,
                "membersCount": o.admins.len() + o.members.len(), "teamsCount": 0}),
        );
    }
    no_account(name)
}

/// Whether `user` administers what a webhook `key` names (a DTR admin for the empty key).
fn can_admin_key(state: &DtrState, user: Option<&str>, key: &str) -> bool {
    match key.split_once('/') {
        _ if key.is_empty() => state.is_admin(user),
        Some((ns, name)) => state
            .repo(ns, name)
            .is_some_and(|r| state.repo_role(user, r) == Role::Admin),
        None => state.namespace_role(user, key) == Role::Admin,
    }
}

fn create_webhook(state: &mut DtrState, user: Option<&str>, body: &Bytes) -> Response {
    let Some(author) = user else {
        return not_authenticated();
    };
    let form: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(err) => return invalid_json(&err.to_string()),
    };
    let text = |k: &str| {
        form.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (kind, key, endpoint) = (text("type"), text("key"), text("endpoint"));
    let skip_tls = form
        .get("skipTLSVerification")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !WEBHOOK_TYPES.contains(&kind.as_str()) {
        return invalid_json(&format!("invalid webhook type {kind:?}"));
    }
    if endpoint.is_empty() {
        return invalid_json("endpoint is required");
    }
    if endpoint.to_ascii_lowercase().starts_with("http://") && !skip_tls {
        return invalid_json("skipTLSVerification must be true for an http endpoint");
    }
    match key.split_once('/') {
        _ if key.is_empty() => {}
        Some((ns, name)) if state.repo(ns, name).is_none() => return no_repository(ns, name),
        None if !state.account_exists(&key) => return no_account(&key),
        _ => {}
    }
    if !can_admin_key(state, user, &key) {
        return not_authorized();
    }
    let webhook = Webhook {
        id: format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ),
        kind,
        key,
        endpoint,
        author: author.to_owned(),
        author_id: state
            .users
            .get(author)
            .map(|u| u.id.clone())
            .unwrap_or_default(),
        created_at: rfc3339_now(),
        last_successful_at: NEVER.to_owned(),
        inactive: false,
        tls_cert: text("tlsCert"),
        skip_tls,
    };
    let out = webhook.to_json();
    state.webhooks.push(webhook);
    match state.version {
        DtrVersion::V2_6 => json(StatusCode::OK, j!([out])),
        DtrVersion::V2_7 => json(StatusCode::CREATED, out),
    }
}

mod repos;
use repos::*;

/// The `/__fake/` routes the binaries use to drive the fake over HTTP.
async fn control(
    shared: Arc<Shared>,
    method: &Method,
    rest: &str,
    query: &str,
    body: &Bytes,
) -> Response {
    match (method.as_str(), rest) {
        ("GET", "requests") => json(StatusCode::OK, j!(shared.lock().recorder.requests)),
        ("GET", "deliveries") => json(StatusCode::OK, j!(shared.lock().recorder.deliveries)),
        ("POST", "ignore-repository-writes") => {
            let on = query_param(query, "on").is_none_or(|v| v != "false" && v != "0");
            shared.lock().ignore_repository_writes = on;
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "simulate") => {
            let (Some(ns), Some(repo), Some(kind)) = (
                query_param(query, "namespace"),
                query_param(query, "repository"),
                query_param(query, "type"),
            ) else {
                return json(
                    StatusCode::BAD_REQUEST,
                    j!({"error": "namespace, repository and type are required"}),
                );
            };
            match simulate(shared, &ns, &repo, &kind).await {
                Ok(made) => json(StatusCode::OK, j!(made)),
                Err(err) => json(StatusCode::NOT_FOUND, j!({"error": err.to_string()})),
            }
        }
        _ => {
            let mut state = shared.lock();
            fault_control(
                &mut state.recorder.faults,
                method.as_str(),
                rest,
                query,
                body,
            )
            .unwrap_or_else(|| {
                json(
                    StatusCode::NOT_FOUND,
                    j!({"error": "unknown fake control route"}),
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_the_cursor_and_end_without_one() {
        let items: Vec<(String, Value)> = (0..5).map(|i| (format!("k{i}"), j!(i))).collect();
        assert_eq!(
            page(items.clone(), None, 2),
            (vec![j!(0), j!(1)], Some("k2".into()))
        );
        assert_eq!(page(items.clone(), Some("k4"), 2), (vec![j!(4)], None));
        assert_eq!(page(items, Some("bogus"), 5).1, None);
    }

    #[test]
    fn samples_are_the_fixture_wrappers() {
        let tag_push = sample_payload("TAG_PUSH");
        assert_eq!(tag_push["type"], "TAG_PUSH");
        assert!(tag_push["location"].is_string());
        assert_eq!(sample_payload("TAG_PULL")["contents"], j!({}));
    }
}
