use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use domain::error::Problems;
use domain::order::fields::{self, ContactDraft};
use domain::order::{Kind, Priority};
use domain::{DomainError, FieldError};
use infra::usecase::idempotent::IdempotencyKey;
use infra::usecase::orders::{self as usecase, Place, Submit};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::{parse_unchecked, shape_errors, JsonBytes};
use crate::limits::{client_ip, Rule};
use crate::responses::{Auth, Body, Invalid, Throttled};
use crate::routes::order_views::OrderView;

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ContactInput {
    #[schema(example = "王阿姨", min_length = 1, max_length = 20)]
    pub name: String,
    /// Mainland mobile, 11 digits. Leave it out to use the number verified
    /// through WeChat (`POST /api/v1/me/phone`); without one, 422 `contact.phone` required.
    #[schema(example = "13812341234", pattern = "^1[3-9][0-9]{9}$")]
    pub phone: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
pub struct LocationInput {
    /// GCJ-02 latitude as `wx.getLocation` gives it; give both or neither.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    /// GCJ-02 longitude (both checked in domain: both or neither, in range).
    #[schema(minimum = -180, maximum = 180)]
    pub lng: Option<f64>,
    #[schema(min_length = 1, max_length = 200)]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewOrder {
    #[schema(value_type = Kind, example = "issue")]
    pub kind: String,
    /// A category item's id or code, e.g. `sewage-blockage`.
    #[schema(example = "sewage-blockage", min_length = 1, max_length = 64)]
    pub category: String,
    #[schema(example = "楼下污水井堵了，污水漫到路面", min_length = 1, max_length = 500)]
    pub description: String,
    /// Up to 9 ids of media the caller uploaded.
    #[serde(default)]
    #[schema(max_items = 9)]
    #[validate(length(max = 9, code = "too_many"))]
    pub photos: Vec<Uuid>,
    /// The scanned poster's code, or give `building_id`.
    #[schema(example = "dd-hean", min_length = 1, max_length = 32)]
    pub poster_code: Option<String>,
    pub building_id: Option<Uuid>,
    pub contact: ContactInput,
    pub location: Option<LocationInput>,
    /// Staff only (a patrol, a hotline call); without it, the item's default.
    /// `urgent` runs the 15-minute response clock.
    #[schema(value_type = Option<Priority>, example = "normal")]
    pub priority: Option<String>,
}

impl NewOrder {
    /// Shape (counts) and rules (kinds, text, phone, place) reported together.
    fn parse(self) -> Result<Submit, DomainError> {
        let mut p = Problems::from_errors(shape_errors(&self));
        let kind = p.take(self.kind.parse::<Kind>());
        let description = p.take(fields::parse_description(&self.description));
        let photos = p.take(fields::parse_photos("photos", &self.photos));
        let contact = p.take(ContactDraft::parse(&self.contact.name, self.contact.phone.as_deref()));
        let place = match (self.poster_code, self.building_id) {
            (Some(code), None) => p.take(domain::text::token("poster_code", &code, 32)).map(Place::Poster),
            (None, Some(id)) => Some(Place::Building(id)),
            _ => {
                p.push(FieldError::new("poster_code", "one_of", "请提供 poster_code 或 building_id 之一"));
                None
            }
        };
        let location = self.location.unwrap_or_default();
        let point = p.take(fields::parse_point(location.lat, location.lng));
        let address = match location.address.as_deref() {
            Some(a) => p.take(domain::text::bounded("location.address", a, 1, 200)).map(Some),
            None => Some(None),
        };
        let item = p.take(domain::text::token("category", &self.category, 64));
        let priority = match self.priority.as_deref() {
            Some(raw) => p.take(raw.parse::<Priority>()).map(Some),
            None => Some(None),
        };
        p.finish()?;
        match (kind, description, photos, contact, place, point, address, item, priority) {
            (
                Some(kind),
                Some(description),
                Some(photos),
                Some(contact),
                Some(place),
                Some(point),
                Some(address),
                Some(item),
                Some(priority),
            ) => Ok(Submit { kind, item, description, photos, place, point, address, contact, priority }),
            _ => Err(DomainError::fault("parse finished without every field")),
        }
    }
}

fn idempotency_key(req: &HttpRequest, body: &[u8]) -> Result<Option<IdempotencyKey>, DomainError> {
    let Some(value) = req.headers().get("idempotency-key") else { return Ok(None) };
    // A header that is not text is refused by the same rule as one that is too long.
    IdempotencyKey::parse(value.to_str().unwrap_or_default(), "POST /api/v1/orders", body).map(Some)
}

/// Submit an order (点单)
///
/// With an `Idempotency-Key` header, a retried request returns the first response
/// (marked `Idempotent-Replayed: true`) and creates one order; the same key with a
/// different body is 422 `idempotency.key_reused`.
#[utoipa::path(
    tag = "orders", security(("bearer" = [])),
    request_body = NewOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST safe: 1–128 visible characters")),
    responses(
        (status = 201, description = "Submitted, with its number and due times", body = OrderView,
         headers(("Location" = String, description = "The new order's URL"),
                 ("Idempotent-Replayed" = String, description = "`true` when this answers a retry"))),
        (status = 409, description = "A request with this Idempotency-Key is in flight (`idempotency.in_flight`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:idempotency.in_flight", "title": "与现有数据冲突", "status": 409, "code": "idempotency.in_flight"})),
        Auth, Body, Invalid, Throttled,
    )
)]
#[post("/api/v1/orders")]
pub async fn submit_order(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: JsonBytes,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req, &body.0)?;
    let command = parse_unchecked::<NewOrder>(&body.0)?.parse()?;
    state.limits.hit(Rule::SubmitUser, &caller.0.user_id.to_string()).await?;
    state.limits.hit(Rule::SubmitIp, &client_ip(&req, state.limits.config.trusted_proxies)).await?;
    let (detail, created) = usecase::submit(&state.db, state.content_check.as_ref(), caller.0, command, key).await?;
    let view = OrderView::of(detail, infra::ids::now_utc());
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/orders/{}", view.id)))
        .insert_header(("Idempotent-Replayed", if created.replayed { "true" } else { "false" }))
        .json(view))
}
