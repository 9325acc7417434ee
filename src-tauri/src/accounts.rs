//! What the account commands do, given a `GridClient`: list, fund (once, never blindly
//! retried), and the two-step signed update. No Tauri here, so it is tested against grid-sim.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use deposit_instructions::{account_view, external_account_view, AccountView, ExternalAccountView};
use futures::StreamExt as _;
use grid_client::models::{
    Currency, CustomerId, InternalAccount, InternalAccountId, InternalAccountUpdateRequest, Page,
};
use grid_client::{
    CustomerAccountFilter, ExternalAccountFilter, GridClient, PageRequest, PlatformAccountFilter,
    UpdateOutcome, MAX_PAGE_SIZE,
};
use serde::Serialize;

use crate::error::{UiCode, UiError, UiResult};
use crate::input;

/// The page size the window asks for unless told otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// What Grid's sandbox accepts as a signature for any signed action.
pub const SANDBOX_SIGNATURE: &str = "sandbox-valid-signature";

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
    currency_filter: Option<String>,
    type_filter: Option<String>,
) -> UiResult<Vec<AccountView>> {
    let filter = PlatformAccountFilter {
        currency: input::currency(currency_filter)?,
        account_type: input::account_type(type_filter)?,
    };
    let accounts = client.list_platform_internal_accounts(&filter).await?;
    Ok(accounts.iter().map(account_view).collect())
}

pub async fn list_customer(
    client: &GridClient,
    customer_id: Option<String>,
    currency_filter: Option<String>,
    type_filter: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> UiResult<PageView<AccountView>> {
    let filter = CustomerAccountFilter {
        customer_id: input::customer_id(customer_id)?.map(CustomerId),
        currency: input::currency(currency_filter)?,
        account_type: input::account_type(type_filter)?,
    };
    let page = client
        .list_customer_internal_accounts(&filter, &page_request(cursor, limit)?)
        .await?;
    Ok(PageView::from_page(page, account_view))
}

pub async fn list_external(
    client: &GridClient,
    platform: bool,
    customer_id: Option<String>,
    currency_filter: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> UiResult<PageView<ExternalAccountView>> {
    let filter = ExternalAccountFilter {
        customer_id: if platform {
            None
        } else {
            input::customer_id(customer_id)?.map(CustomerId)
        },
        currency: input::currency(currency_filter)?,
    };
    let page_req = page_request(cursor, limit)?;
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
    /// The amount as it will be added, e.g. "$1,000.50".
    pub display: String,
}

/// Converts what a person typed ("1,000.50") into smallest units with rust_decimal, or says
/// exactly what is wrong.
pub fn check_amount(
    text: &str,
    currency_code: Option<String>,
    decimals: Option<u32>,
    currency_symbol: Option<String>,
) -> UiResult<CheckedAmount> {
    let currency = Currency {
        code: non_empty(currency_code),
        name: None,
        symbol: non_empty(currency_symbol),
        decimals,
    };
    let amount = grid_client::money::parse_fund_amount(text, &currency)
        .map_err(|e| UiError::validation(e.to_string()))?;
    Ok(CheckedAmount {
        amount,
        display: grid_client::money::format_with_currency(amount, &currency),
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
    account_id: &str,
    amount: i64,
    customer_id: Option<String>,
) -> UiResult<AccountView> {
    let _ticket = guard.begin(guard_key)?;
    let id = InternalAccountId::from(account_id.trim());
    match client.fund_sandbox_internal_account(&id, amount).await {
        Ok(account) => Ok(account_view(&account)),
        Err(err) => match fund_outcome(&err) {
            FundOutcome::NotApplied => Err(err.into()),
            FundOutcome::Unknown(what) => {
                Err(unknown_outcome(client, &id, non_empty(customer_id), &what).await)
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
/// outcome unknown. Only answers that say the request was refused (4xx) mean "not applied".
fn fund_outcome(err: &grid_client::Error) -> FundOutcome {
    match err {
        grid_client::Error::NotSent { .. } => FundOutcome::NotApplied,
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

/// Challenges Grid issued, kept in Rust by request id: step two signs the payload Grid sent,
/// never one the window supplies, and resends exactly the body that step one bound.
#[derive(Debug, Default)]
pub struct Challenges {
    open: Mutex<Vec<OpenChallenge>>,
}

#[derive(Debug, Clone)]
struct OpenChallenge {
    connection_id: String,
    request_id: String,
    account_id: String,
    private_enabled: bool,
    payload_to_sign: String,
}

/// A challenge Grid Desk is waiting to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpdate {
    pub private_enabled: bool,
    pub payload_to_sign: String,
}

impl Challenges {
    /// Challenges expire within minutes; a few dozen open at once is already unusual.
    const MAX_OPEN: usize = 32;

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<OpenChallenge>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn remember(
        &self,
        connection_id: &str,
        account_id: &str,
        private_enabled: bool,
        request_id: &str,
        payload_to_sign: &str,
    ) {
        let mut open = self.lock();
        open.retain(|c| c.request_id != request_id);
        if open.len() >= Self::MAX_OPEN {
            open.remove(0);
        }
        open.push(OpenChallenge {
            connection_id: connection_id.to_owned(),
            request_id: request_id.to_owned(),
            account_id: account_id.trim().to_owned(),
            private_enabled,
            payload_to_sign: payload_to_sign.to_owned(),
        });
    }

    /// The open challenge `request_id` of this connection and account.
    pub fn find(
        &self,
        connection_id: &str,
        account_id: &str,
        request_id: &str,
    ) -> UiResult<PendingUpdate> {
        self.lock()
            .iter()
            .find(|c| {
                c.connection_id == connection_id
                    && c.account_id == account_id.trim()
                    && c.request_id == request_id.trim()
            })
            .map(|c| PendingUpdate {
                private_enabled: c.private_enabled,
                payload_to_sign: c.payload_to_sign.clone(),
            })
            .ok_or_else(|| {
                UiError::validation(
                    "Grid Desk has no open request to sign with this request id for this account (it may have been used already). Request the change again.",
                )
            })
    }

    /// A challenge is single-use at Grid: forget it once it was used.
    pub fn forget(&self, request_id: &str) {
        self.lock().retain(|c| c.request_id != request_id.trim());
    }
}

/// Step one of the signed update, for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UpdateStart {
    #[serde(rename_all = "camelCase")]
    Challenge {
        request_id: String,
        expires_at: String,
        payload_to_sign: String,
    },
    Updated {
        account: Box<AccountView>,
    },
}

fn update_request(private_enabled: bool) -> InternalAccountUpdateRequest {
    InternalAccountUpdateRequest {
        private_enabled: Some(private_enabled),
    }
}

pub async fn start_update(
    client: &GridClient,
    account_id: &str,
    private_enabled: bool,
) -> UiResult<UpdateStart> {
    let id = InternalAccountId::from(account_id.trim());
    match client
        .update_internal_account(&id, &update_request(private_enabled))
        .await?
    {
        UpdateOutcome::ChallengeIssued(challenge) => Ok(UpdateStart::Challenge {
            request_id: challenge.request_id,
            expires_at: challenge.expires_at,
            payload_to_sign: challenge.payload_to_sign,
        }),
        UpdateOutcome::Updated(account) => Ok(UpdateStart::Updated {
            account: Box::new(account_view(&account)),
        }),
    }
}

/// Step two: the same body again with the stamp and the challenge's request id.
pub async fn complete_update(
    client: &GridClient,
    account_id: &str,
    private_enabled: bool,
    request_id: &str,
    stamp: &str,
) -> UiResult<AccountView> {
    let id = InternalAccountId::from(account_id.trim());
    let account = client
        .complete_internal_account_update(&id, &update_request(private_enabled), request_id, stamp)
        .await?;
    Ok(account_view(&account))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn amounts_are_converted_exactly_or_explained() {
        let ok =
            check_amount("1,000.50", Some("USD".into()), Some(2), Some("$".into())).expect("valid");
        assert_eq!(ok.amount, 100_050);
        assert_eq!(ok.display, "$1,000.50");
        let btc = check_amount("0.00000001", Some("BTC".into()), Some(8), None).expect("1 sat");
        assert_eq!(btc.amount, 1);
        assert_eq!(btc.display, "0.00000001 BTC");
        for bad in ["", "0", "-5", "1.001", "1e5", "abc", "1,00.5"] {
            let err =
                check_amount(bad, Some("USD".into()), Some(2), None).expect_err("must refuse");
            assert_eq!(err.code, UiCode::Validation, "{bad:?}");
            assert!(!err.message.is_empty());
        }
        let err = check_amount("10", Some("XYZ".into()), None, None).expect_err("no decimals");
        assert!(err.message.contains("decimal"), "{}", err.message);
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

    #[test]
    fn update_start_serialises_with_a_kind() {
        let start = UpdateStart::Challenge {
            request_id: "Request:1".into(),
            expires_at: "2025-01-01T00:05:00Z".into(),
            payload_to_sign: "{}".into(),
        };
        let json = serde_json::to_value(start).expect("json");
        assert_eq!(json["kind"], "challenge");
        assert_eq!(json["requestId"], "Request:1");
        assert_eq!(json["payloadToSign"], "{}");
    }
}
