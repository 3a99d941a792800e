//! Printable posters through HTTP: PNG whose QR reads back, SVG that stands
//! alone, a community's PDF and ZIP, who may print, the WeChat code fetched
//! once, and old prints of a replaced poster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::http::header;
use actix_web::test;
use common::{wxa, TestApp};
use infra::both_backends;
use serde_json::json;

/// The raw bytes of an answer (the helpers read JSON).
async fn bytes(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let req = test::TestRequest::get().uri(path).insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    let r = app.send(req).await;
    let kind = r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (r.status.as_u16(), kind, r.bytes)
}

fn qr_payloads(png: &[u8]) -> Vec<String> {
    let luma = image::load_from_memory(png).unwrap().to_luma8();
    let mut img = rqrr::PreparedImage::prepare(luma);
    img.detect_grids().iter().filter_map(|g| g.decode().ok()).map(|(_, c)| c).collect()
}

/// An app that draws URL QR codes itself (WeChat not configured).
async fn local_qr(db: infra::Db) -> TestApp {
    db.run(|c| infra::seed::run(c, true)).await.unwrap();
    TestApp::with_config(db, &[("MSB_WECHAT_APPID", ""), ("MSB_POSTER_URL_BASE", "https://msb.example.cn/s/")]).await
}

both_backends! {
    #[actix_web::test]
    async fn staff_in_scope_print_a_png_whose_qr_leads_to_the_poster(db) {
        let app = local_qr(db).await;
        let grid = app.token("dd-grid1", "demo").await;
        let r = app.get("/api/v1/posters/dd-hean/poster.png", Some(&grid)).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers.get(header::CONTENT_TYPE).unwrap(), "image/png");
        let disposition = r.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap();
        assert!(disposition.contains("dd-hean.png"), "{disposition}");
        let png = r.bytes;
        assert_eq!(qr_payloads(&png), vec!["https://msb.example.cn/s/dd-hean".to_owned()]);
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (1654, 2340));
    }

    #[actix_web::test]
    async fn the_svg_is_self_contained(db) {
        let app = local_qr(db).await;
        let staff = app.token("diandeng", "demo").await;
        let (status, kind, svg) = raw(&app, "/api/v1/posters/dd-hemu/poster.svg", &staff).await;
        assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.starts_with("<svg") && !svg.contains("<text"), "text must be outlines");
    }

    #[actix_web::test]
    async fn only_staff_over_the_building_print_it(db) {
        let app = local_qr(db).await;
        let cases = [
            ("jumin", None, 403, "auth.forbidden"),
            ("xl-grid1", Some("demo"), 403, "auth.forbidden"),
            ("xialiang", Some("demo"), 403, "auth.forbidden"),
            ("jiangnan", Some("demo"), 200, ""),
            ("admin", Some("admin"), 200, ""),
        ];
        for (user, password, status, code) in cases {
            let token = match password {
                Some(p) => app.token(user, p).await,
                None => app.token_for(user).await,
            };
            let r = app.get("/api/v1/posters/dd-hean/poster.svg", Some(&token)).await;
            assert_eq!(r.status, status, "{user}");
            if status != 200 {
                assert!(r.is_problem() && r.code() == code, "{user}: {:?}", r.body);
            }
        }
        let admin = app.token("admin", "admin").await;
        let r = app.get("/api/v1/posters/nope/poster.png", Some(&admin)).await;
        assert_eq!((r.status.as_u16(), r.code()), (404, "poster.not_found"));
        let r = app.get("/api/v1/posters/dd-hean/poster.png", None).await;
        assert_eq!(r.status, 401);
        app.post("/api/v1/posters/dd-hean/revoke", json!({}), Some(&admin)).await;
        let r = app.get("/api/v1/posters/dd-hean/poster.png", Some(&admin)).await;
        assert_eq!((r.status.as_u16(), r.code()), (410, "poster.revoked"));
    }

    #[actix_web::test]
    async fn a_community_prints_as_one_pdf_and_one_zip(db) {
        let app = local_qr(db).await;
        let staff = app.token("diandeng", "demo").await;
        let community = app.region_id("diandeng").await;
        let (status, kind, pdf) = raw(&app, &format!("/api/v1/regions/{community}/posters.pdf"), &staff).await;
        assert_eq!((status, kind.as_str()), (200, "application/pdf"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 9"), "nine buildings, nine pages");
        let (status, kind, zip) = raw(&app, &format!("/api/v1/regions/{community}/posters.zip"), &staff).await;
        assert_eq!((status, kind.as_str()), (200, "application/zip"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 9);
        let first = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
            .find(|n| n.ends_with("dd-hean.png"))
            .unwrap();
        let mut png = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(&first).unwrap(), &mut png).unwrap();
        assert_eq!(qr_payloads(&png), vec!["https://msb.example.cn/s/dd-hean".to_owned()]);
        // Not a community; another community's staff.
        let grid = app.region_id("diandeng-g1").await;
        let r = app.get(&format!("/api/v1/regions/{grid}/posters.pdf"), Some(&staff)).await;
        assert_eq!(r.status, 422);
        let other = app.token("xialiang", "demo").await;
        let r = app.get(&format!("/api/v1/regions/{community}/posters.zip"), Some(&other)).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "auth.forbidden"));
    }

    #[actix_web::test]
    async fn with_wechat_the_qr_is_a_mini_program_code_fetched_once(db) {
        db.run(|c| infra::seed::run(c, true)).await.unwrap();
        let app = TestApp::new(db).await;
        let staff = app.token("diandeng", "demo").await;
        let (status, _, png) = raw(&app, "/api/v1/posters/dd-hean/poster.png", &staff).await;
        assert_eq!(status, 200);
        assert_eq!(qr_payloads(&png), vec![wxa::wxacode_payload("dd-hean")]);
        let asked = app.wechat.wx.lock().unwrap().wxacodes.clone();
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0]["scene"], "dd-hean");
        assert_eq!(asked[0]["page"], wxa::PUBLISHED_PAGE);
        // Printed again, as SVG and in the community PDF: WeChat is not asked again for it.
        raw(&app, "/api/v1/posters/dd-hean/poster.svg", &staff).await;
        let community = app.region_id("diandeng").await;
        raw(&app, &format!("/api/v1/regions/{community}/posters.pdf"), &staff).await;
        let scenes: Vec<String> =
            app.wechat.wx.lock().unwrap().wxacodes.iter().map(|r| r["scene"].as_str().unwrap().to_owned()).collect();
        assert_eq!(scenes.iter().filter(|s| *s == "dd-hean").count(), 1, "{scenes:?}");
        assert_eq!(scenes.len(), 9, "each poster asked for once");
    }

    #[actix_web::test]
    async fn a_page_wechat_does_not_know_is_a_clear_502(db) {
        db.run(|c| infra::seed::run(c, true)).await.unwrap();
        let app = TestApp::with_config(db, &[("MSB_POSTER_PAGE", "pages/unpublished/index")]).await;
        let staff = app.token("diandeng", "demo").await;
        let r = app.get("/api/v1/posters/dd-hean/poster.png", Some(&staff)).await;
        assert_eq!((r.status.as_u16(), r.code()), (502, "wechat.refused"));
        assert!(r.is_problem());
        assert!(r.body["detail"].as_str().unwrap().contains("41030"));
    }

    #[actix_web::test]
    async fn old_prints_of_a_replaced_poster_name_the_building_and_the_new_code(db) {
        let app = local_qr(db).await;
        let admin = app.token("admin", "admin").await;
        let r = app.post("/api/v1/posters/dd-hean/reissue", json!({}), Some(&admin)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let new_code = r.body["code"].as_str().unwrap().to_owned();
        let r = app.get("/api/v1/scan/dd-hean", None).await;
        assert_eq!(r.status, 410);
        assert!(r.is_problem(), "{:?}", r.body);
        assert_eq!(r.code(), "poster.replaced");
        assert_eq!(r.body["replaced_by"], new_code.as_str());
        assert_eq!(r.body["building"]["name"], "和安楼");
        assert_eq!(r.body["community"]["name"], "点灯社区");
        assert!(r.body["detail"].as_str().unwrap().contains("和安楼"));
        // An old print cannot be reported through: its code is refused on an order.
        let order = json!({"kind": "issue", "category": "sewage-blockage", "description": "井盖松动", "poster_code": "dd-hean",
                           "contact": {"name": "王阿姨", "phone": "13812341234"}});
        let r = app.post("/api/v1/orders", order, Some(&app.token_for("jumin").await)).await;
        assert_eq!((r.status.as_u16(), r.body["errors"][0]["code"].as_str()), (422, Some("revoked")), "{:?}", r.body);
        // The new code scans to the same building.
        let r = app.get(&format!("/api/v1/scan/{new_code}"), None).await;
        assert_eq!((r.status.as_u16(), r.body["building"]["name"].as_str()), (200, Some("和安楼")));
        // Revoked with nothing in its place: still the building, no successor.
        app.post(&format!("/api/v1/posters/{new_code}/revoke"), json!({}), Some(&admin)).await;
        let r = app.get(&format!("/api/v1/scan/{new_code}"), None).await;
        assert_eq!((r.status.as_u16(), r.code()), (410, "poster.revoked"));
        assert!(r.body["replaced_by"].is_null());
        assert_eq!(r.body["building"]["name"], "和安楼");
        // Residents cannot reissue.
        let resident = app.token_for("jumin").await;
        let r = app.post("/api/v1/posters/dd-hemu/reissue", json!({}), Some(&resident)).await;
        assert_eq!(r.status, 403);
    }
}

/// Status, content type and body bytes, read without the JSON helpers.
async fn raw(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    bytes(app, path, token).await
}
