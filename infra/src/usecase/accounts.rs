//! Staff accounts managed by admins and scoped staff (and by the operator on
//! the host, `Actor::operator()`, through the CLI): create with a one-time password, change the
//! seat (role and region) or details, disable and enable, reset the password.
//! Who may do what is `domain::account`; here it is applied inside the
//! transaction that makes the change.

use domain::account::{self, account_seats, Oversight, Seat};
use domain::actor::{Actor, Role};
use domain::user::Profile;
use domain::DomainError;
use uuid::Uuid;

use super::people::profile;
use crate::db::{storage, AnyConnection, Db};
use crate::password;
use crate::repo::accounts::{self as repo, AccountFilter};
use crate::repo::{regions, tokens, users, Page, Paged};

/// An account and whether the one asking may change it.
#[derive(Debug, Clone)]
pub struct Account {
    pub profile: Profile,
    pub manageable: bool,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub region_id: Option<Uuid>,
}

/// Fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub phone: Option<String>,
    /// The one staff role the account holds from now on, and where.
    pub seat: Option<(Role, Option<Uuid>)>,
}

#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    pub role: Option<Role>,
    pub region_id: Option<Uuid>,
    pub disabled: Option<bool>,
    pub q: Option<String>,
}

const NOT_A_MANAGER: &str = "仅管理员及街道、社区工作人员可管理账号";

fn not_found() -> DomainError {
    DomainError::not_found("account.not_found")
}

fn seen_by(actor: &Actor, profile: Profile) -> Account {
    let manageable = account::may_manage(actor, profile.id, &account_seats(&profile.grants));
    Account { profile, manageable }
}

/// The account as `by` sees it; 404 when it is outside their oversight (so
/// ids do not tell which accounts exist elsewhere).
fn load(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Account, DomainError> {
    let profile = profile(conn, id).map_err(|_| not_found())?;
    if !account::may_see(actor, &account_seats(&profile.grants)) {
        return Err(not_found());
    }
    Ok(seen_by(actor, profile))
}

/// Loads the account and requires that `by` may change it.
fn load_managed(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Account, DomainError> {
    let found = load(conn, actor, id)?;
    if !found.manageable {
        return Err(DomainError::forbidden("auth.forbidden", "无权管理该账号"));
    }
    Ok(found)
}

/// The path of the region a seat is at, checked to exist.
fn seat_path(conn: &mut AnyConnection, region_id: Option<Uuid>) -> Result<Option<String>, DomainError> {
    region_id
        .map(|id| {
            regions::find(conn, id)?
                .map(|r| r.path)
                .ok_or_else(|| DomainError::field("region_id", "not_found", "区域不存在"))
        })
        .transpose()
}

fn require_may_give(actor: &Actor, role: Role, path: Option<&str>) -> Result<(), DomainError> {
    if account::may_give(actor, Seat { role, path }) {
        Ok(())
    } else {
        Err(DomainError::forbidden("auth.forbidden", format!("无权在该区域设立{}", role.label())))
    }
}

async fn hash(secret: String) -> Result<String, DomainError> {
    tokio::task::spawn_blocking(move || password::hash(&secret)).await.map_err(storage)?
}

/// Accounts in the caller's oversight, by username.
pub async fn list(db: &Db, actor: Actor, query: AccountQuery, page: Page) -> Result<Paged<Account>, DomainError> {
    let within = match account::oversight(&actor) {
        Oversight::None => return Err(DomainError::forbidden("auth.forbidden", NOT_A_MANAGER)),
        Oversight::City => None,
        Oversight::Within(paths) => Some(paths),
    };
    db.run(move |c| {
        let within = match query.region_id {
            None => within,
            Some(id) => {
                let path = seat_path(c, Some(id))?.unwrap_or_default();
                if within.as_ref().is_some_and(|roots| !roots.iter().any(|r| path.starts_with(r.as_str()))) {
                    return Err(DomainError::forbidden("auth.forbidden", "该区域不在您的管辖范围内"));
                }
                Some(vec![path])
            }
        };
        let filter = AccountFilter { within, role: query.role, disabled: query.disabled, q: query.q };
        let rows = repo::list(c, &filter, &page)?;
        let mut items = Vec::with_capacity(rows.items.len());
        for row in rows.items {
            items.push(seen_by(&actor, profile(c, row.uuid()?)?));
        }
        Ok(Paged { items, next_cursor: rows.next_cursor })
    })
    .await
}

pub async fn get(db: &Db, actor: Actor, id: Uuid) -> Result<Account, DomainError> {
    db.run(move |c| load(c, &actor, id)).await
}

/// Creates the account with a one-time password, answered once: the owner
/// must change it before anything else works.
pub async fn create(db: &Db, actor: Actor, new: NewAccount) -> Result<(Account, String), DomainError> {
    let username = domain::user::parse_username(&new.username)?;
    let display_name = domain::user::parse_display_name(&new.display_name)?;
    let role = account::check_account_role("role", new.role)?;
    let phone = new.phone.as_deref().map(domain::contact::Phone::parse).transpose()?.map(String::from);
    let secret = password::one_time();
    let password_hash = hash(secret.clone()).await?;
    let region_id = new.region_id;
    let created = db
        .write(move |c| {
            let path = seat_path(c, region_id)?;
            require_may_give(&actor, role, path.as_deref())?;
            let new = users::NewStaff {
                username,
                password_hash,
                display_name,
                phone,
                role,
                region_id,
                must_change_password: true,
            };
            let row = users::create_staff(c, new)?;
            Ok(seen_by(&actor, profile(c, row.uuid()?)?))
        })
        .await?;
    Ok((created, secret))
}

pub async fn update(db: &Db, actor: Actor, id: Uuid, changes: AccountChanges) -> Result<Account, DomainError> {
    let display_name = changes.display_name.as_deref().map(domain::user::parse_display_name).transpose()?;
    let phone = changes.phone.as_deref().map(domain::contact::Phone::parse).transpose()?.map(String::from);
    let seat = changes
        .seat
        .map(|(role, region)| Ok::<_, DomainError>((account::check_account_role("seat.role", role)?, region)));
    let seat = seat.transpose()?;
    db.write(move |c| {
        load_managed(c, &actor, id)?;
        if let Some((role, region_id)) = seat {
            let path = seat_path(c, region_id)?;
            require_may_give(&actor, role, path.as_deref())?;
            repo::replace_seat(c, id, role, region_id)?;
        }
        repo::set_details(c, id, display_name.as_deref(), phone.as_deref())?;
        Ok(seen_by(&actor, profile(c, id)?))
    })
    .await
}

/// Disables (or enables again) the account. Disabling ends every login at
/// once: its refresh tokens are revoked and its access tokens are refused.
pub async fn set_disabled(db: &Db, actor: Actor, id: Uuid, disabled: bool) -> Result<Account, DomainError> {
    db.write(move |c| {
        load_managed(c, &actor, id)?;
        users::set_disabled(c, id, disabled)?;
        if disabled {
            let revoked = tokens::revoke_all(c, id)?;
            tracing::info!(account = %id, revoked, "account disabled: refresh tokens revoked");
        }
        Ok(seen_by(&actor, profile(c, id)?))
    })
    .await
}

/// Gives the account a new one-time password (answered once) and ends its
/// logins; until the owner changes it, only `POST /api/v1/me/password` works.
pub async fn reset_password(db: &Db, actor: Actor, id: Uuid) -> Result<(Account, String), DomainError> {
    let secret = password::one_time();
    let password_hash = hash(secret.clone()).await?;
    let account = db
        .write(move |c| {
            load_managed(c, &actor, id)?;
            if users::get(c, id)?.password_hash.is_none() {
                return Err(DomainError::conflict("account.no_password", "该账号使用微信登录，没有密码"));
            }
            users::set_password(c, id, &password_hash, true)?;
            tokens::revoke_all(c, id)?;
            Ok(seen_by(&actor, profile(c, id)?))
        })
        .await?;
    Ok((account, secret))
}
