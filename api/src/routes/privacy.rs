//! The residents' rights under PIPL: the privacy notice, the export of
//! everything held about you, and deleting your account.

use actix_web::http::header;
use actix_web::{delete, get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::responses::Auth;
use crate::routes::notifications::NotificationView;
use crate::routes::order_views::{EventView, OrderView};
use crate::views::UserView;

/// One kind of personal data held: what, why, on which ground, how long.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataPurpose {
    #[schema(example = "联系人姓名、手机号")]
    pub data: &'static str,
    pub purpose: &'static str,
    /// The ground relied on, by article of the PIPL.
    pub basis: &'static str,
    #[schema(example = "诉求办结后 180 天")]
    pub kept: String,
}

/// A right and the call that exercises it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataRight {
    #[schema(example = "查阅、复制")]
    pub right: &'static str,
    #[schema(example = "GET /api/v1/me/export")]
    pub how: &'static str,
}

/// What is held about residents, why, for how long, and whom to ask.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrivacyNotice {
    /// The body responsible for the data (个人信息处理者).
    pub controller: String,
    /// Where to send a request or a complaint about personal data.
    pub contact: String,
    /// Days after closing when an order's contact name, phone, address and position are erased; 0: kept.
    pub retention_days: u32,
    pub purposes: Vec<DataPurpose>,
    pub rights: Vec<DataRight>,
}

const RIGHTS: &[DataRight] = &[
    DataRight { right: "查阅、复制（第四十五条）", how: "GET /api/v1/me/export" },
    DataRight {
        right: "更正（第四十六条）", how: "POST /api/v1/me/phone 更新手机号；诉求的联系人在下一次提交时填写"
    },
    DataRight { right: "删除、注销账号（第四十七条）", how: "DELETE /api/v1/me" },
    DataRight { right: "撤回同意（第十五条）", how: "在微信中关闭订阅消息；DELETE /api/v1/me" },
];

/// The privacy notice (个人信息保护说明)
///
/// Who holds residents' data, what for and on which ground, how long closed orders keep contact
/// data, and the calls that exercise each right. Public: a front end shows it before the first report.
#[utoipa::path(get, path = "/api/v1/privacy", operation_id = "get_privacy_notice", tag = "privacy", security(()),
    responses((status = 200, description = "The notice", body = PrivacyNotice)))]
#[get("/api/v1/privacy")]
pub async fn get_privacy_notice(state: web::Data<AppState>) -> web::Json<PrivacyNotice> {
    let p = &state.config.privacy;
    let retention = match p.retention_days {
        0 => "至您注销账号".to_owned(),
        days => format!("诉求办结后 {days} 天"),
    };
    let purposes = domain::privacy::PURPOSES
        .iter()
        .map(|x| DataPurpose {
            data: x.data,
            purpose: x.purpose,
            basis: x.basis,
            kept: match x.kept {
                domain::privacy::Kept::Retention => retention.clone(),
                domain::privacy::Kept::Stated(text) => text.to_owned(),
            },
        })
        .collect();
    web::Json(PrivacyNotice {
        controller: p.controller.clone(),
        contact: p.contact.clone(),
        retention_days: p.retention_days,
        purposes,
        rights: RIGHTS.to_vec(),
    })
}

/// One of your orders with its whole timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedOrder {
    pub order: OrderView,
    pub events: Vec<EventView>,
}

/// A subscribe-message authorisation you gave.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedSubscription {
    pub template_id: String,
    pub accepted_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// A photo you uploaded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedUpload {
    pub id: Uuid,
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    pub bytes: i64,
    pub order_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Everything held about you.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyData {
    pub exported_at: DateTime<Utc>,
    pub profile: UserView,
    pub orders: Vec<ExportedOrder>,
    pub notifications: Vec<NotificationView>,
    pub subscriptions: Vec<ExportedSubscription>,
    pub uploads: Vec<ExportedUpload>,
}

fn my_data(e: infra::usecase::privacy::Export) -> Result<MyData, domain::DomainError> {
    let orders = e
        .orders
        .into_iter()
        .map(|o| {
            let events = o.events.into_iter().map(EventView::try_from).collect::<Result<_, _>>()?;
            Ok(ExportedOrder { order: OrderView::of(o.detail, e.exported_at), events })
        })
        .collect::<Result<_, domain::DomainError>>()?;
    Ok(MyData {
        exported_at: e.exported_at,
        profile: e.profile.into(),
        orders,
        notifications: e.notifications.into_iter().map(Into::into).collect(),
        subscriptions: e
            .subscriptions
            .into_iter()
            .map(|s| ExportedSubscription {
                template_id: s.template_id,
                accepted_at: s.accepted_at,
                used_at: s.used_at,
            })
            .collect(),
        uploads: e
            .uploads
            .into_iter()
            .map(|u| ExportedUpload {
                id: u.id,
                content_type: u.content_type,
                bytes: u.bytes,
                order_id: u.order_id,
                created_at: u.created_at,
            })
            .collect(),
    })
}

/// Export everything held about you (PIPL art. 45)
///
/// Your profile and roles, every order you reported with its timeline and ratings, your
/// notifications, subscribe-message authorisations and uploads, as one JSON document
/// (served as a download, never cached).
#[utoipa::path(get, path = "/api/v1/me/export", operation_id = "export_my_data", tag = "privacy",
    security(("bearer" = [])),
    responses((status = 200, description = "Your data", body = MyData), Auth))]
#[get("/api/v1/me/export")]
pub async fn export_my_data(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let export = infra::usecase::privacy::export(&state.db, caller.0.user_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"mashangban-my-data.json\""))
        .json(my_data(export)?))
}

/// What deleting the account did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountDeleted {
    /// Your orders, kept for the statistics, whose contact name, phone, address and position were erased.
    pub orders_erased: usize,
    /// Logins ended.
    pub tokens_revoked: usize,
}

/// Delete your account (PIPL art. 47)
///
/// Erases your name, phone and WeChat ids, your notifications and authorisations, and the
/// contact data of your orders (the orders stay, without you, for the statistics); every
/// token you hold stops working at once. Cannot be undone. Staff accounts answer 409
/// `privacy.staff_account`: their managers disable them.
#[utoipa::path(delete, path = "/api/v1/me", operation_id = "delete_my_account", tag = "privacy",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = AccountDeleted),
        Auth,
        (status = 409, description = "A staff account (`privacy.staff_account`)", body = Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:mashangban:problem:privacy.staff_account", "title": "工作人员账号不能自行注销，请联系管理员停用", "status": 409, "code": "privacy.staff_account"})),
    ))]
#[delete("/api/v1/me")]
pub async fn delete_my_account(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<AccountDeleted>> {
    let d = infra::usecase::privacy::delete_account(&state.db, caller.0).await?;
    Ok(web::Json(AccountDeleted { orders_erased: d.orders_erased, tokens_revoked: d.tokens_revoked }))
}
