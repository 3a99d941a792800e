//! `mashangban serve`: the HTTP server and the background workers (sweeper,
//! dispatcher) of one node, and how they stop.
//!
//! On SIGTERM or SIGINT: the listener closes, requests in flight finish (up to
//! `MSB_SHUTDOWN_TIMEOUT_SECONDS`), live streams end (a console reconnects
//! elsewhere with `Last-Event-ID`), and the workers finish the pass they are in
//! and claim nothing more. What was answered is committed; a notification a
//! dispatcher had claimed but not sent when the timeout ran out stays
//! `sending` and is claimed again after its lease (see `infra::notify`).

use std::future::Future;
use std::time::Duration;

use actix_web::HttpServer;
use anyhow::Context;
use tokio::sync::watch;
use tracing_actix_web::TracingLogger;

use crate::app::{app, AppState};

/// Serves until a stop signal, then stops in the order above.
pub async fn serve(state: AppState, banner: impl FnOnce(&AppState, String)) -> anyhow::Result<()> {
    let (stop, stopping) = watch::channel(false);
    let workers = [spawn_sweeper(state.clone(), stopping.clone()), spawn_dispatcher(state.clone(), stopping)];
    let bind = state.config.bind.clone();
    let grace = state.config.shutdown_timeout;
    let server_state = state.clone();
    let server =
        HttpServer::new(move || app(server_state.clone()).wrap(TracingLogger::<crate::edge::RequestSpan>::new()))
            .disable_signals()
            .shutdown_timeout(grace.as_secs())
            .bind(&bind)
            .with_context(|| format!("cannot listen on {bind}"))?;
    let addrs = server.addrs();
    banner(&state, addrs.first().map(ToString::to_string).unwrap_or(bind));
    let mut server = server.run();
    let handle = server.handle();
    tokio::select! {
        served = &mut server => served?,
        which = stop_signal() => {
            tracing::info!(signal = which, grace_seconds = grace.as_secs(), "stopping: finishing requests in flight");
            // Workers and live streams first: a stream would hold its connection until the timeout.
            let _ = stop.send(true);
            state.db.live().close();
            // The server future does the stopping: it must be polled while the handle waits.
            let ((), served) = tokio::join!(handle.stop(true), server);
            served?;
        }
    }
    for worker in workers.into_iter().flatten() {
        if tokio::time::timeout(grace, worker).await.is_err() {
            tracing::warn!("stopping: a worker's pass outlived the timeout; what it had not stored is retried");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        tracing::warn!("no signal handlers: stop the process with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

/// Runs `pass` every `every` until told to stop; a pass in progress finishes.
fn every<F, Fut>(
    every: Duration,
    mut stopping: watch::Receiver<bool>,
    mut pass: F,
) -> Option<tokio::task::JoinHandle<()>>
where
    F: FnMut() -> Fut + 'static,
    Fut: Future<Output = ()>,
{
    if every.is_zero() {
        return None;
    }
    Some(actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(every);
        loop {
            // Biased: once stopping, no new pass starts even when a tick is due too.
            tokio::select! {
                biased;
                _ = stopping.wait_for(|stop| *stop) => break,
                _ = tick.tick() => pass().await,
            }
        }
    }))
}

/// What one sweeper pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swept {
    pub orders: infra::usecase::sweep::SweepReport,
    /// Closed orders whose contact data the retention period erased.
    pub contacts_erased: usize,
}

pub async fn sweep_once(state: &AppState) -> anyhow::Result<Swept> {
    let close_after = chrono::Duration::from_std(state.config.auto_close_after)?;
    let report = infra::usecase::sweep::run(&state.db, infra::ids::now_utc(), close_after).await;
    crate::metrics::record_sweep(report.as_ref().ok());
    let report = report?;
    // PIPL: closed orders past the retention period lose their contact data.
    let erased =
        infra::usecase::privacy::erase_expired(&state.db, infra::ids::now_utc(), state.config.privacy.retention_days)
            .await?;
    if erased > 0 {
        metrics::counter!("msb_sweeper_orders_total", "action" => "contact_erased").increment(erased as u64);
        tracing::info!(orders = erased, days = state.config.privacy.retention_days, "retention: contact data erased");
    }
    // Photos nobody attached within a day, and parts of uploads a crash left behind.
    let day = Duration::from_secs(24 * 3600);
    let media = infra::usecase::media::sweep(&state.db, &state.media, &state.config.media.incoming_dir, day).await?;
    if media.uploads + media.partial_files > 0 {
        tracing::info!(uploads = media.uploads, partial_files = media.partial_files, "swept unattached media");
    }
    Ok(Swept { orders: report, contacts_erased: erased })
}

/// The sweeper in the background. Safe on every node at once: each change is
/// conditional (flag once, close by version).
fn spawn_sweeper(state: AppState, stopping: watch::Receiver<bool>) -> Option<tokio::task::JoinHandle<()>> {
    every(state.config.sweep_interval, stopping, move || {
        let state = state.clone();
        async move {
            match sweep_once(&state).await.map(|s| s.orders) {
                Ok(r) if r.overdue_flagged + r.escalated + r.auto_closed > 0 => {
                    tracing::info!(
                        overdue = r.overdue_flagged,
                        escalated = r.escalated,
                        closed = r.auto_closed,
                        "sweep"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error.cause = %e, "sweep failed"),
            }
        }
    })
}

/// Sends notifications in the background. Safe on every node at once: rows
/// are claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL) before they are sent.
fn spawn_dispatcher(state: AppState, stopping: watch::Receiver<bool>) -> Option<tokio::task::JoinHandle<()>> {
    let channels = std::sync::Arc::new(infra::usecase::notifications::channels(&state.db, &state.notify));
    every(state.config.dispatch_interval, stopping, move || {
        let (state, channels) = (state.clone(), channels.clone());
        async move {
            match infra::notify::dispatch_all(&state.db, &channels, infra::ids::now_utc()).await {
                Ok(r) if r.claimed() > 0 => tracing::info!(sent = r.sent, retry = r.retried, dead = r.dead, "dispatch"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error.cause = %e, "dispatch failed"),
            }
            // Texts and photos WeChat could not check when they came in.
            if let Some(check) = &state.content_check {
                match infra::usecase::moderation::check_pending(&state.db, check).await {
                    Ok(r) if r.settled + r.postponed > 0 => {
                        tracing::info!(settled = r.settled, postponed = r.postponed, "content checks")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error.cause = %e, "content checks failed"),
                }
            }
        }
    })
}
