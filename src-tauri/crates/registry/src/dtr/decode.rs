//! Reading DTR's answers without HTTP: version-tolerant decoding of success bodies, the page
//! cursor, and the credential check.
//!
//! DTR 2.7 changed two answers: creating a webhook returns `201` with one object (2.5/2.6:
//! `200` with a one-item array), and deleting returns `204` (before: `200`). Every function here
//! accepts both.

use super::error::{error_from_response, DtrError};
use super::models::{DtrAccount, DtrRepository, DtrTag, DtrWebhook, MemberOrgList, RepositoryList};
use super::validate::{CreateWebhookRequest, DtrValidationError};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// The response header carrying the next page's cursor (both `/api/v0` and eNZi).
pub const NEXT_PAGE_HEADER: &str = "X-Next-Page-Start";

/// Checks the status: `Ok` for any 2xx, else the error the body describes.
pub fn expect_success(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), DtrError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(error_from_response(status, content_type, body))
    }
}

/// Decodes a success body as `T`; `what` names the request in the error.
pub fn decode_json<T: DeserializeOwned>(body: &[u8], what: &'static str) -> Result<T, DtrError> {
    serde_json::from_slice(body).map_err(|e| DtrError::Decode {
        what,
        reason: e.to_string(),
    })
}

/// The webhook lists (`/webhooks`, `/repositories/{ns}/{repo}/webhooks`,
/// `/accounts/{ns}/webhooks`): a bare array, unpaged.
pub fn decode_webhooks(body: &[u8]) -> Result<Vec<DtrWebhook>, DtrError> {
    Ok(decode_json::<Option<Vec<DtrWebhook>>>(body, "the webhook list")?.unwrap_or_default())
}

fn one_or_many(body: &[u8], what: &'static str) -> Result<Vec<DtrWebhook>, DtrError> {
    // Branching on the JSON shape first keeps serde's field-level complaint in the error.
    match decode_json::<serde_json::Value>(body, what)? {
        serde_json::Value::Array(_) => decode_json(body, what),
        _ => Ok(vec![decode_json(body, what)?]),
    }
}

/// The answer to `POST /api/v0/webhooks`: one object (2.7+) or an array (2.5/2.6). Should an
/// array hold more than one webhook, the one matching the request is taken.
pub fn decode_created_webhook(
    body: &[u8],
    request: &CreateWebhookRequest,
) -> Result<DtrWebhook, DtrError> {
    const WHAT: &str = "the new webhook";
    let mut webhooks = one_or_many(body, WHAT)?;
    if webhooks.len() == 1 {
        return Ok(webhooks.remove(0));
    }
    webhooks
        .into_iter()
        .rev()
        .find(|w| {
            &w.webhook_type == request.webhook_type()
                && w.key == request.key().unwrap_or_default()
                && w.endpoint == request.endpoint()
        })
        .ok_or_else(|| DtrError::Decode {
            what: WHAT,
            reason: "the answer does not contain the webhook just created".to_owned(),
        })
}

/// The answer to `POST /api/v0/webhooks/update`: an array in every version (an object is
/// accepted too); the webhook with `id` is taken.
pub fn decode_updated_webhook(body: &[u8], id: &str) -> Result<DtrWebhook, DtrError> {
    const WHAT: &str = "the webhook update";
    one_or_many(body, WHAT)?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or_else(|| DtrError::Decode {
            what: WHAT,
            reason: "the answer does not contain the updated webhook".to_owned(),
        })
}

/// `GET /api/v0/repositories[/{ns}]`: `{"repositories":[…]}`.
pub fn decode_repositories(body: &[u8]) -> Result<Vec<DtrRepository>, DtrError> {
    Ok(decode_json::<RepositoryList>(body, "the repository list")?.repositories)
}

/// `GET /api/v0/repositories/{ns}/{repo}/tags`: a bare array.
pub fn decode_tags(body: &[u8]) -> Result<Vec<DtrTag>, DtrError> {
    Ok(decode_json::<Option<Vec<DtrTag>>>(body, "the tag list")?.unwrap_or_default())
}

/// `GET /enzi/v0/accounts/{user}/organizations`.
pub fn decode_member_orgs(body: &[u8]) -> Result<MemberOrgList, DtrError> {
    decode_json(body, "the organization list")
}

/// Reads an `X-Next-Page-Start` value: absent, empty or blank means the last page.
pub fn next_page_start(header: Option<&str>) -> Option<String> {
    header
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Which query names a paged route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// `/api/v0`: `pageStart` and `pageSize`.
    ApiV0,
    /// `/enzi/v0`: `start` and `limit`.
    Enzi,
}

/// Walks a paged list: gives the query for the next page and follows `X-Next-Page-Start` to
/// the end, refusing a cursor it has already followed so a misbehaving server cannot loop it.
#[derive(Debug, Clone)]
pub struct PageCursor {
    style: PageStyle,
    page_size: u32,
    what: &'static str,
    next: Option<String>,
    seen: HashSet<String>,
}

impl PageCursor {
    /// A cursor at the first page; `what` names the list in errors.
    pub fn new(
        style: PageStyle,
        page_size: u32,
        what: &'static str,
    ) -> Result<Self, DtrValidationError> {
        if page_size == 0 {
            return Err(DtrValidationError::InvalidPageSize);
        }
        Ok(Self {
            style,
            page_size,
            what,
            next: None,
            seen: HashSet::new(),
        })
    }

    /// Query pairs for the page to fetch now.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let (start, size) = match self.style {
            PageStyle::ApiV0 => ("pageStart", "pageSize"),
            PageStyle::Enzi => ("start", "limit"),
        };
        let mut query = vec![(size, self.page_size.to_string())];
        if let Some(next) = &self.next {
            query.push((start, next.clone()));
        }
        query
    }

    /// Takes the fetched page's `X-Next-Page-Start` (or eNZi's `nextPageStart`); returns
    /// whether there is another page.
    pub fn advance(&mut self, next_page_header: Option<&str>) -> Result<bool, DtrError> {
        let Some(next) = next_page_start(next_page_header) else {
            self.next = None;
            return Ok(false);
        };
        if self.seen.len() >= crate::http::MAX_PAGES {
            return Err(DtrError::TooManyPages { what: self.what });
        }
        if !self.seen.insert(next.clone()) {
            return Err(DtrError::PagingLoop { what: self.what });
        }
        self.next = Some(next);
        Ok(true)
    }
}

/// Reads the answer to `GET /api/v0/accounts/{username}/settings`, the credential check.
/// Failed basic auth does not give a 401 everywhere: DTR goes on as *anonymous*, and routes
/// open to anonymous answer `200` with public data. This route is open only to the user
/// themself (or an admin), so a 403 here also means the credentials were not accepted.
pub fn verify_settings(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), DtrError> {
    match expect_success(status, content_type, body) {
        Err(DtrError::Forbidden { server }) => Err(DtrError::Unauthenticated { server }),
        other => other,
    }
}

/// Reads the answer to `GET /enzi/v0/accounts/{username}` (fetched with redirects off, since
/// eNZi sends anonymous callers to its sign-in page) and checks it is the user signed in as.
pub fn verify_account(
    username: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<DtrAccount, DtrError> {
    expect_success(status, content_type, body)?;
    let account: DtrAccount = decode_json(body, "the account")?;
    // Organizations cannot sign in, so an org here means the name typed is not a user.
    if account.is_org || !account.name.eq_ignore_ascii_case(username) {
        return Err(DtrError::Unauthenticated { server: None });
    }
    Ok(account)
}
