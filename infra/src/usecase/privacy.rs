//! The residents' rights under PIPL: export everything held about you, delete
//! your account, and the retention period after which closed orders lose
//! their contact data (the sweeper calls `erase_expired`).

use chrono::{DateTime, Utc};
use domain::actor::Actor;
use domain::order::policy::Visibility;
use domain::order::OrderDetail;
use domain::user::Profile;
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::notify::inbox::{self, Notification};
use crate::repo::orders::{self, TimelineEvent};
use crate::repo::privacy::{self, Subscription, Upload};
use crate::repo::{reveals, tokens};
use crate::usecase::people;

/// One of your orders with its whole history.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedOrder {
    pub detail: OrderDetail,
    pub events: Vec<TimelineEvent>,
}

/// Everything held about one person (PIPL art. 45).
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub exported_at: DateTime<Utc>,
    pub profile: Profile,
    pub orders: Vec<ExportedOrder>,
    pub notifications: Vec<Notification>,
    pub subscriptions: Vec<Subscription>,
    pub uploads: Vec<Upload>,
}

/// Reads it all in one transaction, so the parts agree with each other.
pub async fn export(db: &Db, user: Uuid) -> Result<Export, DomainError> {
    db.run(move |c| {
        let profile = people::profile(c, user)?;
        let reported = orders::reported_by(c, user)?;
        let details = orders::details(c, reported.into_iter().map(|o| (o, Visibility::Full)).collect())?;
        let orders = details
            .into_iter()
            .map(|detail| Ok(ExportedOrder { events: orders::events(c, detail.order.id)?, detail }))
            .collect::<Result<_, DomainError>>()?;
        Ok(Export {
            exported_at: crate::ids::now_utc(),
            profile,
            orders,
            notifications: inbox::all(c, user)?,
            subscriptions: privacy::subscriptions(c, user)?,
            uploads: privacy::uploads(c, user)?,
        })
    })
    .await
}

/// What deleting an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// Orders whose contact data was erased (they stay, without the person).
    pub orders_erased: usize,
    pub tokens_revoked: usize,
}

/// Deletes the caller's account (PIPL art. 47): personal rows gone, the
/// account emptied and disabled, their orders' contact data erased, every
/// login ended; in one transaction. Staff accounts are ended by their managers.
pub async fn delete_account(db: &Db, actor: Actor) -> Result<Deleted, DomainError> {
    domain::privacy::may_delete_self(&actor)?;
    let user = actor.user_id;
    let deleted = db
        .write(move |c| {
            let orders_erased = privacy::erase_reporter_contacts(c, user)?;
            let tokens_revoked = tokens::revoke_all(c, user)?;
            privacy::delete_account(c, user)?;
            Ok(Deleted { orders_erased, tokens_revoked })
        })
        .await?;
    tracing::info!(user = %user, orders = deleted.orders_erased, "account deleted at its owner's request");
    Ok(deleted)
}

/// Orders erased per transaction: a long backlog does not hold the SQLite writer.
const BATCH: i64 = 500;

/// Erases the contact data of orders closed more than `days` ago (0: never);
/// returns how many. Batches in their own transactions; safe on every node.
pub async fn erase_expired(db: &Db, now: DateTime<Utc>, days: u32) -> Result<usize, DomainError> {
    let Some(cutoff) = domain::privacy::retention_cutoff(now, days) else { return Ok(0) };
    let mut total = 0;
    loop {
        let n = db.write(move |c| privacy::erase_closed_before(c, cutoff, BATCH)).await?;
        total += n;
        if i64::try_from(n).unwrap_or(i64::MAX) < BATCH {
            return Ok(total);
        }
    }
}

/// Shows a staff member the reporter's phone of an order they see masked, and
/// records who, when, which order and why (PIPL art. 51). Whoever sees the
/// order in full gets the contact without a record; a party member browsing the
/// pool grabs the order first (403); an erased contact is 409.
pub async fn reveal_contact(
    db: &Db,
    actor: Actor,
    id: Uuid,
    reason: &str,
) -> Result<domain::order::fields::Contact, DomainError> {
    use domain::order::policy::{reveal_role, visibility};
    let reason = domain::privacy::check_reveal_reason(reason)?;
    db.write(move |c| {
        let order = orders::get(c, id)?;
        let role = match (visibility(&actor, &order), reveal_role(&actor, &order)) {
            (Visibility::Hidden, _) => return Err(DomainError::not_found("order.not_found")),
            (Visibility::Full, _) => return Ok(order.contact),
            (Visibility::Masked, None) => {
                return Err(DomainError::forbidden("order.forbidden", "请先抢单，接单后才能看到居民的联系方式"))
            }
            (Visibility::Masked, Some(role)) => role,
        };
        if order.contact.is_erased() {
            return Err(DomainError::conflict("contact.erased", "该诉求的联系方式已按规定删除"));
        }
        let reveal = reveals::NewReveal {
            order_id: order.id,
            user_id: actor.user_id,
            role: role.as_str().to_owned(),
            reason,
            path: order.path().to_owned(),
            at: crate::ids::now_utc(),
        };
        reveals::insert(c, &reveal)?;
        tracing::info!(order = %order.id, user = %actor.user_id, "contact revealed");
        Ok(order.contact)
    })
    .await
}

/// The reveals in the caller's oversight (admins: the city; street and
/// community staff: their area), newest first; others 403.
pub async fn reveals(
    db: &Db,
    actor: Actor,
    order_id: Option<Uuid>,
    user_id: Option<Uuid>,
    page: crate::repo::Page,
) -> Result<crate::repo::Paged<reveals::Reveal>, DomainError> {
    use domain::account::{oversight, Oversight};
    let within = match oversight(&actor) {
        Oversight::None => {
            return Err(DomainError::forbidden("auth.forbidden", "只有管理员和街道、社区工作人员可以查看"))
        }
        Oversight::City => None,
        Oversight::Within(paths) => Some(paths),
    };
    let filter = reveals::RevealFilter { within, order_id, user_id };
    db.run(move |c| reveals::list(c, &filter, &page)).await
}
