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
    let pairs = [
        ("MSB_ENV", "prod"),
        ("MSB_JWT_SECRET", "a-production-secret-of-enough-length-0123456789"),
        ("MSB_WECHAT_APPID", "wx0123456789"),
        ("MSB_WECHAT_SECRET", "real-secret"),
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
                infra::repo::users::set_password(c, user.uuid()?, &hash)?;
            }
            Ok(())
        })
        .await
        .unwrap();
        api::cli::check_prod_ready(&state).await.unwrap();
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

/// A Redis that stops answering makes the node not ready (503), and ready again when it returns.
#[actix_web::test]
async fn readiness_follows_redis_down_and_up() {
    if redis_or_skip().await.is_none() {
        return;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = std::env::temp_dir().join(format!("msb-redis-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let start = || {
        std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH")
    };
    let mut server = start();
    let url = format!("redis://127.0.0.1:{port}");
    let mut redis = None;
    for _ in 0..50 {
        if let Ok(r) = Redis::connect(&url).await {
            redis = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let guard = infra::testing::TestDb::sqlite();
    let app = TestApp::with_redis(guard.db(), redis).await;
    assert_eq!(app.get("/readyz", None).await.status, 200);

    server.kill().unwrap();
    server.wait().unwrap();
    let down = app.get("/readyz", None).await;
    assert_eq!((down.status.as_u16(), down.body["redis"].as_str()), (503, Some("down")));

    let mut server = start();
    let mut back = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if app.get("/readyz", None).await.status == 200 {
            back = true;
            break;
        }
    }
    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(back, "ready again once Redis returns");
}
