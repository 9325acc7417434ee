//! Timestamps in Grid's wire format.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::{Duration, OffsetDateTime, UtcOffset};

/// The last moment handed out by [`now_rfc3339`], in milliseconds since the Unix epoch.
static LAST_MILLIS: AtomicI64 = AtomicI64::new(i64::MIN);

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

/// RFC 3339 in UTC at millisecond precision: `2025-03-01T09:30:00.123Z` (the spec's
/// `date-time` allows fractional seconds).
pub(crate) fn rfc3339_millis(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let whole = rfc3339(at);
    format!("{}.{:03}Z", whole.trim_end_matches('Z'), at.millisecond())
}

/// Milliseconds since the epoch, strictly greater than any value returned before in this
/// process: two changes within one millisecond (or a clock stepped back) still get distinct,
/// ordered timestamps, so `updatedAt` always moves forward.
fn next_millis(previous: &AtomicI64, now: i64) -> i64 {
    let mut last = previous.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.saturating_add(1));
        match previous.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// The time of a change (`updatedAt`), at millisecond precision and strictly later than the
/// previous one handed out.
pub(crate) fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let millis = next_millis(&LAST_MILLIS, now_ms);
    let at = OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(millis);
    rfc3339_millis(at)
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
        let at = OffsetDateTime::from_unix_timestamp(1_735_725_600).expect("valid")
            + Duration::milliseconds(7);
        assert_eq!(rfc3339_millis(at), "2025-01-01T10:00:00.007Z");
        let now = now_rfc3339();
        assert_eq!(now.len(), 24, "YYYY-MM-DDTHH:MM:SS.mmmZ: {now}");
        assert!(now.ends_with('Z'));
        assert!(
            OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339).is_ok(),
            "{now} is RFC 3339"
        );
    }

    #[test]
    fn each_new_timestamp_is_strictly_later() {
        // Many calls within the same millisecond (and second): every one must sort after the
        // previous, as text too (fixed width), so updatedAt always changes.
        let stamps: Vec<String> = (0..2_000).map(|_| now_rfc3339()).collect();
        for pair in stamps.windows(2) {
            assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
        }
        // A clock stepped back does not move timestamps back.
        let previous = AtomicI64::new(i64::MIN);
        assert_eq!(next_millis(&previous, 5_000), 5_000);
        assert_eq!(next_millis(&previous, 5_000), 5_001, "same millisecond");
        assert_eq!(next_millis(&previous, 4_000), 5_002, "clock stepped back");
        assert_eq!(next_millis(&previous, 9_000), 9_000, "real time again");
    }
}
