//! Wharf's local webhook inbox: the receiver, its durable store, payload recognition and the
//! toast policy. No Tauri dependency.
//!
//! - [`Inbox`] ([`runtime`]): all of the below running together, as the app and `wharf
//!   headless` run it: started from an [`InboxConfig`], reconfigured with [`Inbox::apply`].
//! - [`settings`]: the user's settings file and the [`InboxConfig`] it gives.
//! - [`receiver`]: the local HTTP receiver (hyper) on `/hooks/{token}`: bounded header and body
//!   reads, a 2xx only after the store committed, and a broadcast of every stored delivery.
//! - [`recognize`]: Quay/DTR payload recognition, a pure function from a delivery to a typed
//!   event with a one-line summary.
//! - [`store`]: the durable SQLite store of deliveries and route tokens, with group commit so a
//!   webhook is acknowledged only after its row is committed.
//! - [`export`]: JSON lines, HAR and `curl` output of stored deliveries, credentials redacted.
//! - [`header_blob`]: the byte layout a delivery's headers are stored in.
//! - [`private`]: the data folder and the files that hold deliveries, owner-only.
//! - [`replay`]: sends a stored delivery again to another URL.
//! - [`samples`]: the body and headers Quay and DTR send for each event, to send on demand.
//! - [`route_list`]: the route list: each route's URLs, activity, and samples sent to it.
//! - [`route_url`]: the URL a registry is given for a route, and why it may not reach it.
//! - [`retention`]: the background pruner that keeps the store within a count and an age.
//! - [`toast`]: desktop notifications behind the [`toast::Toaster`] trait.
//! - [`toast_policy`]: which deliveries toast (per-repository and per-event rules), burst
//!   coalescing, and the async driver that shows toasts without blocking the receiver.

#![warn(missing_docs)]

pub mod allocator;
pub mod disk;
pub mod export;
pub mod header_blob;
pub mod private;
pub mod receiver;
pub mod recognize;
pub mod replay;
pub mod retention;
pub mod route_list;
pub mod route_url;
pub mod runtime;
pub mod samples;
pub mod settings;
pub mod store;
pub mod toast;
pub mod toast_policy;

pub use runtime::{Inbox, InboxConfig, InboxError, ReceiverStatus};
