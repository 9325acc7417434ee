//! Paging the way Grid does it: `limit` 1..100 (default 20), an opaque `cursor`, and
//! `{data, hasMore, nextCursor?, totalCount}`.
//!
//! Items are listed in creation order. A cursor names the last item of the page it ends
//! (its position in creation order and its id), so the next page is "matching items after it":
//! stable across page sizes, and never repeating or skipping while nothing is created.

use base64::Engine as _;
use grid_client::models::Page;
use grid_client::MAX_PAGE_SIZE;

use crate::error::ApiError;

/// Grid's page size when `limit` is absent.
pub(crate) const DEFAULT_LIMIT: usize = 20;

/// What the caller asked for: how many items, starting after which position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageRequest {
    pub limit: usize,
    /// Creation-order position of the last item already seen.
    pub after: Option<usize>,
}

/// Reads `limit`: an integer in 1..=100; absent means 20.
pub(crate) fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    let max = MAX_PAGE_SIZE as usize;
    match raw.trim().parse::<usize>() {
        Ok(limit) if (1..=max).contains(&limit) => Ok(limit),
        Ok(_) => Err(ApiError::invalid_field(
            "limit",
            format!("limit must be between 1 and {max}; got {raw}."),
        )),
        Err(_) => Err(ApiError::invalid_field(
            "limit",
            format!("limit must be a whole number between 1 and {max}; got \"{raw}\"."),
        )),
    }
}

/// The cursor that continues after the item at `position` with id `id`.
pub(crate) fn encode_cursor(position: usize, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{position}:{id}"))
}

/// Resolves a cursor against the listed items: it must be one this simulator issued for an
/// item that still sits at the same position.
pub(crate) fn resolve_cursor<T>(
    raw: &str,
    items: &[T],
    id_of: impl Fn(&T) -> &str,
) -> Result<usize, ApiError> {
    let invalid = || {
        ApiError::invalid_field(
            "cursor",
            "This cursor was not issued by this server or no longer matches the list; \
             start again without a cursor.",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (position, id) = text.split_once(':').ok_or_else(invalid)?;
    let position: usize = position.parse().map_err(|_| invalid())?;
    match items.get(position) {
        Some(item) if id_of(item) == id => Ok(position),
        _ => Err(invalid()),
    }
}

/// One page of `items` (all of them, in creation order) that pass `matches`.
pub(crate) fn paginate<T: Clone>(
    items: &[T],
    matches: impl Fn(&T) -> bool,
    id_of: impl Fn(&T) -> &str,
    request: PageRequest,
) -> Page<T> {
    let mut data = Vec::with_capacity(request.limit.min(items.len()));
    let mut last_position = None;
    let mut has_more = false;
    let mut total: u64 = 0;
    for (position, item) in items.iter().enumerate() {
        if !matches(item) {
            continue;
        }
        total += 1;
        if request.after.is_some_and(|after| position <= after) {
            continue;
        }
        if data.len() < request.limit {
            data.push(item.clone());
            last_position = Some(position);
        } else {
            has_more = true;
        }
    }
    let next_cursor = match last_position {
        Some(position) if has_more => Some(encode_cursor(position, id_of(&items[position]))),
        _ => None,
    };
    Page {
        data,
        has_more: next_cursor.is_some(),
        next_cursor,
        total_count: Some(total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `paginate` is generic over the item type; here the items are plain `String`s.
    #[allow(clippy::ptr_arg)]
    fn id_of(item: &String) -> &str {
        item.as_str()
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Item:{i}")).collect()
    }

    #[test]
    fn limit_defaults_to_20_and_stays_in_range() {
        assert_eq!(parse_limit(None), Ok(20));
        assert_eq!(parse_limit(Some("1")), Ok(1));
        assert_eq!(parse_limit(Some("100")), Ok(100));
        for bad in ["0", "101", "-1", "1.5", "abc", ""] {
            let err = parse_limit(Some(bad)).expect_err(bad);
            assert_eq!(err.code, "INVALID_INPUT", "{bad} must be refused");
        }
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let items = ids(10);
        let even =
            |s: &String| s.trim_start_matches("Item:").parse::<usize>().unwrap_or(1) % 2 == 0;
        let first = paginate(
            &items,
            even,
            id_of,
            PageRequest {
                limit: 2,
                after: None,
            },
        );
        assert_eq!(first.data, ["Item:0", "Item:2"]);
        assert_eq!(first.total_count, Some(5), "totalCount counts every match");
        assert!(first.has_more);
        let cursor = first.next_cursor.expect("a cursor while there is more");
        let after = resolve_cursor(&cursor, &items, id_of).expect("our own cursor");
        let second = paginate(
            &items,
            even,
            id_of,
            PageRequest {
                limit: 3,
                after: Some(after),
            },
        );
        assert_eq!(second.data, ["Item:4", "Item:6", "Item:8"]);
        assert!(
            !second.has_more && second.next_cursor.is_none(),
            "the last page has no cursor"
        );
    }

    #[test]
    fn foreign_cursors_are_refused() {
        let items = ids(3);
        for bad in [
            "not-a-cursor",
            "",
            &encode_cursor(7, "Item:7"),
            &encode_cursor(1, "Item:2"),
        ] {
            assert!(resolve_cursor(bad, &items, id_of).is_err(), "{bad:?}");
        }
    }
}
