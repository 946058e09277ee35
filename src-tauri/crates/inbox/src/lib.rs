//! Wharf's local webhook inbox: the receiver, its durable store, payload recognition and the
//! toast policy. No Tauri dependency.
//!
//! - [`recognize`]: Quay/DTR payload recognition, a pure function from a delivery to a typed
//!   event with a one-line summary.
//! - [`toast`]: desktop notifications behind the [`toast::Toaster`] trait.

pub mod recognize;
pub mod toast;
