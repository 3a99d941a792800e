//! Spreadsheet exports (导出) for staff: orders and statistics as CSV in
//! UTF-8 with a byte-order mark, so Excel opens the Chinese right. Orders are
//! streamed a page at a time (each page its own read), so memory stays flat
//! however many rows a range holds.

use bytes::Bytes;
use domain::actor::Actor;
use domain::export::{order_record, summary_record, ORDER_COLUMNS, SUMMARY_COLUMNS};
use domain::stats::{Breakdown, DayRange};
use domain::DomainError;
use futures_util::stream::{self, Stream};
use uuid::Uuid;

use super::stats::{breakdown, overview, Key};
use crate::db::Db;
use crate::repo::orders::OrderFilter;
use crate::repo::Page;

/// What makes Excel read UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Rows read per page of an order export.
pub const ORDER_PAGE: i64 = 500;

fn encode<I, R>(records: I, bom: bool) -> Result<Bytes, DomainError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let out = if bom { BOM.to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    for r in records {
        w.write_record(r).map_err(|e| DomainError::fault(format!("csv: {e}")))?;
    }
    w.into_inner().map(Bytes::from).map_err(|e| DomainError::fault(format!("csv: {e}")))
}

struct Cursor {
    db: Db,
    actor: Actor,
    filter: OrderFilter,
    after: Option<String>,
    done: bool,
}

/// The orders the caller may see, filtered, newest first: the header (with the
/// BOM) at once, then one chunk per page of `page_rows`. Staff only: the first
/// page is read before anything is sent, so a refusal is a plain answer.
pub async fn orders_csv(
    db: &Db,
    actor: Actor,
    filter: OrderFilter,
    page_rows: i64,
) -> Result<impl Stream<Item = Result<Bytes, DomainError>> + use<>, DomainError> {
    domain::stats::staff_only(&actor)?;
    let header = encode([ORDER_COLUMNS], true)?;
    let cursor = Cursor { db: db.clone(), actor, filter, after: None, done: false };
    let pages = stream::try_unfold(cursor, move |mut c| async move {
        if c.done {
            return Ok(None);
        }
        let page = Page { after: c.after.take(), limit: page_rows.max(1) };
        let paged = super::orders::list(&c.db, c.actor.clone(), c.filter.clone(), page).await?;
        c.done = paged.next_cursor.is_none();
        c.after = paged.next_cursor;
        let chunk = encode(paged.items.iter().map(order_record), false)?;
        Ok(Some((chunk, c)))
    });
    Ok(futures_util::StreamExt::chain(stream::iter([Ok(header)]), pages))
}

/// A node's statistics by region, category or day, with a 合计 (total) row
/// first: one row per breakdown row, the rates as percentages.
pub async fn stats_csv(
    db: &Db,
    actor: Actor,
    region_id: Option<Uuid>,
    range: DayRange,
    by: Breakdown,
) -> Result<Bytes, DomainError> {
    let total = overview(db, actor.clone(), region_id, range).await?;
    let rows = breakdown(db, actor, region_id, range, by).await?;
    let mut header = vec![by.label().to_owned()];
    header.extend(SUMMARY_COLUMNS.iter().map(|c| (*c).to_owned()));
    let label = |k: &Key| match k {
        Key::Region(n) | Key::Category(n) => domain::export::cell(&n.name),
        Key::Day(d) => d.to_string(),
    };
    let mut records = vec![header];
    let with = |name: String, s: &domain::stats::Summary| std::iter::once(name).chain(summary_record(s)).collect();
    records.push(with("合计".to_owned(), &total.summary));
    records.extend(rows.rows.iter().map(|(k, s)| with(label(k), s)));
    encode(records, true)
}
