//! Docker Trusted Registry / Mirantis Secure Registry 2.x–3.x, API v0: models, client-side
//! validation, error mapping and response decoding, all testable without HTTP.
//!
//! - [`models`]: webhooks, repositories, tags, accounts, namespaces, and the UI's drafts.
//! - [`validate`]: rules checked before sending (type × scope, endpoint, TLS), producing the
//!   only request bodies the client accepts.
//! - [`error`]: [`DtrError`] and [`error_from_response`].
//! - [`decode`]: both 2.5/2.6 and 2.7+ answer shapes, paging, the credential check.
//! - [`paths`]: route paths with encoded names.
//! - [`repo_admin`]: creating, changing and deleting repositories: checks and bodies.
//! - [`client`]: [`client::DtrClient`], an async reqwest client for those routes (no redirects).
//!
//! MSR 4 is Harbor and has no `/api/v0`; it shows up as [`DtrError::NoSuchRoute`].

pub mod client;
pub mod decode;
pub mod error;
pub mod models;
pub mod paths;
pub mod repo_admin;
pub mod validate;

pub use error::{error_from_response, DtrApiError, DtrError, DtrMissing};
pub use models::*;
pub use validate::{
    validate_create, validate_test, validate_update, CreateWebhookRequest, DtrValidationError,
    TestWebhookRequest, UpdateWebhookRequest,
};
