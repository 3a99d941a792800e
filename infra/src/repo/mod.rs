//! Storage, one module per aggregate. Functions take `&mut AnyConnection` so a
//! use case can compose several inside one transaction.

pub mod accounts;
pub mod categories;
pub mod gauges;
pub mod checks;
pub mod idempotency;
pub mod media;
pub mod orders;
pub mod policies;
pub mod posters;
pub mod privacy;
pub mod regions;
pub mod reveals;
pub mod robots;
pub mod stats;
pub mod tokens;
pub mod units;
pub mod users;
pub mod webhooks;

/// Cursor pagination: the last id seen, and how many to return.
#[derive(Debug, Clone)]
pub struct Page {
    pub after: Option<String>,
    pub limit: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;

    pub fn new(after: Option<String>, limit: Option<i64>) -> Page {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT).clamp(1, Self::MAX_LIMIT);
        Page { after, limit }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(None, None)
    }
}

/// A page of results and the cursor for the next one (None at the end).
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    /// `rows` was fetched with `limit + 1`: the extra row only says there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Paged<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(cursor_of) } else { None };
        Paged { items: rows, next_cursor }
    }
}
