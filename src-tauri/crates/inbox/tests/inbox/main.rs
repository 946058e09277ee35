//! The inbox crate's integration tests, in one binary (one link instead of one per file): real
//! SQLite files, real HTTP on 127.0.0.1, real payloads.

// The allocator the app runs on (src-tauri/src/main.rs), so memory figures are the app's.
#[global_allocator]
static ALLOCATOR: inbox::allocator::Allocator = inbox::allocator::Allocator;

mod abuse;
mod common;
mod export;
mod forward;
mod receiver;
mod recognize;
mod recognize_mutations;
mod reconfigure;
mod reliability;
mod retention;
mod routes;
mod runtime;
mod samples;
mod store;
mod text_search;
mod toast_policy;
