//! The WeCom group robot channel (企业微信群机器人): staff-facing notifications
//! of an order go, as markdown, to the robot of its community and of its
//! street, if they have one: `POST {base}/cgi-bin/webhook/send?key=…`, answered
//! `{errcode: 0}` on success. A robot that fails (down, rate limited: 20 per
//! minute) fails the attempt, which the dispatcher retries.

use std::time::Duration;

use diesel::prelude::*;
use domain::order::notify::Template;
use domain::DomainError;

use domain::delivery::NotifyChannel;

use super::{BoxFuture, Channel, Delivery, Outcome, Place};
use crate::db::{storage, AnyConnection, Db};
use crate::schema::wecom_robots;

/// The public WeCom API.
pub const PUBLIC_API_BASE: &str = "https://qyapi.weixin.qq.com";

pub struct WecomChannel {
    db: Db,
    http: reqwest::Client,
    base: String,
}

impl WecomChannel {
    pub fn new(db: Db, base: &str) -> Result<WecomChannel, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(WecomChannel { db, http, base: base.trim_end_matches('/').to_owned() })
    }
}

/// The robot keys of the order's community and street.
fn keys(conn: &mut AnyConnection, place: &Place) -> Result<Vec<String>, DomainError> {
    wecom_robots::table
        .filter(wecom_robots::region_id.eq_any([place.community_id.to_string(), place.street_id.to_string()]))
        .select(wecom_robots::robot_key)
        .load(conn)
        .map_err(storage)
}

/// The markdown a chat group shows.
pub fn markdown(d: &Delivery) -> String {
    format!(
        "**{}**\n> 工单编号：{}\n> 当前状态：{}",
        domain::delivery::title(&d.template),
        d.field("number"),
        d.status_label()
    )
}

impl Channel for WecomChannel {
    fn name(&self) -> NotifyChannel {
        NotifyChannel::Wecom
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<Outcome, String>> {
        Box::pin(async move {
            // Staff chat groups hear staff news; residents' own news stays out of them.
            let for_staff = Template::parse(&d.template).is_some_and(Template::for_staff);
            let Some(place) = d.place.clone().filter(|_| for_staff) else {
                return Ok(Outcome::Skipped);
            };
            let mut keys = self.db.run(move |c| keys(c, &place)).await.map_err(|e| e.to_string())?;
            // Development keys go only to a fake WeCom; the real one would refuse them.
            if self.base == PUBLIC_API_BASE {
                keys.retain(|k| !domain::subscribe::is_demo(k));
            }
            if keys.is_empty() {
                return Ok(Outcome::Skipped);
            }
            let body = serde_json::json!({"msgtype": "markdown", "markdown": {"content": markdown(d)}});
            for key in keys {
                let url = format!("{}/cgi-bin/webhook/send", self.base);
                let answer = self.http.post(&url).query(&[("key", key.as_str())]).json(&body).send().await;
                let reply: serde_json::Value = match answer {
                    Ok(r) => r.json().await.map_err(|e| format!("wecom reply: {e}"))?,
                    Err(e) => return Err(format!("wecom: {e}")),
                };
                match reply["errcode"].as_i64().unwrap_or(0) {
                    0 => {}
                    code => return Err(format!("wecom errcode {code}: {}", reply["errmsg"].as_str().unwrap_or(""))),
                }
            }
            Ok(Outcome::Sent)
        })
    }
}
