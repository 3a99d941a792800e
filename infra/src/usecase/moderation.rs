//! Content checks through WeChat (msg_sec_check v2, media_check_async) when
//! it is configured. A check never blocks a report: WeChat slow or down
//! means the text is taken and checked later by the dispatcher.

use std::sync::Arc;
use std::time::Duration;

use domain::moderation::{decide, retry_after_minutes, CheckStatus, Decision, Text};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{AnyConnection, Db};
use crate::ids::now;
use crate::repo::checks::{self, NewCheck};
use crate::repo::users;
use crate::wechat::AccessTokens;

/// How long a report waits for a verdict before it is taken unchecked.
const WAIT: Duration = Duration::from_secs(2);

/// WeChat's content checks, present when WeChat is configured.
#[derive(Clone)]
pub struct ContentCheck {
    pub tokens: Arc<AccessTokens>,
    /// Where WeChat fetches a photo to check (`MSB_PUBLIC_URL`), with a signed link.
    pub public_url: String,
    /// Signs the links WeChat fetches photos by.
    pub link_key: Arc<Vec<u8>>,
}

/// A text that was taken but wants a record: flagged for review, or unchecked.
#[derive(Debug, Clone)]
pub struct Screened {
    pub text: Text,
    pub status: CheckStatus,
}

/// WeChat's suggestion on one text, or `None` when it could not be asked in time.
async fn verdict(check: &ContentCheck, openid: &str, text: &Text) -> Option<CheckStatus> {
    let client = check.tokens.client();
    let call =
        check.tokens.call(|token| async move { client.msg_sec_check(&token, openid, text.scene, &text.content).await });
    match tokio::time::timeout(WAIT, call).await {
        Ok(Ok(v)) => CheckStatus::of_suggest(&v.suggest),
        Ok(Err(e)) => {
            tracing::warn!(error.cause = %e, field = text.field, "content check failed: taken, checked later");
            None
        }
        Err(_) => {
            tracing::warn!(field = text.field, "content check timed out: taken, checked later");
            None
        }
    }
}

/// Checks what `user` wrote: risky text is refused (422 `content.risky`);
/// the rest is taken, with what to record. Accounts without WeChat (staff
/// with passwords) are not checked: WeChat checks only its own users.
pub async fn screen(
    db: &Db,
    check: Option<&ContentCheck>,
    user: Uuid,
    texts: Vec<Text>,
) -> Result<Vec<Screened>, DomainError> {
    let Some(check) = check else { return Ok(vec![]) };
    if texts.is_empty() {
        return Ok(vec![]);
    }
    let Some(openid) = db.run(move |c| users::get(c, user)).await?.wechat_openid else { return Ok(vec![]) };
    let mut taken = Vec::new();
    for text in texts {
        match decide(text.field, verdict(check, &openid, &text).await) {
            Decision::Refuse(e) => return Err(e),
            Decision::Take(Some(status)) => taken.push(Screened { text, status }),
            Decision::Take(None) => {}
        }
    }
    Ok(taken)
}

/// Records screened texts against their order, in the order's transaction.
pub(crate) fn record(
    conn: &mut AnyConnection,
    order: Uuid,
    user: Uuid,
    screened: &[Screened],
) -> Result<(), DomainError> {
    for s in screened {
        let new = NewCheck {
            order_id: Some(order),
            media_id: None,
            user_id: user,
            field: s.text.field,
            scene: s.text.scene,
            content: Some(s.text.content.clone()),
            status: s.status,
            trace_id: None,
        };
        checks::insert(conn, &new)?;
    }
    Ok(())
}

/// What a pass of the pending checks did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub settled: usize,
    pub postponed: usize,
}

/// Checks what could not be checked when it was written (the dispatcher
/// calls this each tick). A risky text found now cannot be refused any
/// more: it is flagged for staff like a review.
pub async fn check_pending(db: &Db, check: &ContentCheck) -> Result<CheckReport, DomainError> {
    let due = db.run(|c| checks::due(c, now(), 20)).await?;
    let mut report = CheckReport::default();
    for item in due {
        let user = item.user_id;
        let openid = db.run(move |c| users::get(c, user)).await?.wechat_openid.unwrap_or_default();
        let outcome = match (&item.content, item.media_id) {
            (Some(content), _) => {
                let text = Text { field: "text", scene: item.scene, content: content.clone() };
                verdict(check, &openid, &text).await.map(|s| (s, None))
            }
            (None, Some(media)) => super::media::ask_media_check(check, media, &openid, item.scene)
                .await
                .map(|t| (CheckStatus::Pending, Some(t))),
            (None, None) => Some((CheckStatus::Pass, None)),
        };
        let id = item.id;
        match outcome {
            Some((status, trace)) => {
                db.write(move |c| checks::settle(c, id, status, None, trace.as_deref())).await?;
                report.settled += 1;
            }
            None => {
                let attempts = item.attempts + 1;
                db.write(move |c| checks::postpone(c, id, attempts, retry_after_minutes(attempts))).await?;
                report.postponed += 1;
            }
        }
    }
    Ok(report)
}

/// Whether a message push really comes from WeChat: `signature` is the SHA-1
/// of the Token, `timestamp` and `nonce`, sorted and joined (WeChat's scheme).
pub fn push_is_genuine(token: &str, signature: &str, timestamp: &str, nonce: &str) -> bool {
    use sha1::{Digest, Sha1};
    use subtle::ConstantTimeEq;
    let mut parts = [token, timestamp, nonce];
    parts.sort_unstable();
    let expected = hex::encode(Sha1::digest(parts.concat()));
    !signature.is_empty() && bool::from(expected.as_bytes().ct_eq(signature.to_ascii_lowercase().as_bytes()))
}

/// A photo's verdict pushed by WeChat (`wxa_media_check`). Unknown trace ids
/// are ignored (WeChat retries pushes that fail, so they must not).
pub async fn media_verdict(
    db: &Db,
    trace_id: String,
    suggest: String,
    label: Option<i64>,
) -> Result<bool, DomainError> {
    let Some(status) = CheckStatus::of_suggest(&suggest) else { return Ok(false) };
    db.write(move |c| match checks::by_trace(c, &trace_id)? {
        Some((id, _media)) => {
            checks::settle(c, id, status, label, Some(&trace_id))?;
            Ok(true)
        }
        None => Ok(false),
    })
    .await
}

/// Staff over the order looked at what the checks flagged (text and photos)
/// and let it stand: the flag goes, and a withheld photo shows again.
pub async fn clear(
    db: &Db,
    actor: domain::actor::Actor,
    order_id: Uuid,
) -> Result<domain::order::OrderDetail, DomainError> {
    let who = actor.clone();
    db.write(move |c| {
        let order = crate::repo::orders::get(c, order_id)?;
        match domain::order::policy::visibility(&who, &order) {
            domain::order::policy::Visibility::Hidden => return Err(DomainError::not_found("order.not_found")),
            _ if !who.is_staff_over(&order.place.path) => {
                return Err(DomainError::forbidden("order.forbidden", "仅辖区内的工作人员可审核内容"))
            }
            _ => {}
        }
        checks::clear(c, order_id)
    })
    .await?;
    super::orders::get(db, actor, order_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_are_verified_by_the_token() {
        // WeChat's documented example: token "AAAAA", timestamp "1409659813", nonce "1372623149".
        let sig = {
            use sha1::{Digest, Sha1};
            let mut parts = ["AAAAA", "1409659813", "1372623149"];
            parts.sort_unstable();
            hex::encode(Sha1::digest(parts.concat()))
        };
        assert!(push_is_genuine("AAAAA", &sig, "1409659813", "1372623149"));
        assert!(push_is_genuine("AAAAA", &sig.to_uppercase(), "1409659813", "1372623149"));
        assert!(!push_is_genuine("BBBBB", &sig, "1409659813", "1372623149"));
        assert!(!push_is_genuine("AAAAA", &sig, "1409659814", "1372623149"));
        assert!(!push_is_genuine("AAAAA", "", "1409659813", "1372623149"));
    }
}
