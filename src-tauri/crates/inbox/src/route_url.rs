//! The URL a registry is given for a route, and why a registry may be unable to use it.

use serde::Serialize;
use ts_rs::TS;

use crate::recognize::Source;
use crate::store::{HookRoute, NewHookRoute, RouteResponse};

/// A new route and the URL to give the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct MintedRoute {
    /// The stored route.
    pub route: HookRoute,
    /// `<public base>/hooks/<token>`.
    pub url: String,
    /// Why the registry may refuse or fail to reach `url`.
    pub warning: Option<String>,
}

impl MintedRoute {
    /// `route` as reached through `base` (the public base URL or the listening address).
    pub fn new(route: HookRoute, base: &str) -> Self {
        Self {
            url: hook_url(base, &route.token),
            warning: warning(route.route.source, base),
            route,
        }
    }
}

/// `<base>/hooks/<token>`.
pub fn hook_url(base: &str, token: &str) -> String {
    format!("{}/hooks/{token}", base.trim_end_matches('/'))
}

/// The route token of a receiver URL (`<base>/hooks/<token>`, query and fragment ignored), the
/// reverse of [`hook_url`]; `None` for any other URL.
pub fn token_in(url: &str) -> Option<&str> {
    let path = url.trim().split(['?', '#']).next()?;
    let (_, token) = path.rsplit_once("/hooks/")?;
    (!token.is_empty() && !token.contains('/')).then_some(token)
}

/// Quay refuses webhook URLs on `localhost` and `127.0.0.1`; a loopback address is also out of
/// reach for any registry on another machine.
pub fn warning(source: Option<Source>, base: &str) -> Option<String> {
    let host = base
        .split_once("://")
        .map_or(base, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if source == Some(Source::Quay) && (host == "localhost" || host == "127.0.0.1") {
        return Some(format!(
            "Quay refuses webhook URLs on {host}. Bind the receiver to an address Quay can reach, or set a public base URL, in Settings."
        ));
    }
    (host == "localhost" || host.starts_with("127.")).then(|| {
        format!("{host} is only reachable from this machine; a registry elsewhere cannot deliver to it.")
    })
}

/// What a notification's URL is to this inbox. A route keeps its token when the receiver
/// moves, but the URL a registry holds keeps the old address: it looks like a Wharf route and
/// delivers nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RouteCheck {
    /// Not a `/hooks/<token>` URL.
    NotARoute,
    /// A route URL whose token this inbox does not have (deleted, or another machine's).
    Unknown,
    /// A route of this inbox at the address it listens on now, and how it answers.
    Current {
        /// The route's name.
        label: String,
        /// The route's answer (status, body, delay).
        response: RouteResponse,
    },
    /// A route of this inbox at an address it no longer listens on.
    Moved {
        /// Where the route is now.
        now: String,
    },
}

/// Checks `url` against this inbox's routes (`route_of` finds one by token) and the addresses
/// that reach it now (the public base URL and the address it listens on).
pub fn check(
    url: &str,
    route_of: impl Fn(&str) -> Option<NewHookRoute>,
    current: &[String],
) -> RouteCheck {
    let Some(token) = token_in(url) else {
        return RouteCheck::NotARoute;
    };
    let Some(NewHookRoute {
        label, response, ..
    }) = route_of(token)
    else {
        return RouteCheck::Unknown;
    };
    let base = normalize(url.trim().split("/hooks/").next().unwrap_or_default());
    match current.first() {
        Some(now) if !current.iter().any(|c| normalize(c) == base) => RouteCheck::Moved {
            now: hook_url(now, token),
        },
        // Current, or the receiver is not running and there is nothing to compare with.
        _ => RouteCheck::Current { label, response },
    }
}

/// Scheme and host compared without case, a trailing slash ignored.
fn normalize(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let path = if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            };
            format!(
                "{}://{}{path}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
        }
        None => base.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_url_is_current_moved_unknown_or_not_a_route() {
        let answer = RouteResponse {
            status: 503,
            ..RouteResponse::default()
        };
        let route = NewHookRoute {
            label: "builds".into(),
            response: answer.clone(),
            ..NewHookRoute::default()
        };
        let known = |t: &str| (t == "abc").then(|| route.clone());
        let current = RouteCheck::Current {
            label: "builds".into(),
            response: answer.clone(),
        };
        let now = vec![
            "http://192.0.2.7:47810".to_owned(),
            "http://127.0.0.2:47810".to_owned(),
        ];
        assert_eq!(
            check("https://hooks.slack.com/x", known, &now),
            RouteCheck::NotARoute
        );
        assert_eq!(
            check("http://192.0.2.7:47810/hooks/zzz", known, &now),
            RouteCheck::Unknown
        );
        for url in [
            "http://192.0.2.7:47810/hooks/abc",
            "HTTP://192.0.2.7:47810/hooks/abc",
            "http://127.0.0.2:47810/hooks/abc",
        ] {
            assert_eq!(check(url, known, &now), current, "{url}");
        }
        assert_eq!(
            check("http://192.0.2.7:47999/hooks/abc", known, &now),
            RouteCheck::Moved {
                now: "http://192.0.2.7:47810/hooks/abc".into()
            }
        );
        assert_eq!(
            check(
                "https://tunnel.example.com/in/hooks/abc",
                known,
                &["https://tunnel.example.com/in/".to_owned()]
            ),
            current
        );
        assert_eq!(check("http://old:1/hooks/abc", known, &[]), current);
    }

    #[test]
    fn quay_routes_on_localhost_or_127_0_0_1_are_flagged() {
        for base in ["http://127.0.0.1:47820", "http://LOCALHOST:1"] {
            let w = warning(Some(Source::Quay), base).unwrap();
            assert!(w.contains("Quay refuses"), "{w}");
        }
        let other = warning(Some(Source::Quay), "http://127.0.0.2:47820").unwrap();
        assert!(
            other.contains("only reachable from this machine"),
            "{other}"
        );
        assert_eq!(
            warning(Some(Source::Quay), "https://hooks.example.com/wharf"),
            None
        );
        assert_eq!(warning(Some(Source::Dtr), "http://192.0.2.10:47820"), None);
    }

    #[test]
    fn the_url_joins_base_and_token_with_one_slash() {
        assert_eq!(hook_url("http://h:1/", "t"), "http://h:1/hooks/t");
        for base in ["http://10.0.0.5:8787", "https://h/wharf/"] {
            assert_eq!(token_in(&hook_url(base, "abc")), Some("abc"));
        }
        assert_eq!(token_in("https://h/hooks/t?x=1#y"), Some("t"));
        assert_eq!(token_in("https://ci.example/build"), None);
        assert_eq!(token_in("https://h/hooks/"), None);
        assert_eq!(token_in("https://h/hooks/a/b"), None);
        assert_eq!(hook_url("https://h/wharf", "t"), "https://h/wharf/hooks/t");
    }
}
