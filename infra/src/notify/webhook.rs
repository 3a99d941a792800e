//! The generic webhook channel: each notification is POSTed as JSON to every
//! webhook subscribed to its template whose region covers the order, signed
//! with the webhook's secret. Delivery is at least once: a receiver dedupes by
//! `X-Mashangban-Delivery`. A receiver that is down fails the attempt, which
//! the dispatcher retries with backoff; it never blocks a request.

use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use domain::delivery::NotifyChannel;

use super::{BoxFuture, Channel, Delivery, Outcome};
use crate::db::Db;
use crate::repo::webhooks::{self, Webhook};

pub struct WebhookChannel {
    db: Db,
    http: reqwest::Client,
}

impl WebhookChannel {
    pub fn new(db: Db) -> Result<WebhookChannel, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(WebhookChannel { db, http })
    }
}

/// `sha256=<hex>` of HMAC-SHA256(secret, "{timestamp}.{body}").
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(domain::webhook::signed_content(timestamp, body).as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn covers(hook: &Webhook, template: &str, path: Option<&str>) -> bool {
    hook.templates.iter().any(|t| t == template)
        && match (&hook.region_path, path) {
            (None, _) => true,
            (Some(region), Some(order)) => order.starts_with(region.as_str()),
            (Some(_), None) => false,
        }
}

impl Channel for WebhookChannel {
    fn name(&self) -> NotifyChannel {
        NotifyChannel::Webhook
    }

    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<Outcome, String>> {
        Box::pin(async move {
            let hooks = self.db.run(webhooks::all).await.map_err(|e| e.to_string())?;
            let path = d.place.as_ref().map(|p| p.path.clone());
            let body = serde_json::json!({
                "id": d.outbox_id,
                "template": d.template,
                "title": domain::delivery::title(&d.template),
                "order_id": d.order_id,
                "order": d.payload,
            })
            .to_string();
            let mut failures = Vec::new();
            let targets: Vec<_> = hooks.iter().filter(|h| covers(h, &d.template, path.as_deref())).collect();
            if targets.is_empty() {
                return Ok(Outcome::Skipped);
            }
            for hook in targets {
                let timestamp = Utc::now().timestamp();
                let sent = self
                    .http
                    .post(&hook.url)
                    .header("Content-Type", "application/json")
                    .header("X-Mashangban-Delivery", d.outbox_id.to_string())
                    .header("X-Mashangban-Timestamp", timestamp.to_string())
                    .header("X-Mashangban-Signature", signature(&hook.secret, timestamp, &body))
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {}
                    Ok(r) => failures.push(format!("{} answered {}", hook.id, r.status().as_u16())),
                    Err(e) => failures.push(format!("{}: {e}", hook.id)),
                }
            }
            if failures.is_empty() {
                Ok(Outcome::Sent)
            } else {
                Err(failures.join("; "))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 0123456789abcdef
        assert_eq!(
            signature("0123456789abcdef", 1_700_000_000, r#"{"a":1}"#),
            "sha256=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23"
        );
    }
}
