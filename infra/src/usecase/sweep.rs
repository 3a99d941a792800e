//! What the clock does by itself: flag overdue orders, and close resolved
//! orders nobody rated within the configured period.

use chrono::{DateTime, Duration, Utc};
use domain::order::sla::flag_overdue;
use domain::order::transition::auto_close;
use domain::order::{Order, Transition};
use domain::DomainError;

use crate::db::{write_tx, AnyConnection, Db};
use crate::repo::orders;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub overdue_flagged: usize,
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
    for order in orders::overdue_candidates(conn, at, 500)? {
        let mut current = order;
        for clock in current.unflagged_overdue(at) {
            let Some(t) = flag_overdue(&current, clock, at) else { continue };
            if !store(conn, &current, &t)? {
                break;
            }
            report.overdue_flagged += 1;
            current = t.next;
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

pub async fn run(db: &Db, at: DateTime<Utc>, close_after: Duration) -> Result<SweepReport, DomainError> {
    let report = db.run(move |c| run_on(c, at, close_after)).await?;
    if report.overdue_flagged + report.auto_closed > 0 {
        db.live().announce();
    }
    Ok(report)
}
