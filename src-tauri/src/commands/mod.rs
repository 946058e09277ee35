//! Commands the webview calls, one module per domain.

pub mod app;
pub mod inbox;
