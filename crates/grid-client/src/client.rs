//! The HTTP client: Basic auth, timeouts, GET-only retries, paging, and the signed retry.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt as _};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::error::{ApiError, Error};
use crate::models::{
    CustomerId, ErrorBody, ExternalAccount, InternalAccount, InternalAccountId,
    InternalAccountType, InternalAccountUpdateRequest, Page, PlatformInternalAccountListResponse,
    SandboxFundRequest, SignedRequestChallenge,
};
use crate::money::MAX_FUND_AMOUNT;
use crate::secret::{Credentials, Secret};

/// Grid's production base URL for the API version this client speaks.
pub const DEFAULT_BASE_URL: &str = "https://api.lightspark.com/grid/2025-10-13";
/// The `code` of the [`ApiError`] for a 3xx answer (never followed; not one of Grid's codes).
pub const REDIRECT_REFUSED: &str = "REDIRECT_REFUSED";
/// The largest page Grid serves.
pub const MAX_PAGE_SIZE: u32 = 100;

/// When and how GETs are retried. POSTs and PATCHes are never retried automatically.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// First backoff; doubles each retry.
    pub base_delay: Duration,
    /// Cap on any single backoff wait. A server's `Retry-After` longer than this is not
    /// shortened: the GET stops and returns the error with its `retry_after`, so the caller
    /// can say how long Grid asks to wait.
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

/// Everything needed to build a [`GridClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub credentials: Credentials,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            base_url: base_url.into(),
            credentials,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
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

/// A Grid API client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct GridClient {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    retry: RetryPolicy,
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

fn check_id(id: &str, what: &str) -> Result<(), Error> {
    if id.trim().is_empty() {
        Err(Error::not_sent(format!("The {what} id is empty.")))
    } else {
        Ok(())
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
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
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

    /// GET with bounded retries on connection errors, 429 and 5xx.
    async fn get<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<T, Error> {
        let mut retry = 0;
        loop {
            let sent = self
                .http
                .get(url.clone())
                .header(AUTHORIZATION, self.authorization.clone())
                .send()
                .await;
            let may_retry = retry < self.retry.max_retries;
            match sent {
                Err(err)
                    if may_retry && (err.is_connect() || err.is_timeout() || err.is_request()) => {}
                Err(err) => return Err(Error::from_transport(&err, what)),
                Ok(response) => {
                    let status = response.status();
                    let retryable =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !(retryable && may_retry) {
                        return read_response(response, what).await;
                    }
                    if let Some(wait) = retry_after(response.headers()) {
                        if wait > self.retry.max_delay {
                            // Retrying sooner than Grid asked would only be refused again:
                            // hand back the error, carrying the wait, for the caller to show.
                            return read_response(response, what).await;
                        }
                        tokio::time::sleep(wait).await;
                        retry += 1;
                        continue;
                    }
                }
            }
            tokio::time::sleep(self.backoff(retry)).await;
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
        check_id(account_id.as_str(), "account")?;
        if amount <= 0 {
            return Err(Error::not_sent("The amount must be more than zero."));
        }
        if amount > MAX_FUND_AMOUNT {
            return Err(Error::not_sent(format!(
                "The amount is too large: at most {MAX_FUND_AMOUNT} smallest units can be added at once."
            )));
        }
        let url = self.url(
            &["sandbox", "internal-accounts", account_id.as_str(), "fund"],
            &[],
        );
        let what = "Funding the account";
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
    }

    /// Step 1 of `PATCH /internal-accounts/{id}`: usually answers with a challenge to sign.
    pub async fn update_internal_account(
        &self,
        account_id: &InternalAccountId,
        update: &InternalAccountUpdateRequest,
    ) -> Result<UpdateOutcome, Error> {
        check_id(account_id.as_str(), "account")?;
        if update.is_empty() {
            return Err(Error::not_sent("Choose at least one setting to change."));
        }
        let what = "Updating the account";
        let url = self.url(&["internal-accounts", account_id.as_str()], &[]);
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
    }

    /// Step 2: the same PATCH and body with `Grid-Wallet-Signature` and `Request-Id`.
    pub async fn complete_internal_account_update(
        &self,
        account_id: &InternalAccountId,
        update: &InternalAccountUpdateRequest,
        request_id: &str,
        stamp: &str,
    ) -> Result<InternalAccount, Error> {
        check_id(account_id.as_str(), "account")?;
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
        let url = self.url(&["internal-accounts", account_id.as_str()], &[]);
        let response = self
            .send_once(Method::PATCH, url, update, headers, what)
            .await?;
        if response.status() == StatusCode::ACCEPTED {
            return Err(Error::Decode {
                path: ".".into(),
                message: "Grid issued a new challenge instead of applying the signed update".into(),
                body_excerpt: String::new(),
            });
        }
        read_response(response, what).await
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
    let text = String::from_utf8_lossy(bytes);
    text.chars().take(500).collect()
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
    let bytes = response.bytes().await.map_err(|_| Error::MaybeSent {
        message: format!("{what}: the connection dropped while Grid was answering."),
    })?;
    if status.is_success() {
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        return serde_path_to_error::deserialize(&mut de).map_err(|err| Error::Decode {
            path: err.path().to_string(),
            message: err.inner().to_string(),
            body_excerpt: excerpt(&bytes),
        });
    }
    let body = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_else(|_| ErrorBody {
        status: status.as_u16(),
        code: format!("HTTP_{}", status.as_u16()),
        message: format!(
            "Grid answered \"{}\" without a readable error message.",
            status.canonical_reason().unwrap_or("error")
        ),
        details: None,
    });
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
        .map_or_else(|| "another address".to_owned(), |l| format!("\"{l}\""));
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
