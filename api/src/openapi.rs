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
        (name = "privacy", description = "Residents' rights under PIPL: the privacy notice, exporting your data, deleting your account"),
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

/// OpenAPI links: where one answer's id feeds the next operations, so
/// generators offer `order.accept()` from a submitted order and schemathesis'
/// stateful phase walks the loop (submit → dispatch → accept → arrive → resolve → rate).
struct Links;

/// An order's commands and reads, all keyed by `id`.
const ORDER_NEXT: &[&str] = &[
    "get_order",
    "list_order_events",
    "dispatch_order",
    "grab_order",
    "accept_order",
    "decline_order",
    "arrive_order",
    "resolve_order",
    "rate_order",
    "return_visit_order",
    "escalate_order",
    "reject_order",
    "cancel_order",
    "prioritize_order",
    "reveal_order_contact",
];
const REGION_NEXT: &[&str] = &[
    "get_region",
    "update_region",
    "get_escalation_policy",
    "set_escalation_policy",
    "delete_escalation_policy",
    "print_community_pdf",
    "print_community_zip",
];
const ACCOUNT_NEXT: &[&str] =
    &["get_account", "update_account", "disable_account", "enable_account", "reset_account_password"];

/// (operation, status, where its answer holds the id, the operations it feeds)
const LINKS: &[(&str, &str, &str, &[&str])] = &[
    ("submit_order", "201", "$response.body#/id", ORDER_NEXT),
    ("get_order", "200", "$response.body#/id", ORDER_NEXT),
    ("dispatch_order", "200", "$response.body#/id", ORDER_NEXT),
    ("grab_order", "200", "$response.body#/id", ORDER_NEXT),
    ("accept_order", "200", "$response.body#/id", ORDER_NEXT),
    ("arrive_order", "200", "$response.body#/id", ORDER_NEXT),
    ("resolve_order", "200", "$response.body#/id", ORDER_NEXT),
    ("escalate_order", "200", "$response.body#/id", ORDER_NEXT),
    ("list_orders", "200", "$response.body#/items/0/id", ORDER_NEXT),
    ("create_region", "201", "$response.body#/id", REGION_NEXT),
    ("list_regions", "200", "$response.body#/items/0/id", REGION_NEXT),
    ("create_unit", "201", "$response.body#/id", &["add_unit_member"]),
    ("list_deliveries", "200", "$response.body#/items/0/id", &["retry_delivery"]),
    ("create_account", "201", "$response.body#/account/id", ACCOUNT_NEXT),
    ("update_account", "200", "$response.body#/id", ACCOUNT_NEXT),
    ("create_category", "201", "$response.body#/id", &["update_category", "create_category_item"]),
    ("create_category_item", "201", "$response.body#/id", &["update_category_item"]),
    ("create_webhook", "201", "$response.body#/id", &["delete_webhook"]),
    ("upload_media", "201", "$response.body#/id", &["get_media", "get_media_thumbnail"]),
];

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::link::LinkBuilder;
        use utoipa::openapi::RefOr;
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for op in ops.into_iter().flatten() {
                let Some(id) = op.operation_id.as_deref() else { continue };
                for (_, status, source, targets) in LINKS.iter().filter(|(from, ..)| *from == id) {
                    if let Some(RefOr::T(response)) = op.responses.responses.get_mut(*status) {
                        for target in *targets {
                            let link = LinkBuilder::new().operation_id(*target).parameter("id", *source).build();
                            response.links.insert((*target).to_owned(), RefOr::T(link));
                        }
                    }
                }
            }
        }
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
    let mut api = api;
    // After the routes are in: links join operations the route table added.
    Links.modify(&mut api);
    api
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn render() -> Result<String, serde_json::Error> {
    // utoipa 5.5 writes a Link's `operationId` as `operation_id` (its Link has no
    // camelCase rename); no schema of ours has a field of that name, so this
    // renames exactly the links' key. The openapi test checks both.
    let mut json = document().to_pretty_json()?.replace("\"operation_id\": ", "\"operationId\": ");
    json.push('\n');
    Ok(json)
}

/// The committed document as a value, for Swagger UI.
pub fn value() -> serde_json::Value {
    render().and_then(|json| serde_json::from_str(&json)).unwrap_or_default()
}
