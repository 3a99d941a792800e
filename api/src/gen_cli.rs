//! `mashangban gen`: fills a database with generated orders, with a progress bar.

use indicatif::{ProgressBar, ProgressStyle};
use infra::usecase::generate::{generate, GenSpec};

use crate::app::AppState;

pub async fn run(state: &AppState, orders: u64, seed: u64) -> anyhow::Result<()> {
    let bar = ProgressBar::new(orders).with_style(
        ProgressStyle::with_template("orders [{bar:30}] {pos}/{len} {per_sec} eta {eta}")?.progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let progress = bar.clone();
    let report = generate(&state.db, GenSpec { orders, seed }, move |n| progress.inc(n)).await?;
    bar.finish();
    println!(
        "gen: {} orders with {} events over {} buildings and {} people in {:.1} s (seed {seed}, {} database)",
        report.orders,
        report.events,
        report.buildings,
        report.people,
        started.elapsed().as_secs_f64(),
        state.db.backend()
    );
    Ok(())
}
