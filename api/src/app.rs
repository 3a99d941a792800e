//! Application state and the one place routes, extractor configs, the spec
//! and Swagger UI are wired; the server and the tests both use `configure`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::Condition;
use actix_web::{http::header, web, App, HttpResponse, ResponseError};
use futures_util::future::{ready, Either};
use infra::cache::Redis;
use infra::media::MediaStore;
use infra::usecase::moderation::ContentCheck;
use infra::usecase::notifications::{NotifyConfig, SubscribeConfig};
use infra::usecase::printing::{Printer, Wxacode};
use infra::wechat::{AccessTokens, WechatClient, WechatConfig};
use infra::Db;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::{edge, extract, middleware, openapi, routes};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub jwt: JwtKeys,
    pub wechat: WechatClient,
    pub redis: Option<Redis>,
    /// The notification channels' settings, with the one access_token cache of this process.
    pub notify: NotifyConfig,
    /// The one access_token cache of this process (shared with `notify`).
    pub tokens: Arc<AccessTokens>,
    /// Where uploads and cached poster codes live.
    pub media: MediaStore,
    pub printer: Printer,
    /// WeChat's content checks, when WeChat is configured.
    pub content_check: Option<ContentCheck>,
    /// Rate limits, counted in Redis when it is configured.
    pub limits: Limits,
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
        // Live events fan out across nodes through Redis when it is configured.
        if let (Some(url), Some(r)) = (&config.redis_url, &redis) {
            db.live().connect(url, r.clone());
        }
        let tokens = Arc::new(AccessTokens::new(wechat.clone(), redis.clone()));
        let media = MediaStore::open(&config.media.store)?;
        let printer = Printer {
            url_base: config.poster.url_base.clone(),
            wxacode: config.wechat_configured.then(|| Wxacode {
                tokens: tokens.clone(),
                page: config.poster.page.clone(),
                env_version: config.poster.env_version.clone(),
            }),
            store: media.clone(),
        };
        let content_check = config.wechat_configured.then(|| ContentCheck {
            tokens: tokens.clone(),
            public_url: config.public_url.clone(),
            link_key: Arc::new(media_link_key(config.jwt_secret.expose())),
        });
        let subscribe = (!config.wechat_templates.is_empty()).then(|| SubscribeConfig {
            tokens: tokens.clone(),
            templates: Arc::new(config.wechat_templates.clone()),
            miniprogram_state: config.miniprogram_state.clone(),
        });
        let limits = Limits::new(config.rate, redis.as_ref());
        let notify = NotifyConfig { wecom_api_base: config.wecom_api_base.clone(), wechat: subscribe };
        Ok(AppState {
            jwt: JwtKeys::new(config.jwt_secret.expose().as_bytes(), config.access_ttl),
            db,
            wechat,
            redis,
            notify,
            tokens,
            media,
            printer,
            content_check,
            limits,
            config: Arc::new(config),
        })
    }
}

/// The key photo links for WeChat's checker are signed with: derived from
/// the JWT secret, so a leaked link key mints no tokens.
fn media_link_key(secret: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("msb-media-link\n{secret}")).to_vec()
}

pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(extract::payload_config())
            .app_data(extract::path_config())
            .app_data(extract::query_config())
            .configure(|cfg| routes::configure(&mut utoipa_actix_web::service_config::ServiceConfig::new(cfg)))
            // Our own page first: in Chinese, titled 码上办; the vendored assets follow.
            .route("/console/", web::get().to(console_page))
            .route(
                "/console",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/console/")).finish()
                }),
            )
            .route("/swagger-ui/", web::get().to(swagger_page))
            .route("/swagger-ui/index.html", web::get().to(swagger_page))
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    .external_url_unchecked("/api-docs/openapi.json", openapi::value())
                    .config(
                        utoipa_swagger_ui::Config::default().persist_authorization(true).display_operation_id(true),
                    ),
            )
            .route(
                "/swagger-ui",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/swagger-ui/")).finish()
                }),
            )
            .default_service(web::to(|| async { Err::<HttpResponse, _>(ApiError::not_found("route.not_found")) }));
    }
}

/// The staff console (工单台): static HTML and JS, nothing from elsewhere.
async fn console_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(include_str!("console.html"))
}

async fn swagger_page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(include_str!("swagger-ui.html"))
}

/// The whole application: the guards and error shaping of `middleware` around
/// `configure`. The server and the tests both build it here.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let production = state.config.env == crate::config::Env::Prod;
    let cors = edge::cors(&state.config.cors_origins);
    App::new()
        .wrap_fn(|mut req, srv| match middleware::admit(&mut req) {
            Ok(()) => Either::Left(srv.call(req)),
            Err(e) => {
                let res = req.into_response(e.error_response()).map_into_boxed_body();
                Either::Right(ready(Ok(res)))
            }
        })
        .wrap(middleware::problems())
        .wrap(Condition::new(cors.is_some(), cors.unwrap_or_default()))
        .wrap_fn(move |req, srv| {
            let id = edge::request_id(&req);
            let personal = edge::is_personal(&req);
            let started = std::time::Instant::now();
            let answer = srv.call(req);
            async move {
                let mut res = answer.await?;
                let (method, status) = (res.request().method().clone(), res.status().as_u16());
                crate::metrics::record_request(
                    method.as_str(),
                    res.request().match_pattern().as_deref(),
                    status,
                    started,
                );
                edge::finish(res.headers_mut(), &id, personal, production);
                Ok(res)
            }
        })
        .configure(configure(state))
}
