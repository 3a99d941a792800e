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
use crate::repo::tokens;
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
