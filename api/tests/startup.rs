//! What the server refuses and reports at start and while running.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use api::app::AppState;
use api::config::Config;
use common::TestApp;
use infra::both_backends;
use infra::cache::Redis;
use infra::testing::{redis_url, service_missing};

fn prod_config() -> Config {
    let media = common::media_dir();
    let pairs = [
        ("MSB_ENV", "prod"),
        ("MSB_JWT_SECRET", "a-production-secret-of-enough-length-0123456789"),
        ("MSB_WECHAT_APPID", "wx0123456789"),
        ("MSB_WECHAT_SECRET", "real-secret"),
        ("MSB_MEDIA_DIR", media.as_str()),
        ("MSB_PUBLIC_URL", "https://msb.city.example.cn"),
        ("MSB_PRIVACY_CONTROLLER", "点灯街道办事处"),
        ("MSB_PRIVACY_CONTACT", "0771-1234567"),
    ];
    Config::from_lookup(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())).unwrap()
}

async fn redis_or_skip() -> Option<Redis> {
    match Redis::connect(&redis_url()).await {
        Ok(r) => Some(r),
        Err(e) => {
            service_missing("Redis", &e.to_string());
            None
        }
    }
}

both_backends! {
    #[actix_web::test]
    async fn prod_refuses_to_serve_while_a_fixture_password_works(db) {
        db.run(|c| infra::seed::run(c, true)).await.unwrap();
        let state = AppState::with_db(prod_config(), db.clone(), None).unwrap();
        let err = api::cli::check_prod_ready(&state).await.unwrap_err().to_string();
        assert!(err.contains("admin") && err.contains("dd-grid1"), "{err}");

        // Once every demo password is changed, prod starts.
        let accounts = infra::seed::demo_accounts().unwrap();
        db.run(move |c| {
            let hash = infra::password::hash("a long and private password")?;
            for a in accounts.iter().filter(|a| a.password.is_some()) {
                let user = infra::repo::users::find_by_username(c, &a.username)?.unwrap();
                infra::repo::users::set_password(c, user.uuid()?, &hash, false)?;
            }
            Ok(())
        })
        .await
        .unwrap();
        // The development WeCom robot key is refused too, until a real one replaces it.
        let err = api::cli::check_prod_ready(&state).await.unwrap_err().to_string();
        assert!(err.contains("diandeng") && err.contains("development keys"), "{err}");
        db.run(|c| {
            let community = infra::repo::regions::find_by_code(c, "diandeng")?.unwrap();
            infra::repo::robots::set(c, community.id, "0d8a4f3c-real-robot-key").map(|_| ())
        })
        .await
        .unwrap();
        api::cli::check_prod_ready(&state).await.unwrap();
    }

    #[actix_web::test]
    async fn prod_refuses_demo_subscribe_templates(_db) {
        let dir = std::env::temp_dir().join(format!("msb-templates-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let demo = dir.join("demo.json");
        std::fs::write(&demo, api::config::DEMO_TEMPLATES_JSON).unwrap();
        let real = dir.join("real.json");
        std::fs::write(&real, api::config::DEMO_TEMPLATES_JSON.replace("\"demo-", "\"Xq3v-")).unwrap();
        let load = |path: &std::path::Path| {
            let pairs = [
                ("MSB_ENV", "prod".to_owned()),
                ("MSB_JWT_SECRET", "a-production-secret-of-enough-length-0123456789".to_owned()),
                ("MSB_WECHAT_APPID", "wx0123456789".to_owned()),
                ("MSB_WECHAT_SECRET", "real-secret".to_owned()),
                ("MSB_WECHAT_TEMPLATES", path.display().to_string()),
                ("MSB_PUBLIC_URL", "https://msb.city.example.cn".to_owned()),
                ("MSB_PRIVACY_CONTROLLER", "点灯街道办事处".to_owned()),
                ("MSB_PRIVACY_CONTACT", "0771-1234567".to_owned()),
            ];
            Config::from_lookup(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
        };
        let err = load(&demo).unwrap_err().to_string();
        assert!(err.contains("order.accepted.template_id"), "{err}");
        let config = load(&real).unwrap();
        assert_eq!(config.wechat_templates.get("order.accepted").unwrap().template_id, "Xq3v-accepted");
        assert_eq!(config.miniprogram_state, "formal");
        assert!(prod_config().wechat_templates.is_empty(), "prod sends none unless configured");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[actix_web::test]
    async fn readiness_checks_the_database_and_redis_when_configured(db) {
        let app = TestApp::new(db.clone()).await;
        assert_eq!(app.get("/healthz", None).await.status, 200);
        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.status, 200);
        assert_eq!(ready.body["redis"], "not_configured");

        let Some(redis) = redis_or_skip().await else { return };
        let with_redis = TestApp::with_redis(db, Some(redis)).await;
        let ready = with_redis.get("/readyz", None).await;
        assert_eq!((ready.status.as_u16(), ready.body["redis"].as_str()), (200, Some("ok")));
    }
}

/// A Redis that stops answering leaves the node ready but degraded (it still serves every
/// request), and plainly ready again when Redis returns.
#[actix_web::test]
async fn readiness_follows_redis_down_and_up() {
    if redis_or_skip().await.is_none() {
        return;
    }
    let mut server = common::PrivateRedis::start();
    let redis = Some(server.connect().await);
    let guard = infra::testing::TestDb::sqlite();
    let app = TestApp::with_redis(guard.db(), redis).await;
    assert_eq!(app.get("/readyz", None).await.status, 200);

    server.down();
    let down = app.get("/readyz", None).await;
    assert_eq!(
        (down.status.as_u16(), down.body["redis"].as_str(), down.body["status"].as_str()),
        (200, Some("down"), Some("degraded"))
    );

    server.up();
    let mut back = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if app.get("/readyz", None).await.body["status"] == "ready" {
            back = true;
            break;
        }
    }
    assert!(back, "ready again once Redis returns");
}
