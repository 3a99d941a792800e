use actix_web::{post, web};
use domain::error::Problems;
use domain::order::fields::{self, Rating, Reason};
use domain::order::{Command, Target, TargetType};
use domain::DomainError;
use infra::usecase::orders as usecase;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::OptionalJson;
use crate::responses::{Auth, Invalid, OrderCommand, PathAndBody};
use crate::routes::order_views::OrderView;

/// Runs one command and answers with the order after it.
async fn run(state: &AppState, caller: Caller, id: Uuid, command: Command) -> ApiResult<web::Json<OrderView>> {
    let detail = usecase::command(&state.db, state.content_check.as_ref(), caller.0, id, command).await?;
    Ok(web::Json(OrderView::of(detail, infra::ids::now_utc())))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct TargetInput {
    #[serde(rename = "type")]
    #[schema(value_type = TargetType, example = "pool")]
    pub kind: String,
    /// The user or unit; absent for the pool.
    pub id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct DispatchBody {
    #[validate(nested)]
    pub target: TargetInput,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ReasonBody {
    #[schema(example = "不在服务范围内", min_length = 1, max_length = 200)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct DeclineBody {
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
    /// When declined as a duplicate: the order it repeats.
    pub duplicate_of: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
pub struct ArriveBody {
    /// GCJ-02; give both or neither (checked in domain with the order's coordinates).
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub lng: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ResolveBody {
    #[schema(example = "已疏通污水井并清理路面", min_length = 1, max_length = 500)]
    pub feedback: String,
    #[serde(default)]
    #[schema(max_items = 9)]
    #[validate(length(max = 9, code = "too_many"))]
    pub photos: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct RateBody {
    /// 完成是否到位, 1–5
    #[schema(value_type = i32, minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5, code = "out_of_range"))]
    pub completion: i64,
    /// 推进是否有力, 1–5
    #[schema(value_type = i32, minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5, code = "out_of_range"))]
    pub progress: i64,
    /// 成效是否明显, 1–5
    #[schema(value_type = i32, minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5, code = "out_of_range"))]
    pub effect: i64,
    /// 群众是否满意, 1–5; 2 or less reopens the order to the community.
    #[schema(value_type = i32, minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5, code = "out_of_range"))]
    pub satisfaction: i64,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ReturnVisitBody {
    pub satisfied: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// For commands that take no fields: `{}`, `null` or no body at all.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
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
            tag = "orders", security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "Order id")),
            request_body = $doc_body,
            responses((status = 200, description = "The order after the command", body = OrderView), Auth, PathAndBody, Invalid, OrderCommand)
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<Uuid>,
            body: OptionalJson<$body>,
        ) -> ApiResult<web::Json<OrderView>> {
            let $b = body.0;
            let cmd: Result<Command, DomainError> = $make;
            run(&state, caller, id.into_inner(), cmd?).await
        }
    };
}

fn need<T>(body: Option<T>) -> Result<T, DomainError> {
    body.ok_or_else(|| DomainError::field("body", "required", "请求体不能为空"))
}

order_command!(dispatch_order, "/api/v1/orders/{id}/dispatch", "Dispatch an order (派单)",
    "Staff in scope: to a party member, a grid worker, an organisation, a volunteer team, a department, or the community's open pool (`{\"target\":{\"type\":\"pool\"}}`).",
    DispatchBody, |b| {
        let b = need(b)?;
        let kind: TargetType = b.target.kind.parse().map_err(|_| DomainError::field("target.type", "invalid_value", "未知的派单对象类型"))?;
        Ok(Command::Dispatch { target: Target::from_parts(kind, b.target.id)? })
    });
order_command!(accept_order, "/api/v1/orders/{id}/accept", "Accept an order dispatched to you (接单)",
    "The assignee: the person, or a member of the organisation, team or department. No body needed.",
    optional NoBody, |_b| Ok(Command::Accept));
order_command!(grab_order, "/api/v1/orders/{id}/grab", "Grab an order from the community pool (抢单)",
    "Party members serving the community. Of several at once, one wins; the others get 409. No body needed.",
    optional NoBody, |_b| Ok(Command::Grab));
order_command!(
    reject_order,
    "/api/v1/orders/{id}/reject",
    "Reject an order dispatched to you",
    "The assignee, with a reason; the order goes back to the community's inbox.",
    ReasonBody,
    |b| Ok(Command::Reject { reason: Reason::parse(&need(b)?.reason)? })
);
order_command!(arrive_order, "/api/v1/orders/{id}/arrive", "Check in on site",
"The handler; lat/lng optional.",
optional ArriveBody, |b| {
    let b = b.unwrap_or_default();
    let point = fields::parse_point(b.lat, b.lng)?;
    Ok(Command::Arrive { lat: point.map(|p| p.0), lng: point.map(|p| p.1) })
});
order_command!(
    resolve_order,
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
    rate_order,
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
    return_visit_order,
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
    escalate_order,
    "/api/v1/orders/{id}/escalate",
    "Escalate one level (吹哨报到)",
    "Staff in scope: community → street → department. The assignee is reset.",
    ReasonBody,
    |b| Ok(Command::Escalate { reason: Reason::parse(&need(b)?.reason)? })
);
order_command!(
    decline_order,
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
    cancel_order,
    "/api/v1/orders/{id}/cancel",
    "Cancel your order before it is accepted",
    "The reporter.",
    ReasonBody,
    |b| Ok(Command::Cancel { reason: Reason::parse(&need(b)?.reason)? })
);
