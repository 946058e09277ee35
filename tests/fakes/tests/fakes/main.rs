//! The fakes crate's integration tests, in one binary: the fake Quay and fake DTR over real HTTP
//! on 127.0.0.1, with reqwest and with Wharf's own clients.

mod dtr;
mod listing;
mod quay;
