//! The accounts table: every account of a listing (platform, all customers, one customer,
//! external accounts) lives here, in Rust, and the window only asks for the rows on screen.
//!
//! [`Workspace::load`] reads every page in the background (progress: `loaded`, `total` when
//! Grid says it; cancellable). Sorting, filtering, per-currency totals (exact, `i128` smallest
//! units, formatted by the one money formatter), find (any id, customer id, payment reference,
//! wallet address, IBAN/CLABE/account number, invoice: a prefix index built as pages arrive),
//! the windowed row fetch, the selection and the balance report CSV all run here.
//!
//! [`Listing`] is the data and its operations without I/O (unit-tested below);
//! [`Workspace`] is the service the window's commands use.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use deposit_instructions::{
    account_view, external_account_view, AccountView, ExternalAccountView, StatusTone,
};
use futures::StreamExt as _;
use grid_client::models::{Currency, CustomerId};
use grid_client::{CustomerAccountFilter, ExternalAccountFilter, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};

use crate::accounts::AccountCache;
use crate::connections::Connections;
use crate::error::{UiError, UiResult};
use crate::printing::{Export, Printing, SaveDialog, SaveOutcome, Stamp};
use crate::settings::EnvLabel;

/// The most rows one `workspace_rows` answer carries (a tall screen shows about 60).
pub const MAX_ROWS: usize = 500;

/// The most hits `workspace_find` lists.
pub const MAX_FIND_HITS: usize = 50;

/// Which accounts a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ListKind {
    /// The platform's internal accounts.
    Platform,
    /// Customers' internal accounts (all, or one customer's).
    Customers,
    /// External accounts of the platform or of customers.
    External,
}

/// `workspace_load`: what to list. `customer_id` narrows customers' (and customers' external)
/// accounts to one customer; `external_owner` is `platform` (default) or `customer`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadRequest {
    pub list: ListKind,
    pub customer_id: Option<String>,
    pub external_owner: Option<String>,
}

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Column {
    Customer,
    Id,
    Type,
    Status,
    Currency,
    Available,
    Total,
    Updated,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::Customer,
        Column::Id,
        Column::Type,
        Column::Status,
        Column::Currency,
        Column::Available,
        Column::Total,
        Column::Updated,
    ];

    /// The header text, as the table and the CSV show it.
    pub fn label(self) -> &'static str {
        match self {
            Column::Customer => "Customer",
            Column::Id => "Account",
            Column::Type => "Type",
            Column::Status => "Status",
            Column::Currency => "Currency",
            Column::Available => "Available",
            Column::Total => "Total",
            Column::Updated => "Updated",
        }
    }

    fn numeric(self) -> bool {
        matches!(self, Column::Available | Column::Total)
    }
}

/// A column's header as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnView {
    pub key: Column,
    pub label: &'static str,
    /// Right-aligned amounts.
    pub numeric: bool,
}

/// How the rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    pub column: Column,
    #[serde(default)]
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            column: Column::Customer,
            descending: false,
        }
    }
}

/// `workspace_view`: sort, filters and find. Empty strings mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewRequest {
    pub sort: Option<Sort>,
    pub currency: Option<String>,
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    pub status: Option<String>,
    pub customer: Option<String>,
    pub find: Option<String>,
}

/// The filters in force, normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filters {
    currency: Option<String>,
    account_type: Option<String>,
    status: Option<String>,
    customer: Option<String>,
    /// Normalised find text ([`normalise`]).
    find: Option<String>,
}

impl Filters {
    fn from_request(request: &ViewRequest) -> UiResult<Self> {
        let clean = |v: &Option<String>, what: &str| -> UiResult<Option<String>> {
            let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            if v.chars().count() > 200 || v.chars().any(char::is_control) {
                return Err(UiError::validation(format!(
                    "The {what} filter is not something an account could match. Clear it and type it again."
                )));
            }
            Ok(Some(v.to_owned()))
        };
        let find = clean(&request.find, "find")?
            .map(|f| normalise(&f))
            .filter(|f| !f.is_empty());
        Ok(Self {
            currency: clean(&request.currency, "currency")?.map(|c| c.to_ascii_uppercase()),
            account_type: clean(&request.account_type, "type")?,
            status: clean(&request.status, "status")?,
            customer: clean(&request.customer, "customer")?.map(|c| c.to_lowercase()),
            find,
        })
    }

    fn any(&self) -> bool {
        self.currency.is_some()
            || self.account_type.is_some()
            || self.status.is_some()
            || self.customer.is_some()
            || self.find.is_some()
    }
}

/// Find text and indexed values compared without case, spaces or dashes: an IBAN typed in
/// groups of four, a reference without its dash.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// An account of either kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Internal(Box<AccountView>),
    External(Box<ExternalAccountView>),
}

/// One account with what the table sorts, filters and sums on, taken from its view once.
#[derive(Debug, Clone)]
struct Entry {
    item: Item,
    id: String,
    customer: String,
    type_code: String,
    type_label: String,
    status: String,
    status_label: String,
    tone: StatusTone,
    currency: String,
    /// Smallest units; `None` when Grid's amount cannot be shown (or external accounts).
    available: Option<i64>,
    total: Option<i64>,
    available_display: Option<String>,
    total_display: Option<String>,
    updated: String,
}

const PLATFORM: &str = "Platform";

impl Entry {
    fn internal(view: AccountView) -> Self {
        let amount =
            |m: &deposit_instructions::MoneyView| m.unavailable.is_none().then_some(m.amount);
        Self {
            id: view.id.clone(),
            customer: view.customer_id.clone().unwrap_or_else(|| PLATFORM.into()),
            type_code: view.account_type.clone(),
            type_label: view.account_type_label.clone(),
            status: view.status.clone(),
            status_label: view.status_label.clone(),
            tone: view.status_tone,
            currency: view.currency_code.clone().unwrap_or_default(),
            available: amount(&view.balance),
            total: amount(&view.total_balance),
            available_display: Some(view.balance.display.clone()),
            total_display: Some(view.total_balance.display.clone()),
            updated: view.updated_at.clone(),
            item: Item::Internal(Box::new(view)),
        }
    }

    fn external(view: ExternalAccountView) -> Self {
        Self {
            id: view.id.clone(),
            customer: view.customer_id.clone().unwrap_or_else(|| PLATFORM.into()),
            type_code: view.details.account_type.clone(),
            type_label: view.details.title.clone(),
            status: view.status.clone(),
            status_label: view.status_label.clone(),
            tone: view.status_tone,
            currency: view.currency.clone(),
            available: None,
            total: None,
            available_display: None,
            total_display: None,
            updated: String::new(),
            item: Item::External(Box::new(view)),
        }
    }

    /// Values find looks at, with the label a hit is explained by.
    fn search_terms(&self) -> Vec<(String, String)> {
        let mut terms = vec![("Account id".to_owned(), self.id.clone())];
        if self.customer != PLATFORM {
            terms.push(("Customer id".to_owned(), self.customer.clone()));
        }
        let instructions: Vec<&deposit_instructions::InstructionView> = match &self.item {
            Item::Internal(view) => view.instructions.iter().collect(),
            Item::External(view) => vec![&view.details],
        };
        for instruction in instructions {
            if let Some(reference) = &instruction.reference {
                terms.push(("Payment reference".to_owned(), reference.clone()));
            }
            for field in &instruction.fields {
                if SEARCHED_KEYS.contains(&field.key.as_str()) {
                    terms.push((field.label.clone(), field.value.clone()));
                }
            }
        }
        if let Item::External(view) = &self.item {
            if let Some(platform_id) = &view.platform_account_id {
                terms.push(("Platform account id".to_owned(), platform_id.clone()));
            }
        }
        terms
    }

    fn short_id(&self) -> String {
        short_id(&self.id)
    }
}

/// Instruction fields find indexes: what a payer's bank or wallet shows of where money went.
const SEARCHED_KEYS: &[&str] = &[
    "reference",
    "address",
    "iban",
    "clabeNumber",
    "accountNumber",
    "invoice",
    "pixKey",
    "upiId",
    "phoneNumber",
    "email",
    "sortCode",
    "routingNumber",
    "swiftCode",
];

/// "InternalAccount:019a…f3c1" → "…f3c1" style short form: the kind, then the last 8.
pub fn short_id(id: &str) -> String {
    let tail = id.rsplit(':').next().unwrap_or(id);
    let chars: Vec<char> = tail.chars().collect();
    if chars.len() <= 10 {
        return tail.to_owned();
    }
    let last: String = chars[chars.len() - 8..].iter().collect();
    format!("…{last}")
}

/// A row of the table as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowView {
    /// Position in the current order (0-based).
    pub index: usize,
    pub id: String,
    pub short_id: String,
    pub customer: String,
    pub account_type: String,
    pub type_label: String,
    pub status: String,
    pub status_label: String,
    pub status_tone: StatusTone,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    pub updated: String,
    pub selected: bool,
    /// Why find matched this row: "IBAN DE89 3704 0044 0532 0130 00".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

/// One currency's sums over the rows shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalView {
    pub currency: String,
    pub accounts: usize,
    /// Smallest units, as text (an `i128` does not fit a JavaScript number).
    pub available_minor: String,
    pub total_minor: String,
    pub available: String,
    pub total: String,
    /// Accounts whose amounts could not be read and are left out of the sums.
    pub left_out: usize,
}

/// The table's state: progress, the current order's size, totals and wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceState {
    /// Changes with every load: answers to an older load are dropped by the window.
    pub load_id: u64,
    pub list: Option<ListKind>,
    pub loaded: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    pub loading: bool,
    pub cancelled: bool,
    /// Totals cover fewer accounts than the listing has (still loading, cancelled, failed).
    pub partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<UiError>,
    /// Rows in the current order (after filters and find).
    pub count: usize,
    /// Changes whenever the order or the rows change: the window refetches its slice.
    pub version: u64,
    pub sort: Sort,
    pub columns: Vec<ColumnView>,
    pub totals: Vec<TotalView>,
    /// "4,200 of 10,035 accounts — partial".
    pub status_text: String,
    /// "Totals of 312 accounts" / "… — partial: 4,200 of 10,035 loaded".
    pub totals_text: String,
    pub selected: usize,
    /// The filter options present in the listing: currencies, types (value, label), statuses.
    pub currencies: Vec<String>,
    pub types: Vec<Choice>,
    pub statuses: Vec<Choice>,
}

/// A filter option: wire value and label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// `workspace_rows`: a slice of the current order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RowsRequest {
    pub offset: usize,
    pub limit: usize,
}

/// The slice the window asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowsView {
    pub load_id: u64,
    pub version: u64,
    pub offset: usize,
    pub count: usize,
    pub rows: Vec<RowView>,
}

/// `workspace_find`: what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FindRequest {
    pub text: String,
}

/// One account find matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindHit {
    pub id: String,
    pub short_id: String,
    pub customer: String,
    pub currency: String,
    /// "Payment reference FUND-ABC123".
    pub matched: String,
}

/// `workspace_find`'s answer: how many accounts match and the first [`MAX_FIND_HITS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindView {
    pub matches: usize,
    pub hits: Vec<FindHit>,
}

/// `workspace_select`: tick or untick `ids`, or every row of the current order (`all`), or
/// clear (`clear`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectRequest {
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub selected: bool,
    #[serde(default)]
    pub all: bool,
    #[serde(default)]
    pub clear: bool,
}

/// The ticked accounts, in the table's current order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectionView {
    pub ids: Vec<String>,
}

/// `workspace_account`: the account to show in the detail pane.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccountRequest {
    pub id: String,
}

/// The detail pane's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DetailView {
    Internal { account: Box<AccountView> },
    External { account: Box<ExternalAccountView> },
}

/// `workspace_export_csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub utc_offset_minutes: Option<i32>,
}

/// Where a posting of the find index points: the entry and the label of the matched value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Posting {
    entry: u32,
    label: u16,
}

/// Every account of one load, and how the table shows them now.
#[derive(Debug, Default)]
pub struct Listing {
    load_id: u64,
    list: Option<ListKind>,
    entries: Vec<Entry>,
    by_id: HashMap<String, u32>,
    /// normalised value → postings; prefix lookups with `range`.
    index: BTreeMap<String, Vec<Posting>>,
    labels: Vec<String>,
    total: Option<u64>,
    loading: bool,
    cancelled: bool,
    error: Option<UiError>,
    sort: Sort,
    filters: Filters,
    /// Entry indices in the current order; rebuilt lazily when `dirty`.
    order: Vec<u32>,
    /// For find: the label of the first value that matched, per entry.
    matched: HashMap<u32, u16>,
    dirty: bool,
    version: u64,
    totals: Option<Vec<TotalView>>,
    selected: HashSet<String>,
}

impl Listing {
    pub fn new(load_id: u64, list: ListKind) -> Self {
        Self {
            load_id,
            list: Some(list),
            loading: true,
            dirty: true,
            ..Self::default()
        }
    }

    /// Adds a page of accounts (a repeated id replaces the earlier row).
    pub fn push(&mut self, items: Vec<Item>, total: Option<u64>) {
        if total.is_some() {
            self.total = total;
        }
        for item in items {
            let entry = match item {
                Item::Internal(view) => Entry::internal(*view),
                Item::External(view) => Entry::external(*view),
            };
            self.insert(entry);
        }
        self.changed();
    }

    fn insert(&mut self, entry: Entry) {
        if let Some(&at) = self.by_id.get(&entry.id) {
            self.unindex_entry(at);
            self.entries[at as usize] = entry;
            self.index_entry(at);
            return;
        }
        let at = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.by_id.insert(entry.id.clone(), at);
        self.entries.push(entry);
        self.index_entry(at);
    }

    /// The normalised keys an indexed value is found under: the whole value, and for
    /// "InternalAccount:abc" also "abc".
    fn keys(value: &str) -> impl Iterator<Item = String> {
        let key = normalise(value);
        let tail = key
            .split_once(':')
            .map(|(_, tail)| tail.to_owned())
            .filter(|t| !t.is_empty());
        std::iter::once(key).filter(|k| !k.is_empty()).chain(tail)
    }

    fn unindex_entry(&mut self, at: u32) {
        for (_, value) in self.entries[at as usize].search_terms() {
            for key in Self::keys(&value) {
                if let Some(postings) = self.index.get_mut(&key) {
                    postings.retain(|p| p.entry != at);
                    if postings.is_empty() {
                        self.index.remove(&key);
                    }
                }
            }
        }
    }

    fn index_entry(&mut self, at: u32) {
        for (label, value) in self.entries[at as usize].search_terms() {
            let label = self.label_index(label);
            for key in Self::keys(&value) {
                let postings = self.index.entry(key).or_default();
                let posting = Posting { entry: at, label };
                if !postings.contains(&posting) {
                    postings.push(posting);
                }
            }
        }
    }

    fn label_index(&mut self, label: String) -> u16 {
        if let Some(i) = self.labels.iter().position(|l| *l == label) {
            return u16::try_from(i).unwrap_or(u16::MAX);
        }
        self.labels.push(label);
        u16::try_from(self.labels.len() - 1).unwrap_or(u16::MAX)
    }

    fn changed(&mut self) {
        self.dirty = true;
        self.totals = None;
        self.version += 1;
    }

    /// Loading finished (every page read).
    pub fn finish(&mut self) {
        self.loading = false;
        self.changed();
    }

    /// Loading stopped by the person: what was read stays, marked partial.
    pub fn cancel(&mut self) {
        if self.loading {
            self.loading = false;
            self.cancelled = true;
            self.changed();
        }
    }

    /// Loading failed: what was read stays, marked partial, with the reason.
    pub fn fail(&mut self, error: UiError) {
        self.loading = false;
        self.error = Some(error);
        self.changed();
    }

    /// Sort, filters and find from the window.
    pub fn set_view(&mut self, request: &ViewRequest) -> UiResult<()> {
        let filters = Filters::from_request(request)?;
        let sort = request.sort.unwrap_or(self.sort);
        if filters != self.filters || sort != self.sort {
            self.filters = filters;
            self.sort = sort;
            self.changed();
        }
        Ok(())
    }

    /// Entries whose indexed values start with `find` (normalised), with the label of the
    /// first matching value.
    fn find_entries(&self, find: &str) -> HashMap<u32, u16> {
        let mut found: HashMap<u32, u16> = HashMap::new();
        for (key, postings) in self
            .index
            .range::<str, _>((std::ops::Bound::Included(find), std::ops::Bound::Unbounded))
        {
            if !key.starts_with(find) {
                break;
            }
            for p in postings {
                found.entry(p.entry).or_insert(p.label);
            }
        }
        found
    }

    fn keep(&self, entry: &Entry) -> bool {
        let f = &self.filters;
        f.currency
            .as_ref()
            .is_none_or(|c| entry.currency.eq_ignore_ascii_case(c))
            && f.account_type
                .as_ref()
                .is_none_or(|t| entry.type_code == *t)
            && f.status.as_ref().is_none_or(|s| entry.status == *s)
            && f.customer.as_ref().is_none_or(|c| {
                let customer = entry.customer.to_lowercase();
                customer == *c
                    || customer.starts_with(c.as_str())
                    || customer
                        .split_once(':')
                        .is_some_and(|(_, t)| t.starts_with(c.as_str()))
            })
    }

    fn ensure_order(&mut self) {
        if !self.dirty {
            return;
        }
        self.matched = match &self.filters.find {
            Some(find) => self.find_entries(find),
            None => HashMap::new(),
        };
        let finding = self.filters.find.is_some();
        let mut order: Vec<u32> = (0..self.entries.len())
            .filter_map(|i| u32::try_from(i).ok())
            .filter(|i| {
                (!finding || self.matched.contains_key(i)) && self.keep(&self.entries[*i as usize])
            })
            .collect();
        let entries = &self.entries;
        let sort = self.sort;
        order.sort_by(|&a, &b| {
            let (a, b) = (&entries[a as usize], &entries[b as usize]);
            let ordering = compare(a, b, sort.column).then_with(|| a.id.cmp(&b.id));
            if sort.descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        self.order = order;
        self.dirty = false;
    }

    /// Rows `offset..offset + limit` of the current order.
    pub fn rows(&mut self, request: RowsRequest) -> UiResult<RowsView> {
        if request.limit == 0 || request.limit > MAX_ROWS {
            return Err(UiError::validation(format!(
                "Ask for 1 to {MAX_ROWS} rows at a time."
            )));
        }
        self.ensure_order();
        let end = request
            .offset
            .saturating_add(request.limit)
            .min(self.order.len());
        let start = request.offset.min(end);
        let rows = (start..end)
            .map(|index| self.row(index, self.order[index]))
            .collect();
        Ok(RowsView {
            load_id: self.load_id,
            version: self.version,
            offset: start,
            count: self.order.len(),
            rows,
        })
    }

    fn row(&self, index: usize, at: u32) -> RowView {
        let e = &self.entries[at as usize];
        let matched = self.matched.get(&at).map(|&label| {
            let label_text = &self.labels[label as usize];
            let value = e
                .search_terms()
                .into_iter()
                .find(|(l, v)| {
                    l == label_text
                        && self.filters.find.as_ref().is_some_and(|f| {
                            let v = normalise(v);
                            v.starts_with(f.as_str())
                                || v.split_once(':')
                                    .is_some_and(|(_, t)| t.starts_with(f.as_str()))
                        })
                })
                .map(|(_, v)| v)
                .unwrap_or_default();
            format!("{label_text} {value}").trim().to_owned()
        });
        RowView {
            index,
            id: e.id.clone(),
            short_id: e.short_id(),
            customer: e.customer.clone(),
            account_type: e.type_code.clone(),
            type_label: e.type_label.clone(),
            status: e.status.clone(),
            status_label: e.status_label.clone(),
            status_tone: e.tone,
            currency: e.currency.clone(),
            available: e.available_display.clone(),
            total: e.total_display.clone(),
            updated: e.updated.clone(),
            selected: self.selected.contains(&e.id),
            matched,
        }
    }

    /// Per-currency sums over the current order, exact.
    pub fn totals(&mut self) -> Vec<TotalView> {
        self.ensure_order();
        if let Some(totals) = &self.totals {
            return totals.clone();
        }
        #[derive(Default)]
        struct Sum {
            accounts: usize,
            available: i128,
            total: i128,
            left_out: usize,
            currency: Option<Currency>,
        }
        let mut sums: BTreeMap<String, Sum> = BTreeMap::new();
        for &at in &self.order {
            let e = &self.entries[at as usize];
            let Item::Internal(view) = &e.item else {
                continue;
            };
            let sum = sums.entry(e.currency.clone()).or_default();
            sum.accounts += 1;
            if sum.currency.is_none() {
                sum.currency = Some(Currency {
                    code: view.currency_code.clone(),
                    name: view.currency_name.clone(),
                    symbol: view.currency_symbol.clone(),
                    decimals: view.decimals,
                });
            }
            match (e.available, e.total) {
                (Some(a), Some(t)) => {
                    sum.available += i128::from(a);
                    sum.total += i128::from(t);
                }
                _ => sum.left_out += 1,
            }
        }
        let totals: Vec<TotalView> = sums
            .into_iter()
            .map(|(code, sum)| {
                let currency = sum.currency.unwrap_or_default();
                TotalView {
                    currency: code,
                    accounts: sum.accounts,
                    available_minor: sum.available.to_string(),
                    total_minor: sum.total.to_string(),
                    available: grid_client::money::format_wide_with_currency(
                        sum.available,
                        &currency,
                    ),
                    total: grid_client::money::format_wide_with_currency(sum.total, &currency),
                    left_out: sum.left_out,
                }
            })
            .collect();
        self.totals = Some(totals.clone());
        totals
    }

    fn partial(&self) -> bool {
        self.loading
            || self.cancelled
            || self.error.is_some()
            || self.total.is_some_and(|t| (self.entries.len() as u64) < t)
    }

    /// The state the window shows: progress, sizes, totals and their wording.
    pub fn state(&mut self) -> WorkspaceState {
        let totals = self.totals();
        let loaded = self.entries.len();
        let count = self.order.len();
        let noun = |n: usize| match self.list {
            Some(ListKind::External) if n == 1 => "external account",
            Some(ListKind::External) => "external accounts",
            _ if n == 1 => "account",
            _ => "accounts",
        };
        let of_total = match self.total {
            Some(t) if t as usize > loaded => {
                format!("{} of {} {}", group(loaded), group_u64(t), noun(t as usize))
            }
            _ => format!("{} {}", group(loaded), noun(loaded)),
        };
        let mut status_text = of_total.clone();
        if self.filters.any() {
            status_text = format!("{} shown · {status_text}", group(count));
        }
        if self.loading {
            status_text = format!("Loading… {status_text}");
        } else if self.cancelled {
            status_text.push_str(" — partial: loading was cancelled");
        } else if self.error.is_some() {
            status_text.push_str(" — partial: loading stopped on an error");
        }
        let partial = self.partial();
        let mut totals_text = format!("Totals of {} {}", group(count), noun(count));
        if partial {
            totals_text.push_str(&format!(" — partial: {of_total} loaded"));
        }
        let mut currencies: Vec<String> = Vec::new();
        let mut types: Vec<Choice> = Vec::new();
        let mut statuses: Vec<Choice> = Vec::new();
        {
            let mut seen_c = HashSet::new();
            let mut seen_t = HashSet::new();
            let mut seen_s = HashSet::new();
            for e in &self.entries {
                if !e.currency.is_empty() && seen_c.insert(e.currency.as_str()) {
                    currencies.push(e.currency.clone());
                }
                if seen_t.insert(e.type_code.as_str()) {
                    types.push(Choice {
                        value: e.type_code.clone(),
                        label: e.type_label.clone(),
                    });
                }
                if seen_s.insert(e.status.as_str()) {
                    statuses.push(Choice {
                        value: e.status.clone(),
                        label: e.status_label.clone(),
                    });
                }
            }
        }
        currencies.sort();
        types.sort();
        statuses.sort();
        WorkspaceState {
            load_id: self.load_id,
            list: self.list,
            loaded,
            total: self.total,
            loading: self.loading,
            cancelled: self.cancelled,
            partial,
            error: self.error.clone(),
            count,
            version: self.version,
            sort: self.sort,
            columns: Column::ALL
                .iter()
                .filter(|c| {
                    self.list != Some(ListKind::External)
                        || !matches!(c, Column::Available | Column::Total | Column::Updated)
                })
                .map(|&key| ColumnView {
                    key,
                    label: key.label(),
                    numeric: key.numeric(),
                })
                .collect(),
            totals,
            status_text,
            totals_text,
            selected: self.selected.len(),
            currencies,
            types,
            statuses,
        }
    }

    /// Accounts whose indexed values start with `text`.
    pub fn find(&self, text: &str) -> FindView {
        let find = normalise(text);
        if find.is_empty() {
            return FindView {
                matches: 0,
                hits: Vec::new(),
            };
        }
        let found = self.find_entries(&find);
        let mut ids: Vec<(&u32, &u16)> = found.iter().collect();
        ids.sort_by(|a, b| {
            self.entries[*a.0 as usize]
                .id
                .cmp(&self.entries[*b.0 as usize].id)
        });
        let hits = ids
            .iter()
            .take(MAX_FIND_HITS)
            .map(|(&at, &label)| {
                let e = &self.entries[at as usize];
                let label = &self.labels[label as usize];
                let value = e
                    .search_terms()
                    .into_iter()
                    .find(|(l, v)| {
                        l == label && {
                            let v = normalise(v);
                            v.starts_with(&find)
                                || v.split_once(':').is_some_and(|(_, t)| t.starts_with(&find))
                        }
                    })
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                FindHit {
                    id: e.id.clone(),
                    short_id: e.short_id(),
                    customer: e.customer.clone(),
                    currency: e.currency.clone(),
                    matched: format!("{label} {value}").trim().to_owned(),
                }
            })
            .collect();
        FindView {
            matches: found.len(),
            hits,
        }
    }

    /// Ticks or unticks rows.
    pub fn select(&mut self, request: &SelectRequest) {
        if request.clear {
            self.selected.clear();
        }
        if request.all {
            self.ensure_order();
            for &at in &self.order {
                self.selected.insert(self.entries[at as usize].id.clone());
            }
        }
        for id in &request.ids {
            if !self.by_id.contains_key(id.trim()) {
                continue;
            }
            if request.selected {
                self.selected.insert(id.trim().to_owned());
            } else {
                self.selected.remove(id.trim());
            }
        }
    }

    /// The ticked ids in the current order.
    pub fn selection(&mut self) -> Vec<String> {
        self.ensure_order();
        let mut ids: Vec<String> = self
            .order
            .iter()
            .map(|&at| &self.entries[at as usize].id)
            .filter(|id| self.selected.contains(*id))
            .cloned()
            .collect();
        // Ticked rows a filter now hides still count.
        let shown: HashSet<&String> = ids.iter().collect();
        let mut hidden: Vec<String> = self
            .selected
            .iter()
            .filter(|id| !shown.contains(id))
            .cloned()
            .collect();
        hidden.sort();
        ids.extend(hidden);
        ids
    }

    /// One account, for the detail pane.
    pub fn account(&self, id: &str) -> Option<&Item> {
        self.by_id
            .get(id.trim())
            .map(|&at| &self.entries[at as usize].item)
    }

    /// Replaces one internal account's view (after a fund or a wallet update).
    pub fn replace(&mut self, view: AccountView) {
        if self.by_id.contains_key(&view.id) {
            self.insert(Entry::internal(view));
            self.changed();
        }
    }

    /// The balance report: the ticked rows (or every row of the current order), with the
    /// as-of time, connection and environment above, and the per-currency totals below.
    pub fn balance_report(&mut self, header: &ReportHeader) -> String {
        let selection = self.selection();
        self.ensure_order();
        let ats: Vec<u32> = if selection.is_empty() {
            self.order.clone()
        } else {
            selection
                .iter()
                .filter_map(|id| self.by_id.get(id).copied())
                .collect()
        };
        let mut out = String::with_capacity(256 + ats.len() * 160);
        out.push(deposit_instructions::CSV_BOM);
        let push = |out: &mut String, cells: &[&str]| {
            deposit_instructions::csv::push_row(out, cells.iter().copied());
        };
        push(
            &mut out,
            &["Balance report", header.connection_name.as_str()],
        );
        push(&mut out, &["As of", header.as_of.as_str()]);
        push(&mut out, &["Connection", header.connection_name.as_str()]);
        push(&mut out, &["Environment", header.environment.as_str()]);
        let scope = if selection.is_empty() {
            format!("{} accounts in the table's order", group(ats.len()))
        } else {
            format!("{} selected accounts", group(ats.len()))
        };
        push(&mut out, &["Accounts", scope.as_str()]);
        if self.partial() {
            let loaded = format!(
                "Partial: {} of {} accounts were loaded",
                group(self.entries.len()),
                self.total.map_or_else(|| "?".to_owned(), group_u64)
            );
            push(&mut out, &["Note", loaded.as_str()]);
        }
        out.push_str("\r\n");
        let header_cells = [
            "Customer",
            "Account ID",
            "Type",
            "Status",
            "Currency",
            "Available balance",
            "Total balance",
            "Available (smallest units)",
            "Total (smallest units)",
            "Updated",
        ];
        push(&mut out, &header_cells);
        let mut sums: BTreeMap<String, (i128, i128, Option<Currency>)> = BTreeMap::new();
        for &at in &ats {
            let e = &self.entries[at as usize];
            let minor = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            let (available_minor, total_minor) = (minor(e.available), minor(e.total));
            push(
                &mut out,
                &[
                    e.customer.as_str(),
                    e.id.as_str(),
                    e.type_label.as_str(),
                    e.status_label.as_str(),
                    e.currency.as_str(),
                    e.available_display.as_deref().unwrap_or(""),
                    e.total_display.as_deref().unwrap_or(""),
                    available_minor.as_str(),
                    total_minor.as_str(),
                    e.updated.as_str(),
                ],
            );
            if let (Item::Internal(view), Some(a), Some(t)) = (&e.item, e.available, e.total) {
                let sum = sums.entry(e.currency.clone()).or_insert((0, 0, None));
                sum.0 += i128::from(a);
                sum.1 += i128::from(t);
                sum.2.get_or_insert_with(|| Currency {
                    code: view.currency_code.clone(),
                    name: None,
                    symbol: view.currency_symbol.clone(),
                    decimals: view.decimals,
                });
            }
        }
        if !sums.is_empty() {
            out.push_str("\r\n");
            for (code, (available, total, currency)) in sums {
                let currency = currency.unwrap_or_default();
                let label = format!("Total {code}");
                let a = grid_client::money::format_wide_with_currency(available, &currency);
                let t = grid_client::money::format_wide_with_currency(total, &currency);
                let (am, tm) = (available.to_string(), total.to_string());
                push(
                    &mut out,
                    &[
                        label.as_str(),
                        "",
                        "",
                        "",
                        code.as_str(),
                        a.as_str(),
                        t.as_str(),
                        am.as_str(),
                        tm.as_str(),
                        "",
                    ],
                );
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What the balance report says about where its numbers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHeader {
    pub as_of: String,
    pub connection_name: String,
    pub environment: String,
}

fn compare(a: &Entry, b: &Entry, column: Column) -> std::cmp::Ordering {
    match column {
        Column::Customer => a.customer.cmp(&b.customer),
        Column::Id => a.id.cmp(&b.id),
        Column::Type => a.type_label.cmp(&b.type_label),
        Column::Status => a.status_label.cmp(&b.status_label),
        Column::Currency => a.currency.cmp(&b.currency),
        // Amounts sort within a currency; unreadable amounts last.
        Column::Available => a
            .currency
            .cmp(&b.currency)
            .then_with(|| cmp_amount(a.available, b.available)),
        Column::Total => a
            .currency
            .cmp(&b.currency)
            .then_with(|| cmp_amount(a.total, b.total)),
        Column::Updated => a.updated.cmp(&b.updated),
    }
}

fn cmp_amount(a: Option<i64>, b: Option<i64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

fn group(n: usize) -> String {
    grid_client::money::format_minor_units_wide(n as i128, 0)
}

fn group_u64(n: u64) -> String {
    grid_client::money::format_minor_units_wide(i128::from(n), 0)
}

#[derive(Debug, Default)]
struct Shared {
    next_load: u64,
    listing: Listing,
    connection: String,
    cancel: Option<Arc<AtomicBool>>,
    task: Option<tokio::task::AbortHandle>,
}

/// The accounts table of the active connection.
#[derive(Debug)]
pub struct Workspace {
    connections: Arc<Connections>,
    remembered: Arc<AccountCache>,
    shared: Arc<Mutex<Shared>>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Workspace {
    /// `remembered` is shared with printing (ticked rows) and funding (refreshed balances).
    pub fn new(connections: Arc<Connections>, remembered: Arc<AccountCache>) -> Self {
        Self {
            connections,
            remembered,
            shared: Arc::new(Mutex::new(Shared::default())),
        }
    }

    /// Starts loading every page of `request` in the background (an earlier load is cancelled)
    /// and answers at once with the new load's state.
    pub async fn load(&self, request: LoadRequest) -> UiResult<WorkspaceState> {
        let active = self.connections.active().await?;
        let customer = crate::input::customer_id(request.customer_id.clone())?;
        let external_customers = match request.external_owner.as_deref().map(str::trim) {
            None | Some("" | "platform") => false,
            Some("customer") => true,
            Some(_) => {
                return Err(UiError::validation(
                    "Choose whether to list the platform's or customers' external accounts.",
                ))
            }
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let load_id = {
            let mut shared = lock(&self.shared);
            if let Some(flag) = shared.cancel.take() {
                flag.store(true, Ordering::SeqCst);
            }
            if let Some(task) = shared.task.take() {
                task.abort();
            }
            shared.next_load += 1;
            let load_id = shared.next_load;
            shared.listing = Listing::new(load_id, request.list);
            shared.connection = active.id.clone();
            shared.cancel = Some(Arc::clone(&cancel));
            load_id
        };
        let shared = Arc::clone(&self.shared);
        let client = active.client.clone();
        let list = request.list;
        let task = tokio::spawn(async move {
            let apply = |items: Vec<Item>, total: Option<u64>| -> bool {
                let mut s = lock(&shared);
                if s.listing.load_id != load_id || cancel.load(Ordering::SeqCst) {
                    return false;
                }
                s.listing.push(items, total);
                true
            };
            let outcome: Result<(), grid_client::Error> = async {
                match list {
                    ListKind::Platform => {
                        let accounts = client
                            .list_platform_internal_accounts(&Default::default())
                            .await?;
                        let items = accounts
                            .iter()
                            .map(|a| Item::Internal(Box::new(account_view(a))))
                            .collect();
                        apply(items, None);
                    }
                    ListKind::Customers => {
                        let filter = CustomerAccountFilter {
                            customer_id: customer.clone().map(CustomerId),
                            ..CustomerAccountFilter::default()
                        };
                        let mut pages = std::pin::pin!(
                            client.customer_internal_account_pages(filter, MAX_PAGE_SIZE)
                        );
                        while let Some(page) = pages.next().await {
                            let page = page?;
                            let items = page
                                .data
                                .iter()
                                .map(|a| Item::Internal(Box::new(account_view(a))))
                                .collect();
                            if !apply(items, page.total_count) {
                                return Ok(());
                            }
                        }
                    }
                    ListKind::External => {
                        let filter = ExternalAccountFilter {
                            customer_id: if external_customers {
                                customer.clone().map(CustomerId)
                            } else {
                                None
                            },
                            currency: None,
                        };
                        let mut pages = std::pin::pin!(client.external_account_pages(
                            !external_customers,
                            filter,
                            MAX_PAGE_SIZE
                        ));
                        while let Some(page) = pages.next().await {
                            let page = page?;
                            let items = page
                                .data
                                .iter()
                                .map(|a| Item::External(Box::new(external_account_view(a))))
                                .collect();
                            if !apply(items, page.total_count) {
                                return Ok(());
                            }
                        }
                    }
                }
                Ok(())
            }
            .await;
            let mut s = lock(&shared);
            if s.listing.load_id != load_id || cancel.load(Ordering::SeqCst) {
                return;
            }
            match outcome {
                Ok(()) => s.listing.finish(),
                Err(err) => s.listing.fail(err.into()),
            }
            s.cancel = None;
            s.task = None;
        });
        let mut shared = lock(&self.shared);
        if shared.listing.load_id == load_id && shared.listing.loading {
            shared.task = Some(task.abort_handle());
        }
        Ok(shared.listing.state())
    }

    /// Progress and totals now.
    pub fn state(&self) -> WorkspaceState {
        lock(&self.shared).listing.state()
    }

    /// Stops loading; what was read stays, marked partial.
    pub fn cancel(&self) -> WorkspaceState {
        let mut shared = lock(&self.shared);
        if let Some(flag) = shared.cancel.take() {
            flag.store(true, Ordering::SeqCst);
        }
        if let Some(task) = shared.task.take() {
            task.abort();
        }
        shared.listing.cancel();
        shared.listing.state()
    }

    /// Sort, filters and find.
    pub fn view(&self, request: ViewRequest) -> UiResult<WorkspaceState> {
        let mut shared = lock(&self.shared);
        shared.listing.set_view(&request)?;
        Ok(shared.listing.state())
    }

    pub fn rows(&self, request: RowsRequest) -> UiResult<RowsView> {
        lock(&self.shared).listing.rows(request)
    }

    pub fn find(&self, request: FindRequest) -> UiResult<FindView> {
        if request.text.chars().count() > 200 {
            return Err(UiError::validation(
                "That is longer than any id, reference or address. Paste just the value you are looking for.",
            ));
        }
        Ok(lock(&self.shared).listing.find(&request.text))
    }

    /// Ticks rows; the ticked internal accounts are remembered for printing.
    pub fn select(&self, request: SelectRequest) -> WorkspaceState {
        let mut shared = lock(&self.shared);
        shared.listing.select(&request);
        let connection = shared.connection.clone();
        let ids = shared.listing.selection();
        let views: Vec<AccountView> = ids
            .iter()
            .take(crate::printing::MAX_ACCOUNTS)
            .filter_map(|id| match shared.listing.account(id) {
                Some(Item::Internal(view)) => Some((**view).clone()),
                _ => None,
            })
            .collect();
        self.remembered.remember(&connection, &views);
        shared.listing.state()
    }

    pub fn selection(&self) -> SelectionView {
        SelectionView {
            ids: lock(&self.shared).listing.selection(),
        }
    }

    /// The full account for the detail pane. A balance changed since (a fund, a wallet update)
    /// is taken from the shared cache of refreshed views, and the row and totals follow.
    pub fn account(&self, request: AccountRequest) -> UiResult<DetailView> {
        let mut shared = lock(&self.shared);
        let connection = shared.connection.clone();
        let refreshed = self.remembered.get(&connection, request.id.trim());
        let item = shared
            .listing
            .account(&request.id)
            .cloned()
            .ok_or_else(|| {
                UiError::not_found("That account is no longer in the table. Refresh the list.")
            })?;
        match item {
            Item::Internal(view) => {
                let view = match refreshed {
                    Some(newer) if newer != *view => {
                        shared.listing.replace(newer.clone());
                        newer
                    }
                    _ => {
                        self.remembered.remember(&connection, [&*view]);
                        *view
                    }
                };
                Ok(DetailView::Internal {
                    account: Box::new(view),
                })
            }
            Item::External(view) => Ok(DetailView::External { account: view }),
        }
    }

    /// Saves the balance report CSV where the person chooses (or into the export dir).
    pub async fn export_csv(
        &self,
        request: ExportRequest,
        printing: &Printing,
        dialog: &impl SaveDialog,
    ) -> UiResult<SaveOutcome> {
        let active = self.connections.active().await?;
        let connection_name = self.connections.summary(&active.id).await?.name;
        let stamp = Stamp::now(request.utc_offset_minutes);
        let header = ReportHeader {
            as_of: stamp.display(),
            connection_name,
            environment: environment_label(active.environment).to_owned(),
        };
        let (text, accounts) = {
            let mut shared = lock(&self.shared);
            if shared.connection != active.id {
                return Err(UiError::validation(
                    "The table shows another connection's accounts. Refresh it first.",
                ));
            }
            if shared.listing.is_empty() {
                return Err(UiError::validation(
                    "There are no accounts in the table to export.",
                ));
            }
            let text = shared.listing.balance_report(&header);
            let selected = shared.listing.selected.len();
            let accounts = if selected > 0 {
                selected
            } else {
                shared.listing.state().count
            };
            (text, accounts)
        };
        let export = Export {
            bytes: text.into_bytes(),
            missing_scripts: Vec::new(),
            accounts,
            pages: None,
            file_name: format!("balance-report-{}.csv", stamp.date()),
            filter: ("CSV spreadsheet", "csv"),
        };
        printing.save(export, dialog, journal::Kind::CsvSaved).await
    }
}

fn environment_label(environment: EnvLabel) -> &'static str {
    environment.label()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::tests::view;

    fn account(
        id: &str,
        customer: Option<&str>,
        currency: &str,
        decimals: u32,
        available: i64,
    ) -> Item {
        let mut v = view(id);
        v.customer_id = customer.map(str::to_owned);
        v.is_platform = customer.is_none();
        v.currency_code = Some(currency.into());
        v.currency_symbol = (currency == "USD").then(|| "$".to_owned());
        v.decimals = Some(decimals);
        let c = Currency {
            code: Some(currency.into()),
            name: None,
            symbol: v.currency_symbol.clone(),
            decimals: Some(decimals),
        };
        v.balance.amount = available;
        v.balance.display = grid_client::money::format_with_currency(available, &c);
        v.total_balance.amount = available * 2;
        v.total_balance.display = grid_client::money::format_with_currency(available * 2, &c);
        v.instructions[0].reference = Some(format!("REF-{id}"));
        v.instructions[0].fields[1].value = format!("REF-{id}");
        v.instructions[0].fields[0].value = format!("ACCT{id}");
        Item::Internal(Box::new(v))
    }

    fn listing() -> Listing {
        let mut l = Listing::new(1, ListKind::Customers);
        l.push(
            vec![
                account("InternalAccount:c", Some("Customer:2"), "USD", 2, 150),
                account("InternalAccount:a", Some("Customer:1"), "USD", 2, 1_000),
                account("InternalAccount:b", Some("Customer:1"), "EUR", 2, 50),
                account("InternalAccount:d", Some("Customer:3"), "BTC", 8, 7),
            ],
            Some(6),
        );
        l
    }

    fn ids(l: &mut Listing) -> Vec<String> {
        l.rows(RowsRequest {
            offset: 0,
            limit: 100,
        })
        .expect("rows")
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect()
    }

    #[test]
    fn rows_sort_by_any_column_both_ways() {
        let mut l = listing();
        assert_eq!(
            ids(&mut l),
            [
                "InternalAccount:a",
                "InternalAccount:b",
                "InternalAccount:c",
                "InternalAccount:d"
            ],
            "by customer, then id"
        );
        l.set_view(&ViewRequest {
            sort: Some(Sort {
                column: Column::Available,
                descending: true,
            }),
            ..ViewRequest::default()
        })
        .expect("view");
        assert_eq!(
            ids(&mut l),
            [
                "InternalAccount:a",
                "InternalAccount:c",
                "InternalAccount:b",
                "InternalAccount:d"
            ],
            "amounts within a currency (USD 10.00 before 1.50), currencies descending"
        );
        l.set_view(&ViewRequest {
            sort: Some(Sort {
                column: Column::Currency,
                descending: false,
            }),
            ..ViewRequest::default()
        })
        .expect("view");
        let rows = l
            .rows(RowsRequest {
                offset: 1,
                limit: 2,
            })
            .expect("rows");
        assert_eq!(rows.count, 4);
        assert_eq!(rows.offset, 1);
        assert_eq!(
            rows.rows
                .iter()
                .map(|r| (r.index, r.currency.as_str()))
                .collect::<Vec<_>>(),
            [(1, "EUR"), (2, "USD")]
        );
        assert!(l
            .rows(RowsRequest {
                offset: 0,
                limit: 0
            })
            .is_err());
        assert!(l
            .rows(RowsRequest {
                offset: 0,
                limit: MAX_ROWS + 1
            })
            .is_err());
        assert!(l
            .rows(RowsRequest {
                offset: 99,
                limit: 5
            })
            .expect("past the end")
            .rows
            .is_empty());
    }

    #[test]
    fn filters_narrow_rows_and_totals() {
        let mut l = listing();
        l.set_view(&ViewRequest {
            currency: Some("usd".into()),
            ..ViewRequest::default()
        })
        .expect("view");
        assert_eq!(ids(&mut l), ["InternalAccount:a", "InternalAccount:c"]);
        let totals = l.totals();
        assert_eq!(totals.len(), 1);
        assert_eq!(totals[0].available, "$11.50");
        assert_eq!(totals[0].total, "$23.00");
        assert_eq!(totals[0].available_minor, "1150");
        l.set_view(&ViewRequest {
            customer: Some("Customer:1".into()),
            ..ViewRequest::default()
        })
        .expect("view");
        assert_eq!(ids(&mut l), ["InternalAccount:a", "InternalAccount:b"]);
        l.set_view(&ViewRequest {
            status: Some("FROZEN".into()),
            ..ViewRequest::default()
        })
        .expect("view");
        assert!(ids(&mut l).is_empty());
        l.set_view(&ViewRequest {
            account_type: Some("INTERNAL_FIAT".into()),
            ..ViewRequest::default()
        })
        .expect("view");
        assert_eq!(ids(&mut l).len(), 4);
        let state = l.state();
        assert_eq!(state.status_text, "Loading… 4 shown · 4 of 6 accounts");
        assert!(l
            .set_view(&ViewRequest {
                customer: Some("a\u{0}b".into()),
                ..ViewRequest::default()
            })
            .is_err());
    }

    #[test]
    fn totals_are_exact_per_currency_and_say_when_partial() {
        let mut l = Listing::new(1, ListKind::Customers);
        let big = grid_client::money::MAX_SHOWN_AMOUNT;
        l.push(
            (0..5)
                .map(|n| {
                    account(
                        &format!("InternalAccount:{n}"),
                        Some("Customer:1"),
                        "USD",
                        2,
                        big,
                    )
                })
                .collect(),
            Some(10),
        );
        let state = l.state();
        assert!(state.partial && state.loading);
        let usd = &state.totals[0];
        assert_eq!(usd.accounts, 5);
        assert_eq!(
            usd.available_minor,
            (i128::from(big) * 5).to_string(),
            "beyond i64, exact"
        );
        assert_eq!(usd.available, "$450,359,962,737,049.55");
        assert_eq!(
            state.totals_text,
            "Totals of 5 accounts — partial: 5 of 10 accounts loaded"
        );
        assert_eq!(state.status_text, "Loading… 5 of 10 accounts");
        l.cancel();
        let state = l.state();
        assert!(state.partial && state.cancelled && !state.loading);
        assert_eq!(
            state.status_text,
            "5 of 10 accounts — partial: loading was cancelled"
        );
        let mut done = listing();
        done.total = Some(4);
        done.finish();
        let state = done.state();
        assert!(!state.partial);
        assert_eq!(state.totals_text, "Totals of 4 accounts");
        let btc = state
            .totals
            .iter()
            .find(|t| t.currency == "BTC")
            .expect("btc");
        assert_eq!(btc.available, "0.00000007 BTC");
    }

    #[test]
    fn an_unreadable_amount_is_left_out_and_counted() {
        let mut l = listing();
        let Item::Internal(mut odd) = account("InternalAccount:x", Some("Customer:9"), "USD", 2, 0)
        else {
            unreachable!()
        };
        odd.balance.unavailable = Some("not whole".into());
        odd.balance.amount = 0;
        l.push(vec![Item::Internal(odd)], None);
        let usd = l
            .totals()
            .into_iter()
            .find(|t| t.currency == "USD")
            .expect("usd");
        assert_eq!(usd.accounts, 3);
        assert_eq!(usd.left_out, 1);
        assert_eq!(usd.available_minor, "1150");
    }

    #[test]
    fn find_matches_ids_references_and_numbers_by_prefix() {
        let mut l = listing();
        let hit = l.find("ref-internalaccount:b");
        assert_eq!(hit.matches, 1);
        assert_eq!(hit.hits[0].id, "InternalAccount:b");
        assert_eq!(
            hit.hits[0].matched,
            "Payment reference REF-InternalAccount:b"
        );
        assert_eq!(
            l.find(" acctInternal ").matches,
            4,
            "account numbers, any case, spaces ignored"
        );
        assert_eq!(
            l.find("c").matches,
            4,
            "the id's tail (c) and Customer:… by prefix"
        );
        assert_eq!(
            l.find("b").matches,
            1,
            "only InternalAccount:b ends its id with b"
        );
        assert_eq!(l.find("Customer:1").matches, 2);
        assert_eq!(l.find("nothing-like-it").matches, 0);
        assert_eq!(l.find("").matches, 0);
        l.set_view(&ViewRequest {
            find: Some("REF-InternalAccount:d".into()),
            ..ViewRequest::default()
        })
        .expect("view");
        let rows = l
            .rows(RowsRequest {
                offset: 0,
                limit: 10,
            })
            .expect("rows");
        assert_eq!(rows.count, 1);
        assert_eq!(
            rows.rows[0].matched.as_deref(),
            Some("Payment reference REF-InternalAccount:d")
        );
    }

    #[test]
    fn find_over_ten_thousand_accounts_is_quick() {
        let mut l = Listing::new(1, ListKind::Customers);
        let items: Vec<Item> = (0..10_000)
            .map(|n| {
                account(
                    &format!("InternalAccount:{n:05}"),
                    Some(&format!("Customer:{}", n / 3)),
                    "USD",
                    2,
                    n,
                )
            })
            .collect();
        l.push(items, Some(10_000));
        let found = l.find("REF-InternalAccount:09999");
        assert_eq!(found.matches, 1);
        assert_eq!(found.hits[0].id, "InternalAccount:09999");
        assert_eq!(l.find("acctinternalaccount:0999").matches, 10);
        assert_eq!(l.find("acct").hits.len(), MAX_FIND_HITS);
    }

    #[test]
    fn selection_and_the_balance_report() {
        let mut l = listing();
        l.finish();
        let header = ReportHeader {
            as_of: "2026-11-22 10:31 UTC".into(),
            connection_name: "Treasury".into(),
            environment: "Sandbox".into(),
        };
        let csv = l.balance_report(&header);
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "Balance report,Treasury");
        assert_eq!(lines[1], "As of,2026-11-22 10:31 UTC");
        assert_eq!(lines[3], "Environment,Sandbox");
        assert!(
            lines.iter().any(|l| l.starts_with("Note,Partial")),
            "6 expected, 4 loaded: {csv}"
        );
        let at = lines
            .iter()
            .position(|l| l.starts_with("Customer,Account ID"))
            .expect("header");
        assert_eq!(lines[at + 1], "Customer:1,InternalAccount:a,Internal fiat,Active,USD,$10.00,$20.00,1000,2000,2025-01-01T00:00:00Z");
        assert!(
            csv.contains("Total USD,,,,USD,$11.50,$23.00,1150,2300,"),
            "{csv}"
        );
        assert!(
            csv.contains("Total EUR,,,,EUR,0.50 EUR,1.00 EUR,50,100,"),
            "{csv}"
        );

        l.select(&SelectRequest {
            ids: vec!["InternalAccount:c".into(), "nope".into()],
            selected: true,
            ..SelectRequest::default()
        });
        assert_eq!(l.selection(), ["InternalAccount:c"]);
        let csv = l.balance_report(&header);
        assert!(csv.contains("Accounts,1 selected accounts"), "{csv}");
        assert!(!csv.contains("InternalAccount:a"));
        assert!(
            csv.contains("Total USD,,,,USD,$1.50,$3.00,150,300,"),
            "{csv}"
        );
        l.select(&SelectRequest {
            all: true,
            clear: true,
            ..SelectRequest::default()
        });
        assert_eq!(l.selection().len(), 4);
        assert!(l
            .rows(RowsRequest {
                offset: 0,
                limit: 4
            })
            .expect("rows")
            .rows
            .iter()
            .all(|r| r.selected));
        l.select(&SelectRequest {
            clear: true,
            ..SelectRequest::default()
        });
        assert!(l.selection().is_empty());
    }

    #[test]
    fn a_cancelled_listing_keeps_what_it_read_and_refuses_more() {
        let mut l = listing();
        l.cancel();
        assert_eq!(l.len(), 4);
        let state = l.state();
        assert!(state.cancelled && state.partial);
        l.finish();
        assert!(
            l.state().cancelled,
            "a late finish does not hide the cancel"
        );
    }

    #[test]
    fn short_ids_keep_the_tail() {
        assert_eq!(
            short_id("InternalAccount:019a0b0c-0d0e-7f00-8000-00000000f3c1"),
            "…0000f3c1"
        );
        assert_eq!(short_id("InternalAccount:abc"), "abc");
    }
}
