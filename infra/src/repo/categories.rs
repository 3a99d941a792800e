use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::category::{Category, CategoryItem, Sla};
use domain::DomainError;
use uuid::Uuid;

use crate::db::{is_unique_violation, storage, AnyConnection};
use crate::ids::{new_id, now, parse_id};
use crate::schema::{categories, category_items};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
pub struct CategoryRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = category_items)]
pub struct ItemRow {
    pub id: String,
    pub category_id: String,
    pub code: String,
    pub name: String,
    pub response_minutes: i32,
    pub resolve_hours: i32,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub urgent: bool,
}

impl CategoryRow {
    fn into_domain(self) -> Result<Category, DomainError> {
        Ok(Category {
            id: parse_id("categories.id", &self.id)?,
            code: self.code,
            name: self.name,
            sort_order: self.sort_order,
            active: self.active,
        })
    }
}

impl ItemRow {
    fn into_domain(self) -> Result<CategoryItem, DomainError> {
        Ok(CategoryItem {
            id: parse_id("category_items.id", &self.id)?,
            category_id: parse_id("category_items.category_id", &self.category_id)?,
            code: self.code,
            name: self.name,
            response_minutes: self.response_minutes,
            resolve_hours: self.resolve_hours,
            sort_order: self.sort_order,
            active: self.active,
            urgent: self.urgent,
        })
    }
}

/// The whole tree in display order; inactive entries only when asked.
pub fn tree(
    conn: &mut AnyConnection,
    include_inactive: bool,
) -> Result<Vec<(Category, Vec<CategoryItem>)>, DomainError> {
    let mut cats = categories::table.select(CategoryRow::as_select()).into_boxed();
    let mut items = category_items::table.select(ItemRow::as_select()).into_boxed();
    if !include_inactive {
        cats = cats.filter(categories::active.eq(true));
        items = items.filter(category_items::active.eq(true));
    }
    let cats: Vec<CategoryRow> =
        cats.order((categories::sort_order.asc(), categories::code.asc())).load(conn).map_err(storage)?;
    let items: Vec<ItemRow> =
        items.order((category_items::sort_order.asc(), category_items::code.asc())).load(conn).map_err(storage)?;
    let items = items.into_iter().map(ItemRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    cats.into_iter()
        .map(|row| {
            let cat = row.into_domain()?;
            let own = items.iter().filter(|i| i.category_id == cat.id).cloned().collect();
            Ok((cat, own))
        })
        .collect()
}

/// The items of one category, inactive ones included, in display order.
pub fn items_of(conn: &mut AnyConnection, category_id: Uuid) -> Result<Vec<CategoryItem>, DomainError> {
    category_items::table
        .filter(category_items::category_id.eq(category_id.to_string()))
        .order((category_items::sort_order.asc(), category_items::code.asc()))
        .select(ItemRow::as_select())
        .load(conn)
        .map_err(storage)?
        .into_iter()
        .map(ItemRow::into_domain)
        .collect()
}

pub fn get_category(conn: &mut AnyConnection, id: Uuid) -> Result<Category, DomainError> {
    categories::table
        .find(id.to_string())
        .select(CategoryRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .ok_or(DomainError::not_found("category.not_found"))?
        .into_domain()
}

pub fn get_item(conn: &mut AnyConnection, id: Uuid) -> Result<CategoryItem, DomainError> {
    category_items::table
        .find(id.to_string())
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .ok_or(DomainError::not_found("category_item.not_found"))?
        .into_domain()
}

pub fn find_category_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Category>, DomainError> {
    categories::table
        .filter(categories::code.eq(code))
        .select(CategoryRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .map(CategoryRow::into_domain)
        .transpose()
}

pub fn find_item_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<CategoryItem>, DomainError> {
    category_items::table
        .filter(category_items::code.eq(code))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
        .map_err(storage)?
        .map(ItemRow::into_domain)
        .transpose()
}

fn taken(code: &'static str) -> impl Fn(diesel::result::Error) -> DomainError {
    move |e| {
        if is_unique_violation(&e) {
            DomainError::conflict(code, "该编码已被使用")
        } else {
            storage(e)
        }
    }
}

pub fn create_category(
    conn: &mut AnyConnection,
    code: String,
    name: String,
    sort_order: i32,
) -> Result<Category, DomainError> {
    let at = now();
    let row =
        CategoryRow { id: new_id().to_string(), code, name, sort_order, active: true, created_at: at, updated_at: at };
    diesel::insert_into(categories::table).values(&row).execute(conn).map_err(taken("category.code_taken"))?;
    row.into_domain()
}

#[derive(Debug, Clone, Default)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

pub fn update_category(conn: &mut AnyConnection, id: Uuid, changes: CategoryChanges) -> Result<Category, DomainError> {
    let current = get_category(conn, id)?;
    diesel::update(categories::table.find(id.to_string()))
        .set((
            categories::name.eq(changes.name.unwrap_or(current.name)),
            categories::sort_order.eq(changes.sort_order.unwrap_or(current.sort_order)),
            categories::active.eq(changes.active.unwrap_or(current.active)),
            categories::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(storage)?;
    get_category(conn, id)
}

#[derive(Debug, Clone)]
pub struct NewItem {
    pub category_id: Uuid,
    pub code: String,
    pub name: String,
    pub sla: Sla,
    pub sort_order: i32,
    pub urgent: bool,
}

pub fn create_item(conn: &mut AnyConnection, new: NewItem) -> Result<CategoryItem, DomainError> {
    get_category(conn, new.category_id)?;
    let at = now();
    let row = ItemRow {
        id: new_id().to_string(),
        category_id: new.category_id.to_string(),
        code: new.code,
        name: new.name,
        response_minutes: new.sla.response_minutes,
        resolve_hours: new.sla.resolve_hours,
        sort_order: new.sort_order,
        active: true,
        created_at: at,
        updated_at: at,
        urgent: new.urgent,
    };
    diesel::insert_into(category_items::table).values(&row).execute(conn).map_err(taken("category_item.code_taken"))?;
    row.into_domain()
}

#[derive(Debug, Clone, Default)]
pub struct ItemChanges {
    pub name: Option<String>,
    pub response_minutes: Option<i32>,
    pub resolve_hours: Option<i32>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
    pub urgent: Option<bool>,
}

pub fn update_item(conn: &mut AnyConnection, id: Uuid, changes: ItemChanges) -> Result<CategoryItem, DomainError> {
    let current = get_item(conn, id)?;
    let sla = Sla::parse(
        changes.response_minutes.unwrap_or(current.response_minutes),
        changes.resolve_hours.unwrap_or(current.resolve_hours),
    )?;
    diesel::update(category_items::table.find(id.to_string()))
        .set((
            category_items::name.eq(changes.name.unwrap_or(current.name)),
            category_items::response_minutes.eq(sla.response_minutes),
            category_items::resolve_hours.eq(sla.resolve_hours),
            category_items::sort_order.eq(changes.sort_order.unwrap_or(current.sort_order)),
            category_items::active.eq(changes.active.unwrap_or(current.active)),
            category_items::urgent.eq(changes.urgent.unwrap_or(current.urgent)),
            category_items::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(storage)?;
    get_item(conn, id)
}
