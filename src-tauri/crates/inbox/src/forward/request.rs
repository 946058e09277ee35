//! What a forwarded request carries: the delivery's headers in their order, minus the ones that
//! describe one hop, with `X-Forwarded-*` saying where it came from and `X-Wharf-Delivery` which
//! delivery it is, the route's extra headers set, and credentials left out when the route asks.

use crate::store::{Delivery, Header};

use super::ForwardSettings;

/// Headers that describe one connection, not the request: never passed on (RFC 9110 §7.6.1),
/// nor the ones the client computes itself (`Host`, `Content-Length`, `Expect`).
pub fn is_hop_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "host"
            | "content-length"
            | "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "expect"
    ) || name.starts_with("proxy-")
}

/// Names the delivery a forwarded request carries: the same on every attempt, after a restart
/// and on Forward again, so a program that must not act twice can keep the ones it handled
/// (forwarding is at least once: a crash between the target's answer and its record sends again).
pub const DELIVERY_HEADER: &str = "X-Wharf-Delivery";

const FORWARDED_FOR: &str = "X-Forwarded-For";
const FORWARDED_PROTO: &str = "X-Forwarded-Proto";
const FORWARDED_HOST: &str = "X-Forwarded-Host";

/// The headers the forwarder writes itself: a received one (from a Wharf or proxy in front)
/// is replaced, never passed on beside it.
const WRITTEN: [&str; 4] = [
    FORWARDED_FOR,
    FORWARDED_PROTO,
    FORWARDED_HOST,
    DELIVERY_HEADER,
];

/// Whether `name` is one of the headers the forwarder writes itself (`X-Forwarded-*`,
/// [`DELIVERY_HEADER`]).
pub fn is_forwarded_header(name: &str) -> bool {
    let name = name.trim();
    WRITTEN.iter().any(|w| name.eq_ignore_ascii_case(w))
}

/// The headers to send for `delivery` under `settings`, in order.
pub fn headers(delivery: &Delivery, settings: &ForwardSettings) -> Vec<Header> {
    let received = |name: &str| {
        delivery
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let peer = delivery
        .remote_addr
        .as_deref()
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        .map(|a| a.ip().to_string());
    // A proxy in front of the receiver (a tunnel) already said where the request came from:
    // the chain goes on from there.
    let forwarded_for = match (received(FORWARDED_FOR), peer) {
        (Some(chain), Some(peer)) => Some(format!("{chain}, {peer}")),
        (chain, peer) => chain.or(peer),
    };
    let forwarded_proto = received(FORWARDED_PROTO).unwrap_or_else(|| "http".into());
    let forwarded_host = received(FORWARDED_HOST).or_else(|| received("host"));

    let overridden = |name: &str| {
        settings
            .headers
            .iter()
            .any(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    };
    let mut out: Vec<Header> = delivery
        .headers
        .iter()
        .filter(|(name, value)| {
            let dropped = is_hop_header(name)
                || is_forwarded_header(name)
                || overridden(name)
                || (settings.strip_credentials && crate::replay::is_credential(name, value));
            !dropped
        })
        .cloned()
        .collect();
    out.extend(forwarded_for.map(|v| (FORWARDED_FOR.to_owned(), v.into_bytes())));
    out.push((FORWARDED_PROTO.to_owned(), forwarded_proto.into_bytes()));
    out.extend(forwarded_host.map(|v| (FORWARDED_HOST.to_owned(), v.into_bytes())));
    out.push((
        DELIVERY_HEADER.to_owned(),
        delivery.id.to_string().into_bytes(),
    ));
    out.extend(
        settings
            .headers
            .iter()
            .map(|(n, v)| (n.trim().to_owned(), v.clone().into_bytes())),
    );
    out
}
