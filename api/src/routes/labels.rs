//! The Chinese display names of every closed set, so front ends never hard-code 待派单.

use std::collections::BTreeMap;

use actix_web::{get, HttpResponse};
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
/// `event_type`, `role`, `region_kind`, `unit_kind`, `clock`, `priority`, `moderation`, ...), each value with
/// its label, in display order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Labels(pub BTreeMap<&'static str, Vec<Label>>);

pub fn all_labels() -> Labels {
    let sets = domain::enums::all_sets()
        .into_iter()
        .map(|(name, values)| (name, values.into_iter().map(|(value, label)| Label { value, label }).collect()));
    Labels(sets.collect())
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
