use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiResult, Problem};
use crate::responses::Path;
use crate::routes::categories::{category_view, CategoryView};
use crate::views::RegionView;

/// Everything the report page needs after a poster is scanned.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanView {
    #[schema(example = "dd-hean")]
    pub poster_code: String,
    pub building: RegionView,
    pub grid: RegionView,
    pub community: RegionView,
    pub street: RegionView,
    /// The active categories and items a resident may choose from.
    pub categories: Vec<CategoryView>,
}

/// What a poster leads to (no login needed)
///
/// The mini-program calls this with the `scene` of the QR code it was opened from.
#[utoipa::path(
    get, path = "/api/v1/scan/{code}", operation_id = "scan_poster", tag = "scan", security(()),
    params(("code" = String, Path, description = "The poster's code (the QR code's scene)", example = "dd-hean")),
    responses(
        (status = 200, description = "The building, its grid, community and street, and the categories", body = ScanView),
        (status = 404, description = "No such poster (`poster.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.not_found", "title": "资源不存在", "status": 404, "code": "poster.not_found"})),
        (status = 410, description = "The poster was revoked (`poster.revoked`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.revoked", "title": "已停用", "status": 410, "code": "poster.revoked"})),
        Path,
    )
)]
#[get("/api/v1/scan/{code}")]
pub async fn scan(state: web::Data<AppState>, code: web::Path<String>) -> ApiResult<web::Json<ScanView>> {
    let s = infra::usecase::places::scan(&state.db, code.into_inner()).await?;
    Ok(web::Json(ScanView {
        poster_code: s.poster.code,
        building: s.building.into(),
        grid: s.grid.into(),
        community: s.community.into(),
        street: s.street.into(),
        categories: s.categories.into_iter().map(|(c, items)| category_view(c, items)).collect(),
    }))
}
