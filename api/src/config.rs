//! Configuration, read once from the environment in `main` and passed down.

use std::fmt;
use std::time::Duration;

use domain::subscribe::MessageTemplates;
use infra::media::StoreConfig;
use infra::DbUrl;

use crate::limits::RateLimits;

pub const DEV_JWT_SECRET: &str = "dev-only-insecure-jwt-secret-change-me";
pub const MIN_JWT_SECRET_LEN: usize = 32;
/// What the privacy notice names until the operator configures it (prod refuses it).
pub const DEV_PRIVACY_PLACEHOLDER: &str = "（开发环境：未配置）";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Dev,
    Prod,
}

/// A value that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub env: Env,
    pub database_url: DbUrl,
    pub db_pool_size: u32,
    pub redis_url: Option<String>,
    pub bind: String,
    pub jwt_secret: Secret,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub wechat_api_base: String,
    pub wechat_appid: String,
    pub wechat_secret: Secret,
    /// A resolved order nobody rates is closed after this long.
    pub auto_close_after: Duration,
    /// How often the sweeper looks for overdue and unrated orders (0: never, in this process).
    pub sweep_interval: Duration,
    /// How often the dispatcher looks for notifications to send (0: never, in this process).
    pub dispatch_interval: Duration,
    /// How often a live stream sends a heartbeat comment (and looks for events other nodes wrote).
    pub sse_heartbeat: Duration,
    /// Where the WeCom group-robot API is (tests point it at a fake).
    pub wecom_api_base: String,
    /// Which notifications go out as WeChat subscribe messages, with which
    /// template ids and fields (`MSB_WECHAT_TEMPLATES`, a JSON file; in dev the
    /// fixtures' demo templates, in prod none unless configured).
    pub wechat_templates: MessageTemplates,
    /// `developer`, `trial` or `formal`: which mini-program version a message opens.
    pub miniprogram_state: String,
    /// True when `MSB_WECHAT_APPID` is set: posters then carry mini-program
    /// codes and texts go through WeChat's content check.
    pub wechat_configured: bool,
    /// Where uploads and cached poster codes are kept.
    pub media: MediaConfig,
    /// What a poster's QR leads to.
    pub poster: PosterConfig,
    /// `MSB_PUBLIC_URL`: where this API is reached from outside (WeChat fetches photos to check from here).
    pub public_url: String,
    /// `MSB_WECHAT_CALLBACK_TOKEN`: the Token set in the mini-program's message push
    /// settings; without it the callback endpoint answers 404.
    pub wechat_callback_token: Option<Secret>,
    /// `MSB_CORS_ORIGINS`: the web origins (`https://h5.example.gov.cn`, comma
    /// separated) whose pages may call the API from a browser; none by default.
    pub cors_origins: Vec<String>,
    /// The rate limits (`MSB_RATE_*`; `MSB_RATE_LIMITS=off` turns all off).
    pub rate: RateLimits,
    /// `MSB_METRICS_TOKEN`: when set, `GET /metrics` wants it as a bearer token.
    pub metrics_token: Option<Secret>,
    /// `MSB_SHUTDOWN_TIMEOUT_SECONDS` (30): how long SIGTERM waits for requests
    /// in flight and the background workers' current pass before exiting.
    pub shutdown_timeout: Duration,
    /// Who answers for the residents' data, and how long closed orders keep it.
    pub privacy: PrivacyConfig,
}

/// What `GET /api/v1/privacy` states, and the retention the sweeper applies.
#[derive(Debug, Clone)]
pub struct PrivacyConfig {
    /// `MSB_PRIVACY_CONTROLLER`: the body responsible (个人信息处理者), e.g. the street office.
    pub controller: String,
    /// `MSB_PRIVACY_CONTACT`: where residents send requests and complaints (phone or email).
    pub contact: String,
    /// `MSB_RETENTION_DAYS` (180): a closed order's contact name, phone, address and
    /// position are erased this many days after closing; 0 keeps them.
    pub retention_days: u32,
}

#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub store: StoreConfig,
    /// Uploads stream here before they are checked (always local disk).
    pub incoming_dir: std::path::PathBuf,
    /// `MSB_MEDIA_MAX_BYTES`, 10 MB by default: larger uploads are 413.
    pub max_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct PosterConfig {
    /// `MSB_POSTER_URL_BASE`: without WeChat, the QR encodes this plus the code.
    pub url_base: String,
    /// `MSB_POSTER_PAGE`: the mini-program page a scan opens (it reads `scene`).
    pub page: String,
    /// `MSB_POSTER_ENV_VERSION`: `release`, `trial` or `develop`.
    pub env_version: String,
}

/// `MSB_MEDIA_STORE=s3` and its settings, or local disk under `MSB_MEDIA_DIR`.
fn store(get: &impl Fn(&str) -> Option<String>, dir: &std::path::Path) -> Result<StoreConfig, ConfigError> {
    match get("MSB_MEDIA_STORE").as_deref().unwrap_or("local") {
        "local" => Ok(StoreConfig::Local { dir: dir.to_owned() }),
        "s3" => {
            let need = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
            Ok(StoreConfig::S3 {
                endpoint: get("MSB_S3_ENDPOINT"),
                bucket: need("MSB_S3_BUCKET")?,
                region: get("MSB_S3_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
                access_key_id: need("MSB_S3_ACCESS_KEY_ID")?,
                secret_access_key: need("MSB_S3_SECRET_ACCESS_KEY")?,
            })
        }
        other => Err(ConfigError::BadChoice { name: "MSB_MEDIA_STORE", value: other.to_owned() }),
    }
}

/// The development fixtures' subscribe-message templates (demo ids).
pub const DEMO_TEMPLATES_JSON: &str = include_str!("../../fixtures/wechat-templates.json");

/// Reads and checks a subscribe-message template configuration.
pub fn templates(json: &str, production: bool) -> Result<MessageTemplates, ConfigError> {
    let map = serde_json::from_str(json).map_err(|e| ConfigError::Templates(e.to_string()))?;
    MessageTemplates::check(map, production).map_err(|e| match e {
        domain::DomainError::Validation(errors) => ConfigError::Templates(
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
        ),
        other => ConfigError::Templates(other.to_string()),
    })
}

/// A comma-separated list of web origins: scheme `http` or `https`, a host,
/// an optional port, nothing after (a browser's `Origin` has no path).
fn origins(raw: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let bad = |value: &str| ConfigError::BadChoice { name: "MSB_CORS_ORIGINS", value: value.to_owned() };
    let mut out = Vec::new();
    for origin in raw.unwrap_or("").split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let rest =
            origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).ok_or_else(|| bad(origin))?;
        let valid = !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            && !rest.starts_with(['.', ':']);
        if !valid {
            return Err(bad(origin));
        }
        out.push(origin.to_ascii_lowercase());
    }
    Ok(out)
}

/// `MSB_RATE_*` (each a quota like `5/15m`, or `off`), defaults where unset.
fn rate_limits(get: &impl Fn(&str) -> Option<String>) -> Result<RateLimits, ConfigError> {
    let trusted_proxies = match get("MSB_TRUSTED_PROXIES") {
        None => 0,
        Some(v) => v.trim().parse().map_err(|_| ConfigError::BadNumber { name: "MSB_TRUSTED_PROXIES", value: v })?,
    };
    if get("MSB_RATE_LIMITS").is_some_and(|v| v.trim().eq_ignore_ascii_case("off")) {
        return Ok(RateLimits { trusted_proxies, ..RateLimits::off() });
    }
    let setting = |name: &'static str| -> Result<domain::limit::Setting, ConfigError> {
        let default = RateLimits::DEFAULT.iter().find(|(n, _)| *n == name).map_or("off", |(_, v)| *v);
        let value = get(name).unwrap_or_else(|| default.to_owned());
        value.parse().map_err(|_| ConfigError::BadChoice { name, value })
    };
    Ok(RateLimits {
        login_ip: setting("MSB_RATE_LOGIN_IP")?,
        login_failures: setting("MSB_RATE_LOGIN_FAILURES")?,
        submit_user: setting("MSB_RATE_SUBMIT_USER")?,
        submit_ip: setting("MSB_RATE_SUBMIT_IP")?,
        upload_user: setting("MSB_RATE_UPLOAD_USER")?,
        upload_ip: setting("MSB_RATE_UPLOAD_IP")?,
        trusted_proxies,
    })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("MSB_ENV must be dev or prod, not {0:?}")]
    BadEnv(String),
    #[error("{name} is not a valid number: {value:?}")]
    BadNumber { name: &'static str, value: String },
    #[error("MSB_ENV=prod needs MSB_JWT_SECRET set to a random value of at least {MIN_JWT_SECRET_LEN} bytes")]
    WeakJwtSecret,
    #[error("MSB_WECHAT_TEMPLATES: {0}")]
    Templates(String),
    #[error("MSB_ENV=prod needs MSB_WECHAT_APPID and MSB_WECHAT_SECRET")]
    MissingWechat,
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} cannot be {value:?}")]
    BadChoice { name: &'static str, value: String },
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Testable core of `from_env`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = match get("MSB_ENV").as_deref().unwrap_or("dev") {
            "dev" | "development" => Env::Dev,
            "prod" | "production" => Env::Prod,
            other => return Err(ConfigError::BadEnv(other.to_owned())),
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| ConfigError::BadNumber { name, value: v }),
            }
        };
        let media_dir = std::path::PathBuf::from(get("MSB_MEDIA_DIR").unwrap_or_else(|| "data/media".to_owned()));
        let config = Config {
            env,
            database_url: DbUrl::parse(get("DATABASE_URL").as_deref()),
            db_pool_size: u32::try_from(number("MSB_DB_POOL_SIZE", 16)?).unwrap_or(16).max(1),
            redis_url: get("REDIS_URL"),
            bind: get("MSB_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            jwt_secret: Secret::new(get("MSB_JWT_SECRET").unwrap_or_else(|| DEV_JWT_SECRET.to_owned())),
            access_ttl: Duration::from_secs(number("MSB_ACCESS_TTL_SECONDS", 15 * 60)?),
            refresh_ttl: Duration::from_secs(number("MSB_REFRESH_TTL_SECONDS", 30 * 24 * 3600)?),
            wechat_api_base: get("MSB_WECHAT_API_BASE").unwrap_or_else(|| infra::wechat::PUBLIC_API_BASE.to_owned()),
            wechat_appid: get("MSB_WECHAT_APPID").unwrap_or_else(|| "wx-dev-appid".to_owned()),
            wechat_secret: Secret::new(get("MSB_WECHAT_SECRET").unwrap_or_else(|| "wx-dev-secret".to_owned())),
            auto_close_after: Duration::from_secs(number("MSB_AUTO_CLOSE_DAYS", 7)?.saturating_mul(24 * 3600)),
            sweep_interval: Duration::from_secs(number("MSB_SWEEP_INTERVAL_SECONDS", 60)?),
            dispatch_interval: Duration::from_millis(number("MSB_DISPATCH_INTERVAL_MS", 1000)?),
            sse_heartbeat: Duration::from_millis(number("MSB_SSE_HEARTBEAT_MS", 15_000)?.max(100)),
            wecom_api_base: get("MSB_WECOM_API_BASE")
                .unwrap_or_else(|| infra::notify::wecom::PUBLIC_API_BASE.to_owned()),
            wechat_templates: match (get("MSB_WECHAT_TEMPLATES"), env) {
                (Some(path), _) => {
                    let json =
                        std::fs::read_to_string(&path).map_err(|e| ConfigError::Templates(format!("{path}: {e}")))?;
                    templates(&json, env == Env::Prod)?
                }
                (None, Env::Dev) => templates(DEMO_TEMPLATES_JSON, false)?,
                (None, Env::Prod) => MessageTemplates::default(),
            },
            miniprogram_state: get("MSB_WECHAT_MINIPROGRAM_STATE")
                .unwrap_or_else(|| if env == Env::Prod { "formal" } else { "developer" }.to_owned()),
            wechat_configured: get("MSB_WECHAT_APPID").is_some(),
            media: MediaConfig {
                store: store(&get, &media_dir)?,
                incoming_dir: media_dir.join(".incoming"),
                max_bytes: number("MSB_MEDIA_MAX_BYTES", 10 * 1024 * 1024)?.max(1),
            },
            public_url: get("MSB_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:8080".to_owned()),
            wechat_callback_token: get("MSB_WECHAT_CALLBACK_TOKEN").map(Secret::new),
            cors_origins: origins(get("MSB_CORS_ORIGINS").as_deref())?,
            rate: rate_limits(&get)?,
            metrics_token: get("MSB_METRICS_TOKEN").map(Secret::new),
            shutdown_timeout: Duration::from_secs(number("MSB_SHUTDOWN_TIMEOUT_SECONDS", 30)?),
            privacy: PrivacyConfig {
                controller: get("MSB_PRIVACY_CONTROLLER").unwrap_or_else(|| DEV_PRIVACY_PLACEHOLDER.to_owned()),
                contact: get("MSB_PRIVACY_CONTACT").unwrap_or_else(|| DEV_PRIVACY_PLACEHOLDER.to_owned()),
                retention_days: u32::try_from(number("MSB_RETENTION_DAYS", 180)?).unwrap_or(u32::MAX),
            },
            poster: PosterConfig {
                url_base: get("MSB_POSTER_URL_BASE").unwrap_or_else(|| "http://127.0.0.1:8080/api/v1/scan/".to_owned()),
                page: get("MSB_POSTER_PAGE").unwrap_or_else(|| "pages/report/index".to_owned()),
                env_version: get("MSB_POSTER_ENV_VERSION").unwrap_or_else(|| "release".to_owned()),
            },
        };
        config.check()?;
        Ok(config)
    }

    /// Production refuses defaults that would let anyone mint tokens.
    fn check(&self) -> Result<(), ConfigError> {
        if self.env != Env::Prod {
            return Ok(());
        }
        let secret = self.jwt_secret.expose();
        if secret == DEV_JWT_SECRET || secret.len() < MIN_JWT_SECRET_LEN {
            return Err(ConfigError::WeakJwtSecret);
        }
        if self.wechat_appid == "wx-dev-appid" || self.wechat_secret.expose() == "wx-dev-secret" {
            return Err(ConfigError::MissingWechat);
        }
        // WeChat fetches photos to check from here: a loopback address would never answer.
        if self.public_url.contains("127.0.0.1") || self.public_url.contains("localhost") {
            return Err(ConfigError::Missing("MSB_PUBLIC_URL"));
        }
        // PIPL art. 17: residents are told who holds their data and how to reach them.
        if self.privacy.controller == DEV_PRIVACY_PLACEHOLDER {
            return Err(ConfigError::Missing("MSB_PRIVACY_CONTROLLER"));
        }
        if self.privacy.contact == DEV_PRIVACY_PLACEHOLDER {
            return Err(ConfigError::Missing("MSB_PRIVACY_CONTACT"));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
