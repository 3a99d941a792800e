//! Loads fixtures/ (embedded at build time) idempotently: running it twice
//! leaves the same state. Existing rows are matched by their codes and
//! usernames; an existing account's password is never overwritten.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use domain::actor::Role;
use domain::category::Sla;
use domain::poster::PosterCode;
use domain::region::RegionKind;
use domain::DomainError;
use serde::Deserialize;

use crate::db::{storage, write_tx, AnyConnection};
use crate::ids::{new_id, now};
use crate::password;
use crate::repo::{categories, posters, regions, users};

pub const REGIONS_JSON: &str = include_str!("../../fixtures/regions.json");
pub const CATEGORIES_JSON: &str = include_str!("../../fixtures/categories.json");
pub const ACCOUNTS_JSON: &str = include_str!("../../fixtures/accounts.json");

#[derive(Debug, Deserialize)]
struct RegionsFile {
    streets: Vec<RegionNode>,
}

#[derive(Debug, Deserialize)]
struct RegionNode {
    kind: RegionKind,
    code: String,
    name: String,
    address: Option<String>,
    poster: Option<String>,
    #[serde(default)]
    children: Vec<RegionNode>,
}

#[derive(Debug, Deserialize)]
struct CategoriesFile {
    categories: Vec<CategoryFixture>,
}

#[derive(Debug, Deserialize)]
struct CategoryFixture {
    code: String,
    name: String,
    items: Vec<ItemFixture>,
}

#[derive(Debug, Deserialize)]
struct ItemFixture {
    code: String,
    name: String,
    response_minutes: i32,
    resolve_hours: i32,
    /// Urgent by default (the 15-minute response clock).
    #[serde(default)]
    urgent: bool,
}

#[derive(Debug, Deserialize)]
struct AccountsFile {
    accounts: Vec<AccountFixture>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountFixture {
    pub username: String,
    pub password: Option<String>,
    pub wechat_openid: Option<String>,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub region: Option<String>,
    #[serde(default)]
    pub extra_regions: Vec<String>,
}

pub fn demo_accounts() -> Result<Vec<AccountFixture>, DomainError> {
    let file: AccountsFile = serde_json::from_str(ACCOUNTS_JSON).map_err(storage)?;
    Ok(file.accounts)
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub regions_created: usize,
    pub posters_created: usize,
    pub categories_created: usize,
    pub items_created: usize,
    pub accounts_created: usize,
}

/// Loads everything; demo accounts only when `with_demo_accounts`.
pub fn run(conn: &mut AnyConnection, with_demo_accounts: bool) -> Result<SeedReport, DomainError> {
    write_tx(conn, |conn| {
        let mut report = SeedReport::default();
        let tree: RegionsFile = serde_json::from_str(REGIONS_JSON).map_err(storage)?;
        for street in &tree.streets {
            seed_region(conn, street, None, &mut report)?;
        }
        seed_categories(conn, &mut report)?;
        if with_demo_accounts {
            for account in demo_accounts()? {
                seed_account(conn, &account, &mut report)?;
            }
            seed_demo_robot(conn)?;
        }
        Ok(report)
    })
}

/// The WeCom robot key development uses for 点灯社区 (sent only to a fake WeCom).
pub const DEMO_ROBOT_KEY: &str = "demo-robot-diandeng";

fn seed_demo_robot(conn: &mut AnyConnection) -> Result<(), DomainError> {
    if let Some(community) = regions::find_by_code(conn, "diandeng")? {
        if crate::repo::robots::key_of(conn, community.id)?.is_none() {
            crate::repo::robots::set(conn, community.id, DEMO_ROBOT_KEY)?;
        }
    }
    Ok(())
}

fn seed_region(
    conn: &mut AnyConnection,
    node: &RegionNode,
    parent: Option<uuid::Uuid>,
    report: &mut SeedReport,
) -> Result<(), DomainError> {
    let region = match regions::find_by_code(conn, &node.code)? {
        Some(existing) => {
            if existing.parent_id != parent || existing.kind != node.kind {
                return Err(DomainError::conflict(
                    "seed.region_moved",
                    format!("区域 {} 已存在于别处，种子数据不会移动它", node.code),
                ));
            }
            if existing.name != node.name || existing.address != node.address {
                let changes = regions::RegionChanges {
                    name: Some(node.name.clone()),
                    code: None,
                    address: Some(node.address.clone()),
                };
                regions::update(conn, existing.id, changes)?
            } else {
                existing
            }
        }
        None => {
            report.regions_created += 1;
            regions::create(
                conn,
                regions::NewRegion {
                    kind: node.kind,
                    code: Some(node.code.clone()),
                    name: node.name.clone(),
                    parent_id: parent,
                    address: node.address.clone(),
                },
            )?
        }
    };
    if let Some(code) = &node.poster {
        if posters::find(conn, code)?.is_none() {
            posters::create(conn, region.id, Some(PosterCode::parse(code)?))?;
            report.posters_created += 1;
        }
    }
    for child in &node.children {
        seed_region(conn, child, Some(region.id), report)?;
    }
    Ok(())
}

fn seed_categories(conn: &mut AnyConnection, report: &mut SeedReport) -> Result<(), DomainError> {
    let file: CategoriesFile = serde_json::from_str(CATEGORIES_JSON).map_err(storage)?;
    for (ci, cat) in file.categories.iter().enumerate() {
        let order = i32::try_from(ci).unwrap_or(i32::MAX);
        let category = match categories::find_category_by_code(conn, &cat.code)? {
            Some(existing) => categories::update_category(
                conn,
                existing.id,
                categories::CategoryChanges { name: Some(cat.name.clone()), sort_order: Some(order), active: None },
            )?,
            None => {
                report.categories_created += 1;
                categories::create_category(conn, cat.code.clone(), cat.name.clone(), order)?
            }
        };
        for (ii, item) in cat.items.iter().enumerate() {
            let order = i32::try_from(ii).unwrap_or(i32::MAX);
            let sla = Sla::parse(item.response_minutes, item.resolve_hours)?;
            match categories::find_item_by_code(conn, &item.code)? {
                Some(existing) => {
                    categories::update_item(
                        conn,
                        existing.id,
                        categories::ItemChanges {
                            name: Some(item.name.clone()),
                            response_minutes: Some(sla.response_minutes),
                            resolve_hours: Some(sla.resolve_hours),
                            sort_order: Some(order),
                            active: None,
                            urgent: Some(item.urgent),
                        },
                    )?;
                }
                None => {
                    report.items_created += 1;
                    categories::create_item(
                        conn,
                        categories::NewItem {
                            category_id: category.id,
                            code: item.code.clone(),
                            name: item.name.clone(),
                            sla,
                            sort_order: order,
                            urgent: item.urgent,
                        },
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Fixture passwords are few and shared; hashing each once per process keeps
/// seeding (and every test that seeds) fast.
fn fixture_hash(password: &str) -> Result<String, DomainError> {
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(password).cloned()) {
        return Ok(hit);
    }
    let hashed = password::hash(password)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(password.to_owned(), hashed.clone());
    }
    Ok(hashed)
}

fn region_id(conn: &mut AnyConnection, code: &str) -> Result<uuid::Uuid, DomainError> {
    regions::find_by_code(conn, code)?
        .map(|r| r.id)
        .ok_or_else(|| DomainError::conflict("seed.unknown_region", format!("未知区域编码 {code}")))
}

fn seed_account(
    conn: &mut AnyConnection,
    account: &AccountFixture,
    report: &mut SeedReport,
) -> Result<(), DomainError> {
    if users::find_by_username(conn, &account.username)?.is_some() {
        return Ok(());
    }
    let at = now();
    let id = new_id();
    let row = users::UserRow {
        id: id.to_string(),
        username: Some(account.username.clone()),
        password_hash: account.password.as_deref().map(fixture_hash).transpose()?,
        wechat_openid: account.wechat_openid.clone(),
        wechat_unionid: None,
        display_name: account.display_name.clone(),
        phone: account.phone.clone(),
        disabled: false,
        created_at: at,
        updated_at: at,
        phone_verified_at: None,
        must_change_password: false,
    };
    users::insert(conn, &row)?;
    let region = account.region.as_deref().map(|c| region_id(conn, c)).transpose()?;
    users::grant(conn, id, account.role, region)?;
    if account.role == Role::PartyMember || account.role == Role::Resident {
        // WeChat users are residents too.
        users::grant(conn, id, Role::Resident, None)?;
    }
    for extra in &account.extra_regions {
        let rid = region_id(conn, extra)?;
        users::grant(conn, id, account.role, Some(rid))?;
    }
    report.accounts_created += 1;
    Ok(())
}

/// Usernames whose stored password is still the fixture's. Production refuses
/// to start while this is not empty.
pub fn fixture_passwords_in_use(conn: &mut AnyConnection) -> Result<Vec<String>, DomainError> {
    let mut found = Vec::new();
    for account in demo_accounts()? {
        let Some(fixture_password) = &account.password else { continue };
        let Some(user) = users::find_by_username(conn, &account.username)? else { continue };
        if let Some(stored) = &user.password_hash {
            if password::verify(fixture_password, stored) {
                found.push(account.username.clone());
            }
        }
    }
    Ok(found)
}

/// Counts for a quick look at what a database holds.
pub fn region_kind_counts(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, DomainError> {
    use crate::schema::regions::dsl;
    use diesel::prelude::*;
    dsl::regions
        .group_by(dsl::kind)
        .select((dsl::kind, diesel::dsl::count_star()))
        .order(dsl::kind.asc())
        .load(conn)
        .map_err(storage)
}

/// Loads the fixtures in one go; running it again changes nothing.
pub async fn load(db: &crate::Db, with_demo_accounts: bool) -> Result<SeedReport, DomainError> {
    db.run(move |c| run(c, with_demo_accounts)).await
}

/// The demo accounts whose fixture password still works (`MSB_ENV=prod` refuses to start on any).
pub async fn demo_passwords_in_use(db: &crate::Db) -> Result<Vec<String>, DomainError> {
    db.run(fixture_passwords_in_use).await
}

/// Regions whose WeCom robot still has a development key (`MSB_ENV=prod` refuses to start on any).
pub async fn demo_robots_in_use(db: &crate::Db) -> Result<Vec<String>, DomainError> {
    db.run(crate::repo::robots::demo_keys).await
}
