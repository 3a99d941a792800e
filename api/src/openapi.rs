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
Errors are RFC 9457 `application/problem+json` with a stable `code`. Staff log in with \
`POST /api/v1/auth/login`, residents with `POST /api/v1/auth/wechat`; send `Authorization: Bearer <access_token>`.",
        license(name = "MIT"),
    ),
    paths(
        routes::auth::login,
        routes::auth::wechat,
        routes::auth::refresh,
        routes::me::me,
        routes::scan::scan,
        routes::categories::list,
        routes::categories::create_category,
        routes::categories::update_category,
        routes::categories::create_item,
        routes::categories::update_item,
        routes::regions::list,
        routes::regions::get,
        routes::regions::create,
        routes::regions::update,
        routes::posters::list,
        routes::posters::create,
        routes::posters::revoke,
        routes::orders::submit,
        routes::orders::list,
        routes::orders::get,
        routes::orders::events,
        routes::orders::dispatch,
        routes::orders::accept,
        routes::orders::grab,
        routes::orders::reject,
        routes::orders::arrive,
        routes::orders::resolve,
        routes::orders::rate,
        routes::orders::return_visit,
        routes::orders::escalate,
        routes::orders::decline,
        routes::orders::cancel,
        routes::people::grant_party_member,
        routes::people::list_units,
        routes::people::create_unit,
        routes::people::add_member,
        routes::health::healthz,
        routes::health::readyz,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Logins, tokens and the signed-in user"),
        (name = "scan", description = "What a building's QR poster leads to"),
        (name = "categories", description = "What residents can report, with each item's service clock"),
        (name = "regions", description = "Street → community → grid → building"),
        (name = "posters", description = "QR posters bound to buildings"),
        (name = "orders", description = "点单 派单 接单 抢单 评单: the closed loop"),
        (name = "people", description = "Party members, organisations, volunteer teams, departments"),
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

/// The document as committed: pretty JSON with a trailing newline.
pub fn render() -> Result<String, serde_json::Error> {
    let mut json = ApiDoc::openapi().to_pretty_json()?;
    json.push('\n');
    Ok(json)
}
