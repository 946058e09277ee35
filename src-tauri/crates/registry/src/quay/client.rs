//! An async client for the Quay API v1 routes Wharf uses, built on the pure parts of this
//! module.
//!
//! It sends the OAuth token as `Authorization: Bearer` (Quay's API takes no basic auth), always
//! adds `X-Requested-With: XMLHttpRequest` (Quay refuses browser-like GETs without it), and
//! never follows redirects, so the token is never replayed to another host and a redirect
//! shows up as [`QuayError::Redirected`].

use super::decode::{self, next_tag_page, RepositoryPaging};
use super::error::{QuayError, QuayOperation as Op};
use super::features::QuayFeatures;
use super::models::{
    namespaces_of, QuayAuthorizedEmail, QuayNamespace, QuayNotification, QuayNotificationDraft,
    QuayNotificationList, QuayOrganization, QuayRepoRef, QuayRepository, QuayRepositoryDetail,
    QuayRepositoryPage, QuayTag, QuayTagPage, QuayTeam, QuayUser,
};
use super::paths;
use super::repo_admin::{
    ChangeVisibilityRequest, CreateRepositoryRequest, UpdateDescriptionRequest, Visibility,
};
use super::validate::{validate_create, validate_uuid, QuayValidationError};
use crate::connection::Connection;
use crate::http::{check_base_url, Answer};
use crate::listing::{self, Progress};
use crate::network::{NetworkCause, NetworkFailure};
use crate::tls::TlsOptions;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::Method;
use std::fmt;

/// Tags per page; Quay's largest.
pub const TAG_PAGE_SIZE: u32 = 100;

/// A Quay connection: base URL and token. `Debug` never shows the token.
#[derive(Clone)]
pub struct QuayClient {
    http: reqwest::Client,
    base: String,
}

impl fmt::Debug for QuayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuayClient")
            .field("base", &self.base)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Checks a non-success answer to `operation`.
fn ok(answer: Answer, operation: Op) -> Result<Answer, QuayError> {
    decode::expect_success(
        operation,
        answer.status,
        answer.content_type(),
        &answer.body,
    )?;
    Ok(answer)
}

impl QuayClient {
    /// A client for the Quay at `base_url` (such as `https://quay.io`) with an OAuth token,
    /// verifying the server's certificate against the system's CAs.
    pub fn new(base_url: &str, token: &str) -> Result<Self, QuayError> {
        Self::with_tls(base_url, token, &TlsOptions::default())
    }

    /// Like [`QuayClient::new`], with a connection's TLS settings (custom CA, or accepting
    /// invalid certificates).
    pub fn with_tls(base_url: &str, token: &str, tls: &TlsOptions) -> Result<Self, QuayError> {
        let base = normalize_base_url(base_url)?;
        let token = token.trim();
        if token.is_empty() {
            return Err(QuayValidationError::MissingToken.into());
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .ok()
            .filter(|_| !token.contains(char::is_whitespace))
            .ok_or(QuayValidationError::MalformedToken)?;
        // Keeps the value out of reqwest's and hyper's Debug output.
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            "X-Requested-With",
            HeaderValue::from_static("XMLHttpRequest"),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = crate::tls::client_builder(tls)
            .map_err(|e| {
                QuayError::Network(NetworkFailure::new(
                    NetworkCause::ClientSetup,
                    e.to_string(),
                ))
            })?
            .default_headers(headers)
            .build()
            .map_err(network_error)?;
        Ok(Self { http, base })
    }

    /// A client for a saved connection with its token.
    pub fn for_connection(connection: &Connection, token: &str) -> Result<Self, QuayError> {
        Self::with_tls(&connection.base_url, token, &connection.tls)
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&(impl serde::Serialize + ?Sized)>,
    ) -> Result<Answer, QuayError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            // Sets Content-Type: application/json, without which Quay answers 415.
            request = request.json(body);
        }
        Answer::fetch(request).await.map_err(QuayError::Network)
    }

    async fn get(
        &self,
        operation: Op,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Answer, QuayError> {
        ok(
            self.send(Method::GET, path, query, None::<&()>).await?,
            operation,
        )
    }

    /// Checks the token and returns its user. Quay answers `GET /user/` with the same 401 for
    /// a rejected token and for one without `user:read`, so a harmless write probe then tells
    /// [`QuayError::TokenRejected`] from [`QuayError::NoUserReadScope`].
    pub async fn verify(&self) -> Result<QuayUser, QuayError> {
        let answer = self
            .send(Method::GET, paths::USER, &[], None::<&()>)
            .await?;
        match decode::verify_answer(answer.status, answer.content_type(), &answer.body) {
            Err(QuayError::TokenRejectedOrNoUserRead) => {
                let probe = self
                    .send(Method::POST, &paths::token_probe(), &[], None::<&()>)
                    .await?;
                Err(decode::token_probe_answer(
                    probe.status,
                    probe.content_type(),
                    &probe.body,
                ))
            }
            other => other,
        }
    }

    /// The caller's namespaces: their own and their organizations.
    pub async fn namespaces(&self) -> Result<Vec<QuayNamespace>, QuayError> {
        Ok(namespaces_of(&self.verify().await?))
    }

    /// The teams of an organization in Quay's order (oldest first), for choosing the team a
    /// `quay_notification` goes to. Quay shows teams only to members of the organization, so
    /// the list is empty for anyone else (such as an admin of a single repository); a user's
    /// namespace is [`QuayError::NotFound`].
    pub async fn teams(&self, org: &str) -> Result<Vec<QuayTeam>, QuayError> {
        let path = paths::organization(org)?;
        // The namespace-level read closest to this one maps the errors; a 404 is about the
        // organization, not a namespace's repository list.
        let answer = match self.get(Op::ListRepositories, &path, &[]).await {
            Err(QuayError::NotFound { .. }) => {
                return Err(QuayError::NotFound {
                    what: "organization",
                })
            }
            other => other?,
        };
        let found: QuayOrganization = decode::decode_json(&answer.body, "the organization")?;
        let teams = found.teams_in_order();
        if teams.is_empty() && !found.is_member {
            // Quay hides teams from outsiders, from a dropped token, and from a member's token
            // whose scopes cap their role to none; only the account read tells them apart.
            let user = self.confirm_not_anonymous().await?;
            if user.is_some_and(|u| u.organizations.iter().any(|o| o.name == org)) {
                return Err(QuayError::OrgScopeMissing {
                    org: org.to_owned(),
                });
            }
        }
        Ok(teams)
    }

    /// Quay answers some reads of a dropped (revoked, expired) token as if anonymous, with 200:
    /// the repository list shows public repositories only, an organization no teams. Before an
    /// empty answer is shown as "nothing here", the token itself is checked. Returns the account
    /// when the token may read it.
    async fn confirm_not_anonymous(&self) -> Result<Option<QuayUser>, QuayError> {
        match self.verify().await {
            Ok(user) => Ok(Some(user)),
            Err(QuayError::NoUserReadScope) => Ok(None),
            Err(QuayError::TokenRejectedOrNoUserRead) => Err(QuayError::TokenRejected),
            Err(e) => Err(e),
        }
    }

    /// Every repository of a namespace, across all pages.
    pub async fn repositories(&self, namespace: &str) -> Result<Vec<QuayRepository>, QuayError> {
        self.repositories_with_progress(namespace, |_| {}).await
    }

    /// [`QuayClient::repositories`], reporting the repositories fetched so far after each page
    /// (Quay never tells the total, so [`Progress::total`] stays `None`).
    pub async fn repositories_with_progress(
        &self,
        namespace: &str,
        mut progress: impl FnMut(Progress),
    ) -> Result<Vec<QuayRepository>, QuayError> {
        let mut paging = RepositoryPaging::new();
        let mut cursor: Option<String> = None;
        let mut all = Vec::new();
        loop {
            let query = paths::repositories_query(namespace, cursor.as_deref())?;
            let answer = self
                .get(Op::ListRepositories, paths::REPOSITORIES, &query)
                .await?;
            let page: QuayRepositoryPage =
                decode::decode_json(&answer.body, "the repository list")?;
            cursor = paging.next(&page)?;
            all.extend(page.repositories);
            progress(Progress {
                done: u32::try_from(all.len()).unwrap_or(u32::MAX),
                total: None,
            });
            if cursor.is_none() {
                if all.is_empty() {
                    self.confirm_not_anonymous().await?;
                }
                return Ok(all);
            }
        }
    }

    /// A repository's detail, without embedded tags; `can_admin` tells whether the
    /// notification calls will be allowed.
    pub async fn repository(&self, repo: &QuayRepoRef) -> Result<QuayRepositoryDetail, QuayError> {
        let query = paths::repository_query().map(|(k, v)| (k, v.to_owned()));
        let answer = self
            .get(Op::GetRepository, &paths::repository(repo)?, &query)
            .await?;
        decode::decode_json(&answer.body, "the repository")
    }

    /// Every live tag of a repository, newest first, across all pages.
    pub async fn tags(&self, repo: &QuayRepoRef) -> Result<Vec<QuayTag>, QuayError> {
        let path = paths::tags(repo)?;
        let mut page_number = 1;
        let mut all = Vec::new();
        loop {
            let query = paths::tags_query(page_number, TAG_PAGE_SIZE)?;
            let answer = self.get(Op::ListTags, &path, &query).await?;
            let page: QuayTagPage = decode::decode_json(&answer.body, "the tag list")?;
            let next = next_tag_page(&page);
            all.extend(page.tags);
            match next {
                Some(n) if n as usize > crate::http::MAX_PAGES => {
                    return Err(QuayError::TooManyPages { what: "tags" })
                }
                Some(n) if n > page_number => page_number = n,
                _ => return Ok(all),
            }
        }
    }

    /// What this server has switched off (its public `GET /config`).
    pub async fn features(&self) -> Result<QuayFeatures, QuayError> {
        let answer = self.get(Op::GetConfig, "/config", &[]).await?;
        QuayFeatures::from_config(&answer.body).map_err(|e| QuayError::Decode {
            what: "the server's configuration",
            reason: e.to_string(),
        })
    }

    /// One page of a repository's live tags, newest first (`page` from 1; at most 100 a page),
    /// and whether another page follows.
    pub async fn tags_page(
        &self,
        repo: &QuayRepoRef,
        page: u32,
        limit: u32,
    ) -> Result<QuayTagPage, QuayError> {
        let query = paths::tags_query(page, limit)?;
        let answer = self.get(Op::ListTags, &paths::tags(repo)?, &query).await?;
        decode::decode_json(&answer.body, "the tag list")
    }

    /// Creates a repository (201 `{namespace, name, kind}`). The caller confirms it by reading
    /// the repository back.
    pub async fn create_repository(
        &self,
        request: &CreateRepositoryRequest,
    ) -> Result<(), QuayError> {
        let answer = self
            .send(Method::POST, paths::REPOSITORIES, &[], Some(request))
            .await?;
        ok(answer, Op::CreateRepository)?;
        Ok(())
    }

    /// Makes a repository public or private (200 `{"success": true}`).
    pub async fn change_visibility(
        &self,
        repo: &QuayRepoRef,
        public: bool,
    ) -> Result<(), QuayError> {
        let body = ChangeVisibilityRequest {
            visibility: Visibility::from_public(public),
        };
        let path = paths::change_visibility(repo)?;
        ok(
            self.send(Method::POST, &path, &[], Some(&body)).await?,
            Op::ChangeVisibility,
        )?;
        Ok(())
    }

    /// Replaces a repository's description (Markdown source; empty clears it).
    pub async fn set_description(
        &self,
        repo: &QuayRepoRef,
        description: &str,
    ) -> Result<(), QuayError> {
        let body = UpdateDescriptionRequest {
            description: description.to_owned(),
        };
        let path = paths::repository(repo)?;
        ok(
            self.send(Method::PUT, &path, &[], Some(&body)).await?,
            Op::UpdateDescription,
        )?;
        Ok(())
    }

    /// Deletes a repository with its tags and notifications (204).
    pub async fn delete_repository(&self, repo: &QuayRepoRef) -> Result<(), QuayError> {
        let path = paths::repository(repo)?;
        ok(
            self.send(Method::DELETE, &path, &[], None::<&()>).await?,
            Op::DeleteRepository,
        )?;
        Ok(())
    }

    /// All notifications of a repository.
    pub async fn notifications(
        &self,
        repo: &QuayRepoRef,
    ) -> Result<Vec<QuayNotification>, QuayError> {
        let answer = self
            .get(Op::ListNotifications, &paths::notifications(repo)?, &[])
            .await?;
        let list: QuayNotificationList =
            decode::decode_json(&answer.body, "the notification list")?;
        Ok(list.notifications)
    }

    /// The notifications of many repositories, at most `concurrency` requests at a time, in
    /// the order given; each repository keeps its own error (a 403 on one hides no other).
    pub async fn notifications_of(
        &self,
        repos: Vec<QuayRepoRef>,
        concurrency: usize,
        progress: impl FnMut(Progress),
    ) -> Vec<(QuayRepoRef, Result<Vec<QuayNotification>, QuayError>)> {
        listing::bounded(
            repos,
            concurrency,
            |repo| async move { self.notifications(&repo).await },
            progress,
        )
        .await
    }

    /// One notification. Quay looks it up by UUID alone, so this does not prove it belongs to
    /// `repo`; compare with [`QuayClient::notifications`] for that.
    pub async fn notification(
        &self,
        repo: &QuayRepoRef,
        uuid: &str,
    ) -> Result<QuayNotification, QuayError> {
        let answer = self
            .get(Op::GetNotification, &paths::notification(repo, uuid)?, &[])
            .await?;
        decode::decode_json(&answer.body, "the notification")
    }

    /// Validates a draft and creates the notification; Quay allows duplicates, so the caller
    /// decides whether one with the same title already exists.
    pub async fn create_notification(
        &self,
        repo: &QuayRepoRef,
        draft: &QuayNotificationDraft,
    ) -> Result<QuayNotification, QuayError> {
        let request = validate_create(repo, draft)?;
        let sent = self
            .send(
                Method::POST,
                &paths::notifications(repo)?,
                &[],
                Some(&request),
            )
            .await?;
        let answer = match ok(sent, Op::CreateNotification) {
            Err(e @ QuayError::Server { status: 500, .. }) => {
                return Err(self.explain_create_failure(repo, e).await)
            }
            other => other?,
        };
        decode::decode_json(&answer.body, "the new notification")
    }

    /// Checks that `uuid` is one of `repo`'s notifications. Quay finds a notification by UUID
    /// alone for a test (and a GET), whatever repository the path names, so a UUID of another
    /// repository would be tested there and reported here.
    async fn ensure_listed(&self, repo: &QuayRepoRef, uuid: &str) -> Result<(), QuayError> {
        let uuid = validate_uuid(uuid)?;
        if self
            .notifications(repo)
            .await?
            .iter()
            .any(|n| n.uuid.eq_ignore_ascii_case(&uuid))
        {
            Ok(())
        } else {
            Err(QuayError::NotificationNotFound)
        }
    }

    /// Quay answers a create in a repository that does not exist with an HTML 500 when the
    /// caller administers the organization; the same 500 comes for an event or method it cannot
    /// handle. Reading the repository tells the two apart.
    async fn explain_create_failure(&self, repo: &QuayRepoRef, failure: QuayError) -> QuayError {
        match self.repository(repo).await {
            Err(QuayError::Forbidden { .. } | QuayError::NotFound { .. }) => {
                QuayError::NoSuchRepository {
                    repository: format!("{}/{}", repo.namespace, repo.name),
                }
            }
            _ => failure,
        }
    }

    /// Queues a test delivery with sample data, for a notification listed under `repo`. Quay
    /// only queues it: a disabled notification silently sends nothing, and a failed test
    /// counts as a failure.
    pub async fn test_notification(&self, repo: &QuayRepoRef, uuid: &str) -> Result<(), QuayError> {
        self.ensure_listed(repo, uuid).await?;
        let path = paths::notification_test(repo, uuid)?;
        ok(
            self.send(Method::POST, &path, &[], None::<&()>).await?,
            Op::TestNotification,
        )?;
        Ok(())
    }

    /// Sets the failure count to 0 of a notification listed under `repo`, which enables a
    /// disabled notification. Events missed while it was disabled are not replayed.
    pub async fn reset_notification_failures(
        &self,
        repo: &QuayRepoRef,
        uuid: &str,
    ) -> Result<(), QuayError> {
        self.ensure_listed(repo, uuid).await?;
        let path = paths::notification(repo, uuid)?;
        ok(
            self.send(Method::POST, &path, &[], None::<&()>).await?,
            Op::ResetNotification,
        )?;
        Ok(())
    }

    /// Deletes a notification listed under `repo`.
    pub async fn delete_notification(
        &self,
        repo: &QuayRepoRef,
        uuid: &str,
    ) -> Result<(), QuayError> {
        self.ensure_listed(repo, uuid).await?;
        let path = paths::notification(repo, uuid)?;
        ok(
            self.send(Method::DELETE, &path, &[], None::<&()>).await?,
            Op::DeleteNotification,
        )?;
        Ok(())
    }

    /// Whether Quay may e-mail `email` for `repo`; `None` when no confirmation was ever asked.
    pub async fn authorized_email(
        &self,
        repo: &QuayRepoRef,
        email: &str,
    ) -> Result<Option<QuayAuthorizedEmail>, QuayError> {
        let answer = self
            .send(
                Method::GET,
                &paths::authorized_email(repo, email)?,
                &[],
                None::<&()>,
            )
            .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let answer = ok(answer, Op::AuthorizeEmail)?;
        decode::decode_json(&answer.body, "the e-mail authorization").map(Some)
    }

    /// Has Quay send the confirmation e-mail (unless already confirmed); the recipient must
    /// click its link before an e-mail notification can be created.
    pub async fn authorize_email(
        &self,
        repo: &QuayRepoRef,
        email: &str,
    ) -> Result<QuayAuthorizedEmail, QuayError> {
        let path = paths::authorized_email(repo, email)?;
        let answer = ok(
            self.send(Method::POST, &path, &[], None::<&()>).await?,
            Op::AuthorizeEmail,
        )?;
        decode::decode_json(&answer.body, "the e-mail authorization")
    }
}

/// Checks a Quay address and returns it without a trailing slash (or a pasted `/api/v1`).
pub fn normalize_base_url(base_url: &str) -> Result<String, QuayValidationError> {
    let base = check_base_url(base_url).map_err(QuayValidationError::InvalidServerUrl)?;
    Ok(base
        .strip_suffix(paths::API_PREFIX)
        .unwrap_or(&base)
        .to_owned())
}

fn network_error(err: reqwest::Error) -> QuayError {
    QuayError::Network(NetworkFailure::from_reqwest(err))
}
