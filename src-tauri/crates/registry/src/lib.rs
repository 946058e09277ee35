//! Registry clients for Wharf: Quay (API v1) and Docker Trusted Registry / Mirantis Secure
//! Registry (API v0), with their typed models and errors.
//!
//! This crate has no Tauri dependency; the desktop shell only calls into it.
//!
//! - [`catalog`]: every Quay event and method and DTR webhook type, with the words Wharf
//!   shows, for the forms.
//! - [`client`]: [`Client`], one client over Quay and DTR for what both answer, in Wharf's
//!   own types.
//! - [`saved`]: [`saved::SavedConnections`], the connections file and tokens as an app runs
//!   them, handing out clients.
//! - [`health`]: a connection's last verification and its time, saved with the connection.
//! - [`error`]: [`RegistryError`], every failure of the above in one type.
//! - [`connection`]: saved connections (Quay or DTR, address, username, TLS settings) and their
//!   JSON config file; tokens stay in [`secrets`].
//! - [`tls`]: per-connection TLS options, the HTTP client built from them and actionable TLS
//!   error messages.
//! - [`secrets`]: where connection tokens live (the OS keyring, or memory for this session).
//! - [`http`]: what both clients share on the wire: the address check, reading an answer,
//!   and body excerpts for error messages.
//! - [`network`]: why a server gave no answer, in plain words first and the transport's text
//!   as the detail.
//! - [`fleet`]: the notifications of every repository of many connections: the overview scan,
//!   bulk actions, plans with undo, notification sets as files and safe edit.
//! - [`repos`]: a repository's lifecycle on either registry (create, change, tags, delete),
//!   every change read back.
//! - [`listing`]: bounded-concurrency fan-out over many repositories, with progress.
//! - [`dtr`]: DTR / MSR 2.x–3.x API v0 models, validation, errors and response decoding.
//! - [`quay`]: Quay / quay.io API v1 notification and repository models, validation, errors and
//!   response decoding.

#![warn(missing_docs)]

pub mod catalog;
pub mod client;
pub mod connection;
pub mod dtr;
pub mod error;
pub mod fleet;
pub mod health;
pub mod http;
pub mod listing;
pub mod network;
pub mod quay;
pub mod repos;
pub mod saved;
pub mod secrets;
pub mod tls;

pub use client::Client;
pub use error::RegistryError;
