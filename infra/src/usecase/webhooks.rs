//! Webhooks admins register, over their region (a city-wide admin: anywhere).

use domain::actor::Actor;
use domain::webhook::WebhookDraft;
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::repo::{regions, webhooks};

pub use crate::repo::webhooks::Webhook;

fn may_manage(actor: &Actor, hook: &Webhook) -> bool {
    actor.may_administer(hook.region_path.as_deref())
}

pub async fn create(
    db: &Db,
    actor: Actor,
    draft: WebhookDraft,
    region_id: Option<Uuid>,
) -> Result<Webhook, DomainError> {
    db.write(move |c| {
        let path = match region_id {
            Some(id) => Some(
                regions::find(c, id)?.ok_or_else(|| DomainError::field("region_id", "not_found", "区域不存在"))?.path,
            ),
            None => None,
        };
        if !actor.may_administer(path.as_deref()) {
            return Err(DomainError::forbidden("auth.forbidden", "需要该区域的管理员权限"));
        }
        let id = webhooks::create(c, &draft, region_id, actor.user_id)?;
        webhooks::all(c)?.into_iter().find(|h| h.id == id).ok_or(DomainError::not_found("webhook.not_found"))
    })
    .await
}

/// The webhooks the actor administers.
pub async fn list(db: &Db, actor: Actor) -> Result<Vec<Webhook>, DomainError> {
    if !actor.grants.iter().any(|g| g.role == domain::actor::Role::Admin) {
        return Err(DomainError::forbidden("auth.forbidden", "仅管理员可管理 Webhook"));
    }
    let all = db.run(webhooks::all).await?;
    Ok(all.into_iter().filter(|h| may_manage(&actor, h)).collect())
}

pub async fn delete(db: &Db, actor: Actor, id: Uuid) -> Result<(), DomainError> {
    db.write(move |c| {
        let hook =
            webhooks::all(c)?.into_iter().find(|h| h.id == id).ok_or(DomainError::not_found("webhook.not_found"))?;
        if !may_manage(&actor, &hook) {
            return Err(DomainError::not_found("webhook.not_found"));
        }
        webhooks::delete(c, id)
    })
    .await
}
