//! The committed spec is what the code generates, and every operation is
//! documented well enough for a front-end team to generate a client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_spec_matches_the_code() {
    let generated = api::openapi::render().unwrap();
    assert!(generated == COMMITTED, "openapi/openapi.json is stale: run `make openapi` and commit the result");
}

#[test]
fn every_operation_has_a_tag_summary_security_and_error_responses() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name}: tag");
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name}: summary");
            assert!(op.get("security").is_some(), "{name}: security");
            let responses = op["responses"].as_object().unwrap();
            let is_probe = path == "/healthz" || path == "/readyz";
            if !is_probe {
                assert!(responses.keys().any(|k| k.starts_with('4')), "{name}: 4xx responses");
                for (status, response) in responses.iter().filter(|(k, _)| k.starts_with('4')) {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{name} {status}: problem+json"
                    );
                }
            }
            let secured = op["security"].as_array().unwrap().iter().any(|s| s.get("bearer").is_some());
            if secured {
                assert!(responses.contains_key("401"), "{name}: a secured operation documents 401");
            }
        }
    }
    assert!(operations >= 19, "{operations} operations");
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}
