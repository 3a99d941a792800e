//! docs/api-conventions.md lists every stable error `code` the server answers
//! with; this test reads both the code and the table and fails on a code
//! missing from the table or a row no code produces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("table_tests.rs") {
            out.push(path);
        }
    }
}

/// Every code passed where a problem's code goes: `conflict("…")`, `not_found("…")`,
/// `Unauthorized { code: "…" }`, `ApiError::new(status, "…")`, `taken("…")`, `refuse("…")`, `=> "…"` …
fn codes_in_source() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for krate in ["domain", "infra", "api"] {
        sources(&root.join(krate).join("src"), &mut files);
    }
    let pattern = regex::Regex::new(
        r#"(?:(?:conflict|not_found|forbidden|unauthorized|taken|refuse|Err)\(|bad_parameter\([^,]+,|(?:Unauthorized|Gone|Unprocessable)\s*\{\s*code:|ApiError::new\(\s*[A-Za-z_:]+\s*,|\bcode\s*=|\bcode:|=>|const [A-Z_]+: &str =)\s*"([a-z_]+\.[a-z_]+|internal)""#,
    )
    .unwrap();
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for m in pattern.captures_iter(text) {
            codes.insert(m[1].to_owned());
        }
    }
    codes
}

fn codes_in_table() -> BTreeSet<String> {
    let doc = include_str!("../../docs/api-conventions.md");
    doc.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split('`').next()).map(str::to_owned).collect()
}

#[test]
fn every_error_code_is_in_the_conventions_table_and_no_other() {
    let source = codes_in_source();
    let table = codes_in_table();
    assert!(source.len() > 40, "the scan found {} codes: {source:?}", source.len());
    let undocumented: Vec<_> = source.difference(&table).collect();
    let stale: Vec<_> = table.difference(&source).collect();
    assert!(undocumented.is_empty(), "codes missing from docs/api-conventions.md: {undocumented:?}");
    assert!(stale.is_empty(), "rows in docs/api-conventions.md no code produces: {stale:?}");
}

#[test]
fn the_spec_examples_use_documented_codes() {
    let spec: serde_json::Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let table = codes_in_table();
    let mut seen = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let Some(problem) = response["content"].get("application/problem+json") else { continue };
                let code = problem["example"]["code"].as_str();
                let code = code.unwrap_or_else(|| panic!("{method} {path} {status}: an example with its real code"));
                assert!(table.contains(code), "{method} {path} {status}: example code {code} is not in the table");
                assert_eq!(problem["example"]["status"].to_string(), *status, "{method} {path}: the example's status");
                seen += 1;
            }
        }
    }
    assert!(seen > 50, "{seen} examples");
}
