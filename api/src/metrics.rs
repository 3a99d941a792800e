//! Prometheus metrics (`GET /metrics`), through the `metrics` facade and its
//! Prometheus exporter: one recorder per process, installed at the first use.
//!
//! Counted as they happen: requests by method, route pattern and status, with
//! a latency histogram (`msb_http_*`); deliveries by channel and outcome
//! (`msb_notifications_total`, in infra's dispatcher); sweeper passes and what
//! they changed (`msb_sweeper_*`). Read at each scrape: orders and outbox rows
//! by status, and the database pool.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds: from a cached read to a slow PDF.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder; `None` when another recorder was installed first
/// (a test's), in which case `/metrics` answers only the scrape-time gauges.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error.cause = %e, "metrics: no recorder installed");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!("msb_http_requests_total", "Requests answered, by method, route pattern and status");
    metrics::describe_histogram!(
        "msb_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer, by method and route pattern"
    );
    metrics::describe_counter!("msb_notifications_total", "Notification deliveries, by channel and outcome");
    metrics::describe_counter!("msb_sweeper_runs_total", "Sweeper passes, by outcome");
    metrics::describe_counter!("msb_sweeper_orders_total", "Orders the sweeper changed, by action");
    metrics::describe_gauge!("msb_orders", "Orders, by status");
    metrics::describe_gauge!("msb_outbox", "Notifications in the outbox, by stored status");
    metrics::describe_gauge!("msb_db_pool_connections", "Database connections, by state (open, idle, max)");
}

/// Records one answered request. `route` is the matched pattern
/// (`/api/v1/orders/{id}`), never the raw path, so the series stay few.
pub fn record_request(method: &str, route: Option<&str>, status: u16, started: Instant) {
    if handle().is_none() {
        return;
    }
    let route = route.unwrap_or("unmatched").to_owned();
    let method = method.to_owned();
    let status = status.to_string();
    metrics::counter!("msb_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("msb_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
}

/// Records one sweeper pass: its outcome, and what it changed.
pub fn record_sweep(report: Option<&infra::usecase::sweep::SweepReport>) {
    let Some(r) = report else {
        metrics::counter!("msb_sweeper_runs_total", "outcome" => "error").increment(1);
        return;
    };
    metrics::counter!("msb_sweeper_runs_total", "outcome" => "ok").increment(1);
    for (action, n) in [("overdue", r.overdue_flagged), ("escalated", r.escalated), ("closed", r.auto_closed)] {
        metrics::counter!("msb_sweeper_orders_total", "action" => action).increment(n as u64);
    }
}

/// Label values set before: a status that has no rows now reads 0, not its old count.
static SEEN: Mutex<BTreeSet<(&'static str, String)>> = Mutex::new(BTreeSet::new());

fn set_by_status(name: &'static str, counts: &[(String, i64)]) {
    let Ok(mut seen) = SEEN.lock() else { return };
    for (status, _) in counts {
        seen.insert((name, status.clone()));
    }
    for (metric, status) in seen.iter().filter(|(m, _)| *m == name) {
        let n = counts.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
        metrics::gauge!(*metric, "status" => status.clone()).set(n as f64);
    }
}

static SCRAPE: Mutex<()> = Mutex::new(());

/// The exposition text: the gauges are read now, then everything is rendered.
pub fn render(gauges: &infra::usecase::ops::Gauges) -> String {
    let Some(handle) = handle() else { return String::new() };
    // One scrape at a time: another's gauges must not land between these and the text.
    let _one = SCRAPE.lock();
    set_by_status("msb_orders", &gauges.orders_by_status);
    set_by_status("msb_outbox", &gauges.outbox_by_status);
    let pool = gauges.pool;
    for (state, n) in [("open", pool.open), ("idle", pool.idle), ("max", pool.max)] {
        metrics::gauge!("msb_db_pool_connections", "state" => state).set(f64::from(n));
    }
    handle.run_upkeep();
    handle.render()
}
