//! The stored shape of an order (text ids, naive UTC times) and its one
//! conversion each way.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::order::fields::{Contact, Rating};
use domain::order::{Due, Order, OverdueFlags, Place, Stamps, Target, TargetType};
use domain::DomainError;
use uuid::Uuid;

use crate::db::storage;
use crate::ids::parse_id;
use crate::schema::orders;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true)]
pub(super) struct OrderRow {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub status: String,
    pub category_id: String,
    pub category_item_id: String,
    pub description: String,
    pub photos: String,
    pub building_id: String,
    pub grid_id: String,
    pub community_id: String,
    pub street_id: String,
    pub path: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub reporter_id: String,
    pub channel: String,
    pub level: String,
    pub assignee_type: Option<String>,
    pub assignee_id: Option<String>,
    pub handler_id: Option<String>,
    pub response_due_at: NaiveDateTime,
    pub resolve_due_at: NaiveDateTime,
    pub submitted_at: NaiveDateTime,
    pub dispatched_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub arrived_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub rated_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub rating_completion: Option<i32>,
    pub rating_progress: Option<i32>,
    pub rating_effect: Option<i32>,
    pub rating_satisfaction: Option<i32>,
    pub rating_comment: Option<String>,
    pub duplicate_of: Option<String>,
    pub response_overdue_at: Option<NaiveDateTime>,
    pub resolve_overdue_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub priority: String,
    pub return_visit_satisfied: Option<bool>,
}

fn text<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, DomainError> {
    value.parse().map_err(|_| storage(format!("stored orders.{field} is invalid: {value}")))
}

fn opt_id(field: &'static str, value: Option<&str>) -> Result<Option<Uuid>, DomainError> {
    value.map(|v| parse_id(field, v)).transpose()
}

fn score(v: i32) -> Result<u8, DomainError> {
    u8::try_from(v).map_err(|_| storage(format!("stored rating score {v}")))
}

impl OrderRow {
    pub fn into_domain(self) -> Result<Order, DomainError> {
        let assignee = match &self.assignee_type {
            None => None,
            Some(kind) => {
                let kind: TargetType = text("assignee_type", kind)?;
                let id = opt_id("orders.assignee_id", self.assignee_id.as_deref())?;
                Some(Target::from_parts(kind, id).map_err(|_| storage("inconsistent assignee"))?)
            }
        };
        let rating = match (self.rating_completion, self.rating_progress, self.rating_effect, self.rating_satisfaction)
        {
            (Some(c), Some(p), Some(e), Some(s)) => Some(Rating {
                completion: score(c)?,
                progress: score(p)?,
                effect: score(e)?,
                satisfaction: score(s)?,
                comment: self.rating_comment.unwrap_or_default(),
            }),
            _ => None,
        };
        let contact = Contact::from_stored(&self.contact_name, &self.contact_phone)
            .map_err(|e| storage(format!("stored contact of order {}: {e}", self.id)))?;
        let utc = |t: NaiveDateTime| t.and_utc();
        Ok(Order {
            id: parse_id("orders.id", &self.id)?,
            number: self.number,
            kind: text("kind", &self.kind)?,
            status: text("status", &self.status)?,
            category_id: parse_id("orders.category_id", &self.category_id)?,
            item_id: parse_id("orders.category_item_id", &self.category_item_id)?,
            description: self.description,
            photos: serde_json::from_str(&self.photos).map_err(storage)?,
            place: Place {
                building_id: parse_id("orders.building_id", &self.building_id)?,
                grid_id: parse_id("orders.grid_id", &self.grid_id)?,
                community_id: parse_id("orders.community_id", &self.community_id)?,
                street_id: parse_id("orders.street_id", &self.street_id)?,
                path: self.path,
                point: self.lat.zip(self.lng),
                address: self.address,
            },
            contact,
            reporter_id: parse_id("orders.reporter_id", &self.reporter_id)?,
            channel: text("channel", &self.channel)?,
            level: text("level", &self.level)?,
            priority: text("priority", &self.priority)?,
            assignee,
            handler_id: opt_id("orders.handler_id", self.handler_id.as_deref())?,
            due: Due { response: utc(self.response_due_at), resolve: utc(self.resolve_due_at) },
            overdue: OverdueFlags {
                response: self.response_overdue_at.map(utc),
                resolve: self.resolve_overdue_at.map(utc),
            },
            at: Stamps {
                submitted: utc(self.submitted_at),
                dispatched: self.dispatched_at.map(utc),
                accepted: self.accepted_at.map(utc),
                arrived: self.arrived_at.map(utc),
                resolved: self.resolved_at.map(utc),
                rated: self.rated_at.map(utc),
                closed: self.closed_at.map(utc),
            },
            rating,
            duplicate_of: opt_id("orders.duplicate_of", self.duplicate_of.as_deref())?,
            return_visit: self.return_visit_satisfied,
            version: self.version,
            updated_at: utc(self.updated_at),
        })
    }

    pub fn from_domain(o: &Order) -> Result<OrderRow, DomainError> {
        let naive = |t: chrono::DateTime<chrono::Utc>| t.naive_utc();
        let score = |f: fn(&Rating) -> u8| o.rating.as_ref().map(|r| i32::from(f(r)));
        Ok(OrderRow {
            id: o.id.to_string(),
            number: o.number.clone(),
            kind: o.kind.as_str().to_owned(),
            status: o.status.as_str().to_owned(),
            category_id: o.category_id.to_string(),
            category_item_id: o.item_id.to_string(),
            description: o.description.clone(),
            photos: serde_json::to_string(&o.photos).map_err(storage)?,
            building_id: o.place.building_id.to_string(),
            grid_id: o.place.grid_id.to_string(),
            community_id: o.place.community_id.to_string(),
            street_id: o.place.street_id.to_string(),
            path: o.place.path.clone(),
            lat: o.place.point.map(|p| p.0),
            lng: o.place.point.map(|p| p.1),
            address: o.place.address.clone(),
            contact_name: o.contact.name.clone(),
            contact_phone: o.contact.phone.as_ref().map_or_else(String::new, |p| p.as_str().to_owned()),
            reporter_id: o.reporter_id.to_string(),
            channel: o.channel.as_str().to_owned(),
            level: o.level.as_str().to_owned(),
            priority: o.priority.as_str().to_owned(),
            assignee_type: o.assignee.map(|a| a.kind().as_str().to_owned()),
            assignee_id: o.assignee.and_then(|a| a.id()).map(|i| i.to_string()),
            handler_id: o.handler_id.map(|h| h.to_string()),
            response_due_at: naive(o.due.response),
            resolve_due_at: naive(o.due.resolve),
            submitted_at: naive(o.at.submitted),
            dispatched_at: o.at.dispatched.map(naive),
            accepted_at: o.at.accepted.map(naive),
            arrived_at: o.at.arrived.map(naive),
            resolved_at: o.at.resolved.map(naive),
            rated_at: o.at.rated.map(naive),
            closed_at: o.at.closed.map(naive),
            rating_completion: score(|r| r.completion),
            rating_progress: score(|r| r.progress),
            rating_effect: score(|r| r.effect),
            rating_satisfaction: score(|r| r.satisfaction),
            rating_comment: o.rating.as_ref().map(|r| r.comment.clone()),
            duplicate_of: o.duplicate_of.map(|d| d.to_string()),
            response_overdue_at: o.overdue.response.map(naive),
            resolve_overdue_at: o.overdue.resolve.map(naive),
            version: o.version,
            updated_at: naive(o.updated_at),
            return_visit_satisfied: o.return_visit,
        })
    }
}
