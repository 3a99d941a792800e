//! Staff accounts as their managers see them: the list in a scope, and the
//! one seat (role and region) the accounts API keeps on each.

use diesel::prelude::*;
use diesel::sql_types::Text;
use domain::account::is_account_role;
use domain::actor::Role;
use domain::DomainError;
use uuid::Uuid;

use super::regions::escape_like;
use super::users::{self, UserRow};
use super::{Page, Paged};
use crate::db::{storage, AnyConnection, MultiBackend};
use crate::schema::{regions, user_roles, users as users_t};

#[diesel::declare_sql_function]
extern "SQL" {
    /// ASCII case folding on both backends (SQLite's LIKE folds ASCII, PostgreSQL's does not).
    fn lower(x: Text) -> Text;
}

#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Accounts with a staff grant at or under one of these paths; `None`:
    /// every password account (a city-wide admin's view).
    pub within: Option<Vec<String>>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Part of the username or display name, any ASCII case.
    pub q: Option<String>,
}

fn account_roles() -> Vec<&'static str> {
    Role::ALL.iter().filter(|r| is_account_role(**r)).map(|r| r.as_str()).collect()
}

/// Password accounts matching `filter`, by username.
pub fn list(conn: &mut AnyConnection, filter: &AccountFilter, page: &Page) -> Result<Paged<UserRow>, DomainError> {
    // One row per grant, so DISTINCT; an account counts if any grant matches.
    let mut query = users_t::table
        .inner_join(user_roles::table.left_join(regions::table))
        .select(UserRow::as_select())
        .distinct()
        .into_boxed::<MultiBackend>();
    // The scope first: `or_filter` ORs with what is already there, so the
    // prefixes must come before every other condition.
    if let Some(paths) = &filter.within {
        // No node has an empty path: the OR of prefixes widens from nothing.
        query = query.filter(regions::path.eq(""));
        for path in paths {
            query = query.or_filter(regions::path.like(format!("{}%", escape_like(path))).escape('\\'));
        }
    }
    query = query.filter(users_t::username.is_not_null());
    query = match filter.role {
        Some(role) => query.filter(user_roles::role.eq(role.as_str())),
        None => query.filter(user_roles::role.eq_any(account_roles())),
    };
    if let Some(disabled) = filter.disabled {
        query = query.filter(users_t::disabled.eq(disabled));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        let like = format!("%{}%", escape_like(&q.to_ascii_lowercase()));
        query = query.filter(
            users_t::username
                .assume_not_null()
                .like(like.clone())
                .escape('\\')
                .or(lower(users_t::display_name).like(like).escape('\\')),
        );
    }
    if let Some(after) = &page.after {
        query = query.filter(users_t::username.gt(after.clone()));
    }
    let rows: Vec<UserRow> =
        query.order(users_t::username.asc()).limit(page.limit + 1).load(conn).map_err(storage)?;
    Ok(Paged::from_rows(rows, page.limit, |u| u.username.clone().unwrap_or_default()))
}

/// Gives the account `role` at `region_id` in place of its staff and
/// organisation grants; other grants (a party member's 双报到) stay.
pub fn replace_seat(
    conn: &mut AnyConnection,
    user_id: Uuid,
    role: Role,
    region_id: Option<Uuid>,
) -> Result<(), DomainError> {
    diesel::delete(
        user_roles::table
            .filter(user_roles::user_id.eq(user_id.to_string()))
            .filter(user_roles::role.eq_any(account_roles())),
    )
    .execute(conn)
    .map_err(storage)?;
    users::grant(conn, user_id, role, region_id)
}

/// Changes the name and phone an account shows.
pub fn set_details(
    conn: &mut AnyConnection,
    user_id: Uuid,
    display_name: Option<&str>,
    phone: Option<&str>,
) -> Result<(), DomainError> {
    let at = crate::ids::now();
    if let Some(name) = display_name {
        diesel::update(users_t::table.find(user_id.to_string()))
            .set((users_t::display_name.eq(name), users_t::updated_at.eq(at)))
            .execute(conn)
            .map_err(storage)?;
    }
    if let Some(phone) = phone {
        diesel::update(users_t::table.find(user_id.to_string()))
            .set((users_t::phone.eq(phone), users_t::phone_verified_at.eq(None::<chrono::NaiveDateTime>), users_t::updated_at.eq(at)))
            .execute(conn)
            .map_err(storage)?;
    }
    Ok(())
}
