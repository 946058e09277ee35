//! The route list as a person reads it: each route with the URLs it can be reached at, what came
//! through it, and the samples that can be sent to it.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::recognize::Source;
use crate::replay::ReplayOutcome;
use crate::route_url::hook_url;
use crate::samples::QuayVariant;
use crate::store::{HookRoute, RouteActivity};

/// A label is at most this many characters.
pub const MAX_LABEL: usize = 120;

/// One route of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct RouteListing {
    /// The stored route.
    pub route: HookRoute,
    /// Where it can be reached.
    pub urls: RouteUrls,
    /// What came through it.
    pub activity: RouteActivity,
}

/// The URLs of one route, each `None` where the receiver has no such address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct RouteUrls {
    /// On the address the receiver is bound to (`127.0.0.1` when bound to every interface):
    /// for this machine.
    pub local: Option<String>,
    /// On this machine's LAN address, when the receiver listens on every interface: for a
    /// registry on the network.
    pub lan: Option<String>,
    /// On the public base URL (a tunnel or proxy), when one is set.
    pub public: Option<String>,
}

impl RouteUrls {
    /// The URLs of route `token` for a receiver listening on `bound`, with `public_base` set in
    /// the settings and `lan` this machine's LAN address.
    pub fn new(
        token: &str,
        bound: Option<SocketAddr>,
        public_base: Option<&str>,
        lan: Option<std::net::IpAddr>,
    ) -> Self {
        let local = bound.map(|addr| {
            let ip = if addr.ip().is_unspecified() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                addr.ip()
            };
            hook_url(
                &format!("http://{}", SocketAddr::new(ip, addr.port())),
                token,
            )
        });
        let lan = bound
            .filter(|addr| addr.ip().is_unspecified())
            .zip(lan)
            .map(|(addr, ip)| {
                hook_url(
                    &format!("http://{}", SocketAddr::new(ip, addr.port())),
                    token,
                )
            });
        Self {
            local,
            lan,
            public: public_base.map(|base| hook_url(base, token)),
        }
    }
}

/// A sample to send to a route: which registry's event, in which Quay variant.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct SampleRequest {
    /// Quay or DTR.
    pub source: Source,
    /// The event or webhook type by its wire name.
    pub event: String,
    /// Quay's payload variant (Red Hat's when left out).
    pub variant: Option<QuayVariant>,
}

/// What the receiver answered a sample sent to a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct SampleSent {
    /// The receiver's answer.
    pub answer: ReplayOutcome,
    /// The stored delivery, from the receiver's acknowledgement (none with a custom answer
    /// body).
    #[ts(type = "number | null")]
    pub delivery_id: Option<i64>,
}

impl SampleSent {
    /// Reads the delivery id from the receiver's default acknowledgement.
    pub fn from_answer(answer: ReplayOutcome) -> Self {
        let delivery_id = serde_json::from_str::<serde_json::Value>(&answer.body_preview)
            .ok()
            .and_then(|v| v.get("id").and_then(serde_json::Value::as_i64));
        Self {
            answer,
            delivery_id,
        }
    }
}
