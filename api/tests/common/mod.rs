//! The app under test, in-process, on a fresh database; and a fake WeChat
//! server at the wire that follows shared/design/wechat.md.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App, HttpResponse, HttpServer};
use api::app::{app, AppState};
use api::config::Config;
use infra::cache::Redis;
use infra::Db;
use serde_json::{json, Value};

pub const APPID: &str = "wx-test-appid";
pub const SECRET: &str = "wx-test-secret";

pub mod wxa;

pub fn config(wechat_base: &str) -> Config {
    config_with(wechat_base, &[])
}

/// A media directory of its own for each app under test, removed with the process's temp files.
pub fn media_dir() -> String {
    let dir =
        std::env::temp_dir().join(format!("msb-test-media-{}-{}", std::process::id(), uuid::Uuid::now_v7().simple()));
    dir.to_string_lossy().into_owned()
}

/// The test configuration with some settings changed (an empty value unsets one).
pub fn config_with(wechat_base: &str, changes: &[(&str, &str)]) -> Config {
    let mut pairs = vec![
        ("MSB_WECHAT_API_BASE", wechat_base.to_owned()),
        ("MSB_WECHAT_APPID", APPID.to_owned()),
        ("MSB_WECHAT_SECRET", SECRET.to_owned()),
        ("MSB_JWT_SECRET", "test-secret-that-is-long-enough-0123456789".to_owned()),
        ("MSB_SSE_HEARTBEAT_MS", "300".to_owned()),
        ("MSB_MEDIA_DIR", media_dir()),
        ("MSB_POSTER_PAGE", wxa::PUBLISHED_PAGE.to_owned()),
        // Tests submit and log in far faster than people; api/tests/limits.rs turns the limits on.
        ("MSB_RATE_LIMITS", "off".to_owned()),
    ];
    for (name, value) in changes {
        pairs.retain(|(n, _)| n != name);
        if !value.is_empty() {
            pairs.push((name, (*value).to_owned()));
        }
    }
    Config::from_lookup(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())).unwrap()
}

pub struct TestApp {
    service: BoxService<Request, ServiceResponse, actix_web::Error>,
    pub state: AppState,
    pub wechat: FakeWechat,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    /// The body as sent (for images, PDFs, archives).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn is_problem(&self) -> bool {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) == Some("application/problem+json")
            && self.body["status"].as_u64() == Some(u64::from(self.status.as_u16()))
            && self.body["type"].as_str().is_some_and(|t| t.starts_with("urn:mashangban:problem:"))
    }
}

/// A Server-Sent Events stream read message by message.
pub struct Sse {
    response: reqwest::Response,
    buffer: String,
}

/// One message: its id and data (comments are kept as `comment`).
#[derive(Debug, Clone, Default)]
pub struct SseMessage {
    pub id: Option<String>,
    pub data: Option<Value>,
    pub comment: Option<String>,
}

impl Sse {
    pub async fn open(base: &str, token: Option<&str>, last_event_id: Option<&str>) -> Result<Sse, reqwest::Response> {
        let mut req = reqwest::Client::new().get(format!("{base}/api/v1/events/stream"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let response = req.send().await.unwrap();
        if response.status() != 200 {
            return Err(response);
        }
        Ok(Sse { response, buffer: String::new() })
    }

    /// The next message or comment within `wait`, or `None`.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<SseMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut m = SseMessage::default();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        m.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        m.data = Some(serde_json::from_str(v).unwrap());
                    } else if let Some(v) = line.strip_prefix(": ") {
                        m.comment = Some(v.to_owned());
                    }
                }
                return Some(m);
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next data message within `wait` (heartbeats skipped).
    pub async fn next_event(&mut self, wait: std::time::Duration) -> Option<SseMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let m = self.next(left).await?;
            if m.data.is_some() {
                return Some(m);
            }
        }
    }
}

impl TestApp {
    /// Serves this app on a loopback port too (for streams read over HTTP); its base URL.
    pub fn serve(&self) -> String {
        let state = self.state.clone();
        let server = HttpServer::new(move || app(state.clone())).workers(1).bind(("127.0.0.1", 0)).unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        format!("http://127.0.0.1:{port}")
    }

    pub async fn new(db: Db) -> TestApp {
        Self::with_redis(db, None).await
    }

    pub async fn with_redis(db: Db, redis: Option<Redis>) -> TestApp {
        Self::build(db, redis, &[]).await
    }

    /// An app whose configuration differs from the tests' usual one.
    pub async fn with_config(db: Db, changes: &[(&str, &str)]) -> TestApp {
        Self::build(db, None, changes).await
    }

    async fn build(db: Db, redis: Option<Redis>, changes: &[(&str, &str)]) -> TestApp {
        Self::adjusted_with_redis(db, redis, changes, |_| {}).await
    }

    /// An app whose state the test changes before it serves (a limiter on a test clock).
    pub async fn adjusted(db: Db, changes: &[(&str, &str)], adjust: impl FnOnce(&mut AppState)) -> TestApp {
        Self::adjusted_with_redis(db, None, changes, adjust).await
    }

    async fn adjusted_with_redis(
        db: Db,
        redis: Option<Redis>,
        changes: &[(&str, &str)],
        adjust: impl FnOnce(&mut AppState),
    ) -> TestApp {
        let wechat = FakeWechat::start().await;
        let mut state = AppState::with_db(config_with(&wechat.url, changes), db, redis).unwrap();
        adjust(&mut state);
        let app = test::init_service(app(state.clone())).await;
        let app = actix_service::ServiceExt::map(app, |res: ServiceResponse<_>| res.map_into_boxed_body());
        TestApp { service: boxed::service(app), state, wechat }
    }

    /// Seeds the fixtures (with demo accounts).
    pub async fn seeded(db: Db) -> TestApp {
        db.run(|c| infra::seed::run(c, true)).await.unwrap();
        Self::new(db).await
    }

    pub async fn send(&self, req: test::TestRequest) -> Resp {
        let res = test::call_service(&self.service, req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        let body =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Resp { status, headers, body, bytes: bytes.to_vec() }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(auth(test::TestRequest::get().uri(path), token)).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        self.send(auth(test::TestRequest::post().uri(path).set_json(body), token)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(auth(test::TestRequest::delete().uri(path), token)).await
    }

    pub async fn patch(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        self.send(auth(test::TestRequest::patch().uri(path).set_json(body), token)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Value {
        let r = self.post("/api/v1/auth/login", json!({"username": username, "password": password}), None).await;
        assert_eq!(r.status, 200, "login {username}: {:?}", r.body);
        r.body
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        self.login(username, password).await["access_token"].as_str().unwrap().to_owned()
    }

    /// A token for a fixture WeChat user (as `mashangban token` makes one).
    pub async fn token_for(&self, username: &str) -> String {
        let name = username.to_owned();
        let user = self.state.db.run(move |c| infra::repo::users::find_by_username(c, &name)).await.unwrap().unwrap();
        self.state.jwt.issue(user.uuid().unwrap(), vec![]).unwrap()
    }

    pub async fn region_id(&self, code: &str) -> String {
        let code = code.to_owned();
        let r = self.state.db.run(move |c| infra::repo::regions::find_by_code(c, &code)).await.unwrap().unwrap();
        r.id.to_string()
    }

    pub async fn count(&self, table: &'static str) -> i64 {
        self.state.db.run(move |c| infra::testing::count_rows(c, table)).await.unwrap()
    }
}

fn auth(req: test::TestRequest, token: Option<&str>) -> test::TestRequest {
    match token {
        Some(t) => req.insert_header((header::AUTHORIZATION, format!("Bearer {t}"))),
        None => req,
    }
}

/// A fake of WeChat's jscode2session. Codes made by `issue_code` work once
/// (then 40163); `busy` answers -1, `risky` 40226, `limited` 45011; anything
/// else 40029. Wrong appid/secret answer 40013/40125. All with HTTP 200.
#[derive(Clone)]
pub struct FakeWechat {
    pub url: String,
    codes: Arc<Mutex<HashSet<String>>>,
    pub wx: Arc<Mutex<WxState>>,
}

/// The fake's server-side state for tokens and subscribe messages.
#[derive(Debug, Default)]
pub struct WxState {
    /// access_tokens handed out, in order.
    pub issued: Vec<String>,
    /// Tokens WeChat still takes.
    pub valid: HashSet<String>,
    /// Subscribe messages taken, as sent.
    pub messages: Vec<Value>,
    /// Answer -1 (busy) to sends while set.
    pub busy: bool,
    /// Mini-program code requests taken.
    pub wxacodes: Vec<Value>,
    /// Texts content-checked.
    pub checked: Vec<String>,
    /// Image checks asked for.
    pub media_checks: Vec<Value>,
}

impl FakeWechat {
    /// WeChat forgets every token (as after a token fetched elsewhere expired them).
    pub fn expire_tokens(&self) {
        self.wx.lock().unwrap().valid.clear();
    }

    pub fn messages(&self) -> Vec<Value> {
        self.wx.lock().unwrap().messages.clone()
    }

    pub fn tokens_issued(&self) -> usize {
        self.wx.lock().unwrap().issued.len()
    }
}

#[derive(serde::Deserialize)]
struct StableTokenBody {
    grant_type: String,
    appid: String,
    secret: String,
}

/// `POST /cgi-bin/stable_token`: a new token each call (the fake does not reuse them).
async fn stable_token(wx: web::Data<Arc<Mutex<WxState>>>, body: web::Json<StableTokenBody>) -> HttpResponse {
    if body.appid != APPID || body.secret != SECRET {
        return HttpResponse::Ok().json(json!({"errcode": 40125, "errmsg": "invalid appsecret"}));
    }
    if body.grant_type != "client_credential" {
        return HttpResponse::Ok().json(json!({"errcode": 40002, "errmsg": "invalid grant_type"}));
    }
    let mut wx = wx.lock().unwrap();
    let token = format!("token-{}", wx.issued.len() + 1);
    wx.issued.push(token.clone());
    wx.valid.insert(token.clone());
    HttpResponse::Ok().json(json!({"access_token": token, "expires_in": 7200}))
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    access_token: String,
}

/// `POST /cgi-bin/message/subscribe/send`: checks the token, the openid and every
/// value against wechat.md's limits (47003 for a value too long), as WeChat does.
async fn subscribe_send(
    wx: web::Data<Arc<Mutex<WxState>>>,
    q: web::Query<TokenQuery>,
    body: web::Json<Value>,
) -> HttpResponse {
    let err = |code: i64, msg: &str| HttpResponse::Ok().json(json!({"errcode": code, "errmsg": msg}));
    let mut wx = wx.lock().unwrap();
    if wx.busy {
        return err(-1, "system error");
    }
    if !wx.valid.contains(&q.access_token) {
        return err(40001, "invalid credential, access_token is invalid or not latest");
    }
    let touser = body["touser"].as_str().unwrap_or_default();
    if touser == "demo-openid-refuser" {
        return err(43101, "user refuse to accept the msg");
    }
    if !touser.starts_with("demo-openid-") {
        return err(40003, "invalid openid");
    }
    for (key, value) in body["data"].as_object().cloned().unwrap_or_default() {
        let v = value["value"].as_str().unwrap_or_default();
        let kind = key.trim_end_matches(|c: char| c.is_ascii_digit());
        let max = match kind {
            "thing" => 20,
            "character_string" | "number" | "letter" => 32,
            "phrase" | "symbol" => 5,
            _ => 64,
        };
        if v.is_empty() || v.chars().count() > max || (kind == "character_string" && !v.is_ascii()) {
            return err(47003, &format!("argument invalid! data.{key}.value"));
        }
    }
    wx.messages.push(body.into_inner());
    HttpResponse::Ok().json(json!({"errcode": 0, "errmsg": "ok", "msgid": wx.messages.len()}))
}

#[derive(serde::Deserialize)]
struct SessionQuery {
    appid: String,
    secret: String,
    js_code: String,
    grant_type: String,
}

impl FakeWechat {
    pub async fn start() -> FakeWechat {
        let codes: Arc<Mutex<HashSet<String>>> = Arc::default();
        let wx: Arc<Mutex<WxState>> = Arc::default();
        let shared = web::Data::new(codes.clone());
        let wx_shared = web::Data::new(wx.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(wx_shared.clone())
                .route("/sns/jscode2session", web::get().to(jscode2session))
                .route("/cgi-bin/stable_token", web::post().to(stable_token))
                .route("/cgi-bin/message/subscribe/send", web::post().to(subscribe_send))
                .route("/wxa/getwxacodeunlimit", web::post().to(wxa::wxacode))
                .route("/wxa/business/getuserphonenumber", web::post().to(wxa::phone))
                .route("/wxa/msg_sec_check", web::post().to(wxa::msg_sec_check))
                .route("/wxa/media_check_async", web::post().to(wxa::media_check))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        FakeWechat { url: format!("http://127.0.0.1:{port}"), codes, wx }
    }

    /// A fresh single-use code that logs in as `openid`.
    pub fn issue_code(&self, openid: &str) -> String {
        let code = format!("ok:{openid}:{}", uuid::Uuid::now_v7().simple());
        self.codes.lock().unwrap().insert(code.clone());
        code
    }
}

async fn jscode2session(codes: web::Data<Arc<Mutex<HashSet<String>>>>, q: web::Query<SessionQuery>) -> HttpResponse {
    let err = |code: i64, msg: &str| HttpResponse::Ok().json(json!({"errcode": code, "errmsg": msg}));
    if q.appid != APPID {
        return err(40013, "invalid appid");
    }
    if q.secret != SECRET {
        return err(40125, "invalid appsecret");
    }
    if q.grant_type != "authorization_code" {
        return err(40002, "invalid grant_type");
    }
    match q.js_code.as_str() {
        "busy" => return err(-1, "system error"),
        "risky" => return err(40226, "high risk user"),
        "limited" => return err(45011, "api minute-quota reach limit"),
        _ => {}
    }
    if !q.js_code.starts_with("ok:") {
        return err(40029, "invalid code");
    }
    if !codes.lock().unwrap().remove(&q.js_code) {
        return err(40163, "code been used");
    }
    let openid = q.js_code.split(':').nth(1).unwrap_or_default();
    // Success carries no errcode, like WeChat's own answer.
    HttpResponse::Ok().json(json!({"openid": openid, "session_key": "c2Vzc2lvbi1rZXk="}))
}

/// A Redis of the test's own, on a free port, that the test may stop and start
/// again (the shared one on 6379 stays up).
pub struct PrivateRedis {
    pub port: u16,
    dir: std::path::PathBuf,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    pub fn start() -> PrivateRedis {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let dir = std::env::temp_dir().join(format!("msb-redis-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut redis = PrivateRedis { port, dir, child: None };
        redis.up();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn up(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .current_dir(&self.dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    pub fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn connect(&self) -> Redis {
        for _ in 0..50 {
            if let Ok(r) = Redis::connect(&self.url()).await {
                return r;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no connection to the private redis");
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Server processes of a test, stopped however the test ends (a panic included),
/// so that none outlives it holding the test's output open.
pub struct Nodes(pub Vec<std::process::Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for n in &mut self.0 {
            let _ = n.kill();
            let _ = n.wait();
        }
    }
}

/// Waits up to 30 s for a server process's `/readyz`; false if it never answered.
pub async fn ready(http: &reqwest::Client, base: &str) -> bool {
    for _ in 0..300 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// A scratch folder with a SQLite database for tests that run the real
/// binary; removed when dropped.
pub struct Scratch {
    pub dir: std::path::PathBuf,
    pub db_url: String,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("msb-{name}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db_url = format!("sqlite://{}", dir.join("msb.db").display());
        Scratch { dir, db_url }
    }

    /// `mashangban ARGS` on this database, run to the end, whatever its exit.
    pub fn try_run(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_mashangban"))
            .args(args)
            .env("DATABASE_URL", &self.db_url)
            .env_remove("REDIS_URL")
            .output()
            .unwrap()
    }

    /// `mashangban ARGS` on this database, which must succeed.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        let out = self.try_run(args);
        assert!(out.status.success(), "mashangban {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// Migrated and loaded with the fixtures (demo accounts included).
    pub fn seeded(name: &str) -> Scratch {
        let s = Scratch::new(name);
        s.run(&["seed"]);
        s
    }

    /// An access token for a fixture account.
    pub fn token(&self, username: &str) -> String {
        String::from_utf8(self.run(&["token", username]).stdout).unwrap().trim().to_owned()
    }

    /// `mashangban serve` on this database and a free port, quiet unless told;
    /// the caller adds its settings and spawns it.
    pub fn server(&self) -> (std::process::Command, u16) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mashangban"));
        cmd.arg("serve")
            .env("DATABASE_URL", &self.db_url)
            .env_remove("REDIS_URL")
            .env("MSB_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        (cmd, port)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
