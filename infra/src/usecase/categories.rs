//! What residents can report: categories and their items with the service
//! clock. City-wide admins change them.

use domain::actor::Actor;
use domain::category::{Category, CategoryDraft, CategoryItem, ItemDraft};
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::repo::categories as repo;

pub use crate::repo::categories::{CategoryChanges, ItemChanges};

fn require_config_admin(actor: &Actor) -> Result<(), DomainError> {
    if actor.may_configure_categories() {
        Ok(())
    } else {
        Err(DomainError::forbidden("auth.forbidden", "只有市级管理员可以配置事项分类"))
    }
}

/// The tree in display order; deactivated entries only for city-wide admins.
pub async fn tree(
    db: &Db,
    actor: Option<Actor>,
    include_inactive: bool,
) -> Result<Vec<(Category, Vec<CategoryItem>)>, DomainError> {
    if include_inactive {
        require_config_admin(&actor.ok_or(DomainError::Unauthorized { code: "auth.missing_token" })?)?;
    }
    db.run(move |c| repo::tree(c, include_inactive)).await
}

pub async fn create_category(
    db: &Db,
    actor: Actor,
    draft: CategoryDraft,
    sort_order: i32,
) -> Result<Category, DomainError> {
    require_config_admin(&actor)?;
    db.write(move |c| repo::create_category(c, draft.code, draft.name, sort_order)).await
}

pub async fn update_category(
    db: &Db,
    actor: Actor,
    id: Uuid,
    changes: CategoryChanges,
) -> Result<(Category, Vec<CategoryItem>), DomainError> {
    require_config_admin(&actor)?;
    db.write(move |c| Ok((repo::update_category(c, id, changes)?, repo::items_of(c, id)?))).await
}

pub async fn create_item(
    db: &Db,
    actor: Actor,
    category_id: Uuid,
    draft: ItemDraft,
    sort_order: i32,
    urgent: bool,
) -> Result<CategoryItem, DomainError> {
    require_config_admin(&actor)?;
    let new = repo::NewItem { category_id, code: draft.code, name: draft.name, sla: draft.sla, sort_order, urgent };
    db.write(move |c| repo::create_item(c, new)).await
}

pub async fn update_item(db: &Db, actor: Actor, id: Uuid, changes: ItemChanges) -> Result<CategoryItem, DomainError> {
    require_config_admin(&actor)?;
    db.write(move |c| repo::update_item(c, id, changes)).await
}
