//! Fake registry servers for Wharf's tests: real axum servers on loopback with in-memory state,
//! seeded through Rust, that answer like the real registries where clients trip (status codes,
//! error shapes, a bad token acting as anonymous) and deliver webhooks with the documented
//! sample payloads.
//!
//! - [`quay::FakeQuay`]: Quay API v1 (users, organizations, repositories and their create,
//!   visibility, description and delete, tags, repository notifications, test/simulated
//!   webhook delivery with failure counting).
//! - [`dtr::FakeDtr`]: DTR / MSR 2.x API v0 (2.6 or 2.7 answers, basic auth, accounts,
//!   repositories (create, update, delete) and tags with `X-Next-Page-Start` paging, webhooks
//!   and their test delivery).
//!
//! Every fake records the requests it answered (never the credentials) and the deliveries it
//! made, and takes injected faults at runtime ([`Fault`], latency).

#![warn(missing_docs)]

pub mod common;
pub mod dtr;
pub mod quay;

pub use common::{Delivery, Fault, RecordedRequest};
