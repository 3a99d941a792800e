//! `mashangban posters`: a community's posters into a folder, with a progress bar.

use std::path::PathBuf;

use anyhow::Context;
use domain::actor::Actor;
use indicatif::{ProgressBar, ProgressStyle};
use infra::usecase::printing::{self, Format};

use crate::app::AppState;

/// What the files are: one PNG or SVG per poster, or one PDF for the community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrintFormat {
    Png,
    Svg,
    Pdf,
}

pub async fn run(state: &AppState, community: String, out: PathBuf, format: PrintFormat) -> anyhow::Result<()> {
    let region = infra::usecase::places::find_region(&state.db, community.clone())
        .await
        .with_context(|| format!("no region with code or id {community}"))?;
    let (community, sheets) = printing::community_sheets(&state.db, &state.printer, Actor::operator(), region.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    if sheets.is_empty() {
        println!("{}: no posters in use", community.name);
        return Ok(());
    }
    // The embedded font covers GB 2312; a rarer character would print as a box.
    for sheet in &sheets {
        let names = format!("{}{}{}{}", sheet.street, sheet.community, sheet.grid, sheet.building);
        let missing = infra::print::missing_glyphs(&names);
        if !missing.is_empty() {
            eprintln!(
                "warning: {} ({}): the font lacks {:?}; they print as boxes",
                sheet.building, sheet.code, missing
            );
        }
    }
    let bar = ProgressBar::new(sheets.len() as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}")?.progress_chars("=> "),
    );
    bar.set_message(community.name.clone());
    let mut written = Vec::new();
    match format {
        PrintFormat::Pdf => {
            // One document, laid out page by page: the bar moves as pages are drawn.
            let pdf = tokio::task::spawn_blocking({
                let bar = bar.clone();
                move || infra::print::pdf_with_progress(&sheets, || bar.inc(1))
            })
            .await??;
            let path = out.join(format!("{}-码牌.pdf", community.name));
            std::fs::write(&path, pdf)?;
            written.push(path);
        }
        PrintFormat::Png | PrintFormat::Svg => {
            let format = if format == PrintFormat::Png { Format::Png } else { Format::Svg };
            for sheet in sheets {
                let file = printing::render(sheet, format).await?;
                let path = out.join(&file.name);
                std::fs::write(&path, file.bytes).with_context(|| format!("cannot write {}", path.display()))?;
                written.push(path);
                bar.inc(1);
            }
        }
    }
    bar.finish();
    println!("{}: {} file(s) in {}", community.name, written.len(), out.display());
    Ok(())
}
