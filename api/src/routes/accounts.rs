//! Staff accounts, managed by admins, street staff and community staff over
//! the accounts below them (the rule is `domain::account`).

use actix_web::{get, patch, post, web, HttpResponse};
use domain::actor::Role;
use domain::error::Problems;
use domain::{text, DomainError};
use infra::usecase::accounts::{self as usecase, Account, AccountChanges, AccountQuery, NewAccount};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::responses::{Auth, Body, Path, PathAndBody, Query, StaffOnly};
use crate::views::{page_request, Page, UserView};

/// A staff account as its managers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    #[serde(flatten)]
    pub user: UserView,
    /// Disabled: no login, refresh or call works until enabled again.
    pub disabled: bool,
    /// Whether you may change this account (every role it holds is below yours, in your region).
    pub manageable: bool,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        AccountView { disabled: a.profile.disabled, manageable: a.manageable, user: a.profile.into() }
    }
}

/// An account with the one-time password it was just given.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountWithPassword {
    pub account: AccountView,
    /// Shown once, never stored in the clear: pass it to the owner, who must change it at the first login.
    #[schema(example = "k7mq-3hxa-w9pe")]
    pub one_time_password: String,
}

/// A role and the region it covers.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct SeatRequest {
    /// grid_worker, community_staff, street_staff, department_staff, org_member or admin.
    #[schema(value_type = Role, example = "grid_worker")]
    pub role: String,
    /// The region the role covers (a grid for a grid worker …); omit for a city-wide role.
    pub region_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewAccountRequest {
    #[schema(example = "dd-grid3", pattern = "^[a-z0-9._-]{3,32}$")]
    pub username: String,
    #[schema(example = "王网格", min_length = 1, max_length = 32)]
    pub display_name: String,
    #[schema(example = "13800138000", pattern = "^1[3-9][0-9]{9}$")]
    pub phone: Option<String>,
    #[validate(nested)]
    pub seat: SeatRequest,
}

/// Fields to change; leave out what stays.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct AccountPatch {
    #[schema(min_length = 1, max_length = 32)]
    pub display_name: Option<String>,
    #[schema(pattern = "^1[3-9][0-9]{9}$")]
    pub phone: Option<String>,
    /// The one staff role the account holds from now on, in place of its staff roles (a party-member registration stays).
    #[validate(nested)]
    pub seat: Option<SeatRequest>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountListQuery {
    /// Accounts holding this role.
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Accounts seated at or below this region (in yours).
    pub region_id: Option<Uuid>,
    pub disabled: Option<bool>,
    /// Part of the username or display name.
    #[param(max_length = 32)]
    pub q: Option<String>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The seat asked for; a role outside the set is an error on `seat.role`.
fn seat(body: SeatRequest) -> Result<(Role, Option<Uuid>), DomainError> {
    let role = body.role.parse::<Role>().map_err(|e| match e {
        DomainError::Validation(mut errors) => {
            errors.iter_mut().for_each(|e| e.field = "seat.role".into());
            DomainError::Validation(errors)
        }
        other => other,
    })?;
    Ok((role, body.region_id))
}

/// List the staff accounts in your region (admins, street and community staff)
///
/// Accounts with a role at or below a region you manage accounts in, by username; `manageable` tells which you may change.
#[utoipa::path(
    get, path = "/api/v1/accounts", operation_id = "list_accounts", tag = "accounts", security(("bearer" = [])),
    params(AccountListQuery),
    responses(
        (status = 200, description = "A page of accounts", body = Page<AccountView>),
        Auth, Query, StaffOnly,
    )
)]
#[get("/api/v1/accounts")]
pub async fn list_accounts(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AccountListQuery>,
) -> ApiResult<web::Json<Page<AccountView>>> {
    let q = query.into_inner();
    let mut p = Problems::new();
    let role = q.role.as_deref().and_then(|r| p.take(r.parse::<Role>()));
    let text = q.q.as_deref().and_then(|t| p.take(text::bounded("q", t, 1, 32)));
    let page = p.take(page_request(q.cursor, q.limit));
    p.finish()?;
    let query = AccountQuery { role, region_id: q.region_id, disabled: q.disabled, q: text };
    let paged = usecase::list(&state.db, caller.0, query, page.unwrap_or_default()).await?;
    Ok(web::Json(Page::map(paged, AccountView::from)))
}

/// Create a staff account with a one-time password (admins, street and community staff)
///
/// The role must be below yours and in your region. The answer carries the one-time password,
/// once; the owner logs in with it and must change it before anything else works.
#[utoipa::path(
    post, path = "/api/v1/accounts", operation_id = "create_account", tag = "accounts", security(("bearer" = [])),
    request_body = NewAccountRequest,
    responses(
        (status = 201, description = "Created", body = AccountWithPassword, headers(("Location" = String, description = "The new resource\'s path"))),
        (status = 403, description = "Not yours to give: the role is not below yours, or the region is not in yours", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:user.username_taken", "title": "与现有数据冲突", "status": 409, "code": "user.username_taken"})),
        (status = 422, description = "Invalid fields: username, name, phone, a role residents hold, or a region of the wrong kind for the role", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, Body,
    )
)]
#[post("/api/v1/accounts")]
pub async fn create_account(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewAccountRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let (role, region_id) = seat(body.seat)?;
    let new =
        NewAccount { username: body.username, display_name: body.display_name, phone: body.phone, role, region_id };
    let (account, one_time_password) = usecase::create(&state.db, caller.0, new).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/accounts/{}", account.profile.id)))
        .json(AccountWithPassword { account: account.into(), one_time_password }))
}

/// One staff account (admins, street and community staff)
///
/// Its seats, whether it is disabled or waiting for a password change, and whether you may change it; 404 when it is outside your region.
#[utoipa::path(
    get, path = "/api/v1/accounts/{id}", operation_id = "get_account", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account (user) id")),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 404, description = "No such account in your region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:account.not_found", "title": "资源不存在", "status": 404, "code": "account.not_found"})),
        Auth, Path,
    )
)]
#[get("/api/v1/accounts/{id}")]
pub async fn get_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AccountView>> {
    Ok(web::Json(usecase::get(&state.db, caller.0, id.into_inner()).await?.into()))
}

/// Change a staff account's name, phone, or role and region
///
/// A new `seat` replaces the account's staff roles; both the account as it is and the new seat must be yours to manage.
#[utoipa::path(
    patch, path = "/api/v1/accounts/{id}", operation_id = "update_account", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account (user) id")),
    request_body = AccountPatch,
    responses(
        (status = 200, description = "Updated", body = AccountView),
        (status = 403, description = "The account or the new seat is not yours to manage (your own account included)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such account in your region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:account.not_found", "title": "资源不存在", "status": 404, "code": "account.not_found"})),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:validation.failed", "title": "请求参数有误", "status": 422, "code": "validation.failed"})),
        Auth, PathAndBody,
    )
)]
#[patch("/api/v1/accounts/{id}")]
pub async fn update_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<AccountPatch>,
) -> ApiResult<web::Json<AccountView>> {
    let body = body.0;
    let seat = body.seat.map(seat).transpose()?;
    let changes = AccountChanges { display_name: body.display_name, phone: body.phone, seat };
    Ok(web::Json(usecase::update(&state.db, caller.0, id.into_inner(), changes).await?.into()))
}

/// Disable a staff account: its logins end at once
///
/// Its refresh tokens are revoked and every call with its access tokens answers 401 from now on; its orders and history stay.
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/disable", operation_id = "disable_account", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account (user) id")),
    responses(
        (status = 200, description = "Disabled (again is the same): its refresh tokens are revoked and its access tokens refused", body = AccountView),
        (status = 403, description = "Not yours to manage (your own account included)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such account in your region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:account.not_found", "title": "资源不存在", "status": 404, "code": "account.not_found"})),
        Auth, Path,
    )
)]
#[post("/api/v1/accounts/{id}/disable")]
pub async fn disable_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AccountView>> {
    Ok(web::Json(usecase::set_disabled(&state.db, caller.0, id.into_inner(), true).await?.into()))
}

/// Enable a disabled staff account
///
/// The account may log in again with the password it had; enabling an enabled account changes nothing.
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/enable", operation_id = "enable_account", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account (user) id")),
    responses(
        (status = 200, description = "Enabled (again is the same); the owner logs in afresh", body = AccountView),
        (status = 403, description = "Not yours to manage", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such account in your region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:account.not_found", "title": "资源不存在", "status": 404, "code": "account.not_found"})),
        Auth, Path,
    )
)]
#[post("/api/v1/accounts/{id}/enable")]
pub async fn enable_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AccountView>> {
    Ok(web::Json(usecase::set_disabled(&state.db, caller.0, id.into_inner(), false).await?.into()))
}

/// Reset a staff account's password to a one-time password
///
/// Ends the account's logins; the answer carries the one-time password, once. Until the owner
/// changes it, their only working call is `POST /api/v1/me/password`.
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/reset-password", operation_id = "reset_account_password", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account (user) id")),
    responses(
        (status = 200, description = "Reset", body = AccountWithPassword),
        (status = 403, description = "Not yours to manage (your own account included)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:auth.forbidden", "title": "无权执行该操作", "status": 403, "code": "auth.forbidden"})),
        (status = 404, description = "No such account in your region", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:account.not_found", "title": "资源不存在", "status": 404, "code": "account.not_found"})),
        (status = 409, description = "The account signs in with WeChat and has no password", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:account.no_password", "title": "该账号使用微信登录，没有密码", "status": 409, "code": "account.no_password"})),
        Auth, Path,
    )
)]
#[post("/api/v1/accounts/{id}/reset-password")]
pub async fn reset_account_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AccountWithPassword>> {
    let (account, one_time_password) = usecase::reset_password(&state.db, caller.0, id.into_inner()).await?;
    Ok(web::Json(AccountWithPassword { account: account.into(), one_time_password }))
}
