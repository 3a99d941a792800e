//! What the clock does by itself: flag overdue orders, and close resolved
//! orders nobody rated within the configured period.

use chrono::{Duration, NaiveDateTime};
use domain::order::transition::auto_close;
use domain::DomainError;

use crate::db::{write_tx, AnyConnection};
use crate::repo::orders::{self, Stamp};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub overdue_flagged: usize,
    pub auto_closed: usize,
}

/// One pass; each order in its own transaction so one failure stops nothing else.
pub fn run(conn: &mut AnyConnection, at: NaiveDateTime, close_after: Duration) -> Result<SweepReport, DomainError> {
    let mut report = SweepReport::default();
    for (order, clock) in orders::overdue_candidates(conn, at, 500)? {
        write_tx(conn, |c| orders::mark_overdue(c, &order, clock, at))?;
        report.overdue_flagged += 1;
    }
    for order in orders::unrated_since(conn, at - close_after, 500)? {
        let Some(transition) = auto_close(&order.state()?) else { continue };
        match write_tx(conn, |c| orders::save(c, &order, &transition, None, Stamp::default(), at)) {
            Ok(_) => report.auto_closed += 1,
            // Rated or visited meanwhile: nothing to close.
            Err(DomainError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}
