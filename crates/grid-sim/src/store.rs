//! The simulator's data: internal and external accounts in creation order, and what Grid does
//! to them (list, fund, update). Pure and synchronous; `sim` keeps the committed copy and
//! applies each change to a clone, which is cheap: accounts are shared until one changes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use grid_client::models::{
    ExternalAccount, InternalAccount, InternalAccountStatus, InternalAccountType, Page,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::paging::{self, PageRequest};
use crate::seed::Seed;

/// Filters of the internal-account lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct InternalFilter {
    pub customer_id: Option<String>,
    pub currency: Option<String>,
    pub account_type: Option<InternalAccountType>,
}

/// Filters of the external-account lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ExternalFilter {
    pub customer_id: Option<String>,
    pub currency: Option<String>,
}

/// A page request whose cursor is still text (it is resolved against the list it pages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PageQuery {
    pub limit: usize,
    pub cursor: Option<String>,
}

/// What the state file holds: accounts and balances, never credentials or challenges.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SavedState {
    pub format: String,
    pub internal_accounts: Vec<InternalAccount>,
    pub external_accounts: Vec<ExternalAccount>,
}

pub(crate) const STATE_FORMAT: &str = "grid-sim-state/1";

#[derive(Debug, Clone)]
pub(crate) struct Store {
    /// Shared between clones until an account changes (`Arc::make_mut`).
    internal: Vec<Arc<InternalAccount>>,
    /// Internal account id → position in `internal` (the same for every clone: accounts are
    /// never added or removed, only replaced all at once by a reset).
    index: Arc<HashMap<String, usize>>,
    external: Arc<Vec<ExternalAccount>>,
}

/// Counts for `GET /_sim/state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub platform_internal: usize,
    pub customer_internal: usize,
    pub customers: usize,
    pub platform_external: usize,
    pub customer_external: usize,
}

fn internal_id(account: &Arc<InternalAccount>) -> &str {
    account.id.as_str()
}

/// A page of shared accounts as the page of accounts it answers with.
fn unshared(page: Page<Arc<InternalAccount>>) -> Page<InternalAccount> {
    Page {
        data: page
            .data
            .iter()
            .map(|a| InternalAccount::clone(a))
            .collect(),
        has_more: page.has_more,
        next_cursor: page.next_cursor,
        total_count: page.total_count,
    }
}

fn external_id(account: &ExternalAccount) -> &str {
    account.id.as_str()
}

fn same_currency(code: Option<&str>, wanted: &str) -> bool {
    code.is_some_and(|code| code.eq_ignore_ascii_case(wanted))
}

impl InternalFilter {
    fn matches(&self, account: &InternalAccount) -> bool {
        self.customer_id.as_deref().is_none_or(|c| {
            account
                .customer_id
                .as_ref()
                .is_some_and(|id| id.as_str() == c)
        }) && self
            .currency
            .as_deref()
            .is_none_or(|wanted| same_currency(account.balance.currency.code.as_deref(), wanted))
            && self
                .account_type
                .as_ref()
                .is_none_or(|t| &account.account_type == t)
    }
}

impl ExternalFilter {
    fn matches(&self, account: &ExternalAccount) -> bool {
        self.customer_id.as_deref().is_none_or(|c| {
            account
                .customer_id
                .as_ref()
                .is_some_and(|id| id.as_str() == c)
        }) && self
            .currency
            .as_deref()
            .is_none_or(|wanted| same_currency(Some(&account.currency), wanted))
    }
}

impl Store {
    pub fn from_seed(seed: Seed) -> Self {
        Self::from_parts(seed.internal, seed.external)
    }

    pub fn from_saved(saved: SavedState) -> Result<Self, String> {
        if saved.format != STATE_FORMAT {
            return Err(format!(
                "format is \"{}\", expected \"{STATE_FORMAT}\"",
                saved.format
            ));
        }
        let store = Self::from_parts(saved.internal_accounts, saved.external_accounts);
        if store.index.len() != store.internal.len() {
            return Err("two internal accounts share an id".to_owned());
        }
        Ok(store)
    }

    fn from_parts(internal: Vec<InternalAccount>, external: Vec<ExternalAccount>) -> Self {
        let index = internal
            .iter()
            .enumerate()
            .map(|(position, account)| (account.id.0.clone(), position))
            .collect();
        Self {
            internal: internal.into_iter().map(Arc::new).collect(),
            index: Arc::new(index),
            external: Arc::new(external),
        }
    }

    /// The state file's content: the same shape as [`SavedState`], without copying accounts.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct SavedStateRef<'a> {
            format: &'a str,
            internal_accounts: Shared<'a>,
            external_accounts: &'a [ExternalAccount],
        }
        struct Shared<'a>(&'a [Arc<InternalAccount>]);
        impl Serialize for Shared<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map(|account| &**account))
            }
        }
        serde_json::to_vec(&SavedStateRef {
            format: STATE_FORMAT,
            internal_accounts: Shared(&self.internal),
            external_accounts: &self.external,
        })
    }

    #[cfg(test)]
    pub fn saved_state(&self) -> SavedState {
        SavedState {
            format: STATE_FORMAT.to_owned(),
            internal_accounts: self.internal.iter().map(|a| (**a).clone()).collect(),
            external_accounts: self.external.to_vec(),
        }
    }

    pub fn internal_account(&self, id: &str) -> Option<&InternalAccount> {
        self.index
            .get(id)
            .map(|&position| &*self.internal[position])
    }

    /// The account to change: this store's own copy (clones of the store keep theirs).
    fn internal_account_mut(&mut self, id: &str) -> Result<&mut InternalAccount, ApiError> {
        match self.index.get(id) {
            Some(&position) => Ok(Arc::make_mut(&mut self.internal[position])),
            None => Err(ApiError::unknown_internal_account(id)),
        }
    }

    /// `GET /platform/internal-accounts`: every platform account that matches (no paging).
    pub fn platform_internal_accounts(&self, filter: &InternalFilter) -> Vec<InternalAccount> {
        self.internal
            .iter()
            .filter(|a| a.customer_id.is_none() && filter.matches(a))
            .map(|a| InternalAccount::clone(a))
            .collect()
    }

    /// The currency codes the platform's own accounts hold, in creation order, once each.
    pub fn platform_currencies(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        self.internal
            .iter()
            .filter(|a| a.customer_id.is_none())
            .filter_map(|a| a.balance.currency.code.clone())
            .filter(|code| seen.insert(code.clone()))
            .collect()
    }

    /// `GET /customers/internal-accounts`, one page.
    pub fn customer_internal_accounts(
        &self,
        filter: &InternalFilter,
        page: &PageQuery,
    ) -> Result<Page<InternalAccount>, ApiError> {
        let after = page
            .cursor
            .as_deref()
            .map(|c| paging::resolve_cursor(c, &self.internal, internal_id))
            .transpose()?;
        Ok(unshared(paging::paginate(
            &self.internal,
            |a| a.customer_id.is_some() && filter.matches(a),
            internal_id,
            PageRequest {
                limit: page.limit,
                after,
            },
        )))
    }

    /// `GET /platform/external-accounts` (`platform`) or `/customers/external-accounts`.
    pub fn external_accounts(
        &self,
        platform: bool,
        filter: &ExternalFilter,
        page: &PageQuery,
    ) -> Result<Page<ExternalAccount>, ApiError> {
        let after = page
            .cursor
            .as_deref()
            .map(|c| paging::resolve_cursor(c, &self.external, external_id))
            .transpose()?;
        Ok(paging::paginate(
            &self.external,
            |a| a.customer_id.is_none() == platform && filter.matches(a),
            external_id,
            PageRequest {
                limit: page.limit,
                after,
            },
        ))
    }

    /// `POST /sandbox/internal-accounts/{id}/fund`: adds `amount` to both balances.
    ///
    /// Only ACTIVE accounts receive funds: the spec says PENDING, CLOSED, FROZEN and FAILED
    /// accounts "cannot send or receive payments", and Grid's docs say nothing more for the
    /// sandbox, so the simulator refuses with 400 rather than inventing money in them.
    pub fn fund(
        &mut self,
        id: &str,
        amount: i64,
        now: String,
    ) -> Result<InternalAccount, ApiError> {
        let account = self.internal_account_mut(id)?;
        if let Some(reason) = refusal_to_receive(&account.status) {
            return Err(ApiError::invalid_input(format!(
                "This account is {}: {reason}",
                account.status
            )));
        }
        let overflow = || {
            ApiError::invalid_field(
                "amount",
                "Adding this amount would overflow the account balance.",
            )
        };
        let balance = account
            .balance
            .amount
            .exact()
            .and_then(|b| b.checked_add(amount))
            .ok_or_else(overflow)?;
        let total = account
            .total_balance
            .amount
            .exact()
            .and_then(|b| b.checked_add(amount))
            .ok_or_else(overflow)?;
        account.balance.amount = balance.into();
        account.total_balance.amount = total.into();
        account.updated_at = now;
        Ok(account.clone())
    }

    /// Refuses a `privateEnabled` change on an unknown account (404) or one that is not an
    /// embedded wallet (400).
    pub fn check_wallet_update(&self, id: &str) -> Result<(), ApiError> {
        let account = self
            .internal_account(id)
            .ok_or_else(|| ApiError::unknown_internal_account(id))?;
        if account.account_type != InternalAccountType::EmbeddedWallet {
            return Err(ApiError::invalid_field(
                "privateEnabled",
                format!(
                    "privateEnabled can only be changed on EMBEDDED_WALLET accounts; {id} is {}.",
                    account.account_type
                ),
            ));
        }
        Ok(())
    }

    /// Applies a signed `privateEnabled` change.
    pub fn set_private_enabled(
        &mut self,
        id: &str,
        private_enabled: bool,
        now: String,
    ) -> Result<InternalAccount, ApiError> {
        let account = self.internal_account_mut(id)?;
        account.private_enabled = Some(private_enabled);
        account.updated_at = now;
        Ok(account.clone())
    }

    /// Simulator control: merges `fields` into a stored internal account (top-level keys
    /// replace), so tests can plant data Grid might send — hostile text, odd instructions. The
    /// result must still be an `InternalAccount`; the id cannot change.
    pub fn edit_internal_account(
        &mut self,
        id: &str,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<InternalAccount, ApiError> {
        let account = self.internal_account_mut(id)?;
        let mut value = serde_json::to_value(&*account)
            .map_err(|e| ApiError::internal(format!("could not read the account: {e}")))?;
        if let Some(object) = value.as_object_mut() {
            for (key, field) in fields {
                if key != "id" {
                    object.insert(key, field);
                }
            }
        }
        let edited: InternalAccount = serde_json::from_value(value).map_err(|e| {
            ApiError::invalid_input(format!("The edited account would not match the spec: {e}."))
        })?;
        *account = edited.clone();
        Ok(edited)
    }

    /// Counts for `GET /_sim/state`.
    pub fn counts(&self) -> Counts {
        let platform_internal = self
            .internal
            .iter()
            .filter(|a| a.customer_id.is_none())
            .count();
        let customers: HashSet<_> = self
            .internal
            .iter()
            .filter_map(|a| a.customer_id.as_ref())
            .collect();
        let platform_external = self
            .external
            .iter()
            .filter(|a| a.customer_id.is_none())
            .count();
        Counts {
            platform_internal,
            customer_internal: self.internal.len() - platform_internal,
            customers: customers.len(),
            platform_external,
            customer_external: self.external.len() - platform_external,
        }
    }
}

/// Why an account in this status cannot receive funds (None when it can).
fn refusal_to_receive(status: &InternalAccountStatus) -> Option<&'static str> {
    match status {
        InternalAccountStatus::Active => None,
        InternalAccountStatus::Pending => {
            Some("it is still being provisioned and cannot receive funds yet.")
        }
        InternalAccountStatus::Closed => Some("closed accounts cannot receive funds."),
        InternalAccountStatus::Frozen => Some("payments are blocked while the account is frozen."),
        InternalAccountStatus::Failed => {
            Some("it could not be provisioned and cannot receive funds.")
        }
        InternalAccountStatus::Unknown(_) => Some("only ACTIVE accounts can receive funds."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed;

    fn store() -> Store {
        Store::from_seed(seed::build(0))
    }

    fn first_with(store: &Store, status: &str) -> String {
        store
            .internal
            .iter()
            .find(|a| a.status.as_str() == status)
            .map(|a| a.id.0.clone())
            .unwrap_or_else(|| panic!("a {status} account is seeded"))
    }

    #[test]
    fn fund_adds_to_both_balances_and_stamps_the_time() {
        let mut store = store();
        let id = first_with(&store, "ACTIVE");
        let before = store.internal_account(&id).cloned().expect("exists");
        let after = store
            .fund(&id, 12_345, "2026-01-02T03:04:05Z".to_owned())
            .expect("funds");
        assert_eq!(
            after.balance.amount.exact(),
            before.balance.amount.exact().map(|a| a + 12_345)
        );
        assert_eq!(
            after.total_balance.amount.exact(),
            before.total_balance.amount.exact().map(|a| a + 12_345)
        );
        assert_eq!(after.updated_at, "2026-01-02T03:04:05Z");
        assert_eq!(
            store.internal_account(&id),
            Some(&after),
            "the fund is stored"
        );
    }

    #[test]
    fn fund_refuses_overflow_and_non_active_accounts() {
        let mut store = store();
        let id = first_with(&store, "ACTIVE");
        let err = store
            .fund(&id, i64::MAX, String::new())
            .expect_err("overflow must be refused");
        assert_eq!(err.code, "INVALID_INPUT");
        for status in ["CLOSED", "FAILED", "FROZEN", "PENDING"] {
            let id = first_with(&store, status);
            let err = store.fund(&id, 1, String::new()).expect_err(status);
            assert!(err.message.contains(status), "{}", err.message);
        }
        let err = store
            .fund("InternalAccount:nope", 1, String::new())
            .expect_err("unknown");
        assert_eq!(err.status.as_u16(), 404);
    }

    #[test]
    fn a_change_to_a_clone_leaves_the_original_alone() {
        let original = store();
        let id = first_with(&original, "ACTIVE");
        let mut changed = original.clone();
        changed
            .fund(&id, 5, "2026-01-02T03:04:05Z".to_owned())
            .expect("funds");
        let before = original.internal_account(&id).expect("exists");
        let after = changed.internal_account(&id).expect("exists");
        assert_eq!(
            after.balance.amount.exact(),
            before.balance.amount.exact().map(|a| a + 5)
        );
        assert_ne!(
            after.updated_at, before.updated_at,
            "the original kept its own copy"
        );
    }

    #[test]
    fn saved_state_round_trips() {
        let store = store();
        let json = serde_json::to_vec(&store.saved_state()).expect("serialises");
        let saved: SavedState = serde_json::from_slice(&json).expect("parses");
        let again = Store::from_saved(saved).expect("loads");
        assert_eq!(again.internal, store.internal);
        assert_eq!(again.external, store.external);
    }
}
