use chrono::NaiveDateTime;
use domain::actor::{Actor, Role};
use domain::order::fields::{Contact, Rating};
use domain::order::policy::{serves_community, visibility, Visibility};
use domain::order::{apply, Channel, Command, EventData, EventType, Kind, NewEvent, OrderState, Status, Target};
use domain::region::RegionKind;
use domain::DomainError;
use uuid::Uuid;

use crate::db::{storage, AnyConnection};
use crate::ids::new_id;
use crate::repo::orders::{self, OrderRow, Stamp};
use crate::repo::{categories, posters, regions, units, users};

/// Where the order is: a building by id, or the poster that was scanned.
#[derive(Debug, Clone)]
pub enum Place {
    Building(Uuid),
    Poster(String),
}

#[derive(Debug, Clone)]
pub struct Submit {
    pub kind: Kind,
    /// A category item's id or code.
    pub item: String,
    pub description: String,
    pub photos: Vec<Uuid>,
    pub place: Place,
    pub point: Option<(f64, f64)>,
    pub address: Option<String>,
    pub contact: Contact,
}

fn resolve_item(conn: &mut AnyConnection, item: &str) -> Result<domain::category::CategoryItem, DomainError> {
    let found = match item.parse::<Uuid>() {
        Ok(id) => categories::get_item(conn, id).ok(),
        Err(_) => categories::find_item_by_code(conn, item)?,
    };
    match found {
        Some(i) if i.active => Ok(i),
        _ => Err(DomainError::field("category", "not_found", "事项分类不存在或已停用")),
    }
}

fn resolve_building(conn: &mut AnyConnection, place: &Place) -> Result<(domain::region::Region, Channel), DomainError> {
    match place {
        Place::Poster(code) => match posters::scan(conn, code) {
            Ok(target) => target
                .lineage
                .into_iter()
                .last()
                .map(|b| (b, Channel::Poster))
                .ok_or_else(|| storage("poster without a building")),
            Err(DomainError::Gone { .. }) => Err(DomainError::field("poster_code", "revoked", "该码牌已停用")),
            Err(DomainError::NotFound { .. }) => Err(DomainError::field("poster_code", "not_found", "码牌不存在")),
            Err(e) => Err(e),
        },
        Place::Building(id) => match regions::find(conn, *id)? {
            Some(b) if b.kind == RegionKind::Building => Ok((b, Channel::Snap)),
            _ => Err(DomainError::field("building_id", "not_found", "楼栋不存在")),
        },
    }
}

pub fn submit(
    conn: &mut AnyConnection,
    actor: &Actor,
    cmd: Submit,
    at: NaiveDateTime,
) -> Result<OrderRow, DomainError> {
    let item = resolve_item(conn, &cmd.item)?;
    let (building, channel) = resolve_building(conn, &cmd.place)?;
    let lineage = building.lineage();
    let [street_id, community_id, grid_id, building_id] = lineage.as_slice() else {
        return Err(storage(format!("building {} is not at depth 4", building.id)));
    };
    let (response_due_at, resolve_due_at) = orders::due_times(at, item.response_minutes, item.resolve_hours);
    let row = OrderRow {
        id: new_id().to_string(),
        number: orders::next_number(conn, at)?,
        kind: cmd.kind.as_str().to_owned(),
        status: Status::Submitted.as_str().to_owned(),
        category_id: item.category_id.to_string(),
        category_item_id: item.id.to_string(),
        description: cmd.description,
        photos: serde_json::to_string(&cmd.photos).map_err(storage)?,
        building_id: building_id.to_string(),
        grid_id: grid_id.to_string(),
        community_id: community_id.to_string(),
        street_id: street_id.to_string(),
        path: building.path.clone(),
        lat: cmd.point.map(|p| p.0),
        lng: cmd.point.map(|p| p.1),
        address: cmd.address.or(building.address),
        contact_name: cmd.contact.name,
        contact_phone: cmd.contact.phone.as_str().to_owned(),
        reporter_id: actor.user_id.to_string(),
        channel: channel.as_str().to_owned(),
        level: domain::order::Level::Community.as_str().to_owned(),
        assignee_type: None,
        assignee_id: None,
        handler_id: None,
        response_due_at,
        resolve_due_at,
        submitted_at: at,
        dispatched_at: None,
        accepted_at: None,
        arrived_at: None,
        resolved_at: None,
        rated_at: None,
        closed_at: None,
        rating_completion: None,
        rating_progress: None,
        rating_effect: None,
        rating_satisfaction: None,
        rating_comment: None,
        duplicate_of: None,
        response_overdue_at: None,
        resolve_overdue_at: None,
        version: 0,
        updated_at: at,
    };
    orders::insert(conn, &row)?;
    let state = OrderState::submitted(actor.user_id, row.path.clone());
    let role = actor.reporting_role();
    orders::append(
        conn,
        &row,
        &state,
        &[NewEvent::new(EventType::Submitted, EventData::Empty {})],
        Some(actor.user_id),
        role.as_str(),
        at,
    )?;
    Ok(row)
}

/// Loads an order the actor may see, with how much of it; 404 otherwise.
pub fn visible(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(OrderRow, Visibility), DomainError> {
    let row = orders::get(conn, id)?;
    match visibility(actor, &row.state()?) {
        Visibility::Hidden => Err(DomainError::not_found("order.not_found")),
        v => Ok((row, v)),
    }
}

/// Checks a dispatch target against what is stored: the person serves or
/// works in the order's community, the unit exists with the right kind.
fn check_target(conn: &mut AnyConnection, order: &OrderRow, target: &Target) -> Result<(), DomainError> {
    let bad = |msg: &str| DomainError::field("target.id", "invalid_target", msg.to_owned());
    let community = regions::get(conn, crate::ids::parse_id("orders.community_id", &order.community_id)?)?;
    match *target {
        Target::Pool => Ok(()),
        Target::PartyMember(user) | Target::GridWorker(user) => {
            let want = if matches!(target, Target::PartyMember(_)) { Role::PartyMember } else { Role::GridWorker };
            let grants = users::grants(conn, user).map_err(|_| bad("用户不存在"))?;
            let fits = grants
                .iter()
                .any(|g| g.role == want && g.region.as_ref().is_some_and(|r| r.path.starts_with(&community.path)));
            if fits {
                Ok(())
            } else {
                Err(bad(if want == Role::PartyMember {
                    "该用户不是服务本社区的党员"
                } else {
                    "该用户不是本社区的网格员"
                }))
            }
        }
        Target::Organization(unit) | Target::Team(unit) | Target::Department(unit) => {
            let row = units::get(conn, unit)?.ok_or_else(|| bad("单位不存在"))?;
            if row.kind == target.kind().as_str() {
                Ok(())
            } else {
                Err(bad("单位类型与派单类型不符"))
            }
        }
    }
}

/// Applies a command. A caller who may not see the order gets 404, except a
/// party member who lost a grab race: that is the 409 of any invalid transition.
pub fn act(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    command: Command,
    at: NaiveDateTime,
) -> Result<OrderRow, DomainError> {
    let row = orders::get(conn, id)?;
    let state = row.state()?;
    let lost_grab = matches!(command, Command::Grab) && serves_community(actor, &state);
    if visibility(actor, &state) == Visibility::Hidden && !lost_grab {
        return Err(DomainError::not_found("order.not_found"));
    }
    let transition = apply(&state, &command, actor)?;
    let mut stamp = Stamp::default();
    match &command {
        Command::Dispatch { target } => check_target(conn, &row, target)?,
        Command::Decline { duplicate_of: Some(dup), .. } => {
            if dup.to_string() == row.id || orders::find(conn, *dup)?.is_none() {
                return Err(DomainError::field("duplicate_of", "not_found", "重复的工单不存在"));
            }
            stamp.duplicate_of = Some(*dup);
        }
        Command::Rate(rating) => stamp.rating = Some(rating.clone()),
        _ => {}
    }
    orders::save(conn, &row, &transition, Some(actor.user_id), stamp, at)
}

pub fn rating_of(row: &OrderRow) -> Option<Rating> {
    Some(Rating {
        completion: u8::try_from(row.rating_completion?).ok()?,
        progress: u8::try_from(row.rating_progress?).ok()?,
        effect: u8::try_from(row.rating_effect?).ok()?,
        satisfaction: u8::try_from(row.rating_satisfaction?).ok()?,
        comment: row.rating_comment.clone().unwrap_or_default(),
    })
}
