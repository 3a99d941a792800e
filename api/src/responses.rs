//! The problem+json answers many operations share, each defined once with an
//! example carrying its real `code`; operations list these sets instead of
//! repeating the lines.

use std::collections::BTreeMap;

use serde_json::json;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::error::PROBLEM_JSON;

fn problem(status: u16, code: &str, description: &str) -> RefOr<Response> {
    let example = json!({
        "type": format!("urn:mashangban:problem:{code}"),
        "title": description,
        "status": status,
        "code": code,
    });
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).example(Some(example)).build();
    ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build().into()
}

macro_rules! problem_set {
    ($($(#[$m:meta])* $name:ident { $($status:literal $code:literal $desc:literal),+ $(,)? })+) => {$(
        $(#[$m])*
        pub struct $name;

        impl $name {
            /// The `(status, code)` pairs of the set, for the conventions test.
            pub const CODES: &'static [(u16, &'static str)] = &[$(($status, $code)),+];
        }

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([$(($status.to_string(), problem($status, $code, $desc))),+])
            }
        }
    )+};
}

problem_set! {
    /// Any operation that needs a bearer token.
    Auth { 401 "auth.missing_token" "Missing, invalid or expired access token; or the account is disabled" }
    /// A JSON request body: content type, size, syntax (field errors are 422, listed per operation).
    Body {
        400 "request.invalid_json" "The body is not valid UTF-8 JSON",
        413 "request.too_large" "The body is larger than 64 KiB",
        415 "request.unsupported_media_type" "The body is not application/json",
    }
    /// A path parameter and a JSON body.
    PathAndBody {
        400 "request.invalid_path" "A path parameter is malformed, or the body is not valid UTF-8 JSON",
        413 "request.too_large" "The body is larger than 64 KiB",
        415 "request.unsupported_media_type" "The body is not application/json",
    }
    /// A path parameter only.
    Path {
        400 "request.invalid_path" "A path parameter is malformed",
        422 "validation.failed" "A parameter holds control characters (such as NUL) or an invalid value",
    }
    /// Query parameters.
    Query {
        400 "request.invalid_query" "A query parameter is malformed",
        422 "validation.failed" "A parameter holds control characters (such as NUL) or a value outside its set",
    }
    /// Field checks with nothing more specific to say.
    Invalid { 422 "validation.failed" "Invalid fields, each listed in errors[] (control characters included)" }
    /// Operations under a rate limit (`MSB_RATE_*`).
    Throttled { 429 "rate.limited" "Too many requests from you or your address; retry after `Retry-After` seconds" }
    /// Staff-only operations.
    StaffOnly { 403 "auth.forbidden" "Not allowed for your roles or region" }
    /// Printing one poster.
    PosterPrint {
        403 "auth.forbidden" "Not staff over the building",
        404 "poster.not_found" "No such poster",
        410 "poster.revoked" "The poster was revoked: print its replacement",
        502 "wechat.unavailable" "WeChat refused or failed to make the mini-program code (`wechat.*`)",
    }
    /// Printing a community's posters.
    CommunityPrint {
        403 "auth.forbidden" "Not staff over the community",
        404 "region.not_found" "No such region",
        422 "validation.failed" "The region is not a community",
        502 "wechat.unavailable" "WeChat refused or failed to make a mini-program code (`wechat.*`)",
    }
    /// Statistics of a region node.
    Stats {
        403 "stats.forbidden" "Not staff, or not staff over the region",
        404 "region.not_found" "No such region",
        422 "validation.failed" "A date is malformed, the range is reversed or longer than 1,096 days, the region is a building, or a grid broken down by region (each in errors[])",
    }
    /// Commands on an order.
    OrderCommand {
        403 "order.forbidden" "You may see the order but not do this",
        404 "order.not_found" "No such order, or not yours to see",
        409 "order.invalid_transition" "The order's status does not allow this, or someone was faster",
    }
}
