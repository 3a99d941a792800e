//! Statistics from outside (三率): staff over a node read what their orders
//! did; everyone else is refused; bad ranges get the documented answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::test::TestRequest;
use common::{Resp, TestApp};
use infra::both_backends;
use serde_json::{json, Value};

fn order(category: &str) -> Value {
    json!({"kind": "issue", "category": category, "description": "楼下有问题", "poster_code": "dd-hean",
           "contact": {"name": "王阿姨", "phone": "13812341234"}})
}

/// One order through the whole loop (grabbed by a party member, rated 5/5/4/5,
/// visited) and one left waiting.
async fn two_orders(app: &TestApp) {
    let resident = app.token_for("jumin").await;
    let staff = app.token("diandeng", "demo").await;
    let party = app.token_for("dangyuan").await;
    let done = app.post("/api/v1/orders", order("sewage-blockage"), Some(&resident)).await;
    assert_eq!(done.status, 201, "{:?}", done.body);
    let base = format!("/api/v1/orders/{}", done.body["id"].as_str().unwrap());
    app.post(&format!("{base}/dispatch"), json!({"target": {"type": "pool"}}), Some(&staff)).await;
    let grabbed = app
        .send(
            TestRequest::post()
                .uri(&format!("{base}/grab"))
                .insert_header(("Authorization", format!("Bearer {party}"))),
        )
        .await;
    assert_eq!(grabbed.status, 200, "{:?}", grabbed.body);
    app.post(&format!("{base}/arrive"), json!({"lat": 24.41, "lng": 111.56}), Some(&party)).await;
    app.post(&format!("{base}/resolve"), json!({"feedback": "已疏通"}), Some(&party)).await;
    let rated = app
        .post(
            &format!("{base}/rate"),
            json!({"completion": 5, "progress": 5, "effect": 4, "satisfaction": 5}),
            Some(&resident),
        )
        .await;
    assert_eq!(rated.body["status"], "rated", "{:?}", rated.body);
    let visited = app.post(&format!("{base}/return-visit"), json!({"satisfied": true}), Some(&staff)).await;
    assert_eq!(visited.body["status"], "closed", "{:?}", visited.body);
    let waiting = app.post("/api/v1/orders", order("street-light"), Some(&resident)).await;
    assert_eq!(waiting.status, 201, "{:?}", waiting.body);
}

fn status_count(summary: &Value, status: &str) -> i64 {
    summary["by_status"].as_array().unwrap().iter().find(|s| s["status"] == status).unwrap()["count"].as_i64().unwrap()
}

fn field_codes(r: &Resp) -> Vec<(String, String)> {
    r.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

both_backends! {
    #[actix_web::test]
    async fn staff_read_the_rates_of_what_their_orders_did(db) {
        let app = TestApp::seeded(db).await;
        two_orders(&app).await;
        let staff = app.token("diandeng", "demo").await;
        let r = app.get("/api/v1/stats/overview", Some(&staff)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!((r.body["region"]["code"].as_str(), r.body["range"]["days"].as_i64()), (Some("diandeng"), Some(30)), "the caller's node, the last 30 days");
        let s = &r.body["summary"];
        assert_eq!((s["orders"].as_i64(), status_count(s, "closed"), status_count(s, "submitted"), status_count(s, "cancelled")), (Some(2), 1, 1, 0));
        assert_eq!(s["by_status"].as_array().unwrap().len(), 9, "every status, zeros included");
        assert_eq!(s["by_kind"][0], json!({"kind": "issue", "count": 2}));
        assert_eq!((s["response_rate"].as_f64(), s["satisfaction_rate"].as_f64(), s["resolution_rate"].as_f64()), (Some(1.0), Some(1.0), Some(1.0)));
        assert_eq!(s["on_time_resolution_rate"].as_f64(), Some(1.0));
        assert_eq!((s["accept_minutes"]["count"].as_i64(), s["arrive_minutes"]["count"].as_i64()), (Some(1), Some(1)));
        assert!(s["accept_minutes"]["mean"].as_f64().unwrap() < 5.0, "{s}");
        assert_eq!(s["on_site_within_15m"].as_f64(), Some(1.0));
        assert_eq!((s["ratings"]["completion"].as_f64(), s["ratings"]["effect"].as_f64()), (Some(5.0), Some(4.0)));
        assert_eq!(r.body["by_category"].as_array().unwrap().iter().map(|c| c["orders"].as_i64().unwrap()).sum::<i64>(), 2);

        // The street sees the same orders, and its communities one row each, zeros included.
        let street = app.token("jiangnan", "demo").await;
        let by_region = app.get("/api/v1/stats/breakdown?by=region", Some(&street)).await;
        assert_eq!(by_region.status, 200, "{:?}", by_region.body);
        let rows: Vec<(&str, i64)> = by_region.body["rows"].as_array().unwrap().iter()
            .map(|r| (r["code"].as_str().unwrap(), r["summary"]["orders"].as_i64().unwrap())).collect();
        assert!(rows.contains(&("diandeng", 2)) && rows.contains(&("xialiang", 0)), "{rows:?}");
        let by_day = app.get("/api/v1/stats/breakdown?by=day&from=2026-01-01&to=2099-01-01", Some(&street)).await;
        assert_eq!(by_day.status, 422, "{:?}", by_day.body);
        let by_day = app.get("/api/v1/stats/breakdown?by=day", Some(&street)).await;
        let days = by_day.body["rows"].as_array().unwrap();
        assert_eq!(days.len(), 30);
        assert_eq!(days.last().unwrap()["summary"]["orders"], 2, "orders count on today's date");
        assert_eq!(days.iter().map(|d| d["summary"]["orders"].as_i64().unwrap()).sum::<i64>(), 2);
        let by_category = app.get("/api/v1/stats/breakdown?by=category", Some(&street)).await;
        let rows = by_category.body["rows"].as_array().unwrap();
        assert_eq!((rows.len(), rows[0]["code"].as_str(), rows[0]["summary"]["orders"].as_i64()), (1, Some("municipal"), Some(2)), "both items are 市政设施");
        // The community by its grids: they hold both; the admin without a region sees the city.
        let community = by_region.body["rows"].as_array().unwrap().iter().find(|r| r["code"] == "diandeng").unwrap()["key"].as_str().unwrap().to_owned();
        let grids = app.get(&format!("/api/v1/stats/breakdown?by=region&region_id={community}"), Some(&street)).await;
        assert_eq!(grids.body["rows"].as_array().unwrap().iter().map(|r| r["summary"]["orders"].as_i64().unwrap()).sum::<i64>(), 2);
        let admin = app.token("admin", "admin").await;
        let city = app.get("/api/v1/stats/overview", Some(&admin)).await;
        assert_eq!((city.body["region"].clone(), city.body["summary"]["orders"].as_i64()), (Value::Null, Some(2)));
        let past = app.get("/api/v1/stats/overview?from=2020-01-01&to=2020-01-31", Some(&admin)).await;
        let s = &past.body["summary"];
        assert_eq!((s["orders"].as_i64(), s["response_rate"].clone(), s["accept_minutes"]["p90"].clone()), (Some(0), Value::Null, Value::Null), "nothing came due: null");
    }

    #[actix_web::test]
    async fn only_staff_over_the_node_read_it_and_bad_ranges_are_named(db) {
        let app = TestApp::seeded(db).await;
        two_orders(&app).await;
        let diandeng = app.region_id("diandeng").await;
        for user in ["jumin", "dangyuan"] {
            let token = app.token_for(user).await;
            let r = app.get("/api/v1/stats/overview", Some(&token)).await;
            assert_eq!((r.status.as_u16(), r.code()), (403, "stats.forbidden"), "{user}");
        }
        let other = app.token("xialiang", "demo").await;
        let r = app.get(&format!("/api/v1/stats/breakdown?by=category&region_id={diandeng}"), Some(&other)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "stats.forbidden"), "another community's staff");
        assert_eq!(app.get("/api/v1/stats/overview", None).await.status, 401);

        let staff = app.token("diandeng", "demo").await;
        let missing = app.get("/api/v1/stats/overview?region_id=00000000-0000-0000-0000-000000000001", Some(&staff)).await;
        assert_eq!((missing.status.as_u16(), missing.code()), (404, "region.not_found"));
        let building = app.region_id("dd-hean").await;
        let cases = [
            (format!("/api/v1/stats/overview?region_id={building}"), vec![("region_id", "not_counted")]),
            ("/api/v1/stats/overview?from=2026-13-01&to=tomorrow".to_owned(), vec![("from", "invalid_date"), ("to", "invalid_date")]),
            ("/api/v1/stats/overview?from=2026-12-02&to=2026-12-01".to_owned(), vec![("from", "after_to")]),
            ("/api/v1/stats/overview?from=2020-01-01&to=2026-12-01".to_owned(), vec![("to", "range_too_long")]),
            ("/api/v1/stats/overview?from=%00".to_owned(), vec![("from", "invalid_characters")]),
            ("/api/v1/stats/breakdown?by=week&from=x".to_owned(), vec![("by", "invalid_value"), ("from", "invalid_date")]),
        ];
        for (uri, expected) in cases {
            let r = app.get(&uri, Some(&staff)).await;
            assert_eq!((r.status.as_u16(), r.code()), (422, "validation.failed"), "{uri}: {:?}", r.body);
            let expected: Vec<(String, String)> = expected.into_iter().map(|(f, c)| (f.to_owned(), c.to_owned())).collect();
            assert_eq!(field_codes(&r), expected, "{uri}");
        }
        let grid = app.region_id("diandeng-g1").await;
        let r = app.get(&format!("/api/v1/stats/breakdown?by=region&region_id={grid}"), Some(&staff)).await;
        assert_eq!((r.status.as_u16(), field_codes(&r)), (422, vec![("by".to_owned(), "no_children".to_owned())]));
        let r = app.get("/api/v1/stats/breakdown", Some(&staff)).await;
        assert_eq!((r.status.as_u16(), r.code()), (400, "request.invalid_query"), "by is required");
        let r = app.get("/api/v1/stats/overview?region_id=nope", Some(&staff)).await;
        assert_eq!((r.status.as_u16(), r.code()), (400, "request.invalid_query"));
    }

    #[actix_web::test]
    async fn staff_export_orders_and_statistics_for_excel(db) {
        let app = TestApp::seeded(db).await;
        two_orders(&app).await;
        let resident = app.token_for("jumin").await;
        let formula = json!({"kind": "issue", "category": "street-light", "description": "=HYPERLINK(\"http://evil\")路灯",
                             "poster_code": "dd-hean", "contact": {"name": "王阿姨", "phone": "13812341234"}});
        assert_eq!(app.post("/api/v1/orders", formula, Some(&resident)).await.status, 201);
        let staff = app.token("diandeng", "demo").await;
        let r = app.send(TestRequest::get().uri("/api/v1/exports/orders.csv").insert_header(("Authorization", format!("Bearer {staff}")))).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
        assert!(r.headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment; filename=\"orders-"));
        assert!(r.bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        let text = std::str::from_utf8(&r.bytes[3..]).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().get(0), Some("编号"));
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3, "{text}");
        assert_eq!(rows[0].get(8), Some("'=HYPERLINK(\"http://evil\")路灯"), "newest first, the formula defused");
        assert!(rows.iter().all(|r| r.get(10) == Some("138****1234")), "phones masked");
        assert_eq!((rows[2].get(2), rows[2].get(18)), (Some("已关闭"), Some("5")), "{text}");
        let past = app.send(TestRequest::get().uri("/api/v1/exports/orders.csv?from=2020-01-01&to=2020-01-02").insert_header(("Authorization", format!("Bearer {staff}")))).await;
        assert_eq!(past.bytes.iter().filter(|b| **b == b'\n').count(), 1, "the header only");

        let r = app.get("/api/v1/exports/orders.csv", Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "stats.forbidden"));
        let r = app.get("/api/v1/exports/orders.csv?to=2026-02-30&status=pending", Some(&staff)).await;
        assert_eq!(field_codes(&r), vec![("status".to_owned(), "invalid_value".to_owned()), ("to".to_owned(), "invalid_date".to_owned())]);

        let r = app.send(TestRequest::get().uri("/api/v1/exports/stats.csv?by=day&from=2026-01-01&to=2026-01-03").insert_header(("Authorization", format!("Bearer {staff}")))).await;
        assert_eq!(r.status, 200);
        let text = std::str::from_utf8(r.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0].split(',').take(3).collect::<Vec<_>>(), ["日期", "工单数", "超时数"]);
        assert_eq!(lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect::<Vec<_>>(), ["合计", "2026-01-01", "2026-01-02", "2026-01-03"]);
        let r = app.send(TestRequest::get().uri("/api/v1/exports/stats.csv?by=region").insert_header(("Authorization", format!("Bearer {staff}")))).await;
        let text = String::from_utf8_lossy(&r.bytes).into_owned();
        assert!(text.contains("\r\n合计,3,0,100.0%"), "{text}");
    }

    #[actix_web::test]
    async fn the_weekly_report_shows_the_figures_the_trend_and_the_latest_orders(db) {
        let app = TestApp::seeded(db).await;
        two_orders(&app).await;
        // The waiting order's response clock ran out long ago; the sweeper flags it.
        app.state.db.run(|c| infra::testing::execute(c, "UPDATE orders SET response_due_at = '2026-01-01 00:00:00' WHERE status = 'submitted'")).await.unwrap();
        infra::usecase::sweep::run(&app.state.db, chrono::Utc::now(), chrono::Duration::days(7)).await.unwrap();
        let staff = app.token("diandeng", "demo").await;
        let auth = ("Authorization", format!("Bearer {staff}"));
        let r = app.send(TestRequest::get().uri("/api/v1/stats/report.html?period=week").insert_header(auth.clone())).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers.get("content-type").unwrap(), "text/html; charset=utf-8");
        let page = String::from_utf8(r.bytes.clone()).unwrap();
        assert!(page.contains("<h1>点灯社区 三率周报 · "), "{page}");
        assert!(page.contains("<svg") && page.matches("<polyline").count() >= 3, "the chart, inline");
        assert!(page.contains("及时响应率") && page.contains("满意率"));
        assert!(!page.contains("http://") || !page.contains("src=\"http"), "nothing fetched");
        let list = app.get("/api/v1/orders?status=submitted", Some(&staff)).await;
        let late = list.body["items"][0]["number"].as_str().unwrap().to_owned();
        let table = page.split("超时最久的工单").nth(1).unwrap();
        assert!(table.contains(&late) && table.contains("天"), "the overdue order and how late: {table}");

        let r = app.send(TestRequest::get().uri("/api/v1/stats/report.png?period=month").insert_header(auth.clone())).await;
        assert_eq!((r.status.as_u16(), r.headers.get("content-type").unwrap().to_str().unwrap()), (200, "image/png"));
        let png = image::load_from_memory(&r.bytes).unwrap().to_luma8();
        assert_eq!(png.dimensions(), (1240, 1754));
        let dark_in = |x0: u32, y0: u32, x1: u32, y1: u32| (x0..x1).flat_map(|x| (y0..y1).map(move |y| (x, y))).filter(|(x, y)| png.get_pixel(*x, *y).0[0] < 128).count();
        assert!(dark_in(50, 40, 700, 95) > 2000, "the title is drawn in the embedded font");
        assert!(dark_in(50, 360, 1190, 820) > 2000, "the chart is drawn");

        let other = app.token("xialiang", "demo").await;
        let diandeng = app.region_id("diandeng").await;
        let r = app.get(&format!("/api/v1/stats/report.html?region_id={diandeng}"), Some(&other)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "stats.forbidden"));
        let r = app.get("/api/v1/stats/report.png?period=year&date=2026-13-01", Some(&staff)).await;
        assert_eq!(field_codes(&r), vec![("period".to_owned(), "invalid_value".to_owned()), ("date".to_owned(), "invalid_date".to_owned())]);
    }
}
