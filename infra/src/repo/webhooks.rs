//! Registered webhooks.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::webhook::WebhookDraft;
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::{new_id, now, parse_id};
use crate::schema::{regions, webhooks};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
struct Row {
    id: String,
    url: String,
    secret: String,
    templates: String,
    region_id: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
}

/// A webhook as stored; `region_path` is the subtree it covers (`None`: the city).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub secret: String,
    pub templates: Vec<String>,
    pub region_id: Option<Uuid>,
    pub region_path: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn webhook((row, path): (Row, Option<String>)) -> Result<Webhook, DomainError> {
    Ok(Webhook {
        id: parse_id("webhooks.id", &row.id)?,
        url: row.url,
        secret: row.secret,
        templates: serde_json::from_str(&row.templates).map_err(storage)?,
        region_id: row.region_id.as_deref().map(|r| parse_id("webhooks.region_id", r)).transpose()?,
        region_path: path,
        created_at: row.created_at.and_utc(),
    })
}

pub fn create(
    conn: &mut AnyConnection,
    draft: &WebhookDraft,
    region_id: Option<Uuid>,
    created_by: Uuid,
) -> Result<Uuid, DomainError> {
    let row = Row {
        id: new_id().to_string(),
        url: draft.url.clone(),
        secret: draft.secret.clone(),
        templates: serde_json::to_string(&draft.templates).map_err(storage)?,
        region_id: region_id.map(|r| r.to_string()),
        created_by: created_by.to_string(),
        created_at: now(),
    };
    diesel::insert_into(webhooks::table).values(&row).execute(conn).map_err(storage)?;
    parse_id("webhooks.id", &row.id)
}

/// Every webhook with the path of its region.
pub fn all(conn: &mut AnyConnection) -> Result<Vec<Webhook>, DomainError> {
    let rows: Vec<(Row, Option<String>)> = webhooks::table
        .left_join(regions::table)
        .select((Row::as_select(), regions::path.nullable()))
        .order(webhooks::id.asc())
        .load(conn)
        .map_err(storage)?;
    rows.into_iter().map(webhook).collect()
}

pub fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Webhook, DomainError> {
    let row: Option<(Row, Option<String>)> = webhooks::table
        .left_join(regions::table)
        .filter(webhooks::id.eq(id.to_string()))
        .select((Row::as_select(), regions::path.nullable()))
        .first(conn)
        .optional()
        .map_err(storage)?;
    row.map(webhook).transpose()?.ok_or(DomainError::not_found("webhook.not_found"))
}

pub fn delete(conn: &mut AnyConnection, id: Uuid) -> Result<(), DomainError> {
    diesel::delete(webhooks::table.find(id.to_string())).execute(conn).map_err(storage)?;
    Ok(())
}
