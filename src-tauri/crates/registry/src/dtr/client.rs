//! An async client for the DTR routes Wharf uses, built on the pure parts of this module.
//!
//! It signs in with basic auth (username + access token) and never follows redirects: DTR
//! treats failed basic auth as anonymous and eNZi redirects anonymous callers to its sign-in
//! page, so a followed redirect would turn bad credentials into a confusing success or HTML.

use super::decode::{self, PageCursor, PageStyle, NEXT_PAGE_HEADER};
use super::error::DtrError;
use super::models::{namespaces_of, DtrAccount, DtrNamespace, DtrRepository, DtrTag, DtrWebhook};
use super::paths;
use super::repo_admin::{CreateRepositoryRequest, UpdateRepositoryRequest};
use super::validate::{
    validate_namespace, validate_repository, validate_webhook_id, CreateWebhookRequest,
    DtrValidationError, TestWebhookRequest, UpdateWebhookRequest,
};
use crate::connection::Connection;
use crate::http::{check_base_url, Answer};
use crate::listing::{self, Progress};
use crate::network::{NetworkCause, NetworkFailure};
use crate::tls::{TlsError, TlsOptions};
use serde::Serialize;
use std::fmt;

/// Page size for paged lists; DTR's default of 10 means many round trips.
pub const PAGE_SIZE: u32 = 100;

/// A DTR connection: base URL and credentials. `Debug` never shows the token.
#[derive(Clone)]
pub struct DtrClient {
    http: reqwest::Client,
    base: String,
    username: String,
    token: String,
}

impl fmt::Debug for DtrClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DtrClient")
            .field("base", &self.base)
            .field("username", &self.username)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Checks for a non-success answer.
fn ok(answer: Answer) -> Result<Answer, DtrError> {
    decode::expect_success(answer.status, answer.content_type(), &answer.body)?;
    Ok(answer)
}

impl DtrClient {
    /// A client for the DTR at `base_url` (such as `https://dtr.example.com`). `ca_pem` adds a
    /// CA to trust, typically the one DTR serves at `/ca`.
    pub fn new(
        base_url: &str,
        username: &str,
        token: &str,
        ca_pem: Option<&str>,
    ) -> Result<Self, DtrError> {
        let tls = TlsOptions {
            ca_pem: ca_pem.map(str::to_owned),
            accept_invalid_certs: false,
        };
        Self::with_tls(base_url, username, token, &tls)
    }

    /// Like [`DtrClient::new`], with a connection's TLS settings (custom CA bundle, or
    /// accepting invalid certificates).
    pub fn with_tls(
        base_url: &str,
        username: &str,
        token: &str,
        tls: &TlsOptions,
    ) -> Result<Self, DtrError> {
        let base = normalize_base_url(base_url)?;
        let http = crate::tls::client_builder(tls)
            .map_err(|e| match e {
                TlsError::InvalidCa(_) => DtrError::from(DtrValidationError::InvalidTlsCert),
                TlsError::Client(text) => {
                    DtrError::Network(NetworkFailure::new(NetworkCause::ClientSetup, text))
                }
            })?
            .build()
            .map_err(network_error)?;
        Ok(Self {
            http,
            base,
            username: username.to_owned(),
            token: token.to_owned(),
        })
    }

    /// A client for a saved connection with its token.
    pub fn for_connection(connection: &Connection, token: &str) -> Result<Self, DtrError> {
        Self::with_tls(
            &connection.base_url,
            connection.username.as_deref().unwrap_or_default(),
            token,
            &connection.tls,
        )
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<Answer, DtrError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.username, Some(&self.token))
            .header(reqwest::header::ACCEPT, "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Answer::fetch(request).await.map_err(DtrError::Network)
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, DtrError> {
        self.send(reqwest::Method::GET, path, query, None::<&()>)
            .await
    }

    async fn post(&self, path: &str, body: &impl Serialize) -> Result<Answer, DtrError> {
        self.send(reqwest::Method::POST, path, &[], Some(body))
            .await
    }

    /// Follows `X-Next-Page-Start` (or eNZi's `nextPageStart`) to the last page.
    async fn all_pages<T>(
        &self,
        path: &str,
        style: PageStyle,
        what: &'static str,
        decode_page: impl Fn(&[u8]) -> Result<(Vec<T>, Option<String>), DtrError>,
        mut progress: impl FnMut(Progress),
    ) -> Result<Vec<T>, DtrError> {
        let mut cursor = PageCursor::new(style, PAGE_SIZE, what)?;
        let mut all = Vec::new();
        loop {
            let answer = ok(self.get(path, &cursor.query()).await?)?;
            let (items, body_next) = decode_page(&answer.body)?;
            all.extend(items);
            progress(Progress {
                done: u32::try_from(all.len()).unwrap_or(u32::MAX),
                total: None,
            });
            let next = decode::next_page_start(answer.header(NEXT_PAGE_HEADER)).or(body_next);
            if !cursor.advance(next.as_deref())? {
                return Ok(all);
            }
        }
    }

    /// Checks the credentials and returns the signed-in account (with `isAdmin`). Uses a route
    /// that is never answered for anonymous callers, since failed basic auth is anonymous.
    pub async fn verify(&self) -> Result<DtrAccount, DtrError> {
        let settings = self
            .get(&paths::account_settings(&self.username), &[])
            .await?;
        decode::verify_settings(settings.status, settings.content_type(), &settings.body)?;
        let account = self.get(&paths::enzi_account(&self.username), &[]).await?;
        decode::verify_account(
            &self.username,
            account.status,
            account.content_type(),
            &account.body,
        )
    }

    /// The namespaces the user belongs to: their own and their organizations.
    pub async fn namespaces(&self) -> Result<Vec<DtrNamespace>, DtrError> {
        let user = self.verify().await?;
        let orgs = self
            .all_pages(
                &paths::enzi_member_orgs(&self.username),
                PageStyle::Enzi,
                "organizations",
                |body| {
                    let page = decode::decode_member_orgs(body)?;
                    Ok((page.member_orgs, page.next_page_start))
                },
                |_| {},
            )
            .await?;
        Ok(namespaces_of(&user, &orgs))
    }

    /// Every repository the user can see, or those of one namespace, across all pages.
    pub async fn repositories(
        &self,
        namespace: Option<&str>,
    ) -> Result<Vec<DtrRepository>, DtrError> {
        self.repositories_with_progress(namespace, |_| {}).await
    }

    /// [`DtrClient::repositories`], reporting the repositories fetched so far after each page.
    pub async fn repositories_with_progress(
        &self,
        namespace: Option<&str>,
        progress: impl FnMut(Progress),
    ) -> Result<Vec<DtrRepository>, DtrError> {
        let path = match namespace {
            Some(ns) => {
                validate_namespace(ns)?;
                paths::namespace_repositories(ns)
            }
            None => paths::REPOSITORIES.to_owned(),
        };
        self.all_pages(
            &path,
            PageStyle::ApiV0,
            "repositories",
            |body| Ok((decode::decode_repositories(body)?, None)),
            progress,
        )
        .await
    }

    /// Every tag of a repository, across all pages.
    pub async fn tags(&self, namespace: &str, repository: &str) -> Result<Vec<DtrTag>, DtrError> {
        validate_repository(namespace, repository)?;
        self.all_pages(
            &paths::tags(namespace, repository),
            PageStyle::ApiV0,
            "tags",
            |body| Ok((decode::decode_tags(body)?, None)),
            |_| {},
        )
        .await
    }

    /// One repository, with its long description.
    pub async fn repository(&self, namespace: &str, name: &str) -> Result<DtrRepository, DtrError> {
        validate_repository(namespace, name)?;
        let answer = ok(self.get(&paths::repository(namespace, name), &[]).await?)?;
        decode::decode_json(&answer.body, "the repository")
    }

    /// One page of a repository's tags (`page_start` from the previous page's answer), and the
    /// start of the next page if there is one.
    pub async fn tags_page(
        &self,
        namespace: &str,
        name: &str,
        page_start: Option<&str>,
        page_size: u32,
    ) -> Result<(Vec<DtrTag>, Option<String>), DtrError> {
        validate_repository(namespace, name)?;
        if page_size == 0 {
            return Err(DtrValidationError::InvalidPageSize.into());
        }
        let mut query = vec![
            ("pageSize", page_size.to_string()),
            ("includeManifests", "true".to_owned()),
        ];
        if let Some(start) = page_start {
            query.push(("pageStart", start.to_owned()));
        }
        let answer = ok(self.get(&paths::tags(namespace, name), &query).await?)?;
        let next = decode::next_page_start(answer.header(NEXT_PAGE_HEADER));
        Ok((decode::decode_tags(&answer.body)?, next))
    }

    /// Creates a repository in `namespace` (201 with the repository).
    pub async fn create_repository(
        &self,
        namespace: &str,
        request: &CreateRepositoryRequest,
    ) -> Result<DtrRepository, DtrError> {
        validate_namespace(namespace)?;
        let answer = ok(self
            .post(&paths::namespace_repositories(namespace), request)
            .await?)?;
        decode::decode_json(&answer.body, "the new repository")
    }

    /// Changes a repository's visibility or descriptions (200 with the repository).
    pub async fn update_repository(
        &self,
        namespace: &str,
        name: &str,
        request: &UpdateRepositoryRequest,
    ) -> Result<DtrRepository, DtrError> {
        validate_repository(namespace, name)?;
        let path = paths::repository(namespace, name);
        let answer = ok(self
            .send(reqwest::Method::PATCH, &path, &[], Some(request))
            .await?)?;
        decode::decode_json(&answer.body, "the changed repository")
    }

    /// Deletes a repository with its tags. DTR answers 204 even when there was no such
    /// repository, so the caller checks before and after.
    pub async fn delete_repository(&self, namespace: &str, name: &str) -> Result<(), DtrError> {
        validate_repository(namespace, name)?;
        let path = paths::repository(namespace, name);
        ok(self
            .send(reqwest::Method::DELETE, &path, &[], None::<&()>)
            .await?)?;
        Ok(())
    }

    /// Every webhook the user may see (all of them for a DTR admin).
    pub async fn webhooks(&self) -> Result<Vec<DtrWebhook>, DtrError> {
        let answer = ok(self.get(paths::WEBHOOKS, &[]).await?)?;
        decode::decode_webhooks(&answer.body)
    }

    /// The webhooks of one repository, other users' included (needs repository admin).
    pub async fn repository_webhooks(
        &self,
        namespace: &str,
        repository: &str,
    ) -> Result<Vec<DtrWebhook>, DtrError> {
        validate_repository(namespace, repository)?;
        let path = paths::repository_webhooks(namespace, repository);
        let answer = ok(self.get(&path, &[]).await?)?;
        decode::decode_webhooks(&answer.body)
    }

    /// The webhooks of many `(namespace, repository)` pairs, at most `concurrency` requests at
    /// a time, in the order given; each repository keeps its own error.
    pub async fn webhooks_of(
        &self,
        repos: Vec<(String, String)>,
        concurrency: usize,
        progress: impl FnMut(Progress),
    ) -> Vec<((String, String), Result<Vec<DtrWebhook>, DtrError>)> {
        listing::bounded(
            repos,
            concurrency,
            |(namespace, repository)| async move {
                self.repository_webhooks(&namespace, &repository).await
            },
            progress,
        )
        .await
    }

    /// The webhooks of one namespace (needs namespace admin).
    pub async fn namespace_webhooks(&self, namespace: &str) -> Result<Vec<DtrWebhook>, DtrError> {
        validate_namespace(namespace)?;
        let answer = ok(self.get(&paths::namespace_webhooks(namespace), &[]).await?)?;
        decode::decode_webhooks(&answer.body)
    }

    /// Creates a webhook; accepts 2.7's `201` object and 2.5/2.6's `200` array.
    pub async fn create_webhook(
        &self,
        request: &CreateWebhookRequest,
    ) -> Result<DtrWebhook, DtrError> {
        let answer = ok(self.post(paths::WEBHOOKS, request).await?)?;
        decode::decode_created_webhook(&answer.body, request)
    }

    /// Asks DTR to send its fixed sample of a type to an endpoint.
    pub async fn test_webhook(&self, request: &TestWebhookRequest) -> Result<(), DtrError> {
        ok(self.post(paths::WEBHOOK_TEST, request).await?)?;
        Ok(())
    }

    /// Pauses, resumes or changes the TLS settings of a webhook; returns it as DTR now has it.
    pub async fn update_webhook(
        &self,
        request: &UpdateWebhookRequest,
    ) -> Result<DtrWebhook, DtrError> {
        let answer = ok(self.post(paths::WEBHOOK_UPDATE, request).await?)?;
        decode::decode_updated_webhook(&answer.body, request.id())
    }

    /// Deletes a webhook; accepts 2.7's `204` and the older `200`.
    pub async fn delete_webhook(&self, id: &str) -> Result<(), DtrError> {
        validate_webhook_id(id)?;
        let path = paths::webhook(id);
        ok(self
            .send(reqwest::Method::DELETE, &path, &[], None::<&()>)
            .await?)?;
        Ok(())
    }
}

/// Checks a DTR address and returns it without a trailing slash.
pub fn normalize_base_url(base_url: &str) -> Result<String, DtrValidationError> {
    check_base_url(base_url).map_err(DtrValidationError::InvalidServerUrl)
}

fn network_error(err: reqwest::Error) -> DtrError {
    DtrError::Network(NetworkFailure::from_reqwest(err))
}
