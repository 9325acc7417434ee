//! Credentials that cannot leak by accident: `Debug` prints `<redacted>`, there is no
//! `Display` and no `Serialize`.

use std::fmt;

use base64::Engine as _;

/// A secret string (client secret, session private key). Read it only with `expose`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call sites are few and easy to audit.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes before the allocation is freed.
        // SAFETY-free: replace the content with zeros through a safe API.
        let len = self.0.len();
        self.0.clear();
        self.0.extend(std::iter::repeat_n('\0', len));
    }
}

/// Grid API credentials: token id (the Basic user) and client secret (the password).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub token_id: String,
    pub client_secret: Secret,
}

impl Credentials {
    pub fn new(token_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            token_id: token_id.into(),
            client_secret: Secret::new(client_secret),
        }
    }

    /// Reads `GRID_CLIENT_ID` / `GRID_CLIENT_SECRET`, like Grid's SDKs.
    pub fn from_env() -> Option<Self> {
        let id = std::env::var("GRID_CLIENT_ID")
            .ok()
            .filter(|v| !v.is_empty())?;
        let secret = std::env::var("GRID_CLIENT_SECRET")
            .ok()
            .filter(|v| !v.is_empty())?;
        Some(Self::new(id, secret))
    }

    /// The `Authorization` header value.
    pub(crate) fn basic_header(&self) -> Secret {
        let raw = format!("{}:{}", self.token_id, self.client_secret.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        Secret::new(format!("Basic {encoded}"))
    }
}

/// Neither value is printed: the token id is half of the Basic credentials and names the API
/// token, so it stays out of logs and panics just like the secret.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("token_id", &format_args!("<redacted>"))
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_or_the_token_id() {
        let creds = Credentials::new("token-1", "s3cr3t-value");
        let printed = format!("{creds:?} {creds:#?} {:?}", creds.basic_header());
        assert!(!printed.contains("s3cr3t-value"), "{printed}");
        // The token id was printed until issue 10.11: SECURITY.md promises it never reaches logs.
        assert!(!printed.contains("token-1"), "{printed}");
        assert!(printed.contains("<redacted>"));
    }

    #[test]
    fn basic_header_is_rfc7617() {
        let creds = Credentials::new("Aladdin", "open sesame");
        assert_eq!(
            creds.basic_header().expose(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }
}
