//! Webhooks and WeCom group robots that admins register, over their region
//! (a city-wide admin: anywhere).

use domain::actor::Actor;
use domain::webhook::WebhookDraft;
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::repo::{regions, robots, webhooks};

pub use crate::repo::robots::Robot;
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
        webhooks::get(c, id)
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
        let hook = webhooks::get(c, id)?;
        if !may_manage(&actor, &hook) {
            return Err(DomainError::not_found("webhook.not_found"));
        }
        webhooks::delete(c, id)
    })
    .await
}

/// A robot key as WeCom issues it: 8–64 letters, digits or `-`.
fn parse_robot_key(raw: &str) -> Result<String, DomainError> {
    let key = raw.trim();
    if (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(key.to_owned())
    } else {
        Err(DomainError::field("key", "invalid_key", "请填写企业微信群机器人 webhook 地址中的 key"))
    }
}

/// Sets the WeCom group robot of a community or street (admin over it).
pub async fn set_robot(db: &Db, actor: Actor, region_id: Uuid, key: String) -> Result<Robot, DomainError> {
    let key = parse_robot_key(&key)?;
    db.write(move |c| {
        let region = regions::find(c, region_id)?
            .filter(|r| matches!(r.kind, domain::region::RegionKind::Community | domain::region::RegionKind::Street))
            .ok_or_else(|| DomainError::field("region_id", "not_found", "请选择一个社区或街道"))?;
        if !actor.may_administer(Some(&region.path)) {
            return Err(DomainError::forbidden("auth.forbidden", "需要该区域的管理员权限"));
        }
        robots::set(c, region_id, &key)
    })
    .await
}

/// The robots of the regions the actor administers.
pub async fn list_robots(db: &Db, actor: Actor) -> Result<Vec<Robot>, DomainError> {
    db.run(move |c| {
        let mut out = Vec::new();
        for robot in robots::all(c)? {
            if actor.may_administer(Some(&regions::get(c, robot.region_id)?.path)) {
                out.push(robot);
            }
        }
        Ok(out)
    })
    .await
}

pub async fn remove_robot(db: &Db, actor: Actor, region_id: Uuid) -> Result<(), DomainError> {
    db.write(move |c| {
        let path = regions::find(c, region_id)?.map(|r| r.path);
        if !path.as_deref().is_some_and(|p| actor.may_administer(Some(p))) || robots::remove(c, region_id)? == 0 {
            return Err(DomainError::not_found("wecom_robot.not_found"));
        }
        Ok(())
    })
    .await
}
