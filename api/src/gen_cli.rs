//! `mashangban gen` and `mashangban stats`: filling a database with generated
//! orders, and repairing the statistics kept from them; with progress bars.

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

#[derive(Debug, clap::Subcommand)]
pub enum StatsCommand {
    /// Recount every order and list the counter rows that differ (exit 1 if any)
    Verify,
    /// Recount every order into fresh counters, with a progress bar (writers wait meanwhile)
    Rebuild,
}

/// `mashangban stats verify|rebuild`: the repair of the statistics' counters.
pub async fn stats(state: &AppState, command: StatsCommand) -> anyhow::Result<()> {
    use infra::usecase::stats;
    let started = std::time::Instant::now();
    match command {
        StatsCommand::Verify => {
            let wrong = stats::verify(&state.db).await?;
            for row in wrong.iter().take(20) {
                println!("differs: {row:?}");
            }
            println!(
                "stats verify: {} counter rows differ from a recount ({:.1} s)",
                wrong.len(),
                started.elapsed().as_secs_f64()
            );
            if !wrong.is_empty() {
                anyhow::bail!("the counters are wrong: run `mashangban stats rebuild`");
            }
        }
        StatsCommand::Rebuild => {
            let bar = ProgressBar::new(stats::orders_stored(&state.db).await?).with_style(
                ProgressStyle::with_template("recount [{bar:30}] {pos}/{len} orders {per_sec} eta {eta}")?
                    .progress_chars("=> "),
            );
            let progress = bar.clone();
            let read = stats::rebuild(&state.db, move |n| progress.inc(n as u64)).await?;
            bar.finish();
            println!("stats rebuild: {read} orders recounted in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// Fills the counters of a database that has orders but none yet (one from
/// before statistics, or filled by hand), before serving.
pub async fn ensure_stats(state: &AppState) -> anyhow::Result<()> {
    if let Some(read) = infra::usecase::stats::ensure_built(&state.db).await? {
        println!("stats: counters built from {read} orders");
    }
    Ok(())
}
