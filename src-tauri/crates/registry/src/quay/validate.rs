//! Checks made before anything is sent to Quay, and the request bodies they produce.
//!
//! [`CreateNotificationRequest`] can only be built by [`validate_create`], so the client cannot
//! send an unchecked body. The rules mirror Quay's own method validators (so the person hears
//! about a mistake before a round trip), and add the cases where Quay would answer a useless 500
//! instead of a 400: unknown event or method names (impossible here by construction), a webhook
//! URL without a host, an organization target other than the repository's namespace. Messages
//! never quote URLs, tokens or templates: they are secrets in practice.

use super::models::{
    QuayEventSpec, QuayMethod, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef, QuayTarget,
    QuayTargetKind,
};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::fmt;

/// Longest title Quay's database column holds.
pub const MAX_TITLE_CHARS: usize = 255;
/// Longest expiry window Wharf accepts, ten years. Quay sets no limit, but huge values make its
/// expiry scan overflow Python's dates.
pub const MAX_EXPIRY_DAYS: u32 = 3650;
/// Largest page size of the tag list.
pub const MAX_TAG_PAGE_SIZE: u32 = 100;

/// Why a request was refused before sending it. [`QuayValidationError::field`] names the draft
/// field to highlight.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuayValidationError {
    /// Title over 255 characters.
    #[error("The title is {0} characters long; Quay stores at most 255.")]
    TitleTooLong(usize),
    /// A ref regex Python cannot compile; Quay would accept it and never notify.
    #[error("The git ref filter is not a valid regular expression ({0}). Quay would accept it but never notify. Example: refs/heads/main or (refs/heads/main)|(refs/tags/v.*).")]
    InvalidRefRegex(&'static str),
    /// `days` of 0 or more than ten years.
    #[error("The number of days before expiry must be from 1 to 3650; {0} is not.")]
    ExpiryDaysOutOfRange(u32),
    /// Webhook or Slack URL left empty.
    #[error("Enter the {0} URL.")]
    MissingUrl(&'static str),
    /// A URL Quay cannot deliver to.
    #[error("The {label} URL must be a full http:// or https:// address, such as https://hooks.example.com/quay: {reason}.")]
    InvalidUrl {
        /// `webhook` or `Slack webhook`.
        label: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A URL whose host is `localhost` or `127.0.0.1`, which Quay refuses.
    #[error("Quay refuses webhook URLs on localhost and 127.0.0.1 (it delivers from its own server, so they would point at the Quay server, not at this computer). Use an address the Quay server can reach, such as this computer's network address or a tunnel.")]
    LoopbackUrl,
    /// The template is not JSON.
    #[error("The webhook body template must be a JSON document, such as {{\"text\": \"${{repository}} was pushed\"}}, or empty to send the event itself: {0}.")]
    TemplateNotJson(String),
    /// `${}` in the template.
    #[error("The webhook body template contains an empty ${{}} expression; put a path inside, such as ${{repository}} or ${{updated_tags[0]}}.")]
    TemplateEmptyExpression,
    /// E-mail left empty.
    #[error("Enter the e-mail address to notify.")]
    MissingEmail,
    /// Not an e-mail address.
    #[error("The e-mail address is not valid: {0}.")]
    InvalidEmail(&'static str),
    /// Quay-notification target without a name.
    #[error("Choose the user, team or organization to notify.")]
    MissingTargetName,
    /// A name that cannot be a Quay user, team or organization.
    #[error("\"{0}\" is not a valid Quay user, team or organization name: it contains spaces, \"/\" or control characters.")]
    InvalidTargetName(String),
    /// A robot account as target; Quay treats robots as unknown users.
    #[error("\"{0}\" is a robot account; robots cannot receive Quay notifications. Choose a person, a team or the organization.")]
    RobotTarget(String),
    /// An organization other than the repository's own (Quay answers 500).
    #[error("Quay can only notify the organization that owns the repository (\"{namespace}\"), not \"{org}\". Choose \"{namespace}\", or a team or user.")]
    OrgTargetMismatch {
        /// The organization asked for.
        org: String,
        /// The repository's namespace.
        namespace: String,
    },
    /// Flowdock token left empty.
    #[error("Enter the Flowdock flow API token.")]
    MissingFlowdockToken,
    /// HipChat room left empty.
    #[error("Enter the HipChat room ID.")]
    MissingHipchatRoom,
    /// HipChat room not a number.
    #[error("The HipChat room ID must be a number, such as 1234567.")]
    InvalidHipchatRoom,
    /// HipChat token left empty.
    #[error("Enter the HipChat room notification token.")]
    MissingHipchatToken,
    /// A namespace that cannot be one.
    #[error("\"{name}\" is not a valid namespace: {reason}.")]
    InvalidNamespace {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A repository name that cannot be one.
    #[error("\"{name}\" is not a valid repository name: {reason}.")]
    InvalidRepository {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A notification UUID that is not one.
    #[error("The notification ID is not a UUID such as 0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10; reload the notification list and try again.")]
    InvalidUuid,
    /// Page 0.
    #[error("Page numbers start at 1.")]
    InvalidPage,
    /// Tag page size outside 1..=100.
    #[error("A tag page holds 1 to 100 tags; {0} is not allowed.")]
    InvalidPageSize(u32),
    /// A server address that cannot be used.
    #[error("The Quay address must be like https://quay.io or https://quay.example.com: {0}.")]
    InvalidServerUrl(&'static str),
    /// No token given.
    #[error("Enter the OAuth access token generated in Quay (Organization, Applications, your application, Generate Token).")]
    MissingToken,
    /// A token that cannot go into a header.
    #[error("The token contains spaces or characters a Quay token never has; copy it again without surrounding text.")]
    MalformedToken,
}

impl QuayValidationError {
    /// The draft field at fault, by its name in the draft the UI sends (`title`,
    /// `event.refRegex`, `method.url`…), or the request part for non-draft checks.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TitleTooLong(_) => "title",
            Self::InvalidRefRegex(_) => "event.refRegex",
            Self::ExpiryDaysOutOfRange(_) => "event.days",
            Self::MissingUrl(_) | Self::InvalidUrl { .. } | Self::LoopbackUrl => "method.url",
            Self::TemplateNotJson(_) | Self::TemplateEmptyExpression => "method.template",
            Self::MissingEmail | Self::InvalidEmail(_) => "method.email",
            Self::MissingTargetName
            | Self::InvalidTargetName(_)
            | Self::RobotTarget(_)
            | Self::OrgTargetMismatch { .. } => "method.target",
            Self::MissingFlowdockToken => "method.flowApiToken",
            Self::MissingHipchatRoom | Self::InvalidHipchatRoom => "method.roomId",
            Self::MissingHipchatToken => "method.notificationToken",
            Self::InvalidNamespace { .. } => "namespace",
            Self::InvalidRepository { .. } => "repository",
            Self::InvalidUuid => "uuid",
            Self::InvalidPage => "page",
            Self::InvalidPageSize(_) => "limit",
            Self::InvalidServerUrl(_) => "server",
            Self::MissingToken | Self::MalformedToken => "token",
        }
    }
}

/// The body of `POST /api/v1/repository/{repo}/notification/`: `eventConfig` in camelCase
/// (Quay ignores `event_config` here) and no `title` key when there is no title (Quay refuses
/// `null`). `Debug` hides `config`, which holds secrets.
#[derive(Clone, PartialEq, Serialize)]
pub struct CreateNotificationRequest {
    event: super::models::QuayEvent,
    method: QuayMethod,
    config: Value,
    #[serde(rename = "eventConfig")]
    event_config: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

impl CreateNotificationRequest {
    /// The event.
    pub fn event(&self) -> &super::models::QuayEvent {
        &self.event
    }
    /// The method.
    pub fn method(&self) -> &QuayMethod {
        &self.method
    }
    /// The trimmed title, if any.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// The `eventConfig` object.
    pub fn event_config(&self) -> &Value {
        &self.event_config
    }
}

impl fmt::Debug for CreateNotificationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateNotificationRequest")
            .field("event", &self.event)
            .field("method", &self.method)
            .field("config", &"<hidden>")
            .field("event_config", &self.event_config)
            .field("title", &self.title)
            .finish()
    }
}

/// Checks a new notification for `repo` and builds its request body.
pub fn validate_create(
    repo: &QuayRepoRef,
    draft: &QuayNotificationDraft,
) -> Result<CreateNotificationRequest, QuayValidationError> {
    validate_repo_ref(repo)?;
    let title = draft.title.trim();
    let title_chars = title.chars().count();
    if title_chars > MAX_TITLE_CHARS {
        return Err(QuayValidationError::TitleTooLong(title_chars));
    }
    Ok(CreateNotificationRequest {
        event: draft.event.event(),
        method: draft.method.method(),
        config: method_config(repo, &draft.method)?,
        event_config: event_config(&draft.event)?,
        title: (!title.is_empty()).then(|| title.to_owned()),
    })
}

/// The `eventConfig` object for an event.
pub fn event_config(spec: &QuayEventSpec) -> Result<Value, QuayValidationError> {
    Ok(match spec {
        QuayEventSpec::BuildQueued { ref_regex }
        | QuayEventSpec::BuildStart { ref_regex }
        | QuayEventSpec::BuildSuccess { ref_regex }
        | QuayEventSpec::BuildFailure { ref_regex }
        | QuayEventSpec::BuildCancelled { ref_regex } => {
            let ref_regex = ref_regex.trim();
            if ref_regex.is_empty() {
                json!({})
            } else {
                check_python_regex(ref_regex).map_err(QuayValidationError::InvalidRefRegex)?;
                json!({ "ref-regex": ref_regex })
            }
        }
        // Quay filters on `level` (an index) for new scan results but on
        // `vulnerability.priority` (a name) for Clair update notices, which default to Critical
        // only: both keys are needed for the level to hold everywhere.
        QuayEventSpec::VulnerabilityFound { level } => json!({
            "level": level.index().to_string(),
            "vulnerability": { "priority": level.name() },
        }),
        QuayEventSpec::RepoImageExpiry { days } => {
            if !(1..=MAX_EXPIRY_DAYS).contains(days) {
                return Err(QuayValidationError::ExpiryDaysOutOfRange(*days));
            }
            // A JSON number: the expiry scan breaks on the string "7".
            json!({ "days": days })
        }
        QuayEventSpec::RepoPush
        | QuayEventSpec::RepoMirrorSyncStarted
        | QuayEventSpec::RepoMirrorSyncSuccess
        | QuayEventSpec::RepoMirrorSyncFailed
        | QuayEventSpec::QuotaWarning
        | QuayEventSpec::QuotaError => json!({}),
    })
}

/// The `config` object for a method. `repo` is needed because an organization target must be
/// the repository's own namespace.
pub fn method_config(
    repo: &QuayRepoRef,
    spec: &QuayMethodSpec,
) -> Result<Value, QuayValidationError> {
    use QuayValidationError as E;
    Ok(match spec {
        QuayMethodSpec::Webhook { url, template } => {
            let mut config = Map::new();
            config.insert("url".into(), check_url(url, "webhook")?.into());
            let template = template.trim();
            if !template.is_empty() {
                check_template(template)?;
                // A string holding JSON: Quay answers 500 for a template sent as an object.
                config.insert("template".into(), template.into());
            }
            Value::Object(config)
        }
        QuayMethodSpec::Slack { url } => json!({ "url": check_url(url, "Slack webhook")? }),
        QuayMethodSpec::Email { email } => json!({ "email": check_email(email)? }),
        QuayMethodSpec::QuayNotification { target } => {
            let target = check_target(repo, target)?;
            json!({ "target": { "kind": target.kind, "name": target.name } })
        }
        QuayMethodSpec::Flowdock { flow_api_token } => {
            let token = flow_api_token.trim();
            if token.is_empty() {
                return Err(E::MissingFlowdockToken);
            }
            json!({ "flow_api_token": token })
        }
        QuayMethodSpec::Hipchat {
            room_id,
            notification_token,
        } => {
            let room_id = room_id.trim();
            if room_id.is_empty() {
                return Err(E::MissingHipchatRoom);
            }
            if !room_id.chars().all(|c| c.is_ascii_digit()) {
                return Err(E::InvalidHipchatRoom);
            }
            let token = notification_token.trim();
            if token.is_empty() {
                return Err(E::MissingHipchatToken);
            }
            json!({ "room_id": room_id, "notification_token": token })
        }
    })
}

/// Checks a webhook or Slack URL and returns it trimmed. Like Quay: http or https only, and
/// never localhost or 127.0.0.1. Beyond Quay: a host is required (Quay answers 500 without
/// one). Other loopback addresses pass, as they do on Quay: a Quay on this machine reaches them.
pub fn check_url(url: &str, label: &'static str) -> Result<String, QuayValidationError> {
    let invalid = |reason| QuayValidationError::InvalidUrl { label, reason };
    let url = url.trim();
    if url.is_empty() {
        return Err(QuayValidationError::MissingUrl(label));
    }
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"))
        .ok_or_else(|| invalid("it must start with https:// or http://"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("it contains spaces or control characters"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) =
        split_host_port(host_port).ok_or_else(|| invalid("the IPv6 address is malformed"))?;
    if host.is_empty() {
        return Err(invalid("the server name is missing"));
    }
    if let Some(port) = port {
        if !port.parse::<u16>().is_ok_and(|p| p != 0) {
            return Err(invalid("the port must be a number from 1 to 65535"));
        }
    }
    if is_refused_host(host) {
        return Err(QuayValidationError::LoopbackUrl);
    }
    Ok(url.to_owned())
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

fn split_host_port(host_port: &str) -> Option<(&str, Option<&str>)> {
    if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    Some(match host_port.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    })
}

/// Quay compares the URL's host name with exactly these two.
fn is_refused_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host == "127.0.0.1"
}

/// Checks a webhook template the way Quay does at creation: it must parse as JSON, and each
/// `${…}` must hold an expression. JSONPath syntax inside is left to Quay.
pub fn check_template(template: &str) -> Result<(), QuayValidationError> {
    serde_json::from_str::<Value>(template)
        .map_err(|e| QuayValidationError::TemplateNotJson(e.to_string()))?;
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        if rest[..end].trim().is_empty() {
            return Err(QuayValidationError::TemplateEmptyExpression);
        }
        rest = &rest[end + 1..];
    }
    Ok(())
}

/// Checks an e-mail address and returns it trimmed. Whether Quay may mail it (the address must
/// be confirmed for the repository) only Quay knows.
pub fn check_email(email: &str) -> Result<String, QuayValidationError> {
    use QuayValidationError::InvalidEmail;
    let email = email.trim();
    if email.is_empty() {
        return Err(QuayValidationError::MissingEmail);
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidEmail("it contains spaces"));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(InvalidEmail("it has no @"));
    };
    if local.is_empty() {
        return Err(InvalidEmail("nothing comes before the @"));
    }
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains(['@', '/']);
    if !domain_ok {
        return Err(InvalidEmail(
            "the part after the @ is not a domain such as example.com",
        ));
    }
    Ok(email.to_owned())
}

fn check_target(
    repo: &QuayRepoRef,
    target: &QuayTarget,
) -> Result<QuayTarget, QuayValidationError> {
    let name = target.name.trim();
    if name.is_empty() {
        return Err(QuayValidationError::MissingTargetName);
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(QuayValidationError::InvalidTargetName(name.to_owned()));
    }
    match target.kind {
        // Robot names are `owner+robot`; Quay looks them up as users and finds none.
        QuayTargetKind::User if name.contains('+') => {
            return Err(QuayValidationError::RobotTarget(name.to_owned()))
        }
        QuayTargetKind::Org if name != repo.namespace => {
            return Err(QuayValidationError::OrgTargetMismatch {
                org: name.to_owned(),
                namespace: repo.namespace.clone(),
            })
        }
        _ => {}
    }
    Ok(QuayTarget {
        kind: target.kind,
        name: name.to_owned(),
    })
}

/// A rough syntax check of a Python regular expression: balanced groups and classes, a
/// complete escape, something before `*` or `+`. Enough to catch typos; Python's full syntax is
/// Quay's business.
pub fn check_python_regex(re: &str) -> Result<(), &'static str> {
    let mut depth = 0usize;
    let mut chars = re.chars().peekable();
    // Whether a `*` or `+` here would have nothing to repeat.
    let mut at_start = true;
    while let Some(c) = chars.next() {
        let mut next_at_start = false;
        match c {
            '\\' => {
                chars.next().ok_or("it ends with a lone \\")?;
            }
            '[' => {
                chars.next_if_eq(&'^');
                // A `]` right after `[` or `[^` is a literal.
                chars.next_if_eq(&']');
                loop {
                    match chars.next().ok_or("a [ is not closed")? {
                        '\\' => {
                            chars.next().ok_or("it ends with a lone \\")?;
                        }
                        ']' => break,
                        _ => {}
                    }
                }
            }
            '(' => {
                depth += 1;
                next_at_start = true;
            }
            ')' => depth = depth.checked_sub(1).ok_or("a ) has no matching (")?,
            '|' => next_at_start = true,
            '*' | '+' if at_start => return Err("* or + follows nothing"),
            _ => {}
        }
        at_start = next_at_start;
    }
    if depth > 0 {
        return Err("a ( is not closed");
    }
    Ok(())
}

/// Checks a repository reference before it goes into a URL path. Quay's exact name rules are
/// not checked; only what could never name a repository or would change the path is refused.
pub fn validate_repo_ref(repo: &QuayRepoRef) -> Result<(), QuayValidationError> {
    if let Some(reason) = segment_problem(&repo.namespace, false) {
        return Err(QuayValidationError::InvalidNamespace {
            name: repo.namespace.clone(),
            reason,
        });
    }
    if let Some(reason) = segment_problem(&repo.name, true) {
        return Err(QuayValidationError::InvalidRepository {
            name: repo.name.clone(),
            reason,
        });
    }
    Ok(())
}

/// Checks a namespace name before it goes into a query or path.
pub fn validate_namespace(namespace: &str) -> Result<(), QuayValidationError> {
    match segment_problem(namespace, false) {
        None => Ok(()),
        Some(reason) => Err(QuayValidationError::InvalidNamespace {
            name: namespace.to_owned(),
            reason,
        }),
    }
}

fn segment_problem(name: &str, nested: bool) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.chars().count() > 255 {
        return Some("it is longer than 255 characters");
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains spaces or control characters");
    }
    if name.contains(['?', '#', '%', '\\']) {
        return Some("it contains ?, #, % or \\");
    }
    if !nested && name.contains('/') {
        return Some("it contains \"/\"");
    }
    if name
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Some("it has an empty, \".\" or \"..\" part");
    }
    None
}

/// Checks a notification UUID and returns it in Quay's form (lower-case, hyphenated): Quay
/// looks it up by exact string.
pub fn validate_uuid(uuid: &str) -> Result<String, QuayValidationError> {
    let lower = uuid.trim().to_ascii_lowercase();
    match uuid::Uuid::try_parse(&lower) {
        Ok(parsed) if parsed.hyphenated().to_string() == lower => Ok(lower),
        _ => Err(QuayValidationError::InvalidUuid),
    }
}
