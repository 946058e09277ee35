//! The fakes crate's integration tests, in one binary: the fake Quay and fake DTR over real HTTP
//! on 127.0.0.1, with reqwest and with Wharf's own clients as callers.

mod dtr;
mod quay;
