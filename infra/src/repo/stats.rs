//! The statistics rollup (`order_stats`): the sums of `domain::stats::tally`
//! per region node (street, community, grid), day of submission and category.
//! Every order save adds its change here in the same transaction.
//!
//! The SQL is assembled as text: every value in it is a `Uuid`, a
//! `NaiveDate` or an integer formatted by us, never text from a request, so
//! nothing can be injected, and one statement carries any number of rows
//! (diesel's MultiConnection has no batch insert).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::prelude::*;
use diesel::row::NamedRow;
use diesel::sql_types::{BigInt, Text};
use domain::order::Order;
use domain::stats::{DayRange, Tally, TallyKey};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};

/// The category id of the rows summed over every category: each node and day
/// has one beside its per-category rows, so a node's totals over a range are
/// read from one row a day (the city's year was 38,000 rows of 55 sums).
pub const ALL_CATEGORIES: Uuid = Uuid::nil();

/// Rows per statement when many are written (rebuild, generated orders).
const ROWS_PER_STATEMENT: usize = 400;

/// One stored row's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    pub region_id: Uuid,
    pub day: NaiveDate,
    pub category_id: Uuid,
}

/// Adds a save's change (`before` is `None` for a new order).
pub fn record(conn: &mut AnyConnection, before: Option<&Order>, after: &Order) -> Result<(), DomainError> {
    let mut rows = Rollup::default();
    for (key, change) in domain::stats::delta(before, after) {
        rows.add(&key, &change);
    }
    rows.write(conn)
}

/// Changes gathered in memory, written as few statements.
#[derive(Debug, Default)]
pub struct Rollup(BTreeMap<RowKey, Tally>);

impl Rollup {
    /// Adds `change` at the key's three region nodes, in its category and in all.
    pub fn add(&mut self, key: &TallyKey, change: &Tally) {
        for region_id in key.regions {
            for category_id in [key.category_id, ALL_CATEGORIES] {
                let row = RowKey { region_id, day: key.day, category_id };
                let sum = self.0.entry(row).or_default();
                *sum = sum.plus(change);
            }
        }
    }

    pub fn from_rows(rows: BTreeMap<RowKey, Tally>) -> Rollup {
        Rollup(rows)
    }

    pub fn into_rows(self) -> BTreeMap<RowKey, Tally> {
        self.0
    }

    /// Adds every gathered row to the stored ones and empties itself.
    pub fn write(&mut self, conn: &mut AnyConnection) -> Result<(), DomainError> {
        let rows: Vec<(RowKey, Tally)> = std::mem::take(&mut self.0).into_iter().collect();
        let columns = Tally::columns();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            if let Some(sql) = upsert_sql(&columns, chunk) {
                diesel::sql_query(sql).execute(conn).map_err(storage)?;
            }
        }
        Ok(())
    }
}

/// One upsert adding `rows`, naming only the counters some row changes (a
/// transition moves a handful of the 55, and a shorter statement is parsed
/// sooner: this runs in every order's write transaction). `None` when no
/// counter changes.
fn upsert_sql(columns: &[String], rows: &[(RowKey, Tally)]) -> Option<String> {
    let values: Vec<Vec<i64>> = rows.iter().map(|(_, t)| t.values()).collect();
    let used: Vec<usize> = (0..columns.len()).filter(|&i| values.iter().any(|v| v[i] != 0)).collect();
    if used.is_empty() {
        return None;
    }
    let tuples: Vec<String> = rows
        .iter()
        .zip(&values)
        .map(|((k, _), v)| {
            let numbers: Vec<String> = used.iter().map(|&i| v[i].to_string()).collect();
            format!("('{}', '{}', '{}', {})", k.region_id, k.day, k.category_id, numbers.join(", "))
        })
        .collect();
    let names: Vec<&str> = used.iter().map(|&i| columns[i].as_str()).collect();
    let set: Vec<String> = names.iter().map(|c| format!("{c} = order_stats.{c} + excluded.{c}")).collect();
    Some(format!(
        "INSERT INTO order_stats (region_id, day, category_id, {}) VALUES {} \
         ON CONFLICT (region_id, day, category_id) DO UPDATE SET {}",
        names.join(", "),
        tuples.join(", "),
        set.join(", ")
    ))
}

/// What the sums are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Region,
    Category,
    Day,
}

/// Summed counters of `regions` over `range`, one per group key (the id or
/// the day as text).
pub fn sums(
    conn: &mut AnyConnection,
    regions: &[Uuid],
    range: DayRange,
    group: Group,
) -> Result<Vec<(String, Tally)>, DomainError> {
    if regions.is_empty() {
        return Ok(vec![]);
    }
    let (key, rows) = match group {
        Group::Region => ("region_id", "="),
        Group::Category => ("category_id", "<>"),
        Group::Day => ("day", "="),
    };
    let ids: Vec<String> = regions.iter().map(|r| format!("'{r}'")).collect();
    let sums: Vec<String> =
        Tally::columns().iter().map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}")).collect();
    let sql = format!(
        "SELECT {key} AS k, {} FROM order_stats WHERE region_id IN ({}) AND day >= '{}' AND day <= '{}' \
         AND category_id {rows} '{ALL_CATEGORIES}' GROUP BY {key}",
        sums.join(", "),
        ids.join(", "),
        range.from,
        range.to
    );
    let rows: Vec<SumRow> = diesel::sql_query(sql).load(conn).map_err(storage)?;
    Ok(rows.into_iter().map(|r| (r.key, r.tally)).collect())
}

/// Orders per category of `regions` over `range` (the one counter an
/// overview lists by category).
pub fn orders_by_category(
    conn: &mut AnyConnection,
    regions: &[Uuid],
    range: DayRange,
) -> Result<Vec<(String, i64)>, DomainError> {
    if regions.is_empty() {
        return Ok(vec![]);
    }
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        k: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let ids: Vec<String> = regions.iter().map(|r| format!("'{r}'")).collect();
    let sql = format!(
        "SELECT category_id AS k, CAST(COALESCE(SUM(orders), 0) AS BIGINT) AS n FROM order_stats \
         WHERE region_id IN ({}) AND day >= '{}' AND day <= '{}' AND category_id <> '{ALL_CATEGORIES}' \
         GROUP BY category_id",
        ids.join(", "),
        range.from,
        range.to
    );
    let rows: Vec<Row> = diesel::sql_query(sql).load(conn).map_err(storage)?;
    Ok(rows.into_iter().map(|r| (r.k, r.n)).collect())
}

/// Every stored row, for the recount check and the repair command.
pub fn all(conn: &mut AnyConnection) -> Result<BTreeMap<RowKey, Tally>, DomainError> {
    let cols = Tally::columns().join(", ");
    let sql = format!("SELECT region_id || '|' || day || '|' || category_id AS k, {cols} FROM order_stats");
    let rows: Vec<SumRow> = diesel::sql_query(sql).load(conn).map_err(storage)?;
    let mut out = BTreeMap::new();
    for r in rows {
        let mut parts = r.key.split('|');
        let (Some(region), Some(day), Some(category)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(storage(format!("stored stats key {}", r.key)));
        };
        let key = RowKey {
            region_id: crate::ids::parse_id("order_stats.region_id", region)?,
            day: day.parse().map_err(|_| storage(format!("stored stats day {day}")))?,
            category_id: crate::ids::parse_id("order_stats.category_id", category)?,
        };
        out.insert(key, r.tally);
    }
    Ok(out)
}

pub fn clear(conn: &mut AnyConnection) -> Result<(), DomainError> {
    diesel::delete(crate::schema::order_stats::table).execute(conn).map_err(storage)?;
    Ok(())
}

pub fn is_empty(conn: &mut AnyConnection) -> Result<bool, DomainError> {
    use crate::schema::order_stats::dsl::*;
    let any: Option<String> = order_stats.select(region_id).first(conn).optional().map_err(storage)?;
    Ok(any.is_none())
}

/// A grouped row: its key and the counters, read by column name.
struct SumRow {
    key: String,
    tally: Tally,
}

impl<DB> QueryableByName<DB> for SumRow
where
    DB: Backend,
    String: FromSql<Text, DB>,
    i64: FromSql<BigInt, DB>,
{
    fn build<'a>(row: &impl NamedRow<'a, DB>) -> deserialize::Result<Self> {
        let key = NamedRow::get::<Text, String>(row, "k")?;
        let values = Tally::columns()
            .iter()
            .map(|c| NamedRow::get::<BigInt, i64>(row, c))
            .collect::<deserialize::Result<Vec<i64>>>()?;
        Ok(SumRow { key, tally: Tally::from_values(&values) })
    }
}
