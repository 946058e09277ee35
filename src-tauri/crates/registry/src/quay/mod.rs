//! Quay and quay.io, API v1: repository notifications and the repository browsing around them.
//! Models, client-side validation, error mapping and decoding, all testable without HTTP.
//!
//! - [`models`]: notifications, events and methods, the UI's draft, user, namespaces,
//!   repositories, tags.
//! - [`validate`]: the rules checked before sending, producing the only create body the client
//!   accepts.
//! - [`error`]: [`QuayError`], [`error_from_response`] and [`error_for`].
//! - [`decode`]: success bodies, the token check, paging guards.
//! - [`features`]: what the server switched off (`GET /config`), so Wharf can say an event
//!   never fires there.
//! - [`paths`]: route paths and queries with checked, encoded names.
//! - [`repo_admin`]: creating, changing and deleting repositories: name rule and bodies.
//! - [`client`]: the async HTTP client on top of all that.
//! - [`view`]: a notification as Wharf shows it, typed and with secrets masked.
//!
//! Quay quietly treats a bad token as anonymous: see [`QuayError::TokenRejected`] and
//! [`decode::verify_answer`] and [`decode::token_probe_answer`].

pub mod client;
pub mod decode;
pub mod error;
pub mod features;
pub mod models;
pub mod paths;
pub mod repo_admin;
pub mod validate;
pub mod view;

pub use error::{error_for, error_from_response, QuayError, QuayOperation, QuayScope};
pub use features::{QuayFeatures, Unavailable};
pub use models::*;
pub use validate::{validate_create, CreateNotificationRequest, QuayValidationError};
pub use view::QuayNotificationView;
