//! Reading Quay's success answers without HTTP: typed decoding, the token check, and paging
//! guards.

use super::error::{error_for, QuayError, QuayOperation};
use super::models::{QuayRepositoryPage, QuayTagPage, QuayUser};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// Checks the status: `Ok` for any 2xx, else the error the body describes for `operation`.
pub fn expect_success(
    operation: QuayOperation,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), QuayError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(error_for(operation, status, content_type, body))
    }
}

/// Decodes a success body as `T`; `what` names the request in the error.
pub fn decode_json<T: DeserializeOwned>(body: &[u8], what: &'static str) -> Result<T, QuayError> {
    serde_json::from_slice(body).map_err(|e| QuayError::Decode {
        what,
        reason: e.to_string(),
    })
}

/// Decodes `GET /api/v1/user/`. An anonymous answer (a bad token dropped by Quay) or one
/// without a user name is [`QuayError::TokenRejected`].
pub fn decode_user(body: &[u8]) -> Result<QuayUser, QuayError> {
    let user: QuayUser = decode_json(body, "the account request")?;
    if user.anonymous || user.username.is_empty() {
        return Err(QuayError::TokenRejected);
    }
    Ok(user)
}

/// The whole token check on the answer to `GET /api/v1/user/`: the user, or why the token
/// cannot be used.
pub fn verify_answer(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<QuayUser, QuayError> {
    expect_success(QuayOperation::GetUser, status, content_type, body)?;
    decode_user(body)
}

/// Tells a rejected token from one without `user:read`, which `GET /api/v1/user/` answers
/// alike, from the answer to [`super::paths::token_probe`]: a write that Quay's CSRF layer
/// refuses only when it dropped the token, and that changes nothing otherwise (the repository
/// and notification do not exist).
pub fn token_probe_answer(status: u16, content_type: Option<&str>, body: &[u8]) -> QuayError {
    if (200..300).contains(&status) {
        return QuayError::NoUserReadScope;
    }
    match error_for(QuayOperation::ResetNotification, status, content_type, body) {
        QuayError::TokenRejected => QuayError::TokenRejected,
        QuayError::Forbidden { .. } | QuayError::NotificationNotFound => QuayError::NoUserReadScope,
        _ => QuayError::TokenRejectedOrNoUserRead,
    }
}

/// Follows `next_page` cursors of the repository list and stops on a repeat: Quay silently
/// restarts at page 1 for a cursor it no longer accepts, which would loop forever.
#[derive(Debug, Default)]
pub struct RepositoryPaging {
    seen: HashSet<String>,
}

impl RepositoryPaging {
    /// A guard for one listing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cursor to ask for after `page`; `None` when it was the last page.
    pub fn next(&mut self, page: &QuayRepositoryPage) -> Result<Option<String>, QuayError> {
        match page.next_page.as_deref().filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(_) if self.seen.len() >= crate::http::MAX_PAGES => Err(QuayError::TooManyPages {
                what: "repositories",
            }),
            Some(cursor) if self.seen.insert(cursor.to_owned()) => Ok(Some(cursor.to_owned())),
            Some(_) => Err(QuayError::PagingLoop {
                what: "repositories",
            }),
        }
    }
}

/// The tag page to ask for after `page`; `None` when it was the last, or an empty page claims
/// more (which would never end).
pub fn next_tag_page(page: &QuayTagPage) -> Option<u32> {
    (page.has_additional && !page.tags.is_empty()).then(|| page.page.saturating_add(1))
}
