//! The configuration's own tests (kept beside `config.rs`).
use super::*;
use std::collections::HashMap;

fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn dev_needs_nothing() {
    let c = load(&[]).unwrap();
    assert_eq!(c.env, Env::Dev);
    assert_eq!(c.database_url, DbUrl::parse(None));
    assert_eq!(c.bind, "127.0.0.1:8080");
}

#[test]
fn cors_origins_are_web_origins() {
    assert!(load(&[]).unwrap().cors_origins.is_empty(), "none by default");
    let c = load(&[("MSB_CORS_ORIGINS", " https://H5.example.gov.cn , http://localhost:5173,")]).unwrap();
    assert_eq!(c.cors_origins, ["https://h5.example.gov.cn", "http://localhost:5173"]);
    for bad in ["*", "h5.example.gov.cn", "https://h5.example.gov.cn/app", "ftp://x.cn", "https://", "https://a b"] {
        let err = load(&[("MSB_CORS_ORIGINS", bad)]).unwrap_err();
        assert!(matches!(err, ConfigError::BadChoice { name: "MSB_CORS_ORIGINS", .. }), "{bad}: {err:?}");
    }
}

#[test]
fn prod_refuses_default_or_short_secrets() {
    let wx = [("MSB_WECHAT_APPID", "wx123"), ("MSB_WECHAT_SECRET", "s")];
    let mut prod = vec![("MSB_ENV", "prod")];
    prod.extend(wx);
    assert_eq!(load(&prod).unwrap_err(), ConfigError::WeakJwtSecret);
    let mut short = prod.clone();
    short.push(("MSB_JWT_SECRET", "too-short"));
    assert_eq!(load(&short).unwrap_err(), ConfigError::WeakJwtSecret);
    let mut dev_default = prod.clone();
    dev_default.push(("MSB_JWT_SECRET", DEV_JWT_SECRET));
    assert_eq!(load(&dev_default).unwrap_err(), ConfigError::WeakJwtSecret);
    let mut good = prod.clone();
    good.push(("MSB_JWT_SECRET", "0123456789abcdef0123456789abcdef-long"));
    assert_eq!(load(&good).unwrap_err(), ConfigError::Missing("MSB_PUBLIC_URL"));
    good.push(("MSB_PUBLIC_URL", "https://msb.city.gov.cn"));
    assert_eq!(load(&good).unwrap_err(), ConfigError::Missing("MSB_PRIVACY_CONTROLLER"));
    good.push(("MSB_PRIVACY_CONTROLLER", "南宁市兴宁区点灯街道办事处"));
    assert_eq!(load(&good).unwrap_err(), ConfigError::Missing("MSB_PRIVACY_CONTACT"));
    good.push(("MSB_PRIVACY_CONTACT", "0771-1234567"));
    assert!(load(&good).is_ok());
    assert_eq!(
        load(&[("MSB_ENV", "prod"), ("MSB_JWT_SECRET", "0123456789abcdef0123456789abcdef-long")]).unwrap_err(),
        ConfigError::MissingWechat
    );
}

#[test]
fn media_is_local_unless_s3_is_configured_whole() {
    let c = load(&[("MSB_MEDIA_DIR", "/srv/m")]).unwrap();
    assert_eq!(c.media.store, StoreConfig::Local { dir: "/srv/m".into() });
    assert_eq!(c.media.incoming_dir, std::path::PathBuf::from("/srv/m/.incoming"));
    assert_eq!(c.media.max_bytes, 10 * 1024 * 1024);
    assert_eq!(load(&[("MSB_MEDIA_STORE", "s3")]).unwrap_err(), ConfigError::Missing("MSB_S3_BUCKET"));
    let s3 = load(&[
        ("MSB_MEDIA_STORE", "s3"),
        ("MSB_S3_BUCKET", "b"),
        ("MSB_S3_ACCESS_KEY_ID", "k"),
        ("MSB_S3_SECRET_ACCESS_KEY", "s"),
        ("MSB_S3_ENDPOINT", "http://127.0.0.1:9000"),
    ])
    .unwrap();
    assert!(matches!(s3.media.store, StoreConfig::S3 { ref bucket, .. } if bucket == "b"));
    assert!(matches!(load(&[("MSB_MEDIA_STORE", "ftp")]), Err(ConfigError::BadChoice { .. })));
    assert!(!load(&[]).unwrap().wechat_configured);
    assert!(load(&[("MSB_WECHAT_APPID", "wx1")]).unwrap().wechat_configured);
}

#[test]
fn rate_limits_have_defaults_settings_and_a_switch() {
    let c = load(&[]).unwrap().rate;
    assert_eq!(c.login_failures.to_string(), "5/900s");
    assert_eq!(c.login_ip.to_string(), "30/300s");
    assert_eq!(c.trusted_proxies, 0);
    let c = load(&[("MSB_RATE_SUBMIT_USER", "3/1m"), ("MSB_RATE_UPLOAD_IP", "off"), ("MSB_TRUSTED_PROXIES", "1")])
        .unwrap()
        .rate;
    assert_eq!((c.submit_user.to_string(), c.upload_ip.to_string()), ("3/60s".into(), "off".into()));
    assert_eq!(c.trusted_proxies, 1);
    let off = load(&[("MSB_RATE_LIMITS", "off"), ("MSB_RATE_SUBMIT_USER", "3/1m")]).unwrap().rate;
    assert_eq!(off, RateLimits::off(), "the switch wins");
    assert!(matches!(
        load(&[("MSB_RATE_LOGIN_IP", "lots")]),
        Err(ConfigError::BadChoice { name: "MSB_RATE_LOGIN_IP", .. })
    ));
    assert!(matches!(load(&[("MSB_TRUSTED_PROXIES", "x")]), Err(ConfigError::BadNumber { .. })));
}

#[test]
fn rejects_nonsense() {
    assert!(matches!(load(&[("MSB_ENV", "staging")]), Err(ConfigError::BadEnv(_))));
    assert!(matches!(load(&[("MSB_ACCESS_TTL_SECONDS", "soon")]), Err(ConfigError::BadNumber { .. })));
}
