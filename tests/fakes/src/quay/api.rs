//! The HTTP API: routing, callers and their roles, and every route Wharf uses.

use super::*;
use crate::common::fault_prelude;

pub(super) fn server_error_page() -> Response {
    html_status(500)
}

pub(super) async fn handle(
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
    if path == "/config" && method == Method::GET {
        // Public, like Quay's: the UI's configuration with its feature flags.
        let features = shared.lock().features.clone();
        return json(
            StatusCode::OK,
            j!({"features": features, "config": {"REGISTRY_TITLE": "Fake Quay"}}),
        );
    }
    let response = api(&shared, &method, &path, &query, &headers, &body);
    apply_body_fault(fault, response).await
}

pub(super) fn caller(state: &QuayState, headers: &HeaderMap) -> Option<Caller> {
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

/// An admin of the organization `namespace` whose token carries `repo:admin`.
fn organization_admin(state: &QuayState, who: Option<&Caller>, namespace: &str) -> bool {
    who.is_some_and(|c| {
        c.scopes.contains(&Scope::RepoAdmin)
            && state
                .orgs
                .get(namespace)
                .is_some_and(|o| o.is_admin(&c.user))
    })
}

pub(super) fn looks_like_browser(user_agent: &str) -> bool {
    [
        "Mozilla", "Chrome", "Safari", "Firefox", "WebKit", "Opera", "MSIE",
    ]
    .iter()
    .any(|b| user_agent.contains(b))
}

pub(super) enum RepoRoute {
    Detail,
    ChangeVisibility,
    Tags,
    Notifications,
    Notification(String),
    Test(String),
    AuthorizedEmail(String),
}

pub(super) fn split_repo_path(rest: &str) -> (&str, RepoRoute) {
    if let Some(r) = rest.strip_suffix("/changevisibility") {
        // `ns/changevisibility` is the detail route of a repository of that name.
        if r.contains('/') {
            return (r, RepoRoute::ChangeVisibility);
        }
    }
    if let Some(r) = rest.strip_suffix("/tag/") {
        return (r, RepoRoute::Tags);
    }
    if let Some(r) = rest.strip_suffix("/notification/") {
        return (r, RepoRoute::Notifications);
    }
    if let Some((r, email)) = rest.rsplit_once("/authorizedemail/") {
        if !email.is_empty() && !email.contains('/') {
            return (r, RepoRoute::AuthorizedEmail(email.to_owned()));
        }
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

pub(super) fn api(
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
    let unauthorized = |who: &Option<Caller>| deny(base, who.as_ref());

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
                // Membership comes from the database; the rights from the token's scopes, and
                // Quay adds `is_org_admin` only for a token that may administer the user.
                let role = o.scoped_role(&c);
                let mut view = j!({"name": name, "avatar": avatar(name, "org"),
                    "can_create_repo": role >= Some(TeamRole::Creator), "public": false});
                if c.scopes.contains(&Scope::UserAdmin) {
                    view["is_org_admin"] = j!(role == Some(TeamRole::Admin));
                    view["preferred_namespace"] = j!(false);
                }
                view
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
        let role = who.as_ref().and_then(|c| org.scoped_role(c));
        let is_admin = role == Some(TeamRole::Admin);
        let is_member = role.is_some();
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
        return match (method.as_str(), &who) {
            ("GET", _) => list_repositories(&mut state, who.as_ref(), query),
            ("POST", Some(c)) => create_repository(&mut state, base, c, headers, body),
            _ => method_not_allowed(),
        };
    }

    let Some(rest) = rest.strip_prefix("repository/") else {
        return not_found_route();
    };
    let (repo_path, route) = match split_repo_path(rest) {
        // Only POST goes to `changevisibility`; Flask routes the other methods to the detail
        // of a nested repository whose name ends in it.
        (_, RepoRoute::ChangeVisibility) if *method != Method::POST => (rest, RepoRoute::Detail),
        split => split,
    };
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
        RepoRoute::Detail => {
            let needed = match *method {
                Method::GET => Role::Read,
                // Quay's `require_repo_write`.
                Method::PUT => Role::Write,
                Method::DELETE => Role::Admin,
                _ => return method_not_allowed(),
            };
            if role < needed {
                return unauthorized(&who);
            }
            match *method {
                Method::PUT => {
                    update_description(&mut state, base, &namespace, &name, headers, body)
                }
                Method::DELETE => delete_repository(&mut state, &namespace, &name),
                _ => match state.repo(&namespace, &name) {
                    Some(repo) => repository_detail(&state, repo, role, who.is_some(), query),
                    None => unauthorized(&who),
                },
            }
        }
        RepoRoute::Tags if *method != Method::GET => method_not_allowed(),
        RepoRoute::Tags if role < Role::Read => unauthorized(&who),
        RepoRoute::Tags => {
            let Some(repo) = state.repo(&namespace, &name) else {
                return unauthorized(&who);
            };
            list_tags(repo, query)
        }
        RepoRoute::ChangeVisibility if *method != Method::POST => method_not_allowed(),
        // An organization admin holds admin on every repository name of the organization, so
        // the permission check passes for one that does not exist and the insert fails: Quay's
        // HTML 500.
        RepoRoute::Notifications
            if *method == Method::POST
                && state.repo(&namespace, &name).is_none()
                && organization_admin(&state, who.as_ref(), &namespace) =>
        {
            server_error_page()
        }
        _ if role < Role::Admin => unauthorized(&who),
        RepoRoute::ChangeVisibility => {
            change_visibility(&mut state, base, &namespace, &name, headers, body)
        }
        RepoRoute::AuthorizedEmail(email) => {
            let key = (namespace.clone(), name.clone(), percent_decode(&email));
            let answer = |confirmed: bool| {
                j!({"email": key.2, "repository": name, "namespace": namespace,
                    "confirmed": confirmed})
            };
            match *method {
                Method::GET => match state.authorized_emails.get(&key) {
                    Some(confirmed) => json(StatusCode::OK, answer(*confirmed)),
                    None => api_error(base, StatusCode::NOT_FOUND, "not_found", "Not Found"),
                },
                // Records the address and mails the confirmation link, unless already confirmed.
                Method::POST => {
                    let confirmed = *state.authorized_emails.entry(key.clone()).or_insert(false);
                    if !confirmed {
                        state.confirmation_mails.push(key.clone());
                    }
                    json(StatusCode::OK, answer(confirmed))
                }
                _ => method_not_allowed(),
            }
        }
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

pub(super) fn list_repositories(
    state: &mut QuayState,
    who: Option<&Caller>,
    query: &str,
) -> Response {
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
    let repo_kind = query_param(query, "repo_kind").unwrap_or_else(|| "image".to_owned());
    let now = now_epoch();
    let visible: Vec<Value> = if starred && namespace.is_none() && !public {
        // Nothing is ever starred in the fake.
        Vec::new()
    } else {
        state
            .repos
            .iter()
            .filter(|r| namespace.as_deref().is_none_or(|ns| r.namespace == ns))
            .filter(|r| r.kind == repo_kind)
            .filter(|r| state.role(who, r) >= Role::Read)
            .filter(|r| !public || namespace.is_some() || r.public)
            .map(|r| {
                let mut out = j!({"namespace": r.namespace, "name": r.name,
                    "description": r.description, "is_public": r.public, "kind": r.kind,
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

pub(super) fn repository_detail(
    state: &QuayState,
    repo: &Repo,
    role: Role,
    authenticated: bool,
    query: &str,
) -> Response {
    let tags = truthy(query_param(query, "includeTags"), true);
    let stats = truthy(query_param(query, "includeStats"), false);
    json(
        StatusCode::OK,
        detail_json(state, repo, role, authenticated, tags, stats),
    )
}

/// What `GET /repository/{repo}` shows a caller with `role`.
pub(super) fn detail_json(
    state: &QuayState,
    repo: &Repo,
    role: Role,
    authenticated: bool,
    include_tags: bool,
    include_stats: bool,
) -> Value {
    let now = now_epoch();
    let mut out = j!({"namespace": repo.namespace, "name": repo.name, "kind": repo.kind,
        "description": repo.description, "is_public": repo.public,
        "is_organization": state.orgs.contains_key(&repo.namespace),
        "is_starred": false, "status_token": if repo.public { "" } else { "fake-status-token" },
        "trust_enabled": false, "tag_expiration_s": 1_209_600, "is_free_account": true,
        "state": "NORMAL", "can_write": role >= Role::Write, "can_admin": role >= Role::Admin});
    if !authenticated {
        out["is_starred"] = j!(false);
    }
    if include_tags {
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
    if include_stats {
        out["stats"] = j!([]);
    }
    out
}

pub(super) fn list_tags(repo: &Repo, query: &str) -> Response {
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

/// A JSON request body as Flask's `get_json` reads it: 415 without a JSON content type, 400
/// when it does not parse.
pub(super) fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Box<Response>> {
    let content_type = header_text(headers, "content-type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(Box::new(message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
        )));
    }
    serde_json::from_slice(body).map_err(|_| {
        Box::new(message(
            StatusCode::BAD_REQUEST,
            "The browser (or proxy) sent a request that this server could not understand.",
        ))
    })
}

/// Quay's `Unauthorized`: 401 `invalid_token` for an anonymous caller, else 403
/// `insufficient_scope` (also what a missing repository gives).
pub(super) fn deny(base: &str, who: Option<&Caller>) -> Response {
    match who {
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
    }
}

pub(super) fn create_notification(
    state: &mut QuayState,
    base: &str,
    namespace: &str,
    name: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let parsed = match json_body(headers, body) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
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
pub(super) async fn control(
    shared: Arc<Shared>,
    method: &Method,
    rest: &str,
    query: &str,
    body: &Bytes,
) -> Response {
    match (method.as_str(), rest) {
        ("GET", "requests") => json(StatusCode::OK, j!(shared.lock().recorder.requests)),
        ("GET", "deliveries") => json(StatusCode::OK, j!(shared.lock().recorder.deliveries)),
        ("GET", "emails") => json(StatusCode::OK, j!(shared.lock().emails)),
        ("POST", "ignore-repository-writes") => {
            shared.lock().ignore_repository_writes = truthy(query_param(query, "on"), true);
            StatusCode::NO_CONTENT.into_response()
        }
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
