//! Orders: submit, list, read, the timeline, and the commands of the closed loop.

use actix_web::http::header::HeaderMap;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::error::Problems;
use domain::order::fields::{self, Contact, Rating, Reason};
use domain::order::policy::Visibility;
use domain::order::{Command, Kind, Status, Target, TargetType};
use domain::DomainError;
use infra::repo::{idempotency, orders as repo, Page as PageReq};
use infra::usecase::orders::{self as usecase, Place, Submit};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::order_views::{event_views, order_views, EventView, OrderView};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{parse_json, JsonBytes, OptionalJson};
use crate::views::Page;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactInput {
    #[schema(example = "王阿姨", min_length = 1, max_length = 20)]
    pub name: String,
    /// Mainland mobile, 11 digits.
    #[schema(example = "13812341234")]
    pub phone: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LocationInput {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    #[schema(max_length = 200)]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOrder {
    /// issue (随手拍), wish (微心愿) or errand (帮办代办).
    #[schema(example = "issue", pattern = "^(issue|wish|errand)$")]
    pub kind: String,
    /// A category item's id or code, e.g. `sewage-blockage`.
    #[schema(example = "sewage-blockage")]
    pub category: String,
    #[schema(example = "楼下污水井堵了，污水漫到路面", min_length = 1, max_length = 500)]
    pub description: String,
    /// Up to 9 media ids.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub photos: Vec<Uuid>,
    /// The scanned poster's code, or give `building_id`.
    #[schema(example = "dd-hean")]
    pub poster_code: Option<String>,
    pub building_id: Option<Uuid>,
    pub contact: ContactInput,
    pub location: Option<LocationInput>,
}

impl NewOrder {
    fn parse(self) -> Result<Submit, DomainError> {
        let mut p = Problems::new();
        let kind = p.take(self.kind.parse::<Kind>());
        let description = p.take(fields::parse_description(&self.description));
        let photos = p.take(fields::parse_photos("photos", &self.photos));
        let contact = p.take(Contact::parse(&self.contact.name, &self.contact.phone));
        let place = match (self.poster_code, self.building_id) {
            (Some(code), None) => Some(Place::Poster(code)),
            (None, Some(id)) => Some(Place::Building(id)),
            _ => {
                p.push(domain::FieldError::new("poster_code", "one_of", "请提供 poster_code 或 building_id 之一"));
                None
            }
        };
        let location = self.location.unwrap_or_default();
        let point = p.take(fields::parse_point(location.lat, location.lng));
        let address = match location.address.as_deref() {
            Some(a) => p.take(domain::text::bounded("location.address", a, 1, 200)).map(Some),
            None => Some(None),
        };
        let category = self.category.trim().to_owned();
        if category.is_empty() {
            p.push(domain::FieldError::new("category", "required", "请选择事项分类"));
        }
        p.finish()?;
        match (kind, description, photos, contact, place, point, address) {
            (Some(kind), Some(description), Some(photos), Some(contact), Some(place), Some(point), Some(address)) => {
                Ok(Submit { kind, item: category, description, photos, place, point, address, contact })
            }
            _ => Err(DomainError::Storage("parse finished without every field".into())),
        }
    }
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => match v.to_str().map(str::trim) {
            Ok(k) if !k.is_empty() && k.len() <= 128 => Ok(Some(k.to_owned())),
            _ => Err(DomainError::field("Idempotency-Key", "invalid", "Idempotency-Key 为 1–128 个可见字符").into()),
        },
    }
}

/// Submit an order (点单)
///
/// With an `Idempotency-Key` header, a retried request returns the first response and
/// creates one order; the same key with a different body is 422 `idempotency.key_reused`.
#[utoipa::path(
    post, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    request_body = NewOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST safe")),
    responses(
        (status = 201, description = "Submitted, with its number and due times", body = OrderView),
        (status = 400, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is in flight", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown category or building, revoked poster, or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/orders")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: JsonBytes,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(req.headers())?;
    let body = body.0;
    let request_hash = idempotency::hash("POST /api/v1/orders", &body);
    let command = parse_json::<NewOrder>(&body)?.parse()?;
    let actor = caller.0;
    let user = actor.user_id;
    // A concurrent request with the same key may commit first; the retry then
    // finds its stored response (Postgres would otherwise answer 409, SQLite replay).
    let mut attempt = 0;
    let created = loop {
        attempt += 1;
        let (key, request_hash, command, actor) = (key.clone(), request_hash.clone(), command.clone(), actor.clone());
        let result = state
            .db
            .write(move |c| {
                if let Some(key) = &key {
                    if let Some(prev) = idempotency::find(c, user, key)? {
                        return Ok(prev_or_reused(prev, &request_hash));
                    }
                }
                let at = infra::ids::now();
                let row = usecase::submit(c, &actor, command, at)?;
                let view = order_views(c, vec![(row, Visibility::Full)], at)?.pop();
                let body = serde_json::to_string(&view).map_err(infra::db::storage)?;
                if let Some(key) = &key {
                    let stored = idempotency::Stored { request_hash, status_code: 201, body: body.clone() };
                    idempotency::store(c, user, key, &stored)?;
                }
                Ok(Ok((201, body)))
            })
            .await;
        match result {
            Err(DomainError::Conflict { code: "idempotency.in_flight", .. }) if attempt < 3 => continue,
            other => break other?,
        }
    };
    let (status, body) = created.map_err(|e: ApiError| e)?;
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED);
    Ok(HttpResponse::build(status).content_type("application/json").body(body))
}

fn prev_or_reused(prev: idempotency::Stored, request_hash: &str) -> Result<(u16, String), ApiError> {
    if prev.request_hash == request_hash {
        Ok((u16::try_from(prev.status_code).unwrap_or(201), prev.body))
    } else {
        let mut e = ApiError::validation(vec![domain::FieldError::new(
            "Idempotency-Key",
            "key_reused",
            "该 Idempotency-Key 已用于另一个请求",
        )]);
        e.code = "idempotency.key_reused";
        Err(e)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    #[param(pattern = "^(submitted|dispatched|accepted|on_site|resolved|rated|closed|cancelled|declined)$")]
    pub status: Option<String>,
    #[param(pattern = "^(issue|wish|errand)$")]
    pub kind: Option<String>,
    /// A category id or a category item id.
    pub category: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    /// `me`: assigned to the caller (or their organisation), or accepted by them.
    #[param(pattern = "^me$")]
    pub assignee: Option<String>,
    /// Only orders waiting in a community's open pool.
    pub pool: Option<bool>,
    /// Only open orders past a due time.
    pub overdue: Option<bool>,
    /// Text in the description or the number.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List the orders the caller may see, newest first
///
/// A resident sees their own; a party member the pools of the communities they serve and
/// their assignments; staff their region subtree; organisations what is assigned to them.
#[utoipa::path(
    get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    params(OrderQuery),
    responses(
        (status = 200, description = "A page of orders", body = Page<OrderView>),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown status, kind or assignee value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/orders")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OrderQuery>,
) -> ApiResult<web::Json<Page<OrderView>>> {
    let q = query.into_inner();
    let mut p = Problems::new();
    let status = q.status.as_deref().and_then(|s| p.take(s.parse::<Status>()));
    let kind = q.kind.as_deref().and_then(|s| p.take(s.parse::<Kind>()));
    if q.assignee.as_deref().is_some_and(|a| a != "me") {
        p.push(domain::FieldError::new("assignee", "invalid_value", "assignee 只支持 me"));
    }
    p.finish()?;
    let filter = repo::OrderFilter {
        status,
        kind,
        category: q.category,
        community_id: q.community_id,
        grid_id: q.grid_id,
        assignee_me: q.assignee.is_some(),
        pool: q.pool.unwrap_or(false),
        overdue: q.overdue.unwrap_or(false),
        q: q.q,
    };
    let page = PageReq::new(q.cursor, q.limit);
    let actor = caller.0;
    let out = state
        .db
        .run(move |c| {
            let at = infra::ids::now();
            let paged = repo::list(c, &actor, &filter, &page, at)?;
            let rows = paged
                .items
                .into_iter()
                .map(|r| {
                    let vis = domain::order::policy::visibility(&actor, &r.state()?);
                    Ok((r, vis))
                })
                .collect::<Result<Vec<_>, DomainError>>()?;
            Ok(Page { items: order_views(c, rows, at)?, next_cursor: paged.next_cursor })
        })
        .await?;
    Ok(web::Json(out))
}

/// One order (404 for anyone who may not see it)
#[utoipa::path(
    get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 400, description = "Bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or not yours to see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/orders/{id}")]
pub async fn get(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> ApiResult<web::Json<OrderView>> {
    let id = id.into_inner();
    let actor = caller.0;
    let view = state
        .db
        .run(move |c| {
            let (row, vis) = usecase::visible(c, &actor, id)?;
            order_views(c, vec![(row, vis)], infra::ids::now())?.pop().ok_or(DomainError::not_found("order.not_found"))
        })
        .await?;
    Ok(web::Json(view))
}

/// The order's timeline, oldest first
#[utoipa::path(
    get, path = "/api/v1/orders/{id}/events", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "Every event with actor, role and time", body = Vec<EventView>),
        (status = 400, description = "Bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or not yours to see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/orders/{id}/events")]
pub async fn events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<EventView>>> {
    let id = id.into_inner();
    let actor = caller.0;
    let events = state
        .db
        .run(move |c| {
            usecase::visible(c, &actor, id)?;
            event_views(repo::events(c, id)?)
        })
        .await?;
    Ok(web::Json(events))
}

/// Runs one command in one transaction and answers with the order after it.
pub async fn command(state: &AppState, caller: Caller, id: Uuid, command: Command) -> ApiResult<web::Json<OrderView>> {
    let actor = caller.0;
    let view = state
        .db
        .write(move |c| {
            let at = infra::ids::now();
            let row = usecase::act(c, &actor, id, command, at)?;
            let vis = domain::order::policy::visibility(&actor, &row.state()?);
            // The actor may have just handed the order on (a grab winner always sees it).
            let vis = if vis == Visibility::Hidden { Visibility::Masked } else { vis };
            order_views(c, vec![(row, vis)], at)?.pop().ok_or(DomainError::not_found("order.not_found"))
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TargetInput {
    /// party_member, grid_worker, organization, team, department or pool.
    #[serde(rename = "type")]
    #[schema(example = "pool", pattern = "^(party_member|grid_worker|organization|team|department|pool)$")]
    pub kind: String,
    /// The user or unit; absent for the pool.
    pub id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DispatchBody {
    pub target: TargetInput,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonBody {
    #[schema(example = "不在服务范围内", min_length = 1, max_length = 200)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeclineBody {
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
    /// When declined as a duplicate: the order it repeats.
    pub duplicate_of: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ArriveBody {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResolveBody {
    #[schema(example = "已疏通污水井并清理路面", min_length = 1, max_length = 500)]
    pub feedback: String,
    #[serde(default)]
    #[schema(max_items = 9)]
    pub photos: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RateBody {
    /// 完成是否到位, 1–5
    #[schema(minimum = 1, maximum = 5)]
    pub completion: i64,
    /// 推进是否有力, 1–5
    #[schema(minimum = 1, maximum = 5)]
    pub progress: i64,
    /// 成效是否明显, 1–5
    #[schema(minimum = 1, maximum = 5)]
    pub effect: i64,
    /// 群众是否满意, 1–5; 2 or less reopens the order to the community.
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: i64,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnVisitBody {
    pub satisfied: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// For commands that take no fields: `{}`, `null` or no body at all.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NoBody {}

macro_rules! order_command {
    ($name:ident, $path:literal, $summary:literal, $who:literal, $body:ty, |$b:ident| $make:expr) => {
        order_command!(@ $name, $path, $summary, $who, $body, $body, |$b| $make);
    };
    ($name:ident, $path:literal, $summary:literal, $who:literal, optional $body:ty, |$b:ident| $make:expr) => {
        order_command!(@ $name, $path, $summary, $who, $body, Option<$body>, |$b| $make);
    };
    (@ $name:ident, $path:literal, $summary:literal, $who:literal, $body:ty, $doc_body:ty, |$b:ident| $make:expr) => {
        #[doc = $summary]
        #[doc = ""]
        #[doc = $who]
        #[utoipa::path(
            post, path = $path, tag = "orders", security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "Order id")),
            request_body = $doc_body,
            responses(
                (status = 200, description = "The order after the command", body = OrderView),
                (status = 400, description = "Bad id or body", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "You may see the order but not do this (`order.forbidden`)", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such order, or not yours to see", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "The order's status does not allow this, or someone was faster (`order.invalid_transition`)", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<Uuid>,
            body: OptionalJson<Option<$body>>,
        ) -> ApiResult<web::Json<OrderView>> {
            let $b = body.0;
            let cmd: Result<Command, DomainError> = $make;
            command(&state, caller, id.into_inner(), cmd?).await
        }
    };
}

fn need<T>(body: Option<T>) -> Result<T, DomainError> {
    body.ok_or_else(|| DomainError::field("body", "required", "请求体不能为空"))
}

order_command!(dispatch, "/api/v1/orders/{id}/dispatch", "Dispatch an order (派单)",
    "Staff in scope: to a party member, a grid worker, an organisation, a volunteer team, a department, or the community's open pool (`{\"target\":{\"type\":\"pool\"}}`).",
    DispatchBody, |b| {
        let b = need(b)?;
        let kind: TargetType = b.target.kind.parse().map_err(|_| DomainError::field("target.type", "invalid_value", "未知的派单对象类型"))?;
        Ok(Command::Dispatch { target: Target::from_parts(kind, b.target.id)? })
    });
order_command!(accept, "/api/v1/orders/{id}/accept", "Accept an order dispatched to you (接单)",
    "The assignee: the person, or a member of the organisation, team or department. No body needed.",
    optional NoBody, |_b| Ok(Command::Accept));
order_command!(grab, "/api/v1/orders/{id}/grab", "Grab an order from the community pool (抢单)",
    "Party members serving the community. Of several at once, one wins; the others get 409. No body needed.",
    optional NoBody, |_b| Ok(Command::Grab));
order_command!(
    reject,
    "/api/v1/orders/{id}/reject",
    "Reject an order dispatched to you",
    "The assignee, with a reason; the order goes back to the community's inbox.",
    ReasonBody,
    |b| Ok(Command::Reject { reason: Reason::parse(&need(b)?.reason)? })
);
order_command!(arrive, "/api/v1/orders/{id}/arrive", "Check in on site",
"The handler; lat/lng optional.",
optional ArriveBody, |b| {
    let b = b.unwrap_or_default();
    let point = fields::parse_point(b.lat, b.lng)?;
    Ok(Command::Arrive { lat: point.map(|p| p.0), lng: point.map(|p| p.1) })
});
order_command!(
    resolve,
    "/api/v1/orders/{id}/resolve",
    "Report the order resolved, with feedback and photos",
    "The handler.",
    ResolveBody,
    |b| {
        let b = need(b)?;
        let mut p = Problems::new();
        let feedback = p.take(fields::parse_feedback(&b.feedback));
        let photos = p.take(fields::parse_photos("photos", &b.photos));
        p.finish()?;
        Ok(Command::Resolve { feedback: feedback.unwrap_or_default(), photos: photos.unwrap_or_default() })
    }
);
order_command!(
    rate,
    "/api/v1/orders/{id}/rate",
    "Rate the result (评单)",
    "The reporter, once resolved: four dimensions 1–5 and a comment. Satisfaction 2 or less reopens the order.",
    RateBody,
    |b| {
        let b = need(b)?;
        Ok(Command::Rate(Rating::parse(b.completion, b.progress, b.effect, b.satisfaction, &b.comment)?))
    }
);
order_command!(
    return_visit,
    "/api/v1/orders/{id}/return-visit",
    "Record the return visit (回访)",
    "Staff in scope, once resolved or rated: satisfied closes the order, not satisfied reopens it.",
    ReturnVisitBody,
    |b| {
        let b = need(b)?;
        let note = domain::text::bounded("note", &b.note, 0, 500)?;
        Ok(Command::ReturnVisit { satisfied: b.satisfied, note })
    }
);
order_command!(
    escalate,
    "/api/v1/orders/{id}/escalate",
    "Escalate one level (吹哨报到)",
    "Staff in scope: community → street → department. The assignee is reset.",
    ReasonBody,
    |b| Ok(Command::Escalate { reason: Reason::parse(&need(b)?.reason)? })
);
order_command!(
    decline,
    "/api/v1/orders/{id}/decline",
    "Decline an order: invalid, or a duplicate of another",
    "Staff in scope, before it is accepted.",
    DeclineBody,
    |b| {
        let b = need(b)?;
        Ok(Command::Decline { reason: Reason::parse(&b.reason)?, duplicate_of: b.duplicate_of })
    }
);
order_command!(
    cancel,
    "/api/v1/orders/{id}/cancel",
    "Cancel your order before it is accepted",
    "The reporter.",
    ReasonBody,
    |b| Ok(Command::Cancel { reason: Reason::parse(&need(b)?.reason)? })
);
