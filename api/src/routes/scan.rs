use actix_web::{get, http::StatusCode, web, HttpResponse};
use infra::usecase::places::{self, Scan};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiResult, Problem, PROBLEM_JSON};
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

/// Why a poster no longer leads to the report page.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum GoneCode {
    /// Revoked, and the building has a newer poster (`replaced_by`).
    #[serde(rename = "poster.replaced")]
    Replaced,
    /// Revoked, and no poster hangs in the building now.
    #[serde(rename = "poster.revoked")]
    Revoked,
}

/// A revoked poster (problem details, 410): what the old print still tells
/// the resident, i.e. where it hangs and which poster replaced it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PosterGone {
    #[serde(rename = "type")]
    #[schema(example = "urn:mashangban:problem:poster.replaced")]
    pub type_: String,
    #[schema(example = "此码牌已更换")]
    pub title: String,
    #[schema(example = 410)]
    pub status: u16,
    pub code: GoneCode,
    pub detail: String,
    #[schema(example = "dd-old")]
    pub poster_code: String,
    /// The code now in use on the building: the front end may continue with it.
    #[schema(example = "dd-hean")]
    pub replaced_by: Option<String>,
    pub building: RegionView,
    pub community: RegionView,
    pub street: RegionView,
}

/// What a poster leads to (no login needed)
///
/// The mini-program calls this with the `scene` of the QR code it was opened from.
/// An old print of a revoked poster answers 410 with the building and, when the
/// building has a newer poster, its code (`poster.replaced`).
#[utoipa::path(
    get, path = "/api/v1/scan/{code}", operation_id = "scan_poster", tag = "scan", security(()),
    params(("code" = String, Path, description = "The poster's code (the QR code's scene)", example = "dd-hean")),
    responses(
        (status = 200, description = "The building, its grid, community and street, and the categories", body = ScanView),
        (status = 404, description = "No such poster (`poster.not_found`)", body = Problem, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.not_found", "title": "资源不存在", "status": 404, "code": "poster.not_found"})),
        (status = 410, description = "The poster was revoked (`poster.replaced` or `poster.revoked`), with where it hangs", body = PosterGone, content_type = "application/problem+json", example = json!({"type": "urn:mashangban:problem:poster.replaced", "title": "此码牌已更换", "status": 410, "code": "poster.replaced", "detail": "和安楼的码牌已更换，请扫描楼道内新张贴的二维码", "poster_code": "dd-old", "replaced_by": "dd-hean", "building": {"id": "0193a6a4-0000-7000-8000-000000000004", "kind": "building", "code": "dd-hean", "name": "和安楼", "parent_id": "0193a6a4-0000-7000-8000-000000000003"}, "community": {"id": "0193a6a4-0000-7000-8000-000000000002", "kind": "community", "code": "diandeng", "name": "点灯社区", "parent_id": "0193a6a4-0000-7000-8000-000000000001"}, "street": {"id": "0193a6a4-0000-7000-8000-000000000001", "kind": "street", "code": "jiangnan", "name": "江南街道", "parent_id": null}})),
        Path,
    )
)]
#[get("/api/v1/scan/{code}")]
pub async fn scan(state: web::Data<AppState>, code: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(match places::scan(&state.db, code.into_inner()).await? {
        Scan::Open(s) => HttpResponse::Ok().json(ScanView {
            poster_code: s.poster.code,
            building: s.building.into(),
            grid: s.grid.into(),
            community: s.community.into(),
            street: s.street.into(),
            categories: s.categories.into_iter().map(|(c, items)| category_view(c, items)).collect(),
        }),
        Scan::Withdrawn { poster, replaced_by, street, community, building } => HttpResponse::build(StatusCode::GONE)
            .content_type(PROBLEM_JSON)
            .json(gone(poster.code, replaced_by, street, community, building)),
    })
}

fn gone(
    code: String,
    replaced_by: Option<String>,
    street: domain::region::Region,
    community: domain::region::Region,
    building: domain::region::Region,
) -> PosterGone {
    let (kind, title, detail) = match &replaced_by {
        Some(_) => {
            (GoneCode::Replaced, "此码牌已更换", format!("{}的码牌已更换，请扫描楼道内新张贴的二维码", building.name))
        }
        None => (GoneCode::Revoked, "此码牌已停用", format!("{}的码牌已停用，请联系社区", building.name)),
    };
    let code_str = match kind {
        GoneCode::Replaced => "poster.replaced",
        GoneCode::Revoked => "poster.revoked",
    };
    PosterGone {
        type_: format!("urn:mashangban:problem:{code_str}"),
        title: title.to_owned(),
        status: 410,
        code: kind,
        detail,
        poster_code: code,
        replaced_by,
        building: building.into(),
        community: community.into(),
        street: street.into(),
    }
}
