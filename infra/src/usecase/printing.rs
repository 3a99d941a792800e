//! Printing posters: one poster as PNG or SVG, a community's as one PDF or
//! one ZIP. The QR is a WeChat unlimited mini-program code when WeChat is
//! configured (asked for once per poster and page, then kept in the media
//! store), otherwise a URL QR drawn here.

use std::sync::Arc;

use domain::actor::Actor;
use domain::poster::Poster;
use domain::region::Region;
use domain::DomainError;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::CallError;
use crate::db::{storage, Db};
use crate::media::MediaStore;
use crate::print::{self, PosterSheet, QrPicture};
use crate::repo::{posters, regions};
use crate::wechat::AccessTokens;

/// Where a poster's QR leads.
#[derive(Clone)]
pub struct Printer {
    /// A URL QR is this plus the code (`MSB_POSTER_URL_BASE`).
    pub url_base: String,
    /// Set when WeChat is configured: the QR is then a mini-program code.
    pub wxacode: Option<Wxacode>,
    /// Where fetched mini-program codes are kept.
    pub store: MediaStore,
}

#[derive(Clone)]
pub struct Wxacode {
    pub tokens: Arc<AccessTokens>,
    /// The mini-program page a scan opens (`MSB_POSTER_PAGE`); it reads the code from `scene`.
    pub page: String,
    /// `release`, `trial` or `develop`.
    pub env_version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// A rendered file: its name (for a download or an archive) and bytes.
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    /// An ASCII name for clients that cannot read `name` (e.g. `dd-hean.png`).
    pub ascii_name: String,
    pub bytes: Vec<u8>,
}

/// Staff over the building print its poster; a revoked poster is not printed.
pub async fn poster(db: &Db, printer: &Printer, actor: Actor, code: String, format: Format) -> Result<File, CallError> {
    let (poster, lineage) = db
        .run(move |c| {
            let poster = posters::find(c, &code)?.ok_or(DomainError::not_found("poster.not_found"))?;
            let building = regions::get(c, poster.building_id)?;
            if !actor.is_staff_over(&building.path) {
                return Err(DomainError::forbidden("auth.forbidden", "仅辖区内的工作人员可打印该码牌"));
            }
            if poster.revoked_at.is_some() {
                return Err(DomainError::Gone {
                    code: "poster.revoked", message: "该码牌已停用，不能再打印".into()
                });
            }
            Ok((poster.clone(), regions::lineage(c, &building)?))
        })
        .await?;
    Ok(render(sheet(printer, poster, lineage).await?, format).await?)
}

/// The sheets of every poster in use in a community, for staff over it; the
/// caller renders them (the CLI, with a progress bar) or `pdf`/`zip` do.
pub async fn community_sheets(
    db: &Db,
    printer: &Printer,
    actor: Actor,
    community_id: Uuid,
) -> Result<(Region, Vec<PosterSheet>), CallError> {
    let (community, targets) = db
        .run(move |c| {
            let community = regions::get(c, community_id)?;
            if !actor.is_staff_over(&community.path) {
                return Err(DomainError::forbidden("auth.forbidden", "仅辖区内的工作人员可打印码牌"));
            }
            if community.kind != domain::region::RegionKind::Community {
                return Err(DomainError::field("community_id", "not_a_community", "请选择一个社区"));
            }
            Ok((community.clone(), posters::active_within(c, &community.path)?))
        })
        .await?;
    let mut sheets = Vec::with_capacity(targets.len());
    for t in targets {
        sheets.push(sheet(printer, t.poster, t.lineage).await?);
    }
    Ok((community, sheets))
}

/// A community's posters as one PDF, a page each.
pub async fn community_pdf(db: &Db, printer: &Printer, actor: Actor, community_id: Uuid) -> Result<File, CallError> {
    let (community, sheets) = community_sheets(db, printer, actor, community_id).await?;
    let bytes = blocking(move || print::pdf(&sheets)).await?;
    Ok(File {
        name: format!("{}-码牌.pdf", community.name),
        ascii_name: format!("{}-posters.pdf", community.code),
        bytes,
    })
}

/// A community's posters as one ZIP of PNGs.
pub async fn community_zip(db: &Db, printer: &Printer, actor: Actor, community_id: Uuid) -> Result<File, CallError> {
    let (community, sheets) = community_sheets(db, printer, actor, community_id).await?;
    let bytes = blocking(move || {
        let files = sheets
            .iter()
            .map(|s| print::png(s).map(|png| (file_name(s, Format::Png), png)))
            .collect::<Result<Vec<_>, _>>()?;
        print::zip(&files)
    })
    .await?;
    Ok(File {
        name: format!("{}-码牌.zip", community.name),
        ascii_name: format!("{}-posters.zip", community.code),
        bytes,
    })
}

/// `和安第一网格-和安楼-dd-hean.png`: sorted by grid in a folder, and unique by code.
pub fn file_name(sheet: &PosterSheet, format: Format) -> String {
    let ext = format.extension();
    let clean = |s: &str| s.chars().filter(|c| !c.is_control() && !"/\\:*?\"<>|".contains(*c)).collect::<String>();
    format!("{}-{}-{}.{ext}", clean(&sheet.grid), clean(&sheet.building), sheet.code)
}

/// Renders a sheet on a blocking thread: pixels are CPU work.
pub async fn render(sheet: PosterSheet, format: Format) -> Result<File, DomainError> {
    let name = file_name(&sheet, format);
    let ascii_name = format!("{}.{}", sheet.code, format.extension());
    let bytes = blocking(move || match format {
        Format::Png => print::png(&sheet),
        Format::Svg => print::svg(&sheet).map(String::into_bytes),
    })
    .await?;
    Ok(File { name, ascii_name, bytes })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DomainError> + Send + 'static,
) -> Result<T, DomainError> {
    tokio::task::spawn_blocking(f).await.map_err(storage)?
}

async fn sheet(printer: &Printer, poster: Poster, lineage: Vec<Region>) -> Result<PosterSheet, CallError> {
    let [street, community, grid, building] = <[Region; 4]>::try_from(lineage)
        .map_err(|_| storage(format!("poster {} is not under a street/community/grid chain", poster.code)))?;
    let qr = qr(printer, &poster.code).await?;
    Ok(PosterSheet {
        code: poster.code,
        street: street.name,
        community: community.name,
        grid: grid.name,
        building: building.name,
        qr,
    })
}

async fn qr(printer: &Printer, code: &str) -> Result<QrPicture, CallError> {
    let Some(wx) = &printer.wxacode else {
        return Ok(print::qr_modules(&format!("{}{code}", printer.url_base))?);
    };
    // One cached picture per code, page and version: changing the page asks WeChat again.
    let variant = hex::encode(&Sha256::digest(format!("{}\n{}", wx.page, wx.env_version))[..6]);
    let key = format!("posters/wxacode/{code}-{variant}");
    if let Some(bytes) = printer.store.get(&key).await? {
        return Ok(QrPicture::Image { mime: sniff(&bytes), bytes });
    }
    let request = serde_json::json!({
        "scene": code, "page": wx.page, "env_version": wx.env_version, "check_path": false, "width": 1280,
    });
    let (client, request) = (wx.tokens.client(), &request);
    let (mime, bytes) = wx.tokens.call(|token| async move { client.wxacode_unlimit(&token, request).await }).await?;
    printer.store.put(&key, bytes.clone()).await?;
    Ok(QrPicture::Image { mime, bytes })
}

fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    }
}
