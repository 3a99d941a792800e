//! `GET /metrics`: what it counts, that the scrape-time gauges match the
//! store, and the optional token; on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use infra::both_backends;
use serde_json::json;

/// The value of one series, e.g. `msb_orders{status="submitted"}`.
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name_and_labels)?.trim().parse().ok())
}

/// The sum of every series of one gauge.
fn sum(text: &str, prefix: &str) -> f64 {
    text.lines().filter(|l| l.starts_with(prefix)).filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum()
}

both_backends! {
    #[actix_web::test]
    async fn metrics_count_requests_by_route_and_read_orders_and_the_outbox_from_the_store(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let body = json!({"kind": "issue", "category": "sewage-blockage", "description": "楼道灯坏了",
                          "poster_code": "dd-hean", "contact": {"name": "王阿姨", "phone": "13812341234"}});
        for _ in 0..3 {
            assert_eq!(app.post("/api/v1/orders", body.clone(), Some(&resident)).await.status, 201);
        }
        let missing = format!("/api/v1/orders/{}", uuid::Uuid::now_v7());
        assert_eq!(app.get(&missing, Some(&resident)).await.status, 404);
        assert_eq!(app.get("/no/such/route/42", None).await.status, 404);

        let r = app.get("/metrics", None).await;
        assert_eq!(r.status, 200);
        assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/plain"));
        let text = String::from_utf8(r.bytes.clone()).unwrap();
        let posted = series(&text, r#"msb_http_requests_total{method="POST",route="/api/v1/orders",status="201"}"#);
        assert!(posted.is_some_and(|n| n >= 3.0), "{text}");
        // The pattern, not the path: one series for every order id, one for every unknown path.
        assert!(text.contains(r#"route="/api/v1/orders/{id}",status="404""#), "{text}");
        assert!(text.contains(r#"route="unmatched",status="404""#) && !text.contains("/no/such/route"), "{text}");
        assert!(text.contains("msb_http_request_duration_seconds_bucket{"), "{text}");

        assert!(series(&text, r#"msb_orders{status="submitted"}"#).is_some_and(|n| n >= 3.0), "{text}");
        assert_eq!(sum(&text, "msb_orders{"), app.count("orders").await as f64, "{text}");
        assert_eq!(sum(&text, "msb_outbox{"), app.count("outbox").await as f64, "{text}");
        assert!(series(&text, r#"msb_db_pool_connections{state="max"}"#).is_some_and(|n| n >= 1.0), "{text}");
        // Counted before this scrape answered: the scrape itself is in the next one.
        let again = String::from_utf8(app.get("/metrics", None).await.bytes).unwrap();
        assert!(series(&again, r#"msb_http_requests_total{method="GET",route="/metrics",status="200"}"#).is_some_and(|n| n >= 1.0));
    }

    #[actix_web::test]
    async fn with_a_metrics_token_a_scrape_needs_it(db) {
        let app = TestApp::with_config(db, &[("MSB_METRICS_TOKEN", "scrape-secret-0123")]).await;
        let none = app.get("/metrics", None).await;
        assert_eq!((none.status.as_u16(), none.code()), (401, "auth.missing_token"));
        let wrong = app.get("/metrics", Some("scrape-secret-0124")).await;
        assert_eq!((wrong.status.as_u16(), wrong.code()), (401, "auth.invalid_token"));
        let right = app.get("/metrics", Some("scrape-secret-0123")).await;
        assert_eq!(right.status, 200);
        assert!(String::from_utf8(right.bytes).unwrap().contains("msb_db_pool_connections"));
    }
}
