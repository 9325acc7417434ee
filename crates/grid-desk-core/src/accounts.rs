//! Accounts and funding: the lists, the amount check, the sandbox fund (once, never blindly
//! retried; an unknown outcome re-reads the balance), and the views the lists returned,
//! remembered so ticked cards can be printed. The functions take a `GridClient` and are tested
//! against grid-sim; [`Accounts`] is the service the window's commands use.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use deposit_instructions::{account_view, external_account_view, AccountView, ExternalAccountView};
use futures::StreamExt as _;
use grid_client::models::{Currency, CustomerId, InternalAccount, InternalAccountId, Page};
use grid_client::{
    CustomerAccountFilter, ExternalAccountFilter, GridClient, PageRequest, PlatformAccountFilter,
    MAX_PAGE_SIZE,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use journal::{Kind, Outcome};

use crate::activity::{as_of_label, list_key, LastKnownAccounts, LastKnownRequest};
use crate::connections::Connections;
use crate::error::{UiCode, UiError, UiResult};
use crate::input;

/// The page size the window asks for unless told otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// How many account views are remembered from the lists, so "Print selected" can be resolved
/// in Rust without the window sending account data back.
pub const CACHE_CAPACITY: usize = 12_000;

/// `list_platform_accounts`: the toolbar's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformAccountsRequest {
    pub currency: Option<String>,
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    /// Names this listing so `cancel_listing` can stop it (see [`Listings`]).
    #[serde(default)]
    pub listing_id: Option<String>,
}

/// `list_customer_accounts`: filters and the page wanted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAccountsRequest {
    pub customer_id: Option<String>,
    pub currency: Option<String>,
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
    /// Names this listing so `cancel_listing` can stop it.
    #[serde(default)]
    pub listing_id: Option<String>,
}

/// `list_external_accounts`: the platform's or customers' external accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAccountsRequest {
    pub platform: bool,
    pub customer_id: Option<String>,
    pub currency: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
    /// Names this listing so `cancel_listing` can stop it.
    #[serde(default)]
    pub listing_id: Option<String>,
}

/// `cancel_listing`: the listing to stop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelListingRequest {
    pub listing_id: String,
}

/// The most listings that can be in flight (and cancellable) at once; the window runs one per
/// tab at most. More are refused rather than remembered without bound.
pub const MAX_LISTINGS: usize = 16;
/// Longest listing id the window may send.
pub const MAX_LISTING_ID_CHARS: usize = 64;

/// Listings in flight, each with its own cancellation token: `cancel_listing` stops one (its
/// request to Grid is dropped, its answer never shown) and the command answers `Cancelled`.
/// A cancelled listing changed nothing, so there is nothing to undo.
#[derive(Debug, Default)]
pub struct Listings {
    running: Mutex<HashMap<String, CancellationToken>>,
}

/// Removes its listing from [`Listings`] when the listing ends, however it ends.
struct ListingGuard<'a> {
    listings: &'a Listings,
    id: Option<String>,
    token: CancellationToken,
}

impl Drop for ListingGuard<'_> {
    fn drop(&mut self) {
        if let Some(id) = &self.id {
            self.listings.lock().remove(id);
        }
    }
}

impl Listings {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn begin(&self, id: Option<String>) -> UiResult<ListingGuard<'_>> {
        let token = CancellationToken::new();
        let id = non_empty(id);
        if let Some(id) = &id {
            if id.chars().count() > MAX_LISTING_ID_CHARS || id.chars().any(char::is_control) {
                return Err(UiError::validation("That listing cannot be named so."));
            }
            let mut running = self.lock();
            if running.len() >= MAX_LISTINGS && !running.contains_key(id) {
                return Err(UiError::validation(
                    "Too many lists are loading at once; wait for one to finish or cancel it.",
                ));
            }
            if let Some(previous) = running.insert(id.clone(), token.clone()) {
                // The same name again: the newer listing replaces the older one.
                previous.cancel();
            }
        }
        Ok(ListingGuard {
            listings: self,
            id,
            token,
        })
    }

    /// `cancel_listing`: true when that listing was running (it answers `Cancelled`).
    pub fn cancel(&self, request: CancelListingRequest) -> bool {
        match self.lock().remove(request.listing_id.trim()) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Runs `listing` until it ends or is cancelled.
    async fn run<T>(
        &self,
        id: Option<String>,
        listing: impl std::future::Future<Output = UiResult<T>>,
    ) -> UiResult<T> {
        let guard = self.begin(id)?;
        tokio::select! {
            biased;
            () = guard.token.cancelled() => Err(UiError::new(
                UiCode::Cancelled,
                "Loading was cancelled; nothing was changed.",
            )),
            result = listing => result,
        }
    }
}

/// `check_amount`: what a person typed, in the account's currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckAmountRequest {
    pub text: String,
    pub currency_code: Option<String>,
    pub decimals: Option<u32>,
    pub currency_symbol: Option<String>,
}

/// `fund_sandbox_account`: `amount` in smallest units. `customer_id` lets a lost answer be
/// re-read from that customer's accounts (otherwise the platform list is re-read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundRequest {
    pub account_id: String,
    pub amount: i64,
    pub customer_id: Option<String>,
}

/// One page of cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

impl<T> PageView<T> {
    fn from_page<U>(page: Page<U>, view: impl Fn(&U) -> T) -> Self {
        // A page that says "more" without a cursor cannot be continued; say there is no more
        // rather than letting the window ask for the first page again.
        let next_cursor = page.next_cursor.filter(|c| !c.is_empty());
        Self {
            items: page.data.iter().map(view).collect(),
            has_more: page.has_more && next_cursor.is_some(),
            next_cursor,
            total_count: page.total_count,
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn page_request(cursor: Option<String>, limit: Option<u32>) -> UiResult<PageRequest> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(UiError::validation(format!(
            "Page size must be between 1 and {MAX_PAGE_SIZE}."
        )));
    }
    Ok(PageRequest {
        limit: Some(limit),
        cursor: non_empty(cursor),
    })
}

pub async fn list_platform(
    client: &GridClient,
    request: PlatformAccountsRequest,
) -> UiResult<Vec<AccountView>> {
    Ok(platform_accounts(client, request)
        .await?
        .iter()
        .map(account_view)
        .collect())
}

/// The platform list as Grid sent it (kept as the last-known list).
pub async fn platform_accounts(
    client: &GridClient,
    request: PlatformAccountsRequest,
) -> UiResult<Vec<InternalAccount>> {
    let filter = PlatformAccountFilter {
        currency: input::currency(request.currency)?,
        account_type: input::account_type(request.account_type)?,
    };
    Ok(client.list_platform_internal_accounts(&filter).await?)
}

pub async fn list_customer(
    client: &GridClient,
    request: CustomerAccountsRequest,
) -> UiResult<PageView<AccountView>> {
    Ok(PageView::from_page(
        customer_accounts(client, request).await?,
        account_view,
    ))
}

/// A page of customer accounts as Grid sent it.
pub async fn customer_accounts(
    client: &GridClient,
    request: CustomerAccountsRequest,
) -> UiResult<Page<InternalAccount>> {
    let filter = CustomerAccountFilter {
        customer_id: input::customer_id(request.customer_id)?.map(CustomerId),
        currency: input::currency(request.currency)?,
        account_type: input::account_type(request.account_type)?,
    };
    Ok(client
        .list_customer_internal_accounts(&filter, &page_request(request.cursor, request.limit)?)
        .await?)
}

pub async fn list_external(
    client: &GridClient,
    request: ExternalAccountsRequest,
) -> UiResult<PageView<ExternalAccountView>> {
    let platform = request.platform;
    let filter = ExternalAccountFilter {
        customer_id: if platform {
            None
        } else {
            input::customer_id(request.customer_id)?.map(CustomerId)
        },
        currency: input::currency(request.currency)?,
    };
    let page_req = page_request(request.cursor, request.limit)?;
    let page = if platform {
        client
            .list_platform_external_accounts(&filter, &page_req)
            .await?
    } else {
        client
            .list_customer_external_accounts(&filter, &page_req)
            .await?
    };
    Ok(PageView::from_page(page, external_account_view))
}

/// A typed amount converted exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckedAmount {
    /// Smallest units.
    pub amount: i64,
    /// The amount as it will be added, in the person's number format, e.g. "$1,000.50".
    pub display: String,
    /// The text means another amount in another locale ("1.000", "1,000"): the window asks the
    /// person to confirm "Adds €1.000,00" before anything is sent.
    pub confirm: bool,
}

/// Converts what a person typed ("1,000.50", or "1.000,50" in German) into smallest units with rust_decimal, or says
/// exactly what is wrong.
pub fn check_amount(request: CheckAmountRequest) -> UiResult<CheckedAmount> {
    let currency = Currency {
        code: non_empty(request.currency_code),
        name: None,
        symbol: non_empty(request.currency_symbol),
        decimals: request.decimals,
    };
    let format = grid_client::money::number_format();
    let amount = grid_client::money::parse_fund_amount_in(&request.text, &currency, format)
        .map_err(|e| UiError::validation(crate::locale::amount_message(&e, format)))?;
    Ok(CheckedAmount {
        amount,
        display: grid_client::money::format_with_currency_in(amount, &currency, format),
        confirm: grid_client::money::depends_on_locale(&request.text),
    })
}

/// Per-account lock: a second fund of the same account while one is in flight is refused, so
/// a double click never funds twice.
#[derive(Debug, Clone, Default)]
pub struct FundGuard {
    in_flight: Arc<Mutex<HashSet<String>>>,
}

/// Held while a fund request is in flight; dropping it frees the account.
#[derive(Debug)]
pub struct FundTicket {
    in_flight: Arc<Mutex<HashSet<String>>>,
    key: String,
}

impl FundGuard {
    pub const BUSY_MESSAGE: &'static str =
        "A funding request for this account is already in progress";

    /// `key` should name the connection and the account.
    pub fn begin(&self, key: &str) -> UiResult<FundTicket> {
        let mut set = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !set.insert(key.to_owned()) {
            return Err(UiError::validation(Self::BUSY_MESSAGE));
        }
        Ok(FundTicket {
            in_flight: Arc::clone(&self.in_flight),
            key: key.to_owned(),
        })
    }
}

impl Drop for FundTicket {
    fn drop(&mut self) {
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// Funds once. When the answer is lost, the balance is re-read (there is no GET for one
/// account: the platform list, or the customer's accounts) and the outcome is reported as
/// unknown — the request is never sent again.
pub async fn fund(
    client: &GridClient,
    guard: &FundGuard,
    guard_key: &str,
    request: FundRequest,
) -> UiResult<AccountView> {
    let _ticket = guard.begin(guard_key)?;
    send_fund(client, request).await
}

/// Sends one fund request (the caller holds the account's [`FundTicket`]); an unknown outcome
/// re-reads the balance.
pub async fn send_fund(client: &GridClient, request: FundRequest) -> UiResult<AccountView> {
    let id = InternalAccountId::from(request.account_id.trim());
    match client
        .fund_sandbox_internal_account(&id, request.amount)
        .await
    {
        Ok(account) => Ok(account_view(&account)),
        Err(err) => match fund_outcome(&err) {
            FundOutcome::NotApplied => Err(err.into()),
            FundOutcome::Unknown(what) => {
                Err(unknown_outcome(client, &id, non_empty(request.customer_id), &what).await)
            }
        },
    }
}

/// What a failed fund request means for the money.
#[derive(Debug, PartialEq, Eq)]
enum FundOutcome {
    /// Grid refused it (or it never left this machine): nothing was applied.
    NotApplied,
    /// It may have been applied: the balance must be re-read before anyone funds again.
    Unknown(String),
}

/// A lost answer, a 2xx whose body cannot be read (Grid applied it) and a server-side failure
/// (5xx: Grid or a gateway in front of it may have applied it before failing) all leave the
/// outcome unknown. Only answers that say the request was refused (4xx), and requests that
/// never left (refused input, no connection), mean "not applied".
fn fund_outcome(err: &grid_client::Error) -> FundOutcome {
    match err {
        grid_client::Error::NotSent { .. } | grid_client::Error::Unreachable { .. } => {
            FundOutcome::NotApplied
        }
        grid_client::Error::MaybeSent { message } => FundOutcome::Unknown(message.clone()),
        grid_client::Error::Decode { path, .. } => FundOutcome::Unknown(format!(
            "Grid answered that it accepted the request, but its answer could not be read at {path}"
        )),
        grid_client::Error::Api(api) if api.http_status >= 500 => FundOutcome::Unknown(format!(
            "Grid answered with a server error, HTTP {}: {}",
            api.http_status,
            api.body.message.trim()
        )),
        grid_client::Error::Api(_) => FundOutcome::NotApplied,
    }
}

async fn find_account(
    client: &GridClient,
    id: &InternalAccountId,
    customer_id: Option<String>,
) -> Result<Option<InternalAccount>, grid_client::Error> {
    if let Some(customer) = customer_id {
        let filter = CustomerAccountFilter {
            customer_id: Some(CustomerId(customer)),
            ..CustomerAccountFilter::default()
        };
        let mut pages =
            std::pin::pin!(client.customer_internal_account_pages(filter, MAX_PAGE_SIZE));
        while let Some(page) = pages.next().await {
            if let Some(found) = page?.data.into_iter().find(|a| &a.id == id) {
                return Ok(Some(found));
            }
        }
        return Ok(None);
    }
    let accounts = client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await?;
    Ok(accounts.into_iter().find(|a| &a.id == id))
}

async fn unknown_outcome(
    client: &GridClient,
    id: &InternalAccountId,
    customer_id: Option<String>,
    what_happened: &str,
) -> UiError {
    let intro = format!(
        "Grid did not confirm this funding request ({}). It may or may not have been applied, so Grid Desk did not send it again.",
        what_happened.trim_end_matches('.')
    );
    let mut err = UiError::new(UiCode::UnknownOutcome, String::new());
    match find_account(client, id, customer_id).await {
        Ok(Some(account)) => {
            let view = account_view(&account);
            err.message = format!(
                "{intro} The balance now reads {} available ({} total): check it before funding again.",
                view.balance.display, view.total_balance.display
            );
            err.account = Some(Box::new(view));
        }
        Ok(None) => {
            err.message = format!(
                "{intro} The account could not be found when re-reading the balance. Refresh and check the balance before funding again."
            );
        }
        Err(reread) => {
            err.message = format!(
                "{intro} The balance could not be re-read either ({reread}). Refresh and check the balance before funding again."
            );
        }
    }
    err
}

/// Account views as the lists last returned them, per connection, bounded (oldest out first):
/// "Print selected" resolves ticked cards here, and a fund or a signed update refreshes them.
#[derive(Debug, Default)]
pub struct AccountCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    connection: String,
    views: HashMap<String, AccountView>,
    order: VecDeque<String>,
}

impl AccountCache {
    /// Remembers (or refreshes) these views for `connection`; views of another connection are
    /// forgotten first, so a switch never prints the previous connection's accounts.
    pub fn remember<'a>(&self, connection: &str, views: impl IntoIterator<Item = &'a AccountView>) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.connection != connection {
            *inner = CacheInner {
                connection: connection.to_owned(),
                ..CacheInner::default()
            };
        }
        for view in views {
            if inner.views.insert(view.id.clone(), view.clone()).is_none() {
                inner.order.push_back(view.id.clone());
            }
        }
        while inner.views.len() > CACHE_CAPACITY {
            match inner.order.pop_front() {
                Some(oldest) => {
                    inner.views.remove(&oldest);
                }
                None => break,
            }
        }
    }

    /// The remembered view of `id` on `connection`.
    pub fn get(&self, connection: &str, id: &str) -> Option<AccountView> {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (inner.connection == connection)
            .then(|| inner.views.get(id).cloned())
            .flatten()
    }
}

/// The accounts of the active connection: lists, the amount check and sandbox funding.
#[derive(Debug)]
pub struct Accounts {
    connections: Arc<Connections>,
    funding: FundGuard,
    remembered: Arc<AccountCache>,
    listings: Listings,
}

impl Accounts {
    /// `remembered` is shared with signing (updated wallets) and printing (ticked cards).
    pub fn new(connections: Arc<Connections>, remembered: Arc<AccountCache>) -> Self {
        Self {
            connections,
            funding: FundGuard::default(),
            remembered,
            listings: Listings::default(),
        }
    }

    pub async fn list_platform(
        &self,
        request: PlatformAccountsRequest,
    ) -> UiResult<Vec<AccountView>> {
        let id = request.listing_id.clone();
        self.listings
            .run(id, async {
                let active = self.connections.active().await?;
                let key = list_key(
                    "platform",
                    request.currency.as_deref(),
                    request.account_type.as_deref(),
                    None,
                );
                let accounts = platform_accounts(&active.client, request).await?;
                self.connections
                    .activity()
                    .keep_list(&active.id, &key, &accounts, None);
                let views: Vec<AccountView> = accounts.iter().map(account_view).collect();
                self.remembered.remember(&active.id, &views);
                Ok(views)
            })
            .await
    }

    pub async fn list_customer(
        &self,
        request: CustomerAccountsRequest,
    ) -> UiResult<PageView<AccountView>> {
        let id = request.listing_id.clone();
        self.listings
            .run(id, async {
                let active = self.connections.active().await?;
                // The first page of a list is kept, to open on it next time.
                let key = (non_empty(request.cursor.clone()).is_none()).then(|| {
                    list_key(
                        "customers",
                        request.currency.as_deref(),
                        request.account_type.as_deref(),
                        request.customer_id.as_deref(),
                    )
                });
                let page = customer_accounts(&active.client, request).await?;
                if let Some(key) = key {
                    self.connections
                        .activity()
                        .keep_list(&active.id, &key, &page.data, page.total_count);
                }
                let page = PageView::from_page(page, account_view);
                self.remembered.remember(&active.id, &page.items);
                Ok(page)
            })
            .await
    }

    /// The list as the active connection last returned it (none kept: `None`), at once,
    /// without asking Grid; the window shows it "as of" its time while it asks Grid again.
    pub async fn last_known(
        &self,
        request: LastKnownRequest,
    ) -> UiResult<Option<LastKnownAccounts>> {
        let list = match request.list.as_str() {
            "platform" | "customers" => request.list.as_str(),
            other => {
                return Err(UiError::validation(format!(
                    "There is no kept list called \"{other}\"."
                )))
            }
        };
        let connection = self.connections.active_id().await;
        let key = list_key(
            list,
            request.currency.as_deref(),
            request.account_type.as_deref(),
            if list == "customers" {
                request.customer_id.as_deref()
            } else {
                None
            },
        );
        let activity = self.connections.activity();
        let Some((items, total_count, as_of_ms)) = activity.stored_list(&connection, &key) else {
            return Ok(None);
        };
        self.remembered.remember(&connection, &items);
        activity.mark_offline(&connection, as_of_ms);
        Ok(Some(LastKnownAccounts {
            items,
            as_of: crate::activity::rfc3339_ms(as_of_ms),
            as_of_label: as_of_label(as_of_ms, request.utc_offset_minutes),
            total_count,
        }))
    }

    pub async fn list_external(
        &self,
        request: ExternalAccountsRequest,
    ) -> UiResult<PageView<ExternalAccountView>> {
        let id = request.listing_id.clone();
        self.listings
            .run(id, async {
                let active = self.connections.active().await?;
                list_external(&active.client, request).await
            })
            .await
    }

    /// `cancel_listing`: stops that listing if it is still running (its command answers
    /// `Cancelled`); a listing that already ended is left as it is. True when one was stopped.
    pub fn cancel_listing(&self, request: CancelListingRequest) -> bool {
        self.listings.cancel(request)
    }

    pub fn check_amount(&self, request: CheckAmountRequest) -> UiResult<CheckedAmount> {
        check_amount(request)
    }

    /// Funds once on a sandbox or demo connection; production is refused before anything is
    /// sent. A second fund of the same account while one is in flight is refused.
    pub async fn fund(&self, request: FundRequest) -> UiResult<AccountView> {
        let active = self.connections.active().await?;
        if !active.funding_available() {
            return Err(UiError::forbidden(
                "Sandbox funding is not available on a production connection.",
            ));
        }
        let key = format!("{}/{}", active.id, request.account_id.trim());
        let _ticket = self.funding.begin(&key)?;
        // Journalled before it is sent: a crash mid-fund leaves a pending entry that the next
        // start marks "outcome unknown — check the balance".
        let account_id = request.account_id.trim().to_owned();
        let known = self.remembered.get(&active.id, &account_id);
        let activity = self.connections.activity();
        let who = self.connections.who(&active.id).await;
        let entry = activity.begin(
            &who,
            Kind::Fund,
            Some(&account_id),
            Some(crate::activity::amount(
                request.amount,
                known.as_ref().and_then(|v| v.currency_code.as_deref()),
                known.as_ref().and_then(|v| v.decimals),
            )),
            None,
            "Sent to Grid; waiting for the answer",
        )?;
        let funded = send_fund(&active.client, request).await;
        match &funded {
            Ok(view) => activity.finish(
                entry,
                Outcome::Applied,
                &format!(
                    "Grid applied it. Available balance now {} ({} total).",
                    view.balance.display, view.total_balance.display
                ),
                None,
            ),
            Err(err) if err.code == UiCode::UnknownOutcome => {
                activity.finish(entry, Outcome::Unknown, &err.message, None);
            }
            Err(err) => activity.finish(entry, Outcome::Refused, &err.message, None),
        }
        match &funded {
            Ok(view) => self.remembered.remember(&active.id, [view]),
            Err(err) => self.remembered.remember(&active.id, err.account.as_deref()),
        }
        funded
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_second_fund_of_the_same_account_is_refused_while_the_first_runs() {
        let guard = FundGuard::default();
        let first = guard.begin("demo/InternalAccount:a").expect("first");
        let second = guard
            .begin("demo/InternalAccount:a")
            .expect_err("must refuse a concurrent fund");
        assert_eq!(second.code, UiCode::Validation);
        assert_eq!(
            second.message,
            "A funding request for this account is already in progress"
        );
        let other = guard
            .begin("demo/InternalAccount:b")
            .expect("another account is independent");
        drop(first);
        let again = guard
            .begin("demo/InternalAccount:a")
            .expect("free again once the first finished");
        drop((other, again));
    }

    fn amount(
        text: &str,
        code: &str,
        decimals: Option<u32>,
        symbol: Option<&str>,
    ) -> CheckAmountRequest {
        CheckAmountRequest {
            text: text.into(),
            currency_code: Some(code.into()),
            decimals,
            currency_symbol: symbol.map(str::to_owned),
        }
    }

    #[test]
    fn amounts_are_converted_exactly_or_explained() {
        let ok = check_amount(amount("1,000.50", "USD", Some(2), Some("$"))).expect("valid");
        assert_eq!(ok.amount, 100_050);
        assert_eq!(ok.display, "$1,000.50");
        assert!(!ok.confirm, "1,000.50 means the same everywhere");
        let thousand = check_amount(amount("1,000", "USD", Some(2), Some("$"))).expect("valid");
        assert_eq!(thousand.amount, 100_000);
        assert!(
            thousand.confirm,
            "1,000 is one in Germany: confirmed before sending"
        );
        let btc = check_amount(amount("0.00000001", "BTC", Some(8), None)).expect("1 sat");
        assert_eq!(btc.amount, 1);
        assert_eq!(btc.display, "0.00000001 BTC");
        for bad in ["", "0", "-5", "1.001", "1e5", "abc", "1,00.5"] {
            let err = check_amount(amount(bad, "USD", Some(2), None)).expect_err("must refuse");
            assert_eq!(err.code, UiCode::Validation, "{bad:?}");
            assert!(!err.message.is_empty());
        }
        let err = check_amount(amount("10", "XYZ", None, None)).expect_err("no decimals");
        assert!(err.message.contains("decimal"), "{}", err.message);
    }

    #[test]
    fn requests_arrive_as_the_window_sends_them() {
        let fund: FundRequest = serde_json::from_value(serde_json::json!({
            "accountId": "InternalAccount:a", "amount": 10000, "customerId": "Customer:1"
        }))
        .expect("fund");
        assert_eq!(
            fund,
            FundRequest {
                account_id: "InternalAccount:a".into(),
                amount: 10_000,
                customer_id: Some("Customer:1".into()),
            }
        );
        let list: CustomerAccountsRequest =
            serde_json::from_value(serde_json::json!({"type": "EMBEDDED_WALLET", "limit": 5}))
                .expect("list");
        assert_eq!(list.account_type.as_deref(), Some("EMBEDDED_WALLET"));
        assert_eq!(list.limit, Some(5));
        let external: ExternalAccountsRequest =
            serde_json::from_value(serde_json::json!({"platform": true})).expect("external");
        assert!(external.platform && external.customer_id.is_none());
    }

    #[test]
    fn a_page_without_cursor_is_the_last() {
        let page = Page::<u32> {
            data: vec![1],
            has_more: true,
            next_cursor: None,
            total_count: Some(5),
        };
        let view = PageView::from_page(page, |n| n * 2);
        assert_eq!(view.items, vec![2]);
        assert!(!view.has_more);
        assert_eq!(view.total_count, Some(5));
    }

    #[test]
    fn page_size_is_bounded() {
        assert!(page_request(None, Some(0)).is_err());
        assert!(page_request(None, Some(101)).is_err());
        let req = page_request(Some(" ".into()), None).expect("default");
        assert_eq!(req.limit, Some(100));
        assert_eq!(req.cursor, None);
    }

    /// A platform USD account with one bank instruction (account number and reference).
    pub(crate) fn view(id: &str) -> AccountView {
        let money = |display: &str| deposit_instructions::MoneyView {
            amount: 100,
            display: display.into(),
            currency_code: Some("USD".into()),
            decimals: Some(2),
            unavailable: None,
        };
        let field =
            |key: &str, label: &str, value: &str, emphasis: bool| deposit_instructions::FieldView {
                key: key.into(),
                label: label.into(),
                value: value.into(),
                emphasis,
                monospace: true,
                unavailable: None,
            };
        AccountView {
            id: id.into(),
            customer_id: None,
            is_platform: true,
            account_type: "INTERNAL_FIAT".into(),
            account_type_label: deposit_instructions::account_type_label("INTERNAL_FIAT"),
            status: "ACTIVE".into(),
            status_label: deposit_instructions::status_label("ACTIVE"),
            status_tone: deposit_instructions::status_tone("ACTIVE"),
            currency_code: Some("USD".into()),
            currency_name: Some("US Dollar".into()),
            currency_symbol: Some("$".into()),
            decimals: Some(2),
            balance: money("$1.00"),
            total_balance: money("$1.00"),
            private_enabled: None,
            created_at: "2025-01-01T00:00:00Z".into(),
            updated_at: "2025-01-01T00:00:00Z".into(),
            instructions: vec![deposit_instructions::InstructionView {
                account_type: "USD_ACCOUNT".into(),
                title: "US bank transfer".into(),
                kind: deposit_instructions::InstructionKind::Bank,
                network: None,
                notes: None,
                fields: vec![
                    field("accountNumber", "Account number", "123456789", false),
                    field("reference", "Reference", "REF-1", true),
                ],
                qr_targets: Vec::new(),
                known: true,
                reference: Some("REF-1".into()),
            }],
            funding: deposit_instructions::funding_view(&Currency {
                code: Some("USD".into()),
                name: Some("US Dollar".into()),
                symbol: Some("$".into()),
                decimals: Some(2),
            }),
        }
    }

    #[test]
    fn the_cache_is_per_connection_and_bounded() {
        let cache = AccountCache::default();
        cache.remember("demo", &[view("a"), view("b")]);
        assert_eq!(cache.get("demo", "a").map(|v| v.id), Some("a".into()));
        assert_eq!(
            cache.get("other", "a"),
            None,
            "another connection sees nothing"
        );
        cache.remember("other", &[view("c")]);
        assert_eq!(
            cache.get("demo", "a"),
            None,
            "switching forgets the old views"
        );
        assert!(cache.get("other", "c").is_some());

        let many: Vec<AccountView> = (0..CACHE_CAPACITY + 5)
            .map(|n| view(&format!("id{n}")))
            .collect();
        cache.remember("other", &many);
        assert_eq!(cache.get("other", "c"), None, "the oldest view went first");
        assert_eq!(cache.get("other", "id4"), None);
        assert!(cache.get("other", "id5").is_some());
        assert!(cache
            .get("other", &format!("id{}", CACHE_CAPACITY + 4))
            .is_some());
    }

    #[test]
    fn a_refreshed_view_replaces_the_remembered_one() {
        let cache = AccountCache::default();
        cache.remember("demo", &[view("a")]);
        let mut funded = view("a");
        funded.balance.display = "$2.00".into();
        cache.remember("demo", &[funded]);
        assert_eq!(
            cache.get("demo", "a").map(|v| v.balance.display),
            Some("$2.00".into())
        );
    }
}
