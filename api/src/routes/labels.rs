//! The Chinese display names of every closed set, so front ends never hard-code 待派单.

use std::collections::BTreeMap;

use actix_web::{get, HttpResponse};
use domain::actor::{Role, UnitKind};
use domain::enums::{pairs, TextEnum};
use domain::order::{Channel, Clock, EventType, Kind, Level, Status, TargetType};
use domain::region::RegionKind;
use serde::Serialize;
use utoipa::ToSchema;

/// One value of a set with its display name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Label {
    #[schema(example = "submitted")]
    pub value: &'static str,
    #[schema(example = "待派单")]
    pub label: &'static str,
}

/// Every closed set by name (`status`, `kind`, `channel`, `level`, `target_type`,
/// `event_type`, `role`, `region_kind`, `unit_kind`, `clock`), each value with its label, in display order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Labels(pub BTreeMap<&'static str, Vec<Label>>);

fn set<T: TextEnum>(name: &'static str, out: &mut BTreeMap<&'static str, Vec<Label>>) {
    out.insert(name, pairs::<T>().into_iter().map(|(value, label)| Label { value, label }).collect());
}

pub fn all_labels() -> Labels {
    let mut out = BTreeMap::new();
    set::<Status>("status", &mut out);
    set::<Kind>("kind", &mut out);
    set::<Channel>("channel", &mut out);
    set::<Level>("level", &mut out);
    set::<TargetType>("target_type", &mut out);
    set::<EventType>("event_type", &mut out);
    set::<Role>("role", &mut out);
    set::<RegionKind>("region_kind", &mut out);
    set::<UnitKind>("unit_kind", &mut out);
    set::<Clock>("clock", &mut out);
    Labels(out)
}

/// Display names of every status, kind, channel, level, target type, event type and role
///
/// No login needed; cacheable for a day. Front ends show `label` and send `value`.
#[utoipa::path(
    tag = "labels", security(()),
    responses((status = 200, description = "Every closed set with its labels", body = Labels))
)]
#[get("/api/v1/labels")]
pub async fn list_labels() -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=86400")).json(all_labels())
}
