//! The OpenAPI document. `openapi/openapi.json` is this, committed; a test
//! fails when they differ (`make openapi` regenerates it).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "码上办 mashangban API",
        description = "Residents scan the QR poster in their stairwell and report a problem or a small wish; \
grid workers, party members, partner organisations and departments take it to done against a clock.\n\n\
Errors are RFC 9457 `application/problem+json` with a stable `code` (the table is in docs/api-conventions.md). \
Staff log in with `POST /api/v1/auth/login`, residents with `POST /api/v1/auth/wechat`; send \
`Authorization: Bearer <access_token>`.\n\n\
Mini-programs cannot send PATCH (`wx.request`): send POST with the header `X-HTTP-Method-Override: PATCH` \
to the same path instead. Display names of statuses, kinds and roles come from `GET /api/v1/labels`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "This server")),
    components(schemas(crate::error::Problem, crate::routes::events::LiveMessage, domain::stats::report::Period)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Logins, tokens and the signed-in user"),
        (name = "scan", description = "What a building's QR poster leads to"),
        (name = "categories", description = "What residents can report, with each item's service clock"),
        (name = "regions", description = "Street → community → grid → building"),
        (name = "posters", description = "QR posters bound to buildings, and printing them (PNG, SVG, PDF, ZIP)"),
        (name = "media", description = "Photos (随手拍): upload once, attach to a report or a resolution"),
        (name = "wechat", description = "What WeChat pushes to this server: URL checks and image-check verdicts"),
        (name = "orders", description = "点单 派单 接单 抢单 评单: the closed loop"),
        (name = "stats", description = "三率 and the counts of a street, community or grid, by region, category or day"),
        (name = "people", description = "Party members, organisations, volunteer teams, departments"),
        (name = "accounts", description = "Staff accounts: create with a one-time password, change role or region, disable, reset"),
        (name = "notifications", description = "The in-app inbox: what the system told you"),
        (name = "webhooks", description = "Signed notifications POSTed to receivers admins register"),
        (name = "deliveries", description = "The notification queue for operators: sent, failed, dead, retried"),
        (name = "labels", description = "Display names of every closed set"),
        (name = "operations", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The whole document: the info above plus every route of the one route table.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    api
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn render() -> Result<String, serde_json::Error> {
    let mut json = document().to_pretty_json()?;
    json.push('\n');
    Ok(json)
}
