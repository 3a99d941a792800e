//! Accounts and the people orders go to: profiles, party-member grants
//! (双报到, granted by staff for now), units and their members, staff accounts.

use domain::actor::{Actor, Role, Unit, UnitKind};
use domain::region::RegionKind;
use domain::user::Profile;
use domain::{text, DomainError};
use uuid::Uuid;

use crate::db::{storage, AnyConnection, Db};
use crate::ids::parse_id;
use crate::password;
use crate::repo::{regions, units, users};

pub(crate) fn profile(conn: &mut AnyConnection, user_id: Uuid) -> Result<Profile, DomainError> {
    let user = users::get(conn, user_id)?;
    Ok(Profile {
        id: user_id,
        username: user.username,
        display_name: user.display_name,
        phone_verified: user.phone_verified_at.is_some() && user.phone.is_some(),
        phone: user.phone,
        created_at: user.created_at.and_utc(),
        grants: users::grants(conn, user_id)?,
        disabled: user.disabled,
        must_change_password: user.must_change_password,
    })
}

pub async fn get_profile(db: &Db, user_id: Uuid) -> Result<Profile, DomainError> {
    db.run(move |c| profile(c, user_id)).await
}

/// The caller with every grant and unit, as the rules see them; a disabled or
/// unknown account is 401.
pub async fn actor(db: &Db, user_id: Uuid) -> Result<Actor, DomainError> {
    db.run(move |c| users::actor(c, user_id)).await
}

/// The id of the account with this username, if any.
pub async fn find_username(db: &Db, username: String) -> Result<Option<Uuid>, DomainError> {
    db.run(move |c| users::find_by_username(c, &username)?.map(|u| u.uuid()).transpose()).await
}

/// Grants the party-member role for each community; the actor must be staff
/// over every one of them.
pub async fn grant_party_member(
    db: &Db,
    actor: Actor,
    user_id: Uuid,
    community_ids: Vec<Uuid>,
) -> Result<Profile, DomainError> {
    db.write(move |c| {
        users::get(c, user_id).map_err(|_| DomainError::field("user_id", "not_found", "用户不存在"))?;
        for id in &community_ids {
            let community = regions::find(c, *id)?
                .filter(|r| r.kind == RegionKind::Community)
                .ok_or_else(|| DomainError::field("community_ids", "not_found", "社区不存在"))?;
            if !actor.may_register_party_members(&community.path) {
                return Err(DomainError::forbidden("auth.forbidden", "无权为该社区登记党员"));
            }
            users::grant(c, user_id, Role::PartyMember, Some(community.id))?;
        }
        profile(c, user_id)
    })
    .await
}

fn unit(row: units::UnitRow) -> Result<Unit, DomainError> {
    Ok(Unit {
        id: parse_id("units.id", &row.id)?,
        kind: row.kind.parse().map_err(|_| storage(format!("stored unit kind {}", row.kind)))?,
        name: row.name,
        region_id: row.region_id.as_deref().map(|r| parse_id("units.region_id", r)).transpose()?,
    })
}

fn require_admin_over(actor: &Actor, path: Option<&str>) -> Result<(), DomainError> {
    if actor.may_administer(path) {
        Ok(())
    } else {
        Err(DomainError::forbidden("auth.forbidden", "需要该区域的管理员权限"))
    }
}

pub async fn list_units(db: &Db, actor: Actor, kind: Option<UnitKind>) -> Result<Vec<Unit>, DomainError> {
    if !actor.is_staff() {
        return Err(DomainError::forbidden("auth.forbidden", "仅工作人员可查看"));
    }
    db.run(move |c| units::list(c, kind.map(UnitKind::as_str))?.into_iter().map(unit).collect()).await
}

pub async fn create_unit(
    db: &Db,
    actor: Actor,
    kind: UnitKind,
    name: String,
    region_id: Option<Uuid>,
) -> Result<Unit, DomainError> {
    let name = text::bounded("name", &name, 1, 64)?;
    db.write(move |c| {
        let path = region_id.map(|r| regions::find(c, r)).transpose()?.flatten().map(|r| r.path);
        if region_id.is_some() && path.is_none() {
            return Err(DomainError::field("region_id", "not_found", "区域不存在"));
        }
        require_admin_over(&actor, path.as_deref())?;
        unit(units::create(c, kind.as_str(), &name, region_id)?)
    })
    .await
}

pub async fn add_unit_member(db: &Db, actor: Actor, unit_id: Uuid, user_id: Uuid) -> Result<(), DomainError> {
    db.write(move |c| {
        let found = units::get(c, unit_id)?.ok_or(DomainError::not_found("unit.not_found"))?;
        let path = match found.region_id.as_deref() {
            Some(r) => Some(regions::get(c, parse_id("units.region_id", r)?)?.path),
            None => None,
        };
        require_admin_over(&actor, path.as_deref())?;
        units::add_member(c, unit_id, user_id)
    })
    .await
}

/// A staff account to create from the command line.
#[derive(Debug, Clone)]
pub struct NewStaffAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    /// A region code or id; `None` for a city-wide role.
    pub region: Option<String>,
    pub phone: Option<String>,
}

pub async fn create_staff(db: &Db, new: NewStaffAccount) -> Result<Profile, DomainError> {
    let username = domain::user::parse_username(&new.username)?;
    let display_name = domain::user::parse_display_name(&new.display_name)?;
    domain::account::check_account_role("role", new.role)?;
    let phone = new.phone.as_deref().map(domain::contact::Phone::parse).transpose()?.map(String::from);
    domain::user::check_new_password("password", &new.password)?;
    let secret = new.password;
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&secret)).await.map_err(storage)??;
    let role = new.role;
    db.write(move |c| {
        let region_id = match new.region {
            None => None,
            Some(r) => {
                let found = match r.parse::<Uuid>() {
                    Ok(id) => regions::find(c, id)?,
                    Err(_) => regions::find_by_code(c, &r)?,
                };
                Some(found.ok_or_else(|| DomainError::field("region", "not_found", format!("区域 {r} 不存在")))?.id)
            }
        };
        let row = users::create_staff(
            c,
            users::NewStaff {
                username,
                password_hash,
                display_name,
                phone,
                role,
                region_id,
                must_change_password: false,
            },
        )?;
        profile(c, row.uuid()?)
    })
    .await
}

/// Exchanges a `getPhoneNumber` button's code for the number WeChat verified
/// and keeps it on the caller: orders may then leave `contact.phone` out.
pub async fn verify_phone(
    db: &Db,
    tokens: &crate::wechat::AccessTokens,
    actor: Actor,
    code: String,
) -> Result<Profile, super::CallError> {
    use crate::wechat::WechatError;
    let client = tokens.client();
    let code = &code;
    let info = match tokens.call(|token| async move { client.user_phone_number(&token, code).await }).await {
        Err(WechatError::InvalidCode { .. }) => {
            return Err(
                DomainError::field("code", "invalid_code", "手机号授权码无效或已使用，请重新点击获取手机号").into()
            )
        }
        other => other?,
    };
    if info.country_code != "86" {
        return Err(DomainError::field("code", "not_mainland", "目前仅支持中国大陆手机号").into());
    }
    let phone = domain::contact::Phone::parse(&info.pure_phone_number)
        .map_err(|_| DomainError::field("code", "not_mainland", "目前仅支持中国大陆手机号"))?;
    let user = actor.user_id;
    Ok(db
        .write(move |c| {
            users::set_verified_phone(c, user, phone.as_str())?;
            profile(c, user)
        })
        .await?)
}
