//! Commands the webview calls, one module per domain.

pub mod app;
pub mod browse;
pub mod connections;
pub mod dtr;
pub mod inbox;
pub mod quay;
pub mod settings;
