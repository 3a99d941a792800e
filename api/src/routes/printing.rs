//! Printable posters: one poster as PNG or SVG (A4), a community's as one PDF
//! or one ZIP of PNGs. Staff over the building or community only.

use actix_web::{get, http::header, web, HttpResponse};
use infra::usecase::printing::{self as usecase, File, Format};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::responses::{Auth, CommunityPrint, Path, PosterPrint};

/// The bytes of a file (an image, a PDF, an archive).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(#[allow(dead_code)] Vec<u8>);

/// RFC 5987 `attr-char`: what a `filename*` keeps unescaped.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A download: the file with its name, kept by the browser for five minutes.
fn download(file: File, content_type: &str) -> HttpResponse {
    let encoded = utf8_percent_encode(&file.name, ATTR_CHAR);
    let disposition = format!("inline; filename=\"{}\"; filename*=UTF-8''{encoded}", file.ascii_name);
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(file.bytes)
}

/// A poster as PNG, A4 at 200 dpi (staff over the building)
///
/// The QR is the WeChat mini-program code when WeChat is configured (fetched
/// once, then kept), otherwise a QR of `MSB_POSTER_URL_BASE` plus the code.
#[utoipa::path(
    get, path = "/api/v1/posters/{code}/poster.png", operation_id = "print_poster_png", tag = "posters", security(("bearer" = [])),
    params(("code" = String, Path, description = "Poster code", example = "dd-hean")),
    responses(
        (status = 200, description = "The poster, 1654 × 2340 pixels", body = FileBytes, content_type = "image/png"),
        PosterPrint, Auth, Path,
    )
)]
#[get("/api/v1/posters/{code}/poster.png")]
pub async fn print_poster_png(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let file = usecase::poster(&state.db, &state.printer, caller.0, code.into_inner(), Format::Png).await?;
    Ok(download(file, "image/png"))
}

/// A poster as SVG, A4, text as outlines (staff over the building)
///
/// Self-contained: opens and prints the same on any machine, fonts or not.
#[utoipa::path(
    get, path = "/api/v1/posters/{code}/poster.svg", operation_id = "print_poster_svg", tag = "posters", security(("bearer" = [])),
    params(("code" = String, Path, description = "Poster code", example = "dd-hean")),
    responses(
        (status = 200, description = "The poster", body = FileBytes, content_type = "image/svg+xml"),
        PosterPrint, Auth, Path,
    )
)]
#[get("/api/v1/posters/{code}/poster.svg")]
pub async fn print_poster_svg(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let file = usecase::poster(&state.db, &state.printer, caller.0, code.into_inner(), Format::Svg).await?;
    Ok(download(file, "image/svg+xml"))
}

/// A community's posters as one PDF, a page each (staff over the community)
///
/// Every poster in use below the community, ordered by grid and building.
#[utoipa::path(
    get, path = "/api/v1/regions/{id}/posters.pdf", operation_id = "print_community_pdf", tag = "posters", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The community's id")),
    responses(
        (status = 200, description = "The posters, A4 pages", body = FileBytes, content_type = "application/pdf"),
        CommunityPrint, Auth, Path,
    )
)]
#[get("/api/v1/regions/{id}/posters.pdf")]
pub async fn print_community_pdf(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let file = usecase::community_pdf(&state.db, &state.printer, caller.0, id.into_inner()).await?;
    Ok(download(file, "application/pdf"))
}

/// A community's posters as one ZIP of PNGs (staff over the community)
///
/// Files are named `<grid>-<building>-<code>.png`.
#[utoipa::path(
    get, path = "/api/v1/regions/{id}/posters.zip", operation_id = "print_community_zip", tag = "posters", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The community's id")),
    responses(
        (status = 200, description = "The posters as PNG files", body = FileBytes, content_type = "application/zip"),
        CommunityPrint, Auth, Path,
    )
)]
#[get("/api/v1/regions/{id}/posters.zip")]
pub async fn print_community_zip(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let file = usecase::community_zip(&state.db, &state.printer, caller.0, id.into_inner()).await?;
    Ok(download(file, "application/zip"))
}
