//! The record of staff revealing a masked phone (`contact_reveals`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection, MultiBackend};
use crate::ids::parse_id;
use crate::repo::regions::escape_like;
use crate::repo::{Page, Paged};
use crate::schema::{contact_reveals, orders, users};

/// One reveal as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReveal {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub reason: String,
    pub path: String,
    pub at: DateTime<Utc>,
}

pub fn insert(conn: &mut AnyConnection, r: &NewReveal) -> Result<Uuid, DomainError> {
    let id = Uuid::now_v7();
    diesel::insert_into(contact_reveals::table)
        .values((
            contact_reveals::id.eq(id.to_string()),
            contact_reveals::order_id.eq(r.order_id.to_string()),
            contact_reveals::user_id.eq(r.user_id.to_string()),
            contact_reveals::role.eq(&r.role),
            contact_reveals::reason.eq(&r.reason),
            contact_reveals::path.eq(&r.path),
            contact_reveals::at.eq(r.at.naive_utc()),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(id)
}

/// Which reveals to list: within these region paths (`None`: the whole city).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevealFilter {
    pub within: Option<Vec<String>>,
    pub order_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
}

/// One reveal as a supervisor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reveal {
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_number: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub username: Option<String>,
    pub role: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

type Row = (String, String, String, String, String, Option<String>, String, String, NaiveDateTime);

/// Newest first.
pub fn list(conn: &mut AnyConnection, filter: &RevealFilter, page: &Page) -> Result<Paged<Reveal>, DomainError> {
    let mut query = contact_reveals::table
        .inner_join(orders::table.on(orders::id.eq(contact_reveals::order_id)))
        .inner_join(users::table.on(users::id.eq(contact_reveals::user_id)))
        .select((
            contact_reveals::id,
            contact_reveals::order_id,
            orders::number,
            contact_reveals::user_id,
            users::display_name,
            users::username,
            contact_reveals::role,
            contact_reveals::reason,
            contact_reveals::at,
        ))
        .into_boxed::<MultiBackend>();
    // The scope first: `or_filter` ORs with what is already there.
    if let Some(paths) = &filter.within {
        query = query.filter(contact_reveals::path.eq(""));
        for path in paths {
            query = query.or_filter(contact_reveals::path.like(format!("{}%", escape_like(path))).escape('\\'));
        }
    }
    if let Some(order) = filter.order_id {
        query = query.filter(contact_reveals::order_id.eq(order.to_string()));
    }
    if let Some(user) = filter.user_id {
        query = query.filter(contact_reveals::user_id.eq(user.to_string()));
    }
    if let Some(after) = &page.after {
        query = query.filter(contact_reveals::id.lt(after.clone()));
    }
    let rows: Vec<Row> =
        query.order(contact_reveals::id.desc()).limit(page.limit + 1).load(conn).map_err(storage)?;
    let paged = Paged::from_rows(rows, page.limit, |r| r.0.clone());
    let items = paged
        .items
        .into_iter()
        .map(|(id, order_id, order_number, user_id, user_name, username, role, reason, at)| {
            Ok(Reveal {
                id: parse_id("contact_reveals.id", &id)?,
                order_id: parse_id("contact_reveals.order_id", &order_id)?,
                order_number,
                user_id: parse_id("contact_reveals.user_id", &user_id)?,
                user_name,
                username,
                role,
                reason,
                at: at.and_utc(),
            })
        })
        .collect::<Result<_, DomainError>>()?;
    Ok(Paged { items, next_cursor: paged.next_cursor })
}
