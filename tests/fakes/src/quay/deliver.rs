//! Delivery as Quay's notification worker runs it: skip disabled notifications, filter by the
//! event's options, run the method (webhook, Slack, e-mail, in-app, dead services), count failures.

use super::*;

/// The build events, whose `ref-regex` filters on the build's git ref.
pub(super) const BUILD_EVENTS: [&str; 5] = [
    "build_queued",
    "build_start",
    "build_success",
    "build_failure",
    "build_cancelled",
];

/// The ref of every build event's sample data in Quay.
pub(super) const SAMPLE_REF: &str = "refs/heads/somebranch";

/// Vulnerability severities by Quay's index (`eventConfig.level`): 0 is the worst.
pub(super) const PRIORITIES: [&str; 6] =
    ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"];

/// Why nothing reached a host the fake will not contact.
pub(super) const NOT_LOOPBACK: &str = "not sent: the fake only delivers to 127.0.0.0/8";

pub(super) async fn simulate(
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

/// What one attempt of a method did, as Quay's notification worker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Performed: the failure count goes back to 0.
    Done,
    /// A delivery error (or a `KeyError`): the count goes up and the attempt is retried.
    Failed,
    /// Any other exception: nothing is counted, and retrying would change nothing.
    Uncaught,
}

/// Delivers `payload` for one notification, with retries; returns the HTTP attempts made.
pub(super) async fn deliver(shared: Arc<Shared>, uuid: String, payload: Value) -> Vec<Delivery> {
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
                state.recorder.deliveries.push(delivery.clone());
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
pub(super) async fn perform(
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
pub(super) fn in_app(state: &mut QuayState, n: &Notification, payload: &Value) -> Outcome {
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
pub(super) fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().and_then(|h| h.parse::<Ipv4Addr>().ok()))
        .is_some_and(|ip| ip.is_loopback())
}

/// POSTs `body` as JSON, like Quay's `requests.post`; anything but a loopback URL is refused.
pub(super) async fn post(
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
            .headers(crate::common::delivery_headers(
                &inbox::samples::QUAY_HEADERS,
            ))
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
