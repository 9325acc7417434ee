//! Typed async client for Lightspark's Grid API (2025-10-13), for the operations Grid Desk
//! uses: internal and external accounts, sandbox funding, and the signed PATCH of an internal
//! account. No Tauri here; the desktop app wraps it.

mod client;
mod error;
pub mod models;
pub mod money;
mod secret;
pub mod signing;

pub use client::{
    all_pages, validate_base_url, ClientConfig, CustomerAccountFilter, ExternalAccountFilter,
    GridClient, PageRequest, PlatformAccountFilter, RetryPolicy, UpdateOutcome, DEFAULT_BASE_URL,
    MAX_PAGE_SIZE, REDIRECT_REFUSED,
};
pub use error::{ApiError, Error};
pub use secret::{Credentials, Secret};
