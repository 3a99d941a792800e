//! Statistics for staff (三率): read from the rollup that every order save
//! keeps (`repo::stats`), never by scanning orders; and the recount that
//! rebuilds the rollup from the orders for repair.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use domain::actor::Actor;
use domain::order::Named;
use domain::region::Region;
use domain::stats::{self, Breakdown, DayRange, Summary, Tally, TallyKey};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{AnyConnection, Db};
use crate::repo::stats::{Group, Rollup, RowKey};
use crate::repo::{categories, orders, regions, stats as rollup};

/// A category's share of the orders.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryCount {
    pub category: Named,
    pub orders: i64,
}

/// The overview of a node (`None`: the whole city) over a range of days.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub node: Option<Region>,
    pub range: DayRange,
    pub summary: Summary,
    pub by_category: Vec<CategoryCount>,
}

/// What one breakdown row stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Region(Named),
    Category(Named),
    Day(NaiveDate),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Breakdowns {
    pub node: Option<Region>,
    pub range: DayRange,
    pub by: Breakdown,
    pub rows: Vec<(Key, Summary)>,
}

/// The node asked for (or the caller's own), checked: staff over it only.
fn node_for(c: &mut AnyConnection, actor: &Actor, region_id: Option<Uuid>) -> Result<Option<Region>, DomainError> {
    stats::staff_only(actor)?;
    let id = match region_id {
        Some(id) => Some(id),
        None => stats::default_node(actor)?,
    };
    let node = id.map(|id| regions::find(c, id)?.ok_or(DomainError::not_found("region.not_found"))).transpose()?;
    stats::check_reader(actor, node.as_ref())?;
    if let Some(r) = &node {
        stats::check_node(r)?;
    }
    Ok(node)
}

/// The stored nodes whose rows make up `node`: itself, or every street.
fn counted(c: &mut AnyConnection, node: Option<&Region>) -> Result<Vec<Uuid>, DomainError> {
    match node {
        Some(r) => Ok(vec![r.id]),
        None => Ok(regions::children(c, None)?.into_iter().map(|r| r.id).collect()),
    }
}

fn category_names(c: &mut AnyConnection) -> Result<HashMap<String, Named>, DomainError> {
    Ok(categories::tree(c, true)?
        .into_iter()
        .map(|(cat, _)| (cat.id.to_string(), Named { id: cat.id, code: cat.code, name: cat.name }))
        .collect())
}

fn named(names: &HashMap<String, Named>, key: &str) -> Named {
    names.get(key).cloned().unwrap_or_else(|| Named { id: key.parse().unwrap_or_default(), ..Named::default() })
}

pub async fn overview(
    db: &Db,
    actor: Actor,
    region_id: Option<Uuid>,
    range: DayRange,
) -> Result<Overview, DomainError> {
    db.run(move |c| {
        let node = node_for(c, &actor, region_id)?;
        let ids = counted(c, node.as_ref())?;
        let total =
            rollup::sums(c, &ids, range, Group::Region)?.iter().fold(Tally::default(), |sum, (_, t)| sum.plus(t));
        let names = category_names(c)?;
        let mut by_category: Vec<CategoryCount> = rollup::orders_by_category(c, &ids, range)?
            .iter()
            .map(|(k, n)| CategoryCount { category: named(&names, k), orders: *n })
            .filter(|c| c.orders > 0)
            .collect();
        by_category.sort_by(|a, b| b.orders.cmp(&a.orders).then_with(|| a.category.code.cmp(&b.category.code)));
        Ok(Overview { node, range, summary: Summary::of(&total), by_category })
    })
    .await
}

pub async fn breakdown(
    db: &Db,
    actor: Actor,
    region_id: Option<Uuid>,
    range: DayRange,
    by: Breakdown,
) -> Result<Breakdowns, DomainError> {
    db.run(move |c| {
        let node = node_for(c, &actor, region_id)?;
        let rows = match by {
            Breakdown::Region => {
                stats::child_kind(node.as_ref())?;
                let children = regions::children(c, node.as_ref().map(|r| r.id))?;
                let ids: Vec<Uuid> = children.iter().map(|r| r.id).collect();
                let mut sums: HashMap<String, Tally> =
                    rollup::sums(c, &ids, range, Group::Region)?.into_iter().collect();
                children
                    .into_iter()
                    .map(|r| {
                        let t = sums.remove(&r.id.to_string()).unwrap_or_default();
                        (Key::Region(Named { id: r.id, code: r.code, name: r.name }), Summary::of(&t))
                    })
                    .collect()
            }
            Breakdown::Category => {
                let ids = counted(c, node.as_ref())?;
                let names = category_names(c)?;
                let mut rows: Vec<(Key, Summary)> = rollup::sums(c, &ids, range, Group::Category)?
                    .into_iter()
                    .map(|(k, t)| (Key::Category(named(&names, &k)), Summary::of(&t)))
                    .collect();
                rows.sort_by_key(|r| std::cmp::Reverse(r.1.orders));
                rows
            }
            Breakdown::Day => {
                let ids = counted(c, node.as_ref())?;
                let mut sums: HashMap<String, Tally> = rollup::sums(c, &ids, range, Group::Day)?.into_iter().collect();
                range
                    .days()
                    .map(|d| (Key::Day(d), Summary::of(&sums.remove(&d.to_string()).unwrap_or_default())))
                    .collect()
            }
        };
        Ok(Breakdowns { node, range, by, rows })
    })
    .await
}

/// Orders read per step of a recount.
const RECOUNT_PAGE: i64 = 2000;

/// What every order adds, summed from the orders themselves (`on_page`
/// hears how many were read at each step).
fn recount(c: &mut AnyConnection, mut on_page: impl FnMut(usize)) -> Result<BTreeMap<RowKey, Tally>, DomainError> {
    let mut rows = Rollup::default();
    let mut after = None;
    loop {
        let page = orders::page_by_id(c, after, RECOUNT_PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for o in &page {
            rows.add(&TallyKey::of(o), &stats::tally(o));
        }
        on_page(page.len());
    }
    Ok(rows.into_rows())
}

/// How many orders a rebuild will read.
pub async fn orders_stored(db: &Db) -> Result<u64, DomainError> {
    db.run(|c| Ok(orders::count(c)?.max(0) as u64)).await
}

/// The rows whose stored counters differ from a recount (none when the rollup is right).
pub async fn verify(db: &Db) -> Result<Vec<RowKey>, DomainError> {
    db.run(|c| {
        let stored = rollup::all(c)?;
        let counted = recount(c, |_| {})?;
        let mut keys: Vec<RowKey> = stored.keys().chain(counted.keys()).copied().collect();
        keys.sort();
        keys.dedup();
        Ok(keys
            .into_iter()
            .filter(|k| stored.get(k).unwrap_or(&Tally::default()) != counted.get(k).unwrap_or(&Tally::default()))
            .collect())
    })
    .await
}

/// Recounts the rollup from the orders, in one write transaction (writers
/// wait meanwhile, so nothing is counted twice or missed); the orders read.
pub async fn rebuild(db: &Db, progress: impl Fn(usize) + Send + 'static) -> Result<u64, DomainError> {
    db.write(move |c| {
        rollup::clear(c)?;
        let mut read = 0u64;
        let rows = recount(c, |n| {
            read += n as u64;
            progress(n);
        })?;
        let mut rollup = Rollup::from_rows(rows);
        rollup.write(c)?;
        Ok(read)
    })
    .await
}

/// Fills an empty rollup when orders exist (a database from before it, or
/// one filled by hand): at start-up and after `migrate`.
pub async fn ensure_built(db: &Db) -> Result<Option<u64>, DomainError> {
    let empty = db.run(|c| Ok(rollup::is_empty(c)? && !orders::page_by_id(c, None, 1)?.is_empty())).await?;
    if empty {
        Ok(Some(rebuild(db, |_| {}).await?))
    } else {
        Ok(None)
    }
}
