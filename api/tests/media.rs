//! Photo uploads through HTTP: what is stored (upright, no EXIF, a
//! thumbnail), what is refused and how, who may see a photo, attaching it to
//! orders once, retries with an Idempotency-Key, and the sweep.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use common::{Resp, TestApp};
use infra::both_backends;
use serde_json::{json, Value};

const BOUNDARY: &str = "----msb-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart body: (field name, file name or none for a text field, bytes).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload_body(app: &TestApp, token: &str, body: Vec<u8>, key: Option<&str>) -> Resp {
    let mut req = TestRequest::post()
        .uri("/api/v1/media")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body);
    if let Some(k) = key {
        req = req.insert_header(("Idempotency-Key", k));
    }
    app.send(req).await
}

async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> Resp {
    upload_body(app, token, multipart(&[("file", Some("photo.jpg"), bytes)]), None).await
}

fn encode(img: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), format).unwrap();
    out
}

/// 40 × 20, red on the left half and blue on the right.
fn picture() -> image::DynamicImage {
    let img =
        image::RgbImage::from_fn(40, 20, |x, _| if x < 20 { image::Rgb([220, 0, 0]) } else { image::Rgb([0, 0, 220]) });
    image::DynamicImage::ImageRgb8(img)
}

/// A JPEG as a phone writes it: EXIF with orientation 6 (turn 90° clockwise)
/// and a GPS position.
fn phone_jpeg() -> Vec<u8> {
    let jpeg = encode(picture(), image::ImageFormat::Jpeg);
    // TIFF, big-endian: IFD0 {Orientation = 6, GPSInfo -> IFD at 38}, GPS IFD {LatitudeRef = "N"}.
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 1]);
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).unwrap();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A tiny PNG whose header claims 50,000 × 50,000 pixels.
fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32(b"IEND").to_be_bytes());
    png
}

/// Every file under the media directory, relative to it.
fn files(app: &TestApp) -> Vec<String> {
    let infra::media::StoreConfig::Local { dir } = &app.state.config.media.store else { panic!("local store") };
    let mut out = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

async fn get_bytes(app: &TestApp, path: &str, token: &str) -> Resp {
    app.send(TestRequest::get().uri(path).insert_header((header::AUTHORIZATION, format!("Bearer {token}")))).await
}

both_backends! {
    #[actix_web::test]
    async fn a_phone_photo_is_stored_upright_without_exif_with_a_thumbnail(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let r = upload_body(&app, &resident, multipart(&[("note", None, b"hello"), ("photo", Some("IMG_0001.JPG"), &phone_jpeg())]), None).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        // Orientation 6 applied: 40 × 20 stands up as 20 × 40.
        assert_eq!((r.body["width"].as_u64(), r.body["height"].as_u64()), (Some(20), Some(40)));
        assert_eq!(r.body["content_type"], "image/jpeg");
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert_eq!(r.body["url"], format!("/api/v1/media/{id}"));
        assert_eq!(r.headers.get(header::LOCATION).unwrap().to_str().unwrap(), format!("/api/v1/media/{id}"));
        let got = get_bytes(&app, &format!("/api/v1/media/{id}"), &resident).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.headers.get(header::CONTENT_TYPE).unwrap(), "image/jpeg");
        assert!(got.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("private"));
        assert!(!got.bytes.windows(6).any(|w| w == b"Exif\x00\x00"), "EXIF must be gone");
        let stored = image::load_from_memory(&got.bytes).unwrap().to_rgb8();
        assert_eq!(stored.dimensions(), (20, 40));
        // Turned clockwise: the red left half is now on top.
        assert!(stored.get_pixel(10, 5).0[0] > 150 && stored.get_pixel(10, 35).0[2] > 150);
        let thumb = get_bytes(&app, &format!("/api/v1/media/{id}/thumbnail"), &resident).await;
        assert_eq!(thumb.status, 200);
        assert!(image::load_from_memory(&thumb.bytes).is_ok());
        let etag = got.headers.get(header::ETAG).unwrap().to_str().unwrap().to_owned();
        let again = app.send(TestRequest::get().uri(&format!("/api/v1/media/{id}"))
            .insert_header((header::AUTHORIZATION, format!("Bearer {resident}")))
            .insert_header((header::IF_NONE_MATCH, etag))).await;
        assert_eq!(again.status, 304);
        // Nothing left in the incoming directory, and only this upload's two files.
        assert_eq!(files(&app), vec![format!("media/{id}.jpg"), format!("media/{id}.thumb.jpg")]);
    }

    #[actix_web::test]
    async fn formats_are_known_by_their_bytes_not_by_what_is_declared(db) {
        let app = TestApp::seeded(db).await;
        let t = app.token_for("jumin").await;
        // PNG declared as JPEG (the helper declares image/jpeg for every file): kept as PNG.
        let r = upload(&app, &t, &encode(picture(), image::ImageFormat::Png)).await;
        assert_eq!((r.status.as_u16(), r.body["content_type"].as_str()), (201, Some("image/png")));
        let r = upload(&app, &t, &encode(picture(), image::ImageFormat::WebP)).await;
        assert_eq!((r.status.as_u16(), r.body["content_type"].as_str()), (201, Some("image/jpeg")), "{:?}", r.body);
        for (what, bytes) in [("svg", &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..]), ("gif", b"GIF89a\x01\x00\x01\x00"), ("text", b"just text")] {
            let r = upload(&app, &t, bytes).await;
            assert_eq!((r.status.as_u16(), r.code()), (415, "media.unsupported_type"), "{what}");
            assert!(r.is_problem());
        }
    }

    #[actix_web::test]
    async fn each_bad_upload_gets_its_own_clear_problem_and_leaves_nothing(db) {
        let app = TestApp::with_config(db.clone(), &[("MSB_MEDIA_MAX_BYTES", "20000")]).await;
        db.run(|c| infra::seed::run(c, true)).await.unwrap();
        let t = app.token_for("jumin").await;
        let jpeg = encode(picture(), image::ImageFormat::Jpeg);
        let big: Vec<u8> = jpeg.iter().copied().chain(std::iter::repeat_n(0u8, 30_000)).collect();
        let cut_png = { let p = encode(picture(), image::ImageFormat::Png); p[..p.len() / 2].to_vec() };
        let cut_jpeg = jpeg[..jpeg.len() - 40].to_vec();
        let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
            ("too large", multipart(&[("file", Some("a.jpg"), &big)]), 413, "media.too_large"),
            ("empty", multipart(&[("file", Some("a.jpg"), b"")]), 422, "media.empty"),
            ("two files", multipart(&[("a", Some("a.jpg"), &jpeg), ("b", Some("b.jpg"), &jpeg)]), 422, "media.too_many_files"),
            ("no file", multipart(&[("text", None, b"hi")]), 422, "media.no_file"),
            ("bomb", multipart(&[("file", Some("bomb.png"), &png_bomb())]), 422, "media.too_many_pixels"),
            ("cut png", multipart(&[("file", Some("a.png"), &cut_png)]), 422, "media.invalid_image"),
            ("cut jpeg", multipart(&[("file", Some("a.jpg"), &cut_jpeg)]), 422, "media.invalid_image"),
            ("cut body", multipart(&[("file", Some("a.jpg"), &jpeg)])[..300].to_vec(), 400, "request.invalid_multipart"),
        ];
        for (what, body, status, code) in cases {
            let r = upload_body(&app, &t, body, None).await;
            assert_eq!((r.status.as_u16(), r.code()), (status, code), "{what}: {:?}", r.body);
            assert!(r.is_problem(), "{what}");
        }
        // Not multipart at all.
        let r = app.post("/api/v1/media", json!({"file": "x"}), Some(&t)).await;
        assert_eq!((r.status.as_u16(), r.code()), (415, "request.unsupported_media_type"));
        assert_eq!(app.count("media").await, 0);
        assert!(files(&app).is_empty(), "{:?}", files(&app));
    }

    #[actix_web::test]
    async fn a_file_name_cannot_place_the_file_anywhere(db) {
        let app = TestApp::seeded(db).await;
        let t = app.token_for("jumin").await;
        let jpeg = encode(picture(), image::ImageFormat::Jpeg);
        for name in ["../../../../tmp/evil.jpg", "/etc/passwd", "..\\\\..\\\\x.jpg", "C:\\evil.jpg"] {
            let r = upload_body(&app, &t, multipart(&[("file", Some(name), &jpeg)]), None).await;
            assert_eq!(r.status, 201, "{name}: {:?}", r.body);
            let id = r.body["id"].as_str().unwrap();
            assert!(files(&app).contains(&format!("media/{id}.jpg")));
        }
        // A NUL in a part's header is no valid multipart at all.
        let r = upload_body(&app, &t, multipart(&[("file", Some("a\u{0}b.jpg"), &jpeg)]), None).await;
        assert_eq!((r.status.as_u16(), r.code()), (400, "request.invalid_multipart"));
        assert!(files(&app).iter().all(|f| f.starts_with("media/")), "{:?}", files(&app));
        assert!(!std::path::Path::new("/tmp/evil.jpg").exists());
    }

    #[actix_web::test]
    async fn a_retry_with_the_same_key_stores_once(db) {
        let app = TestApp::seeded(db).await;
        let t = app.token_for("jumin").await;
        let body = multipart(&[("file", Some("a.jpg"), &encode(picture(), image::ImageFormat::Jpeg))]);
        let first = upload_body(&app, &t, body.clone(), Some("up-1")).await;
        let again = upload_body(&app, &t, body, Some("up-1")).await;
        assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201));
        assert_eq!(first.body["id"], again.body["id"]);
        assert_eq!(again.headers.get("Idempotent-Replayed").unwrap(), "true");
        assert_eq!(app.count("media").await, 1);
        assert_eq!(files(&app).len(), 2);
        let other = multipart(&[("file", Some("b.png"), &encode(picture(), image::ImageFormat::Png))]);
        let r = upload_body(&app, &t, other, Some("up-1")).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, "idempotency.key_reused"));
    }

    #[actix_web::test]
    async fn photos_attach_once_to_the_uploaders_own_order_and_follow_its_visibility(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let jpeg = encode(picture(), image::ImageFormat::Jpeg);
        let mine = upload(&app, &resident, &jpeg).await.body["id"].as_str().unwrap().to_owned();
        let grid = app.token("dd-grid1", "demo").await;
        let theirs = upload(&app, &grid, &jpeg).await.body["id"].as_str().unwrap().to_owned();
        // Before it is attached, only the uploader sees it.
        assert_eq!(get_bytes(&app, &format!("/api/v1/media/{mine}"), &grid).await.status, 404);
        let order = |photos: Vec<&str>| json!({
            "kind": "issue", "category": "sewage-blockage", "description": "楼道下水道堵了", "poster_code": "dd-hean",
            "contact": {"name": "张三", "phone": "13800001234"}, "photos": photos,
        });
        let unknown = uuid::Uuid::now_v7().to_string();
        for (what, photos) in [("unknown", vec![unknown.as_str()]), ("someone else's", vec![theirs.as_str()])] {
            let r = app.post("/api/v1/orders", order(photos), Some(&resident)).await;
            assert_eq!((r.status.as_u16(), r.code()), (422, "order.unknown_photo"), "{what}: {:?}", r.body);
            assert_eq!(r.body["errors"][0]["field"], "photos[0]");
        }
        let r = app.post("/api/v1/orders", order(vec![mine.as_str()]), Some(&resident)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body["photos"], json!([mine]));
        let r = app.post("/api/v1/orders", order(vec![mine.as_str()]), Some(&resident)).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, "order.unknown_photo"), "already attached");
        // Attached: the order's viewers see it, others do not.
        assert_eq!(get_bytes(&app, &format!("/api/v1/media/{mine}"), &grid).await.status, 200);
        assert_eq!(get_bytes(&app, &format!("/api/v1/media/{mine}"), &resident).await.status, 200);
        let far = app.token("xl-grid1", "demo").await;
        let r = get_bytes(&app, &format!("/api/v1/media/{mine}"), &far).await;
        assert_eq!((r.status.as_u16(), r.code()), (404, "media.not_found"));
    }

    #[actix_web::test]
    async fn a_resolution_carries_the_handlers_photos_for_the_reporter_to_see(db) {
        let app = TestApp::seeded(db).await;
        let resident = app.token_for("jumin").await;
        let order = json!({"kind": "issue", "category": "sewage-blockage", "description": "楼下污水井堵了", "poster_code": "dd-hean",
                           "contact": {"name": "王阿姨", "phone": "13812341234"}});
        let id = app.post("/api/v1/orders", order, Some(&resident)).await.body["id"].as_str().unwrap().to_owned();
        let staff = app.token("diandeng", "demo").await;
        app.post(&format!("/api/v1/orders/{id}/dispatch"), json!({"target": {"type": "pool"}}), Some(&staff)).await;
        let party = app.token_for("dangyuan").await;
        for step in ["grab", "arrive"] {
            assert_eq!(app.post(&format!("/api/v1/orders/{id}/{step}"), json!({}), Some(&party)).await.status, 200, "{step}");
        }
        let jpeg = encode(picture(), image::ImageFormat::Jpeg);
        let after = upload(&app, &party, &jpeg).await.body["id"].as_str().unwrap().to_owned();
        let residents = upload(&app, &resident, &jpeg).await.body["id"].as_str().unwrap().to_owned();
        // The reporter's own upload is not the handler's to attach.
        let r = app.post(&format!("/api/v1/orders/{id}/resolve"), json!({"feedback": "已疏通", "photos": [residents]}), Some(&party)).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, "order.unknown_photo"));
        let r = app.post(&format!("/api/v1/orders/{id}/resolve"), json!({"feedback": "已疏通", "photos": [after]}), Some(&party)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let events = app.get(&format!("/api/v1/orders/{id}/events"), Some(&resident)).await;
        let resolved = events.body.as_array().unwrap().iter().find(|e| e["type"] == "resolved").cloned().unwrap();
        assert_eq!(resolved["data"]["photos"], json!([after]));
        assert_eq!(get_bytes(&app, &format!("/api/v1/media/{after}"), &resident).await.status, 200);
    }

    #[actix_web::test]
    async fn uploads_nobody_attached_are_swept_after_a_day(db) {
        let app = TestApp::seeded(db.clone()).await;
        let t = app.token_for("jumin").await;
        let jpeg = encode(picture(), image::ImageFormat::Jpeg);
        let old = upload(&app, &t, &jpeg).await.body["id"].as_str().unwrap().to_owned();
        let fresh = upload(&app, &t, &jpeg).await.body["id"].as_str().unwrap().to_owned();
        let sql = format!("UPDATE media SET created_at = '2020-01-01 00:00:00' WHERE id = '{old}'");
        db.run(move |c| infra::testing::execute(c, &sql)).await.unwrap();
        let config = &app.state.config.media;
        let swept = infra::usecase::media::sweep(&app.state.db, &app.state.media, &config.incoming_dir, std::time::Duration::from_secs(86_400)).await.unwrap();
        assert_eq!(swept.uploads, 1);
        assert_eq!(app.count("media").await, 1);
        assert_eq!(files(&app), vec![format!("media/{fresh}.jpg"), format!("media/{fresh}.thumb.jpg")]);
        let r: Value = get_bytes(&app, &format!("/api/v1/media/{old}"), &t).await.body;
        assert_eq!(r["code"], "media.not_found");
    }
}

/// The same upload and read on an S3-compatible store (moto's server).
#[actix_web::test]
async fn uploads_work_the_same_on_an_s3_compatible_store() {
    let Some(s3) = infra::testing::LocalS3::start() else { return };
    s3.bucket("city-media").await;
    let guard = infra::testing::TestDb::sqlite();
    let db = guard.db();
    db.run(|c| infra::seed::run(c, true)).await.unwrap();
    let app = TestApp::with_config(
        db,
        &[
            ("MSB_MEDIA_STORE", "s3"),
            ("MSB_S3_ENDPOINT", s3.endpoint.as_str()),
            ("MSB_S3_BUCKET", "city-media"),
            ("MSB_S3_ACCESS_KEY_ID", "test"),
            ("MSB_S3_SECRET_ACCESS_KEY", "test"),
        ],
    )
    .await;
    let t = app.token_for("jumin").await;
    let r = upload(&app, &t, &phone_jpeg()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap();
    let got = get_bytes(&app, &format!("/api/v1/media/{id}"), &t).await;
    assert_eq!(got.status, 200);
    assert_eq!(image::load_from_memory(&got.bytes).unwrap().to_rgb8().dimensions(), (20, 40));
    // The bucket holds the object where the key says (and nothing on local disk).
    let in_bucket = app.state.media.get(&format!("media/{id}.jpg")).await.unwrap();
    assert_eq!(in_bucket, Some(got.bytes.clone()));
    assert!(app.state.media.describe().starts_with("S3 bucket city-media"));
}
