//! Application state and the one place routes, extractor configs, the spec
//! and Swagger UI are wired; the server and the tests both use `configure`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{http::header, web, HttpResponse};
use infra::cache::Redis;
use infra::wechat::{WechatClient, WechatConfig};
use infra::Db;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::error::ApiError;
use crate::{extract, openapi, routes};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub jwt: JwtKeys,
    pub wechat: WechatClient,
    pub redis: Option<Redis>,
    pub config: Arc<Config>,
}

impl AppState {
    /// Connects to everything the config names; the database is migrated.
    pub async fn connect(config: Config) -> anyhow::Result<AppState> {
        let url = config.database_url.clone();
        let pool_size = config.db_pool_size;
        let db = tokio::task::spawn_blocking(move || Db::open(&url, pool_size)).await??;
        let redis = match &config.redis_url {
            Some(url) => Some(Redis::connect(url).await?),
            None => None,
        };
        AppState::with_db(config, db, redis)
    }

    pub fn with_db(config: Config, db: Db, redis: Option<Redis>) -> anyhow::Result<AppState> {
        let wechat = WechatClient::new(WechatConfig {
            api_base: config.wechat_api_base.clone(),
            appid: config.wechat_appid.clone(),
            secret: config.wechat_secret.expose().to_owned(),
            timeout: Duration::from_secs(5),
        })?;
        Ok(AppState {
            jwt: JwtKeys::new(config.jwt_secret.expose().as_bytes(), config.access_ttl),
            db,
            wechat,
            redis,
            config: Arc::new(config),
        })
    }
}

pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(extract::payload_config())
            .app_data(extract::path_config())
            .app_data(extract::query_config())
            .configure(routes::configure)
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", openapi::ApiDoc::openapi()))
            .route(
                "/swagger-ui",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/swagger-ui/")).finish()
                }),
            )
            .default_service(web::to(|| async { Err::<HttpResponse, _>(ApiError::not_found("route.not_found")) }));
    }
}
