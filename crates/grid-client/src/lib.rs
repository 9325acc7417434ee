//! Typed async client for Lightspark's Grid API (2025-10-13), for the operations Grid Desk
//! uses: internal and external accounts, sandbox funding, and the signed PATCH of an internal
//! account. No Tauri here; the desktop app wraps it.
//!
//! Bounded by construction: every operation has one deadline ([`ClientConfig::deadline`],
//! retries and backoff included) and stops when its future is dropped; no answer is read past
//! [`MAX_RESPONSE_BYTES`]; ids only ever fill one path segment; Grid's error texts are cut to
//! [`MAX_ERROR_MESSAGE_CHARS`]; amounts Grid sends decode whatever they are and are checked
//! when shown ([`money::checked_amount`]); `Debug` prints no credential.

mod client;
mod error;
pub mod models;
pub mod money;
mod secret;
pub mod signing;

pub use client::{
    all_pages, ellipsize, validate_base_url, ClientConfig, CustomerAccountFilter,
    ExternalAccountFilter, GridClient, PageRequest, PlatformAccountFilter, RetryPolicy,
    UpdateOutcome, DEFAULT_BASE_URL, MAX_ERROR_MESSAGE_CHARS, MAX_ID_CHARS, MAX_PAGE_SIZE,
    MAX_RESPONSE_BYTES, REDIRECT_REFUSED,
};
pub use error::{ApiError, Error};
pub use secret::{Credentials, Secret};
