use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::actor::{check_grant_scope, Actor, Grant, Role};
use domain::region::Scope;
use domain::user::RoleGrant;
use domain::DomainError;
use uuid::Uuid;

use super::regions;
use crate::db::{is_unique_violation, storage, AnyConnection};
use crate::ids::{new_id, now, parse_id};
use crate::schema::{regions as regions_t, user_roles, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: Option<String>,
    pub password_hash: Option<String>,
    pub wechat_openid: Option<String>,
    pub wechat_unionid: Option<String>,
    pub display_name: String,
    pub phone: Option<String>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set when WeChat vouched for `phone` (getPhoneNumber).
    pub phone_verified_at: Option<NaiveDateTime>,
    /// A one-time password was given: only changing it is allowed.
    pub must_change_password: bool,
}

impl UserRow {
    pub fn uuid(&self) -> Result<Uuid, DomainError> {
        parse_id("users.id", &self.id)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_roles)]
struct RoleRow {
    id: String,
    user_id: String,
    role: String,
    region_id: Option<String>,
    created_at: NaiveDateTime,
}

pub fn get(conn: &mut AnyConnection, id: Uuid) -> Result<UserRow, DomainError> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .ok_or(DomainError::not_found("user.not_found"))
}

pub fn find_by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<UserRow>, DomainError> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)
}

fn find_by_openid(conn: &mut AnyConnection, openid: &str) -> Result<Option<UserRow>, DomainError> {
    users::table
        .filter(users::wechat_openid.eq(openid))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)
}

pub fn grants(conn: &mut AnyConnection, user_id: Uuid) -> Result<Vec<RoleGrant>, DomainError> {
    let rows: Vec<(String, Option<regions::RegionRow>)> = user_roles::table
        .left_join(regions_t::table)
        .filter(user_roles::user_id.eq(user_id.to_string()))
        .select((user_roles::role, Option::<regions::RegionRow>::as_select()))
        .order(user_roles::created_at.asc())
        .load(conn)
        .map_err(storage)?;
    rows.into_iter()
        .map(|(role, region)| {
            Ok(RoleGrant {
                role: role.parse().map_err(|_| storage(format!("bad stored role {role}")))?,
                region: region.map(regions::RegionRow::into_domain).transpose()?,
            })
        })
        .collect()
}

/// The caller as the domain sees it. Disabled accounts are unauthorized.
pub fn actor(conn: &mut AnyConnection, user_id: Uuid) -> Result<Actor, DomainError> {
    let user = get(conn, user_id).map_err(|_| DomainError::Unauthorized { code: "auth.user_unknown" })?;
    if user.disabled {
        return Err(DomainError::Unauthorized { code: "auth.user_disabled" });
    }
    if user.must_change_password {
        return Err(DomainError::forbidden("auth.password_change_required", "请先修改初始密码（POST /api/v1/me/password）"));
    }
    let grants = grants(conn, user_id)?
        .into_iter()
        .map(|g| Grant {
            role: g.role,
            scope: match g.region {
                Some(r) => Scope::Subtree { region_id: r.id, path: r.path },
                None => Scope::All,
            },
        })
        .collect();
    let units = super::units::of_user(conn, user_id)?;
    Ok(Actor { user_id, grants, units })
}

pub fn grant(conn: &mut AnyConnection, user_id: Uuid, role: Role, region_id: Option<Uuid>) -> Result<(), DomainError> {
    let region = region_id
        .map(|id| regions::find(conn, id)?.ok_or_else(|| DomainError::field("region_id", "not_found", "区域不存在")))
        .transpose()?;
    check_grant_scope(role, region.as_ref().map(|r| r.kind))?;
    let existing = grants(conn, user_id)?;
    if existing.iter().any(|g| g.role == role && g.region.as_ref().map(|r| r.id) == region_id) {
        return Ok(());
    }
    let row = RoleRow {
        id: new_id().to_string(),
        user_id: user_id.to_string(),
        role: role.as_str().to_owned(),
        region_id: region_id.map(|id| id.to_string()),
        created_at: now(),
    };
    diesel::insert_into(user_roles::table).values(&row).execute(conn).map_err(|e| {
        // A concurrent grant of the same thing: the result is the same.
        if is_unique_violation(&e) {
            DomainError::conflict("user.grant_exists", "该授权已存在")
        } else {
            storage(e)
        }
    })?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct NewStaff {
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub region_id: Option<Uuid>,
    /// The password is a one-time password an administrator passes on.
    pub must_change_password: bool,
}

/// Creates a password account with one grant, atomically with the caller's transaction.
pub fn create_staff(conn: &mut AnyConnection, new: NewStaff) -> Result<UserRow, DomainError> {
    if find_by_username(conn, &new.username)?.is_some() {
        return Err(DomainError::conflict("user.username_taken", "用户名已被使用"));
    }
    let at = now();
    let row = UserRow {
        id: new_id().to_string(),
        username: Some(new.username),
        password_hash: Some(new.password_hash),
        wechat_openid: None,
        wechat_unionid: None,
        display_name: new.display_name,
        phone: new.phone,
        disabled: false,
        created_at: at,
        updated_at: at,
        phone_verified_at: None,
        must_change_password: new.must_change_password,
    };
    diesel::insert_into(users::table).values(&row).execute(conn).map_err(|e| {
        if is_unique_violation(&e) {
            DomainError::conflict("user.username_taken", "用户名已被使用")
        } else {
            storage(e)
        }
    })?;
    grant(conn, row.uuid()?, new.role, new.region_id)?;
    Ok(row)
}

/// The account of a WeChat user, created as a resident at first login.
pub fn upsert_wechat(conn: &mut AnyConnection, openid: &str, unionid: Option<&str>) -> Result<UserRow, DomainError> {
    if let Some(user) = find_by_openid(conn, openid)? {
        if unionid.is_some() && user.wechat_unionid.as_deref() != unionid {
            diesel::update(users::table.find(&user.id))
                .set((users::wechat_unionid.eq(unionid), users::updated_at.eq(now())))
                .execute(conn)
                .map_err(storage)?;
        }
        return Ok(user);
    }
    let at = now();
    let id = new_id();
    let simple = id.simple().to_string();
    let row = UserRow {
        id: id.to_string(),
        username: None,
        password_hash: None,
        wechat_openid: Some(openid.to_owned()),
        wechat_unionid: unionid.map(str::to_owned),
        display_name: format!("微信用户{}", &simple[simple.len() - 4..]),
        phone: None,
        disabled: false,
        created_at: at,
        updated_at: at,
        phone_verified_at: None,
        must_change_password: false,
    };
    match diesel::insert_into(users::table).values(&row).execute(conn) {
        Ok(_) => {
            grant(conn, id, Role::Resident, None)?;
            Ok(row)
        }
        // Two first logins raced: the other one created the account.
        Err(e) if is_unique_violation(&e) => {
            find_by_openid(conn, openid)?.ok_or_else(|| storage("wechat user vanished after a unique violation"))
        }
        Err(e) => Err(storage(e)),
    }
}

/// A new password; `must_change` when it is a one-time password someone else chose.
pub fn set_password(
    conn: &mut AnyConnection,
    user_id: Uuid,
    password_hash: &str,
    must_change: bool,
) -> Result<(), DomainError> {
    diesel::update(users::table.find(user_id.to_string()))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(must_change),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

pub fn insert(conn: &mut AnyConnection, row: &UserRow) -> Result<(), DomainError> {
    diesel::insert_into(users::table).values(row).execute(conn).map_err(|e| {
        if is_unique_violation(&e) {
            DomainError::conflict("user.username_taken", "用户名或微信账号已被使用")
        } else {
            storage(e)
        }
    })?;
    Ok(())
}

/// A disabled account cannot log in, refresh, or use a token it still holds.
pub fn set_disabled(conn: &mut AnyConnection, user_id: Uuid, disabled: bool) -> Result<(), DomainError> {
    diesel::update(users::table.find(user_id.to_string()))
        .set((users::disabled.eq(disabled), users::updated_at.eq(now())))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// Stores a phone number WeChat verified for the user.
pub fn set_verified_phone(conn: &mut AnyConnection, id: Uuid, phone: &str) -> Result<(), DomainError> {
    let at = now();
    diesel::update(users::table.find(id.to_string()))
        .set((users::phone.eq(phone), users::phone_verified_at.eq(at), users::updated_at.eq(at)))
        .execute(conn)
        .map_err(storage)?;
    Ok(())
}

/// The user's phone number if WeChat verified it.
pub fn verified_phone(conn: &mut AnyConnection, id: Uuid) -> Result<Option<String>, DomainError> {
    let user = get(conn, id)?;
    Ok(user.phone_verified_at.and(user.phone))
}

/// A passwordless account (a generated resident or worker), for `mashangban gen`.
pub fn insert_plain(
    conn: &mut AnyConnection,
    display_name: String,
    openid: Option<String>,
    phone: Option<String>,
) -> Result<Uuid, DomainError> {
    let at = now();
    let id = new_id();
    let row = UserRow {
        id: id.to_string(),
        username: None,
        password_hash: None,
        wechat_openid: openid,
        wechat_unionid: None,
        display_name,
        phone,
        disabled: false,
        created_at: at,
        updated_at: at,
        phone_verified_at: None,
        must_change_password: false,
    };
    diesel::insert_into(users::table).values(&row).execute(conn).map_err(storage)?;
    Ok(id)
}
