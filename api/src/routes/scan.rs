use actix_web::{get, web};
use domain::region::RegionKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::categories::{load_tree, CategoryView};
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
    get, path = "/api/v1/scan/{code}", tag = "scan", security(()),
    params(("code" = String, Path, description = "The poster's code (the QR code's scene)", example = "dd-hean")),
    responses(
        (status = 200, description = "The building, its grid, community and street, and the categories", body = ScanView),
        (status = 404, description = "No such poster (`poster.not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The poster was revoked (`poster.revoked`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/scan/{code}")]
pub async fn scan(state: web::Data<AppState>, code: web::Path<String>) -> ApiResult<web::Json<ScanView>> {
    let code = code.into_inner();
    let (target, categories) =
        state.db.run(move |c| Ok((infra::repo::posters::scan(c, &code)?, load_tree(c, false)?))).await?;
    let mut lineage = target.lineage.into_iter();
    let mut next = |kind: RegionKind| -> ApiResult<RegionView> {
        match lineage.next() {
            Some(r) if r.kind == kind => Ok(r.into()),
            _ => {
                tracing::error!(poster.code = %target.poster.code, "poster's building is not under a full street/community/grid chain");
                Err(ApiError::internal())
            }
        }
    };
    let (street, community, grid, building) =
        (next(RegionKind::Street)?, next(RegionKind::Community)?, next(RegionKind::Grid)?, next(RegionKind::Building)?);
    Ok(web::Json(ScanView { poster_code: target.poster.code, building, grid, community, street, categories }))
}
