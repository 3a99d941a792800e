//! What the clock does by itself: flag overdue orders, escalate unanswered
//! ones where a region's policy says so, and close resolved orders nobody
//! rated within the configured period.

use chrono::{DateTime, Duration, Utc};
use domain::order::escalation::{auto_escalate, governing, EscalationPolicy};
use domain::order::sla::flag_overdue;
use domain::order::transition::auto_close;
use domain::order::{Clock, Order, Transition};
use domain::DomainError;

use crate::db::{write_tx, AnyConnection, Db};
use crate::repo::{categories, orders, policies};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub overdue_flagged: usize,
    pub escalated: usize,
    pub auto_closed: usize,
}

/// Stores one system transition in its own transaction; a concurrent change
/// (the order was rated or dispatched meanwhile) leaves it for the next pass.
fn store(conn: &mut AnyConnection, before: &Order, t: &Transition) -> Result<bool, DomainError> {
    match write_tx(conn, |c| orders::save(c, before, t, None)) {
        Ok(()) => Ok(true),
        Err(DomainError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// One pass; each order in its own transaction so one failure stops nothing else.
pub fn run_on(conn: &mut AnyConnection, at: DateTime<Utc>, close_after: Duration) -> Result<SweepReport, DomainError> {
    let mut report = SweepReport::default();
    let policies = policies::all(conn)?;
    for order in orders::overdue_candidates(conn, at, 500)? {
        let mut current = order;
        for clock in current.unflagged_overdue(at) {
            let Some(t) = flag_overdue(&current, clock, at) else { continue };
            if !store(conn, &current, &t)? {
                break;
            }
            report.overdue_flagged += 1;
            current = t.next;
            if clock == Clock::Response && escalate(conn, &current, &policies, at)? {
                report.escalated += 1;
                break;
            }
        }
    }
    for order in orders::unrated_since(conn, at - close_after, 500)? {
        let Some(t) = auto_close(&order, at) else { continue };
        if store(conn, &order, &t)? {
            report.auto_closed += 1;
        }
    }
    Ok(report)
}

/// Moves an order whose response clock was just flagged one level up, if a
/// policy governs it (the flag's supervisors were told; the new level's staff
/// are told by the escalation).
fn escalate(
    conn: &mut AnyConnection,
    order: &Order,
    policies: &[EscalationPolicy],
    at: DateTime<Utc>,
) -> Result<bool, DomainError> {
    let Some(policy) = governing(order, policies) else { return Ok(false) };
    let item = categories::get_item(conn, order.item_id)?;
    match auto_escalate(order, policy, &item, at) {
        Some(t) => store(conn, order, &t),
        None => Ok(false),
    }
}

pub async fn run(db: &Db, at: DateTime<Utc>, close_after: Duration) -> Result<SweepReport, DomainError> {
    let report = db.run(move |c| run_on(c, at, close_after)).await?;
    if report.overdue_flagged + report.auto_closed > 0 {
        db.live().announce();
    }
    Ok(report)
}
