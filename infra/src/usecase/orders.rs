//! The order use cases. Each opens its own transaction, loads, asks the
//! domain, stores the result with its events and outbox rows, and answers with
//! the order as the caller may see it (`OrderDetail`), built in the same
//! transaction.

use domain::actor::{Actor, Role};
use domain::order::fields::ContactDraft;
use domain::order::policy::{serves_community, visibility, Visibility};
use domain::order::{
    apply, priority_of, Channel, Command, Kind, Order, OrderDetail, Place as OrderPlace, Priority, Submission, Target,
};
use domain::region::{Region, RegionKind};
use domain::DomainError;
use uuid::Uuid;

use domain::moderation::{texts_of, Text, SCENE_POST};

use super::idempotent::{create_once, Created, IdempotencyKey};
use super::moderation::{self, ContentCheck};
use crate::db::{storage, AnyConnection, Db};
use crate::ids::{new_id, now_utc};
use crate::repo::orders::{self, OrderFilter, TimelineEvent};
use crate::repo::{categories, media, posters, regions, units, users, Page, Paged};

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
    /// The phone may be left out: the number WeChat verified for the reporter is then used.
    pub contact: ContactDraft,
    /// Staff may choose; otherwise the item's default.
    pub priority: Option<Priority>,
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

fn resolve_building(conn: &mut AnyConnection, place: &Place) -> Result<(Region, Channel), DomainError> {
    match place {
        Place::Poster(code) => match posters::scan(conn, code) {
            Ok(target) if target.poster.revoked_at.is_some() => {
                Err(DomainError::field("poster_code", "revoked", "该码牌已停用"))
            }
            Ok(target) => target
                .lineage
                .into_iter()
                .last()
                .map(|b| (b, Channel::Poster))
                .ok_or_else(|| storage("poster without a building")),
            Err(DomainError::NotFound { .. }) => Err(DomainError::field("poster_code", "not_found", "码牌不存在")),
            Err(e) => Err(e),
        },
        Place::Building(id) => match regions::find(conn, *id)? {
            Some(b) if b.kind == RegionKind::Building => Ok((b, Channel::Snap)),
            _ => Err(DomainError::field("building_id", "not_found", "楼栋不存在")),
        },
    }
}

fn create(conn: &mut AnyConnection, actor: &Actor, cmd: &Submit) -> Result<Uuid, DomainError> {
    let contact = cmd.contact.clone().complete(users::verified_phone(conn, actor.user_id)?.as_deref())?;
    let item = resolve_item(conn, &cmd.item)?;
    let (building, channel) = resolve_building(conn, &cmd.place)?;
    let [street_id, community_id, grid_id, building_id] = building.lineage()[..] else {
        return Err(storage(format!("building {} is not at depth 4", building.id)));
    };
    let at = now_utc();
    let transition = Submission {
        id: new_id(),
        number: orders::next_number(conn, at)?,
        kind: cmd.kind,
        item: &item,
        description: cmd.description.clone(),
        photos: cmd.photos.clone(),
        place: OrderPlace {
            building_id,
            grid_id,
            community_id,
            street_id,
            path: building.path.clone(),
            point: cmd.point,
            address: cmd.address.clone().or(building.address),
        },
        contact,
        reporter_id: actor.user_id,
        reporter_role: actor.reporting_role(),
        channel,
        priority: priority_of(cmd.priority, &item, actor.is_staff())?,
        at,
    }
    .submit();
    orders::insert(conn, &transition, Some(actor.user_id))?;
    media::attach(conn, "photos", &cmd.photos, actor.user_id, transition.next.id)?;
    Ok(transition.next.id)
}

/// Submits an order (at most once per Idempotency-Key) and answers with it.
/// With WeChat's content check, a risky description is refused (422
/// `content.risky`); one to review, or not checkable now, is taken and flagged.
pub async fn submit(
    db: &Db,
    check: Option<&ContentCheck>,
    actor: Actor,
    cmd: Submit,
    key: Option<IdempotencyKey>,
) -> Result<(OrderDetail, Created), DomainError> {
    let text = Text { field: "description", scene: SCENE_POST, content: cmd.description.clone() };
    let screened = moderation::screen(db, check, actor.user_id, vec![text]).await?;
    let who = actor.clone();
    let created = create_once(db, actor.user_id, key, move |c| {
        let id = create(c, &who, &cmd)?;
        moderation::record(c, id, who.user_id, &screened)?;
        Ok(id)
    })
    .await?;
    if !created.replayed {
        db.live().announce();
    }
    let detail = get(db, actor, created.id).await?;
    Ok((detail, created))
}

fn detail(conn: &mut AnyConnection, order: Order, visibility: Visibility) -> Result<OrderDetail, DomainError> {
    orders::details(conn, vec![(order, visibility)])?.pop().ok_or_else(|| storage("no detail for the order"))
}

/// Loads an order the actor may see, with how much of it; 404 otherwise.
fn visible(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(Order, Visibility), DomainError> {
    let order = orders::get(conn, id)?;
    match visibility(actor, &order) {
        Visibility::Hidden => Err(DomainError::not_found("order.not_found")),
        v => Ok((order, v)),
    }
}

pub async fn get(db: &Db, actor: Actor, id: Uuid) -> Result<OrderDetail, DomainError> {
    db.run(move |c| {
        let (order, vis) = visible(c, &actor, id)?;
        detail(c, order, vis)
    })
    .await
}

pub async fn timeline(db: &Db, actor: Actor, id: Uuid) -> Result<Vec<TimelineEvent>, DomainError> {
    db.run(move |c| {
        visible(c, &actor, id)?;
        orders::events(c, id)
    })
    .await
}

/// A page of the orders the actor may see, newest first.
pub async fn list(db: &Db, actor: Actor, filter: OrderFilter, page: Page) -> Result<Paged<OrderDetail>, DomainError> {
    db.run(move |c| {
        let paged = orders::list(c, &actor, &filter, &page, now_utc())?;
        let items = paged.items.into_iter().map(|o| (visibility(&actor, &o), o)).map(|(v, o)| (o, v)).collect();
        Ok(Paged { items: orders::details(c, items)?, next_cursor: paged.next_cursor })
    })
    .await
}

/// Staff over an open order change its priority (urgent: the 15-minute
/// response clock from now); 404 for an order the caller may not see.
pub async fn prioritize(db: &Db, actor: Actor, id: Uuid, to: Priority) -> Result<OrderDetail, DomainError> {
    db.write(move |c| {
        let order = orders::get(c, id)?;
        let vis = visibility(&actor, &order);
        if vis == Visibility::Hidden {
            return Err(DomainError::not_found("order.not_found"));
        }
        let item = categories::get_item(c, order.item_id)?;
        let transition = domain::order::prioritize(&order, &item, to, &actor, now_utc())?;
        orders::save(c, &order, &transition, Some(actor.user_id))?;
        detail(c, transition.next, vis)
    })
    .await
    .inspect(|_| db.live().announce())
}

/// Checks a dispatch target against what is stored: the person serves or
/// works in the order's community, the unit exists with the right kind.
fn check_target(conn: &mut AnyConnection, order: &Order, target: &Target) -> Result<(), DomainError> {
    let bad = |msg: &str| DomainError::field("target.id", "invalid_target", msg.to_owned());
    let community = regions::get(conn, order.place.community_id)?;
    match *target {
        Target::Pool => Ok(()),
        Target::PartyMember(user) | Target::GridWorker(user) => {
            let want = if matches!(target, Target::PartyMember(_)) { Role::PartyMember } else { Role::GridWorker };
            let grants = users::grants(conn, user).map_err(|_| bad("用户不存在"))?;
            let fits = grants
                .iter()
                .any(|g| g.role == want && g.region.as_ref().is_some_and(|r| r.path.starts_with(&community.path)));
            match (fits, want) {
                (true, _) => Ok(()),
                (false, Role::PartyMember) => Err(bad("该用户不是服务本社区的党员")),
                (false, _) => Err(bad("该用户不是本社区的网格员")),
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

/// What a command needs checked against storage beyond the order itself.
fn check_command(conn: &mut AnyConnection, actor: &Actor, order: &Order, command: &Command) -> Result<(), DomainError> {
    match command {
        Command::Dispatch { target } => check_target(conn, order, target),
        Command::Decline { duplicate_of: Some(dup), .. } if *dup == order.id || orders::find(conn, *dup)?.is_none() => {
            Err(DomainError::field("duplicate_of", "not_found", "重复的工单不存在"))
        }
        Command::Resolve { photos, .. } => media::attach(conn, "photos", photos, actor.user_id, order.id),
        _ => Ok(()),
    }
}

/// Applies a command in one transaction and answers with the order after it.
/// A caller who may not see the order gets 404, except a party member who lost
/// a grab race: that is the 409 of any invalid transition.
pub async fn command(
    db: &Db,
    check: Option<&ContentCheck>,
    actor: Actor,
    id: Uuid,
    command: Command,
) -> Result<OrderDetail, DomainError> {
    let screened = moderation::screen(db, check, actor.user_id, texts_of(&command)).await?;
    db.write(move |c| {
        let order = orders::get(c, id)?;
        let lost_grab = matches!(command, Command::Grab) && serves_community(&actor, &order);
        if visibility(&actor, &order) == Visibility::Hidden && !lost_grab {
            return Err(DomainError::not_found("order.not_found"));
        }
        let transition = apply(&order, &command, &actor, now_utc())?;
        check_command(c, &actor, &order, &command)?;
        orders::save(c, &order, &transition, Some(actor.user_id))?;
        moderation::record(c, order.id, actor.user_id, &screened)?;
        // The actor may have just handed the order on (a grab winner always sees it).
        let vis = match visibility(&actor, &transition.next) {
            Visibility::Hidden => Visibility::Masked,
            v => v,
        };
        detail(c, transition.next, vis)
    })
    .await
    .inspect(|_| db.live().announce())
}
