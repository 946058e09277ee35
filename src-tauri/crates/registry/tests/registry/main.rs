//! The registry crate's integration tests, in one binary: the Quay and DTR clients against fake
//! servers on 127.0.0.1, models and errors from the documented payloads, validation, TLS and
//! the keyring.

mod client;
mod connection;
mod dtr_client;
mod dtr_decode;
mod dtr_errors;
mod dtr_models;
mod dtr_validate;
mod fleet;
mod keyring_absent;
mod limits;
mod listing;
mod quay_client;
mod quay_errors;
mod quay_models;
mod quay_validate;
mod repos;
mod tls;
