//! Timestamps in Grid's wire format.

use std::time::{SystemTime, UNIX_EPOCH};

use time::{OffsetDateTime, UtcOffset};

/// RFC 3339 in UTC at second precision, the form Grid sends: `2025-03-01T09:30:00Z`.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The current time, formatted by [`rfc3339`].
pub(crate) fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

/// A moment given in seconds since the Unix epoch, formatted by [`rfc3339`].
pub(crate) fn unix_rfc3339(seconds: i64) -> String {
    rfc3339(OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH))
}

/// Milliseconds since the Unix epoch, as the `timestampMs` of a payload to sign.
pub(crate) fn now_unix_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_at_second_precision_in_utc() {
        assert_eq!(unix_rfc3339(1_735_725_600), "2025-01-01T10:00:00Z");
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "YYYY-MM-DDTHH:MM:SSZ: {now}");
        assert!(now.ends_with('Z'));
    }
}
