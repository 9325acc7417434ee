//! The HTTP client: Basic auth, one deadline per operation, GET-only retries, bounded answers,
//! paging, and the signed retry.
//!
//! Cancellation: every operation is a plain future that owns its request. Dropping it (the app's
//! "Cancel" on a long listing) closes the request's connection and stops any retry or backoff
//! wait at once; the client spawns no task per request, so nothing keeps running afterwards.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt as _};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;
use url::Url;

use crate::error::{ApiError, Error};
use crate::models::{
    CustomerId, ErrorBody, ExternalAccount, InternalAccount, InternalAccountId,
    InternalAccountType, InternalAccountUpdateRequest, Page, PlatformInternalAccountListResponse,
    SandboxFundRequest, SignedRequestChallenge,
};
use crate::money::{format_minor_units, MAX_FUND_AMOUNT};
use crate::secret::{Credentials, Secret};

/// Grid's production base URL for the API version this client speaks.
pub const DEFAULT_BASE_URL: &str = "https://api.lightspark.com/grid/2025-10-13";
/// The `code` of the [`ApiError`] for a 3xx answer (never followed; not one of Grid's codes).
pub const REDIRECT_REFUSED: &str = "REDIRECT_REFUSED";
/// The largest page Grid serves.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The most of one answer the client reads: 16 MiB, far beyond a page of 100 accounts (well
/// under 1 MiB). A larger answer is refused while it is read, never held in memory.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Grid's error messages and codes (and decode errors) are cut to this many characters, the
/// last one an ellipsis, when the error is built: they reach the window and logs.
pub const MAX_ERROR_MESSAGE_CHARS: usize = 500;
/// The longest id put in a URL path. Grid's ids are a type name and a UUID (about 50
/// characters).
pub const MAX_ID_CHARS: usize = 1_000;

/// When and how GETs are retried. POSTs and PATCHes are never retried automatically.
///
/// A GET is retried on connection errors, 429 and 5xx, never after a timeout: a server that
/// stayed silent for a whole attempt rarely answers the next one sooner, and retrying would
/// spend the rest of the operation's [`ClientConfig::deadline`] on the same silence — the
/// person can refresh at a click. Every wait ends within the deadline: a backoff or a
/// `Retry-After` that would not ends the operation at once with the last error.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// First backoff; doubles each retry.
    pub base_delay: Duration,
    /// Cap on any single backoff wait. A server's `Retry-After` longer than this (or than the
    /// time left before the deadline) is not shortened: the GET stops and returns the error
    /// with its `retry_after`, so the caller can say how long Grid asks to wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// Everything needed to build a [`GridClient`]. `Debug` prints no credential.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub credentials: Credentials,
    /// The most one attempt may wait for a connection (within the deadline).
    pub connect_timeout: Duration,
    /// The most one operation (a list page, a fund, one step of the PATCH) may take, every
    /// attempt, backoff wait and the reading of the answer included. Past it the operation
    /// ends with [`Error::MaybeSent`]. Default 30 seconds.
    pub deadline: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            base_url: base_url.into(),
            credentials,
            connect_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// Filters for `GET /platform/internal-accounts`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformAccountFilter {
    pub currency: Option<String>,
    pub account_type: Option<InternalAccountType>,
}

/// Filters for `GET /customers/internal-accounts`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerAccountFilter {
    pub customer_id: Option<CustomerId>,
    pub currency: Option<String>,
    pub account_type: Option<InternalAccountType>,
}

/// Filters for `GET /platform/external-accounts` and `GET /customers/external-accounts`
/// (`customer_id` applies to the customer list only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExternalAccountFilter {
    pub customer_id: Option<CustomerId>,
    pub currency: Option<String>,
}

/// Which page to fetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRequest {
    /// 1..=100; Grid's default (20) when `None`.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The answer to step 1 of `PATCH /internal-accounts/{id}`.
// One value per user action: boxing the account would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOutcome {
    /// Applied without a signature (200).
    Updated(InternalAccount),
    /// Grid wants a signed retry (202).
    ChallengeIssued(SignedRequestChallenge),
}

/// A Grid API client. Cheap to clone (the connection pool is shared). Every method is bounded
/// by [`ClientConfig::deadline`] and [`MAX_RESPONSE_BYTES`], and stops when its future is dropped.
#[derive(Clone)]
pub struct GridClient {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    retry: RetryPolicy,
    deadline: Duration,
}

impl std::fmt::Debug for GridClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GridClient")
            .field("base", &self.base.as_str())
            .field("authorization", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Checks a base URL: `https://` anywhere, plain `http://` only to this machine.
pub fn validate_base_url(text: &str) -> Result<Url, Error> {
    let mut url = Url::parse(text.trim()).map_err(|_| {
        Error::not_sent(format!(
            "\"{text}\" is not a valid address. It should look like {DEFAULT_BASE_URL}."
        ))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::not_sent(
                "Grid must be reached over https://. Plain http:// is only allowed to this computer (127.0.0.1 or localhost).",
            ))
        }
        other => {
            return Err(Error::not_sent(format!(
                "Unsupported address scheme \"{other}\": use https://."
            )))
        }
    }
    if url.host().is_none() || url.cannot_be_a_base() {
        return Err(Error::not_sent(format!("\"{text}\" has no host name.")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::not_sent(
            "Do not put credentials in the address; enter them as token id and client secret.",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::not_sent(
            "The base URL must not contain '?' or '#' parts.",
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn check_limit(page: &PageRequest) -> Result<(), Error> {
    match page.limit {
        Some(limit) if !(1..=MAX_PAGE_SIZE).contains(&limit) => Err(Error::not_sent(format!(
            "Page size must be between 1 and {MAX_PAGE_SIZE}; got {limit}."
        ))),
        _ => Ok(()),
    }
}

/// An id goes into the URL as one path segment, never as a path: anything that could change
/// the route (`.`/`..`, which URL parsers drop, or `/`, `?`, `#`, `%`, `\\`, whitespace, control
/// characters) is refused before anything is sent.
fn check_id<'a>(id: &'a str, what: &str) -> Result<&'a str, Error> {
    let refuse = |why: String| {
        Err(Error::not_sent(format!(
            "That {what} id cannot be used: {why}"
        )))
    };
    let length = id.chars().count();
    if id.trim().is_empty() {
        return refuse("it is empty.".to_owned());
    }
    if id == "." || id == ".." {
        return refuse(format!(
            "\"{id}\" would change the address the request goes to."
        ));
    }
    if length > MAX_ID_CHARS {
        let grouped = |n: usize| format_minor_units(i64::try_from(n).unwrap_or(i64::MAX), 0);
        return refuse(format!(
            "it is {} characters long; Grid's ids are at most {}.",
            grouped(length),
            grouped(MAX_ID_CHARS)
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%' | '\\'))
    {
        let shown = if c.is_control() {
            "an invisible control character".to_owned()
        } else if c.is_whitespace() {
            "a space".to_owned()
        } else {
            format!("\"{c}\"")
        };
        return refuse(format!(
            "it contains {shown}, which is never part of a Grid id and would change the address the request goes to."
        ));
    }
    Ok(id)
}

/// "30 seconds", "1 second", "400 ms".
fn describe_duration(duration: Duration) -> String {
    match duration.as_secs() {
        1 if duration.subsec_millis() == 0 => "1 second".to_owned(),
        secs if secs >= 1 && duration.subsec_millis() == 0 => format!("{secs} seconds"),
        _ => format!("{} ms", duration.as_millis()),
    }
}

impl GridClient {
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let base = validate_base_url(&config.base_url)?;
        if config.credentials.token_id.trim().is_empty()
            || config.credentials.client_secret.is_empty()
        {
            return Err(Error::not_sent(
                "Both the API token id and the client secret are needed.",
            ));
        }
        let header: Secret = config.credentials.basic_header();
        let mut authorization = HeaderValue::from_str(header.expose()).map_err(|_| {
            Error::not_sent(
                "The token id or client secret contains characters that cannot be sent.",
            )
        })?;
        authorization.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        // No per-request timeout here: one deadline per operation covers every attempt.
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .default_headers(headers)
            .user_agent(concat!("grid-desk/", env!("CARGO_PKG_VERSION")))
            // Never follow a redirect: it could take an https base URL (and the Basic
            // credentials) to plain http or another host. A 3xx is reported as an error.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::not_sent(format!("Could not set up HTTP: {e}")))?;
        Ok(Self {
            http,
            base,
            authorization,
            retry: config.retry,
            deadline: config.deadline,
        })
    }

    /// The base URL requests go to (always ends with `/`).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn url(&self, segments: &[&str], query: &[(&str, Option<String>)]) -> Url {
        let mut url = self.base.clone();
        {
            // `base` is validated to be a base URL, so this cannot fail.
            if let Ok(mut path) = url.path_segments_mut() {
                path.pop_if_empty().extend(segments);
            }
        }
        let pairs: Vec<(&str, &str)> = query
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v)))
            .collect();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        url
    }

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1_u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.retry
            .base_delay
            .saturating_mul(factor)
            .min(self.retry.max_delay)
    }

    /// When an operation starting now must end (a year ahead at most, so any configured
    /// deadline is safe to add).
    fn deadline_from_now(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.deadline)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
    }

    /// Runs one operation until `deadline`; past it the operation's future is dropped (its
    /// connection closed) and the answer is unknown.
    async fn within_deadline<T>(
        &self,
        deadline: Instant,
        what: &str,
        operation: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        tokio::time::timeout_at(deadline, operation)
            .await
            .unwrap_or_else(|_| {
                Err(Error::MaybeSent {
                    message: format!(
                        "{what}: Grid did not answer within {}.",
                        describe_duration(self.deadline)
                    ),
                })
            })
    }

    /// GET with bounded retries on connection errors, 429 and 5xx, all within one deadline.
    async fn get<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<T, Error> {
        let deadline = self.deadline_from_now();
        self.within_deadline(deadline, what, self.get_with_retries(url, what, deadline))
            .await
    }

    async fn get_with_retries<T: DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
        deadline: Instant,
    ) -> Result<T, Error> {
        // A wait that would end at or past the deadline is not started.
        let fits = |wait: Duration| {
            Instant::now()
                .checked_add(wait)
                .is_some_and(|end| end < deadline)
        };
        let mut retry = 0;
        loop {
            let sent = self
                .http
                .get(url.clone())
                .header(AUTHORIZATION, self.authorization.clone())
                .send()
                .await;
            let may_retry = retry < self.retry.max_retries;
            let wait = match sent {
                // Never after a timeout (see `RetryPolicy`).
                Err(err) if err.is_timeout() => return Err(Error::from_transport(&err, what)),
                Err(err) if may_retry && (err.is_connect() || err.is_request()) => {
                    let wait = self.backoff(retry);
                    if !fits(wait) {
                        return Err(Error::from_transport(&err, what));
                    }
                    wait
                }
                Err(err) => return Err(Error::from_transport(&err, what)),
                Ok(response) => {
                    let status = response.status();
                    let retryable =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !(retryable && may_retry) {
                        return read_response(response, what).await;
                    }
                    let wait = match retry_after(response.headers()) {
                        Some(wait) => wait,
                        None => self.backoff(retry),
                    };
                    if wait > self.retry.max_delay || !fits(wait) {
                        // Retrying sooner than Grid asked would only be refused again, and a
                        // wait past the deadline would end in a timeout: hand back the error
                        // (with Grid's wait, if it gave one) for the caller to show.
                        return read_response(response, what).await;
                    }
                    wait
                }
            };
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// A single attempt with a JSON body; never retried (the caller decides what an unknown
    /// outcome means).
    async fn send_once<B: Serialize>(
        &self,
        method: Method,
        url: Url,
        body: &B,
        headers: HeaderMap,
        what: &str,
    ) -> Result<reqwest::Response, Error> {
        self.http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone())
            .headers(headers)
            .json(body)
            .send()
            .await
            .map_err(|err| Error::from_transport(&err, what))
    }

    /// `GET /platform/internal-accounts`.
    pub async fn list_platform_internal_accounts(
        &self,
        filter: &PlatformAccountFilter,
    ) -> Result<Vec<InternalAccount>, Error> {
        let url = self.url(
            &["platform", "internal-accounts"],
            &[
                ("currency", filter.currency.clone()),
                ("type", filter.account_type.as_ref().map(|t| t.to_string())),
            ],
        );
        let list: PlatformInternalAccountListResponse =
            self.get(url, "Loading platform accounts").await?;
        Ok(list.data)
    }

    /// `GET /customers/internal-accounts`, one page.
    pub async fn list_customer_internal_accounts(
        &self,
        filter: &CustomerAccountFilter,
        page: &PageRequest,
    ) -> Result<Page<InternalAccount>, Error> {
        check_limit(page)?;
        let url = self.url(
            &["customers", "internal-accounts"],
            &[
                (
                    "customerId",
                    filter.customer_id.as_ref().map(|c| c.0.clone()),
                ),
                ("currency", filter.currency.clone()),
                ("type", filter.account_type.as_ref().map(|t| t.to_string())),
                ("limit", page.limit.map(|l| l.to_string())),
                ("cursor", page.cursor.clone()),
            ],
        );
        self.get(url, "Loading customer accounts").await
    }

    /// `GET /platform/external-accounts`, one page.
    pub async fn list_platform_external_accounts(
        &self,
        filter: &ExternalAccountFilter,
        page: &PageRequest,
    ) -> Result<Page<ExternalAccount>, Error> {
        check_limit(page)?;
        let url = self.url(
            &["platform", "external-accounts"],
            &[
                ("currency", filter.currency.clone()),
                ("limit", page.limit.map(|l| l.to_string())),
                ("cursor", page.cursor.clone()),
            ],
        );
        self.get(url, "Loading platform external accounts").await
    }

    /// `GET /customers/external-accounts`, one page.
    pub async fn list_customer_external_accounts(
        &self,
        filter: &ExternalAccountFilter,
        page: &PageRequest,
    ) -> Result<Page<ExternalAccount>, Error> {
        check_limit(page)?;
        let url = self.url(
            &["customers", "external-accounts"],
            &[
                (
                    "customerId",
                    filter.customer_id.as_ref().map(|c| c.0.clone()),
                ),
                ("currency", filter.currency.clone()),
                ("limit", page.limit.map(|l| l.to_string())),
                ("cursor", page.cursor.clone()),
            ],
        );
        self.get(url, "Loading customer external accounts").await
    }

    /// Every page of customer internal accounts, `limit` per page.
    pub fn customer_internal_account_pages(
        &self,
        filter: CustomerAccountFilter,
        limit: u32,
    ) -> BoxStream<'static, Result<Page<InternalAccount>, Error>> {
        let client = self.clone();
        all_pages(move |cursor| {
            let client = client.clone();
            let filter = filter.clone();
            async move {
                let page = PageRequest {
                    limit: Some(limit),
                    cursor,
                };
                client.list_customer_internal_accounts(&filter, &page).await
            }
        })
        .boxed()
    }

    /// Every page of platform (`customer_id: None`) or customer external accounts.
    pub fn external_account_pages(
        &self,
        platform: bool,
        filter: ExternalAccountFilter,
        limit: u32,
    ) -> BoxStream<'static, Result<Page<ExternalAccount>, Error>> {
        let client = self.clone();
        all_pages(move |cursor| {
            let client = client.clone();
            let filter = filter.clone();
            async move {
                let page = PageRequest {
                    limit: Some(limit),
                    cursor,
                };
                if platform {
                    client.list_platform_external_accounts(&filter, &page).await
                } else {
                    client.list_customer_external_accounts(&filter, &page).await
                }
            }
        })
        .boxed()
    }

    /// `POST /sandbox/internal-accounts/{id}/fund`. Sent exactly once: on
    /// [`Error::MaybeSent`] re-read the account before deciding anything.
    pub async fn fund_sandbox_internal_account(
        &self,
        account_id: &InternalAccountId,
        amount: i64,
    ) -> Result<InternalAccount, Error> {
        let account_id = check_id(account_id.as_str(), "account")?;
        if amount <= 0 {
            return Err(Error::not_sent("The amount must be more than zero."));
        }
        if amount > MAX_FUND_AMOUNT {
            return Err(Error::not_sent(format!(
                "The amount is too large: at most {MAX_FUND_AMOUNT} smallest units can be added at once."
            )));
        }
        let url = self.url(&["sandbox", "internal-accounts", account_id, "fund"], &[]);
        let what = "Funding the account";
        let deadline = self.deadline_from_now();
        self.within_deadline(deadline, what, async {
            let response = self
                .send_once(
                    Method::POST,
                    url,
                    &SandboxFundRequest { amount },
                    HeaderMap::new(),
                    what,
                )
                .await?;
            read_response(response, what).await
        })
        .await
    }

    /// Step 1 of `PATCH /internal-accounts/{id}`: usually answers with a challenge to sign.
    pub async fn update_internal_account(
        &self,
        account_id: &InternalAccountId,
        update: &InternalAccountUpdateRequest,
    ) -> Result<UpdateOutcome, Error> {
        let account_id = check_id(account_id.as_str(), "account")?;
        if update.is_empty() {
            return Err(Error::not_sent("Choose at least one setting to change."));
        }
        let what = "Updating the account";
        let url = self.url(&["internal-accounts", account_id], &[]);
        let deadline = self.deadline_from_now();
        self.within_deadline(deadline, what, async {
            let response = self
                .send_once(Method::PATCH, url, update, HeaderMap::new(), what)
                .await?;
            if response.status() == StatusCode::ACCEPTED {
                return read_response(response, what)
                    .await
                    .map(UpdateOutcome::ChallengeIssued);
            }
            read_response(response, what)
                .await
                .map(UpdateOutcome::Updated)
        })
        .await
    }

    /// Step 2: the same PATCH and body with `Grid-Wallet-Signature` and `Request-Id`.
    pub async fn complete_internal_account_update(
        &self,
        account_id: &InternalAccountId,
        update: &InternalAccountUpdateRequest,
        request_id: &str,
        stamp: &str,
    ) -> Result<InternalAccount, Error> {
        let account_id = check_id(account_id.as_str(), "account")?;
        if update.is_empty() {
            return Err(Error::not_sent("Choose at least one setting to change."));
        }
        let header = |name: &str, value: &str| {
            HeaderValue::from_str(value.trim()).map_err(|_| {
                Error::not_sent(format!(
                    "The {name} contains characters that cannot be sent."
                ))
            })
        };
        if stamp.trim().is_empty() {
            return Err(Error::not_sent("The signature (stamp) is empty."));
        }
        if request_id.trim().is_empty() {
            return Err(Error::not_sent("The challenge's request id is empty."));
        }
        let mut headers = HeaderMap::new();
        headers.insert("Grid-Wallet-Signature", header("signature", stamp)?);
        headers.insert("Request-Id", header("request id", request_id)?);
        let what = "Completing the signed update";
        let url = self.url(&["internal-accounts", account_id], &[]);
        let deadline = self.deadline_from_now();
        self.within_deadline(deadline, what, async {
            let response = self
                .send_once(Method::PATCH, url, update, headers, what)
                .await?;
            if response.status() == StatusCode::ACCEPTED {
                return Err(Error::Decode {
                    path: ".".into(),
                    message: "Grid issued a new challenge instead of applying the signed update"
                        .into(),
                    body_excerpt: String::new(),
                });
            }
            read_response(response, what).await
        })
        .await
    }
}

/// Parses `Retry-After` given in seconds (Grid's form); dates are ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn excerpt(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(MAX_ERROR_MESSAGE_CHARS * 4)];
    ellipsize(&String::from_utf8_lossy(head), MAX_ERROR_MESSAGE_CHARS)
}

/// `text` as is when it has at most `max_chars` characters, otherwise its first
/// `max_chars - 1` and "…": for texts from Grid that reach people, never for values to copy.
pub fn ellipsize(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some(_) => {
            let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
            cut.push('\u{2026}');
            cut
        }
    }
}

/// "Grid's answer is larger than 16 MiB; Grid Desk stopped reading it."
fn too_large(what: &str) -> Error {
    Error::MaybeSent {
        message: format!(
            "{what}: Grid's answer is larger than {} MiB; Grid Desk stopped reading it.",
            MAX_RESPONSE_BYTES / (1024 * 1024)
        ),
    }
}

/// The body, read chunk by chunk and never more than [`MAX_RESPONSE_BYTES`] of it, whatever
/// `Content-Length` says (or whether it says anything). A larger answer is an unknown outcome:
/// the request reached Grid, but its answer cannot be used.
async fn read_body(mut response: reqwest::Response, what: &str) -> Result<Vec<u8>, Error> {
    let declared = response.content_length().unwrap_or(0);
    if declared > MAX_RESPONSE_BYTES as u64 {
        return Err(too_large(what));
    }
    let dropped = || Error::MaybeSent {
        message: format!("{what}: the connection dropped while Grid was answering."),
    };
    // `declared` is at most the cap here; a false one only costs a smaller first allocation.
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|_| dropped())? {
        if chunk.len() > MAX_RESPONSE_BYTES - body.len() {
            return Err(too_large(what));
        }
        if body.capacity() - body.len() < chunk.len() {
            // Grow by doubling, but never past the cap.
            let wanted = (body.capacity() * 2)
                .max(body.len() + chunk.len())
                .min(MAX_RESPONSE_BYTES);
            body.reserve_exact(wanted - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Decodes a 2xx body as `T`, or an error body as [`ApiError`].
async fn read_response<T: DeserializeOwned>(
    response: reqwest::Response,
    what: &str,
) -> Result<T, Error> {
    let status = response.status();
    let wait = retry_after(response.headers());
    let request_id = request_id(response.headers());
    if status.is_redirection() {
        return Err(redirect_refused(&response, what, request_id));
    }
    let bytes = read_body(response, what).await?;
    if status.is_success() {
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        return serde_path_to_error::deserialize(&mut de).map_err(|err| Error::Decode {
            path: ellipsize(&err.path().to_string(), MAX_ERROR_MESSAGE_CHARS),
            message: ellipsize(&err.inner().to_string(), MAX_ERROR_MESSAGE_CHARS),
            body_excerpt: excerpt(&bytes),
        });
    }
    let mut body = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_else(|_| ErrorBody {
        status: status.as_u16(),
        code: format!("HTTP_{}", status.as_u16()),
        message: format!(
            "Grid answered \"{}\" without a readable error message.",
            status.canonical_reason().unwrap_or("error")
        ),
        details: None,
    });
    body.message = ellipsize(&body.message, MAX_ERROR_MESSAGE_CHARS);
    body.code = ellipsize(&body.code, MAX_ERROR_MESSAGE_CHARS);
    Err(ApiError {
        http_status: status.as_u16(),
        body,
        retry_after: wait,
        request_id,
    }
    .into())
}

/// Grid's id for the request (`request-id`, or `x-request-id`), for a support ticket.
fn request_id(headers: &HeaderMap) -> Option<String> {
    ["request-id", "x-request-id"].iter().find_map(|name| {
        headers
            .get(*name)?
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    })
}

/// A 3xx answer: redirects are never followed (see `GridClient::new`).
fn redirect_refused(response: &reqwest::Response, what: &str, request_id: Option<String>) -> Error {
    let status = response.status();
    let target = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map_or_else(
            || "another address".to_owned(),
            |l| format!("\"{}\"", ellipsize(l, 200)),
        );
    ApiError {
        http_status: status.as_u16(),
        body: ErrorBody {
            status: status.as_u16(),
            code: REDIRECT_REFUSED.to_owned(),
            message: format!(
                "{what}: Grid answered with a redirect (HTTP {}) to {target}. Grid Desk does not \
                 follow redirects, so credentials never go to an address you did not enter. \
                 Check the base URL.",
                status.as_u16()
            ),
            details: None,
        },
        retry_after: None,
        request_id,
    }
    .into()
}

/// Follows `nextCursor` until `hasMore` is false. Stops (after yielding the page) when Grid
/// says there is more but sends no cursor, or repeats one, so it can never loop forever.
pub fn all_pages<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<Page<T>, Error>> + Send
where
    T: Send,
    F: FnMut(Option<String>) -> Fut + Send,
    Fut: Future<Output = Result<Page<T>, Error>> + Send,
{
    struct State<F> {
        fetch: F,
        next: Option<Option<String>>,
        seen: std::collections::HashSet<String>,
    }
    let state = State {
        fetch,
        next: Some(None),
        seen: std::collections::HashSet::new(),
    };
    futures::stream::unfold(state, |mut state| async move {
        let cursor = state.next.take()?;
        match (state.fetch)(cursor).await {
            Err(err) => Some((Err(err), state)),
            Ok(page) => {
                if page.has_more {
                    if let Some(next) = page.next_cursor.clone().filter(|c| !c.is_empty()) {
                        if state.seen.insert(next.clone()) {
                            state.next = Some(Some(next));
                        }
                    }
                }
                Some((Ok(page), state))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(validate_base_url(DEFAULT_BASE_URL).is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://localhost:1/grid").is_ok());
        assert!(validate_base_url("http://[::1]:9/").is_ok());
        for bad in [
            "http://api.lightspark.com/grid",
            "http://10.0.0.1/",
            "ftp://example.com",
            "not a url",
            "https://user:pw@example.com",
            "https://example.com/?x=1",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad} must be refused");
        }
        let url = validate_base_url("https://example.com/grid/2025-10-13").expect("valid");
        assert_eq!(url.as_str(), "https://example.com/grid/2025-10-13/");
    }

    fn client() -> GridClient {
        GridClient::new(ClientConfig::new(
            "https://example.com/grid/2025-10-13",
            Credentials::new("id", "secret"),
        ))
        .expect("client")
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_ids() {
        let c = client();
        let url = c.url(
            &[
                "sandbox",
                "internal-accounts",
                "InternalAccount:a/b c",
                "fund",
            ],
            &[("currency", Some("USD".into())), ("cursor", None)],
        );
        assert_eq!(
            url.as_str(),
            "https://example.com/grid/2025-10-13/sandbox/internal-accounts/InternalAccount:a%2Fb%20c/fund?currency=USD"
        );
    }

    #[test]
    fn debug_hides_the_authorization() {
        let printed = format!("{:?}", client());
        assert!(!printed.contains("c2VjcmV0"), "{printed}");
        assert!(printed.contains("<redacted>"));
    }

    #[test]
    fn debug_of_anything_holding_credentials_prints_neither_value() {
        let config = ClientConfig::new(
            "https://example.com/grid/2025-10-13",
            Credentials::new("tok-8c1f0e", "sec-52d9aa"),
        );
        let client = GridClient::new(config.clone()).expect("client");
        let printed = format!("{config:?} {config:#?} {client:?} {client:#?}");
        // The Basic header too: base64 of "tok-8c1f0e:sec-52d9aa" and of the token id alone.
        for leak in [
            "tok-8c1f0e",
            "sec-52d9aa",
            "dG9rLThjMWYwZT",
            "dG9rLThjMWYwZ",
        ] {
            assert!(!printed.contains(leak), "{leak} in {printed}");
        }
        assert!(printed.contains("<redacted>"));
        assert!(
            printed.contains("example.com"),
            "the rest stays useful: {printed}"
        );
    }

    #[test]
    fn path_ids_are_one_segment_or_refused() {
        assert_eq!(
            check_id("InternalAccount:019542f5-b3e7", "account").ok(),
            Some("InternalAccount:019542f5-b3e7")
        );
        assert_eq!(check_id("Compte:é", "account").ok(), Some("Compte:é"));
        for (id, why) in [
            ("..", "That account id cannot be used: \"..\" would change the address the request goes to."),
            ("a/b", "That account id cannot be used: it contains \"/\", which is never part of a Grid id and would change the address the request goes to."),
            ("a\u{0}b", "That account id cannot be used: it contains an invisible control character, which is never part of a Grid id and would change the address the request goes to."),
            ("a b", "That account id cannot be used: it contains a space, which is never part of a Grid id and would change the address the request goes to."),
            ("  ", "That account id cannot be used: it is empty."),
        ] {
            let err = check_id(id, "account").expect_err("refused");
            assert_eq!(err.to_string(), why);
        }
        let err = check_id(&"x".repeat(MAX_ID_CHARS + 1), "account").expect_err("long");
        assert_eq!(
            err.to_string(),
            "That account id cannot be used: it is 1,001 characters long; Grid's ids are at most 1,000."
        );
    }

    #[test]
    fn texts_are_cut_with_an_ellipsis() {
        assert_eq!(ellipsize("short", 10), "short");
        assert_eq!(ellipsize("exactly10!", 10), "exactly10!");
        assert_eq!(ellipsize("eleven chars", 10), "eleven ch\u{2026}");
        assert_eq!(ellipsize("ééééé", 3), "éé\u{2026}");
        assert_eq!(describe_duration(Duration::from_secs(30)), "30 seconds");
        assert_eq!(describe_duration(Duration::from_secs(1)), "1 second");
        assert_eq!(describe_duration(Duration::from_millis(400)), "400 ms");
    }

    #[tokio::test]
    async fn refuses_bad_input_before_sending() {
        let c = client();
        let id = InternalAccountId::from("InternalAccount:x");
        for amount in [0, -1, MAX_FUND_AMOUNT + 1] {
            let err = c
                .fund_sandbox_internal_account(&id, amount)
                .await
                .expect_err("refused");
            assert!(matches!(err, Error::NotSent { .. }), "{amount}: {err:?}");
        }
        let err = c
            .list_customer_internal_accounts(
                &CustomerAccountFilter::default(),
                &PageRequest {
                    limit: Some(101),
                    cursor: None,
                },
            )
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::NotSent { .. }));
        let err = c
            .update_internal_account(&id, &InternalAccountUpdateRequest::default())
            .await
            .expect_err("refused");
        assert_eq!(err.to_string(), "Choose at least one setting to change.");
    }

    fn page(items: &[u32], more: bool, cursor: Option<&str>) -> Page<u32> {
        Page {
            data: items.to_vec(),
            has_more: more,
            next_cursor: cursor.map(str::to_owned),
            total_count: None,
        }
    }

    #[tokio::test]
    async fn paging_stops_on_missing_or_repeated_cursor() {
        let pages = [
            page(&[1, 2], true, Some("a")),
            page(&[3], true, None),
            page(&[9], false, None),
        ];
        let mut calls = 0;
        let got: Vec<_> = all_pages(|_cursor| {
            let p = pages[calls].clone();
            calls += 1;
            async move { Ok(p) }
        })
        .collect()
        .await;
        assert_eq!(got.len(), 2, "hasMore without a cursor must end the stream");

        let looping: Vec<_> = all_pages(|_cursor| async { Ok(page(&[1], true, Some("same"))) })
            .take(10)
            .collect()
            .await;
        assert_eq!(looping.len(), 2, "a repeated cursor must end the stream");
    }
}
