//! The committed spec is what the code generates, and is readable by client
//! generators: unique operationIds, a description on every operation, enums for
//! closed sets, bounds on parameters, problem+json errors with examples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};

use serde_json::Value;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

fn spec() -> Value {
    serde_json::from_str(COMMITTED).unwrap()
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn committed_spec_matches_the_code() {
    let generated = api::openapi::render().unwrap();
    assert!(generated == COMMITTED, "openapi/openapi.json is stale: run `make openapi` and commit the result");
}

#[test]
fn every_operation_has_a_unique_snake_case_id_a_summary_and_a_description() {
    let spec = spec();
    let mut ids = HashSet::new();
    for (method, path, op) in operations(&spec) {
        let name = format!("{method} {path}");
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{name}: operationId"));
        assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{name}: {id} is snake_case");
        assert!(ids.insert(id.to_owned()), "{name}: operationId {id} is used twice");
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name}: summary");
        assert!(op["description"].as_str().is_some_and(|s| !s.is_empty()), "{name}: description");
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name}: tag");
    }
    assert!(ids.len() >= 39, "{} operations", ids.len());
}

#[test]
fn every_operation_documents_its_errors_as_problems_with_examples() {
    let spec = spec();
    for (method, path, op) in operations(&spec) {
        let name = format!("{method} {path}");
        assert!(op.get("security").is_some(), "{name}: security");
        let responses = op["responses"].as_object().unwrap();
        let cannot_fail = ["/healthz", "/readyz", "/api/v1/labels", "/api/v1/privacy"].contains(&path.as_str());
        if !cannot_fail {
            assert!(responses.keys().any(|k| k.starts_with('4')), "{name}: 4xx responses");
        }
        let probe = path == "/healthz" || path == "/readyz";
        for (status, response) in responses.iter().filter(|(k, _)| !probe && (k.starts_with('4') || k.starts_with('5')))
        {
            let problem = &response["content"]["application/problem+json"];
            assert!(problem.is_object(), "{name} {status}: problem+json");
        }
        // The guard refuses control characters in any parameter with 422, and bodies have fields.
        let takes_input = op.get("parameters").is_some_and(|p| p.as_array().is_some_and(|p| !p.is_empty()))
            || op.get("requestBody").is_some();
        if takes_input {
            assert!(responses.contains_key("422"), "{name}: an operation with input documents 422");
        }
        let secured = op["security"].as_array().unwrap().iter().any(|s| s.get("bearer").is_some());
        if secured {
            let unauthorized = &responses["401"]["content"]["application/problem+json"]["example"]["code"];
            assert_eq!(unauthorized, "auth.missing_token", "{name}: a secured operation documents 401 with its code");
        }
    }
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[test]
fn closed_sets_are_enums_and_parameters_have_bounds() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    for (set, some_value) in [
        ("Status", "on_site"),
        ("Kind", "wish"),
        ("Channel", "poster"),
        ("Level", "street"),
        ("TargetType", "pool"),
        ("Role", "grid_worker"),
        ("RegionKind", "building"),
        ("UnitKind", "team"),
    ] {
        let values = schemas[set]["enum"].as_array().unwrap_or_else(|| panic!("{set} is an enum"));
        assert!(values.iter().any(|v| v == some_value), "{set} has {some_value}");
    }
    let refs = |schema: &str, field: &str| schemas[schema]["properties"][field].to_string();
    assert!(refs("OrderView", "status").contains("#/components/schemas/Status"));
    assert!(refs("NewOrder", "kind").contains("#/components/schemas/Kind"));
    assert!(refs("TargetInput", "type").contains("#/components/schemas/TargetType"));
    assert!(refs("GrantView", "role").contains("#/components/schemas/Role"));
    assert!(refs("RegionView", "kind").contains("#/components/schemas/RegionKind"));
    let list_orders = &spec["paths"]["/api/v1/orders"]["get"]["parameters"];
    let limit = list_orders.as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!((limit["schema"]["minimum"].as_i64(), limit["schema"]["maximum"].as_i64()), (Some(1), Some(200)));
    // One integer format per field: a rating is int32 in and out.
    for (schema, field) in [("RateBody", "satisfaction"), ("RatingView", "satisfaction")] {
        assert_eq!(schemas[schema]["properties"][field]["format"], "int32", "{schema}.{field}");
    }
    // A timeline event's data is typed by its type: one variant per event type.
    let variants = schemas["EventPayload"]["oneOf"].as_array().unwrap();
    let types: HashSet<&str> = variants.iter().map(|v| v["properties"]["type"]["enum"][0].as_str().unwrap()).collect();
    let all: HashSet<&str> = domain::order::EventType::ALL.iter().map(|e| e.as_str()).collect();
    assert_eq!(types, all);
    assert!(variants.iter().all(|v| v["properties"]["data"]["$ref"].is_string()));
    assert!(spec["servers"].as_array().is_some_and(|s| !s.is_empty()), "servers");
    assert_eq!(spec["info"]["license"]["identifier"], "MIT");
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let spec = spec();
    let mut all = Vec::new();
    refs(&spec, &mut all);
    assert!(all.len() > 50, "{} references", all.len());
    let missing: HashSet<&String> =
        all.iter().filter(|r| r.strip_prefix('#').and_then(|pointer| spec.pointer(pointer)).is_none()).collect();
    assert!(
        missing.is_empty(),
        "references to nothing (a type used only as a value_type is not collected: list it in components): {missing:?}"
    );
}

/// Links join an answer to the operations its id feeds (generators and the
/// stateful schemathesis run follow them): each names an operation that
/// exists and fills exactly its `id` path parameter.
#[test]
fn links_lead_from_answers_to_operations_that_exist() {
    let spec = spec();
    let ops: HashMap<String, (String, Value)> = operations(&spec)
        .into_iter()
        .map(|(m, p, op)| (op["operationId"].as_str().unwrap().to_owned(), (format!("{m} {p}"), op)))
        .collect();
    let mut links = 0;
    for (from, (_, op)) in &ops {
        for (status, response) in op["responses"].as_object().unwrap() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target = link["operationId"].as_str().unwrap();
                let (path, _) = ops
                    .get(target)
                    .unwrap_or_else(|| panic!("{from} {status} links to {target}, which is not an operation"));
                assert!(path.contains("{id}"), "{from} → {name}: {path} has no id to fill");
                assert!(link["parameters"]["id"].as_str().is_some_and(|e| e.starts_with("$response.body#/")), "{link}");
                links += 1;
            }
        }
    }
    let submit = &ops["submit_order"].1["responses"]["201"]["links"];
    for next in ["get_order", "dispatch_order", "accept_order", "rate_order"] {
        assert!(submit.get(next).is_some(), "a submitted order links to {next}");
    }
    assert!(links >= 100, "{links} links");
    assert!(!COMMITTED.contains("\"operation_id\""), "a snake_case key: generators read `operationId` only");
}
