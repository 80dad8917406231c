//! Keyset pagination with opaque cursors: base64url of the last row's sort key.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use utoipa::IntoParams;

use super::error::Error;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// One page of a list; `next_cursor` is absent on the last page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `?limit=&cursor=` of a list, next to its own filters (a second `AppQuery`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size and the sort key to continue after (see [`start`]).
    pub fn start<K: DeserializeOwned>(&self) -> Result<(i64, Option<K>), Error> {
        start(self.limit, self.cursor.as_deref())
    }
}

/// Every keyset list's preamble: the page size (default, or 422 out of range)
/// and the sort key to continue after (none on the first page, 400 for a
/// cursor this API did not issue).
pub fn start<K: DeserializeOwned>(
    limit_requested: Option<i64>,
    cursor: Option<&str>,
) -> Result<(i64, Option<K>), Error> {
    Ok((limit(limit_requested)?, decode(cursor)?))
}

pub fn limit(requested: Option<i64>) -> Result<i64, Error> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(Error::field("limit", format!("must be between 1 and {MAX_LIMIT}"))),
    }
}

pub fn encode<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode<K: DeserializeOwned>(cursor: Option<&str>) -> Result<Option<K>, Error> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| Error::BadRequest("the cursor is not one this API issued".to_owned()))
}

/// Rows are fetched with `limit + 1`; the extra row only says there is more.
pub fn page<T, K: Serialize>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> K) -> Page<T> {
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more { rows.last().map(|row| encode(&key(row))) } else { None };
    Page { items: rows, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = encode(&("abc", 42));
        let decoded: Option<(String, i32)> = decode(Some(&cursor)).expect("decode");
        assert_eq!(decoded, Some(("abc".to_owned(), 42)));
        assert!(decode::<(String, i32)>(Some("not-a-cursor!")).is_err());
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
    }

    #[test]
    fn page_reports_more_only_when_there_is_more() {
        let p = page(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(p.items, vec![1, 2]);
        assert!(p.next_cursor.is_some());
        let last = page(vec![1, 2], 2, |n| *n);
        assert!(last.next_cursor.is_none());
    }
}
