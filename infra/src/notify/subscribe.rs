//! The WeChat subscribe-message channel (订阅消息): a notification whose
//! template is configured goes to each told person who logged in with WeChat
//! and accepted that template in the mini-program; each acceptance carries one
//! message. No acceptance, no send (the inbox has it anyway).
//!
//! WeChat's answers: 40001/40014/42001 expire the token (if still the one
//! held) and the send is tried once more; 43101 and the other refusals are not
//! retried and give the acceptance back; -1 and network failures fail the
//! attempt, which the dispatcher retries with backoff.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::delivery::NotifyChannel;
use domain::subscribe::{render, wechat_time, MessageTemplate, MessageTemplates};
use domain::DomainError;
use uuid::Uuid;

use super::{BoxFuture, Channel, Delivery, Outcome};
use crate::db::{storage, AnyConnection, Db};
use crate::ids::{new_id, now, parse_id};
use crate::schema::{users, wechat_subscriptions as subs};
use crate::wechat::{AccessTokens, WechatError};

/// At most this many unused acceptances are kept per person and template.
pub const MAX_BANKED: i64 = 50;

/// What the subscribe channel needs: the client and its shared token, the
/// templates, and which mini-program version opens the messages.
#[derive(Clone)]
pub struct SubscribeConfig {
    pub tokens: Arc<AccessTokens>,
    pub templates: Arc<MessageTemplates>,
    /// `developer`, `trial` or `formal`.
    pub miniprogram_state: String,
}

pub struct SubscribeChannel {
    db: Db,
    config: SubscribeConfig,
}

impl SubscribeChannel {
    pub fn new(db: Db, config: SubscribeConfig) -> SubscribeChannel {
        SubscribeChannel { db, config }
    }
}

/// The order's facts a template can show.
fn facts(d: &Delivery) -> BTreeMap<&'static str, String> {
    let mut facts = BTreeMap::from([
        ("number", d.field("number").to_owned()),
        ("title", domain::delivery::title(&d.template).to_owned()),
        ("status", d.status_label().to_owned()),
        ("at", wechat_time(d.at)),
        ("order_id", d.order_id.map(|o| o.to_string()).unwrap_or_default()),
    ]);
    if let Some(s) = &d.subject {
        facts.insert("item", s.item.clone());
        facts.insert("building", s.building.clone());
        facts.insert("due", wechat_time(s.resolve_due_at));
    }
    facts
}

impl Channel for SubscribeChannel {
    fn name(&self) -> NotifyChannel {
        NotifyChannel::Wechat
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<Outcome, String>> {
        Box::pin(async move {
            let Some(template) = self.config.templates.get(&d.template).cloned() else {
                return Ok(Outcome::Skipped);
            };
            let (users, outbox) = (d.users.clone(), d.outbox_id.to_string());
            let readers = self.db.run(move |c| openids(c, &users, &outbox)).await.map_err(|e| e.to_string())?;
            let facts = facts(d);
            let mut sent = 0;
            let mut errors = Vec::new();
            for (user, openid) in readers {
                match self.one(d, &template, &facts, user, openid).await {
                    Ok(true) => sent += 1,
                    Ok(false) => {}
                    Err(e) => errors.push(e),
                }
            }
            match (errors.is_empty(), sent) {
                (false, _) => Err(errors.join("; ")),
                (true, 0) => Ok(Outcome::Skipped),
                (true, _) => Ok(Outcome::Sent),
            }
        })
    }
}

impl SubscribeChannel {
    /// One person: take an acceptance, send, give it back unless WeChat took the message.
    async fn one(
        &self,
        d: &Delivery,
        template: &MessageTemplate,
        facts: &BTreeMap<&'static str, String>,
        user: Uuid,
        openid: String,
    ) -> Result<bool, String> {
        let (tid, outbox) = (template.template_id.clone(), d.outbox_id.to_string());
        let taken = self.db.write(move |c| reserve(c, user, &tid, &outbox)).await.map_err(|e| e.to_string())?;
        let Some(acceptance) = taken else {
            return Ok(false);
        };
        let (data, page) = render(template, facts);
        let data: serde_json::Map<String, serde_json::Value> =
            data.into_iter().map(|(k, v)| (k, serde_json::json!({ "value": v }))).collect();
        let mut message = serde_json::json!({
            "touser": openid,
            "template_id": template.template_id,
            "data": data,
            "miniprogram_state": self.config.miniprogram_state,
            "lang": "zh_CN",
        });
        if let Some(page) = page {
            message["page"] = serde_json::Value::String(page);
        }
        let outcome = self.send(&message).await;
        if outcome.is_err() {
            let id = acceptance.clone();
            self.db.write(move |c| release(c, &id)).await.map_err(|e| e.to_string())?;
        }
        match outcome {
            Ok(()) => Ok(true),
            Err(WechatError::Refused { errcode, errmsg }) => {
                tracing::info!(wechat.errcode = errcode, wechat.errmsg = %errmsg, user = %user, "subscribe message refused; not retried");
                Ok(false)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Sends with the shared token; a refused token is expired and the send tried once more.
    async fn send(&self, message: &serde_json::Value) -> Result<(), WechatError> {
        let tokens = &self.config.tokens;
        let token = tokens.get().await?;
        match tokens.client().send_subscribe(&token, message).await {
            Err(WechatError::TokenRejected { .. }) => {
                tokens.expire(&token).await;
                let fresh = tokens.get().await?;
                tokens.client().send_subscribe(&fresh, message).await
            }
            other => other,
        }
    }
}

/// The told people with a WeChat openid, less those this row already reached.
fn openids(conn: &mut AnyConnection, users_told: &[Uuid], outbox: &str) -> Result<Vec<(Uuid, String)>, DomainError> {
    let ids: Vec<String> = users_told.iter().map(Uuid::to_string).collect();
    let reached: Vec<String> =
        subs::table.filter(subs::used_for.eq(outbox)).select(subs::user_id).load(conn).map_err(storage)?;
    let rows: Vec<(String, Option<String>)> = users::table
        .filter(users::id.eq_any(&ids))
        .filter(users::wechat_openid.is_not_null())
        .select((users::id, users::wechat_openid))
        .load(conn)
        .map_err(storage)?;
    rows.into_iter()
        .filter(|(id, _)| !reached.contains(id))
        .filter_map(|(id, openid)| openid.map(|o| (id, o)))
        .map(|(id, openid)| Ok((parse_id("users.id", &id)?, openid)))
        .collect()
}

/// Takes the person's oldest unused acceptance of the template for this row.
fn reserve(
    conn: &mut AnyConnection,
    user: Uuid,
    template_id: &str,
    outbox: &str,
) -> Result<Option<String>, DomainError> {
    let oldest: Option<String> = subs::table
        .filter(subs::user_id.eq(user.to_string()))
        .filter(subs::template_id.eq(template_id))
        .filter(subs::used_at.is_null())
        .order(subs::accepted_at.asc())
        .select(subs::id)
        .first(conn)
        .optional()
        .map_err(storage)?;
    let Some(id) = oldest else {
        return Ok(None);
    };
    let taken = diesel::update(subs::table.find(&id).filter(subs::used_at.is_null()))
        .set((subs::used_at.eq(Some(now())), subs::used_for.eq(Some(outbox))))
        .execute(conn)
        .map_err(storage)?;
    Ok((taken == 1).then_some(id))
}

fn release(conn: &mut AnyConnection, id: &str) -> Result<(), DomainError> {
    diesel::update(subs::table.find(id))
        .set((subs::used_at.eq(None::<NaiveDateTime>), subs::used_for.eq(None::<String>)))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// Records the templates a person accepted (one message each), keeping at most
/// `MAX_BANKED` unused per template.
pub(crate) fn accept(conn: &mut AnyConnection, user: Uuid, template_ids: &[String]) -> Result<(), DomainError> {
    let at = now();
    for tid in template_ids {
        let banked: i64 = subs::table
            .filter(subs::user_id.eq(user.to_string()))
            .filter(subs::template_id.eq(tid))
            .filter(subs::used_at.is_null())
            .count()
            .get_result(conn)
            .map_err(storage)?;
        if banked >= MAX_BANKED {
            continue;
        }
        diesel::insert_into(subs::table)
            .values((
                subs::id.eq(new_id().to_string()),
                subs::user_id.eq(user.to_string()),
                subs::template_id.eq(tid),
                subs::accepted_at.eq(at),
            ))
            .execute(conn)
            .map_err(storage)?;
    }
    Ok(())
}

/// Unused acceptances per WeChat template id.
pub(crate) fn banked(conn: &mut AnyConnection, user: Uuid) -> Result<BTreeMap<String, i64>, DomainError> {
    let rows: Vec<(String, i64)> = subs::table
        .filter(subs::user_id.eq(user.to_string()))
        .filter(subs::used_at.is_null())
        .group_by(subs::template_id)
        .select((subs::template_id, diesel::dsl::count_star()))
        .load(conn)
        .map_err(storage)?;
    Ok(rows.into_iter().collect())
}
