//! `mashangban gen`: a database full of realistic orders for benchmarks and
//! demonstrations. A generated region tree (4 streets × 6 communities × 4
//! grids × 10 buildings), a grid worker per grid, 2,000 residents, and orders
//! over the past year whose timelines follow the closed loop: older orders
//! mostly rated and closed, recent ones spread over every status, some
//! answered or resolved late (and flagged overdue as the sweeper would).
//! The same seed gives the same orders.

use chrono::{DateTime, Duration, Utc};
use domain::actor::Role;
use domain::category::CategoryItem;
use domain::contact::Phone;
use domain::order::fields::{Contact, Rating};
use domain::order::sla::due_times;
use domain::order::{
    Channel, Clock, EventData, EventType, Kind, Level, NewEvent, Order, OverdueFlags, Place, Priority, Stamps, Status,
    Target,
};
use domain::region::RegionKind;
use domain::DomainError;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::db::{storage, AnyConnection, Db};
use crate::ids::now_utc;
use crate::repo::orders::bulk::{insert_generated, Generated, TimedEvent};
use crate::repo::{categories, regions, users};

#[derive(Debug, Clone, Copy)]
pub struct GenSpec {
    pub orders: u64,
    pub seed: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GenReport {
    pub buildings: usize,
    pub people: usize,
    pub orders: u64,
    pub events: u64,
}

const STREETS: [&str; 4] = ["东风", "向阳", "和平", "建设"];
const COMMUNITIES: [&str; 6] = ["安康", "幸福", "春晖", "翠竹", "锦绣", "长青"];
const GRIDS: usize = 4;
const BUILDINGS: usize = 10;
const RESIDENTS: usize = 2000;
const BATCH: u64 = 1000;
const COMMENTS: [&str; 5] = ["处理及时，谢谢", "很满意", "师傅很耐心", "还可以", ""];

/// A building orders are reported at, and the worker of its grid.
#[derive(Debug, Clone)]
struct Spot {
    place: Place,
    worker: Uuid,
}

/// Fills the database; `progress` hears how many orders each batch stored.
pub async fn generate(
    db: &Db,
    spec: GenSpec,
    progress: impl Fn(u64) + Send + Sync + 'static,
) -> Result<GenReport, DomainError> {
    crate::seed::load(db, false).await?;
    let (spots, residents, items) = db.write(setup).await?;
    let mut report =
        GenReport { buildings: spots.len(), people: spots.len() / BUILDINGS + residents.len(), ..Default::default() };
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let now = now_utc();
    while report.orders < spec.orders {
        let n = BATCH.min(spec.orders - report.orders);
        let first = report.orders;
        let batch: Vec<Generated> = (first..first + n)
            .map(|i| order(&mut rng, i, now, &spots, &residents, &items))
            .collect::<Result<_, _>>()?;
        report.events += db.write(move |c| insert_generated(c, &batch)).await? as u64;
        report.orders += n;
        progress(n);
    }
    Ok(report)
}

type Setup = (Vec<Spot>, Vec<Uuid>, Vec<CategoryItem>);

fn setup(c: &mut AnyConnection) -> Result<Setup, DomainError> {
    if regions::find_by_code(c, "gen-s1")?.is_some() {
        return Err(DomainError::conflict("gen.already_generated", "这个数据库已生成过数据，请用新的数据库"));
    }
    let mut spots = Vec::new();
    let new = |kind, code: String, name: String, parent_id| regions::NewRegion {
        kind,
        code: Some(code),
        name,
        parent_id,
        address: None,
    };
    for (s, street_name) in STREETS.iter().enumerate() {
        let street =
            regions::create(c, new(RegionKind::Street, format!("gen-s{}", s + 1), format!("{street_name}街道"), None))?;
        for (m, community_name) in COMMUNITIES.iter().enumerate() {
            let code = format!("{}-c{}", street.code, m + 1);
            let community =
                regions::create(c, new(RegionKind::Community, code, format!("{community_name}社区"), Some(street.id)))?;
            for g in 1..=GRIDS {
                let code = format!("{}-g{g}", community.code);
                let grid = regions::create(
                    c,
                    new(RegionKind::Grid, code, format!("{community_name}第{g}网格"), Some(community.id)),
                )?;
                let worker = users::insert_plain(c, format!("{community_name}{g}号网格员"), None, None)?;
                users::grant(c, worker, Role::GridWorker, Some(grid.id))?;
                for b in 1..=BUILDINGS {
                    let code = format!("{}-b{b}", grid.code);
                    let building = regions::create(
                        c,
                        new(RegionKind::Building, code, format!("{community_name}{g}区{b}栋"), Some(grid.id)),
                    )?;
                    let place = Place {
                        building_id: building.id,
                        grid_id: grid.id,
                        community_id: community.id,
                        street_id: street.id,
                        path: building.path.clone(),
                        point: None,
                        address: None,
                    };
                    spots.push(Spot { place, worker });
                }
            }
        }
    }
    let mut residents = Vec::with_capacity(RESIDENTS);
    for i in 0..RESIDENTS {
        let id = users::insert_plain(c, format!("居民{i:04}"), Some(format!("gen-openid-{i}")), Some(phone(i as u64)))?;
        users::grant(c, id, Role::Resident, None)?;
        residents.push(id);
    }
    let items: Vec<CategoryItem> = categories::tree(c, false)?.into_iter().flat_map(|(_, items)| items).collect();
    Ok((spots, residents, items))
}

fn phone(i: u64) -> String {
    format!("138{:08}", i % 100_000_000)
}

/// A time-ordered id for an order submitted at `at` (lists sort by id).
fn id_at(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let random: [u8; 10] = rng.random();
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(at.timestamp_millis()).unwrap_or(0), &random).into_uuid()
}

fn minutes(rng: &mut StdRng, lo: i64, hi: i64) -> Duration {
    Duration::minutes(rng.random_range(lo..hi))
}

/// One order and the timeline that led to its status.
fn order(
    rng: &mut StdRng,
    index: u64,
    now: DateTime<Utc>,
    spots: &[Spot],
    residents: &[Uuid],
    items: &[CategoryItem],
) -> Result<Generated, DomainError> {
    let age = Duration::seconds((rng.random::<f64>() * 365.0 * 86_400.0) as i64);
    let submitted = now - age;
    let spot = &spots[rng.random_range(0..spots.len())];
    let item = &items[rng.random_range(0..items.len())];
    let reporter = residents[rng.random_range(0..residents.len())];
    let kind = match rng.random_range(0..100) {
        0..80 => Kind::Issue,
        80..92 => Kind::Wish,
        _ => Kind::Errand,
    };
    let priority = if item.urgent || rng.random_range(0..100) < 5 { Priority::Urgent } else { Priority::Normal };
    let contact = Contact {
        name: format!("居民{:04}", index % 10_000),
        phone: Some(Phone::parse(&phone(index)).map_err(|_| storage("generated phone"))?),
    };
    let mut o = Order {
        id: id_at(rng, submitted),
        number: format!("G{:09}", index + 1),
        kind,
        status: Status::Submitted,
        category_id: item.category_id,
        item_id: item.id,
        description: format!("{}：{}", item.name, ["楼道里", "小区门口", "单元楼下", "车棚旁"][rng.random_range(0..4)]),
        photos: vec![],
        place: spot.place.clone(),
        contact,
        reporter_id: reporter,
        channel: if rng.random_range(0..10) < 8 { Channel::Poster } else { Channel::Snap },
        level: Level::Community,
        priority,
        assignee: None,
        handler_id: None,
        due: due_times(submitted, item, priority),
        overdue: OverdueFlags::default(),
        at: Stamps::new(submitted),
        rating: None,
        duplicate_of: None,
        return_visit: None,
        version: 0,
        updated_at: submitted,
    };
    let mut events = vec![event(EventType::Submitted, EventData::Empty {}, Some(reporter), "resident", submitted)];
    life(rng, &mut o, &mut events, spot.worker, now);
    flag_overdue(&mut o, &mut events, now);
    events.sort_by_key(|e| e.at);
    o.version = i32::try_from(events.len() - 1).unwrap_or(i32::MAX);
    o.updated_at = events.last().map_or(submitted, |e| e.at);
    Ok(Generated { order: o, events })
}

fn event(kind: EventType, data: EventData, actor: Option<Uuid>, role: &'static str, at: DateTime<Utc>) -> TimedEvent {
    TimedEvent { event: NewEvent::new(kind, data), actor, role, at }
}

/// Walks the order through the loop until it reaches its fate or the present.
fn life(rng: &mut StdRng, o: &mut Order, events: &mut Vec<TimedEvent>, worker: Uuid, now: DateTime<Utc>) {
    let t0 = o.at.submitted;
    let fate = rng.random_range(0..100);
    if fate < 3 {
        let at = t0 + minutes(rng, 10, 600);
        if at <= now {
            o.status = Status::Declined;
            o.at.closed = Some(at);
            let data = EventData::Declined { reason: "不属于本社区受理范围".into(), duplicate_of: None };
            events.push(event(EventType::Declined, data, None, "community_staff", at));
        }
        return;
    }
    if fate < 5 {
        let at = t0 + minutes(rng, 1, 30);
        if at <= now {
            o.status = Status::Cancelled;
            o.at.closed = Some(at);
            events.push(event(
                EventType::Cancelled,
                EventData::Reason { reason: "已自行解决".into() },
                Some(o.reporter_id),
                "resident",
                at,
            ));
        }
        return;
    }
    let response = (o.due.response - t0).num_minutes().max(3);
    let dispatched = t0 + minutes(rng, 1, (response / 3).max(2));
    if dispatched > now {
        return;
    }
    let target = Target::GridWorker(worker);
    o.status = Status::Dispatched;
    o.assignee = Some(target);
    o.at.dispatched = Some(dispatched);
    events.push(event(
        EventType::Dispatched,
        EventData::Dispatched { target: target.into() },
        None,
        "community_staff",
        dispatched,
    ));
    // Most answer in time; about one in eight late.
    let accepted = if rng.random_range(0..8) == 0 {
        t0 + minutes(rng, response + 2, response * 4)
    } else {
        dispatched + minutes(rng, 1, (response * 2 / 3).max(2))
    };
    if accepted > now {
        return;
    }
    o.status = Status::Accepted;
    o.handler_id = Some(worker);
    o.at.accepted = Some(accepted);
    events.push(event(EventType::Accepted, EventData::Empty {}, Some(worker), "grid_worker", accepted));
    let arrived = accepted + minutes(rng, 3, 60);
    if arrived > now {
        return;
    }
    o.status = Status::OnSite;
    o.at.arrived = Some(arrived);
    events.push(event(
        EventType::Arrived,
        EventData::Arrived { lat: None, lng: None },
        Some(worker),
        "grid_worker",
        arrived,
    ));
    // Most resolved in time; about one in eight late.
    let resolve = (o.due.resolve - t0).num_minutes().max(30);
    let resolved = if rng.random_range(0..8) == 0 {
        t0 + minutes(rng, resolve + 2, resolve * 2)
    } else {
        arrived + minutes(rng, 10, (resolve * 3 / 4).max(11))
    }
    .max(arrived + Duration::minutes(10));
    if resolved > now {
        return;
    }
    o.status = Status::Resolved;
    o.at.resolved = Some(resolved);
    let data = EventData::Resolved { feedback: "已处理完毕".into(), photos: vec![] };
    events.push(event(EventType::Resolved, data, Some(worker), "grid_worker", resolved));
    let score = |rng: &mut StdRng| [5, 5, 5, 4, 4, 3][rng.random_range(0..6)];
    if rng.random_range(0..10) < 3 {
        // Nobody rated: the sweeper closes it after a week.
        let closed = resolved + Duration::days(7);
        if closed <= now {
            o.status = Status::Closed;
            o.at.closed = Some(closed);
            events.push(event(EventType::Closed, EventData::Closed { because: "no_rating" }, None, "system", closed));
        }
        return;
    }
    let rated = resolved + minutes(rng, 30, 72 * 60);
    if rated > now {
        return;
    }
    let rating = Rating {
        completion: score(rng),
        progress: score(rng),
        effect: score(rng),
        satisfaction: score(rng),
        comment: COMMENTS[rng.random_range(0..COMMENTS.len())].into(),
    };
    events.push(event(EventType::Rated, (&rating).into(), Some(o.reporter_id), "resident", rated));
    o.status = Status::Rated;
    o.at.rated = Some(rated);
    o.rating = Some(rating);
    let visited = rated + minutes(rng, 60, 48 * 60);
    if visited <= now {
        let data = EventData::ReturnVisited { satisfied: true, note: "电话回访，居民满意".into() };
        events.push(event(EventType::ReturnVisited, data, None, "community_staff", visited));
        events.push(event(EventType::Closed, EventData::Closed { because: "return_visit" }, None, "system", visited));
        o.status = Status::Closed;
        o.at.closed = Some(visited);
        o.return_visit = Some(true);
    }
}

/// What the sweeper would have flagged: a clock that ran out before it was met.
fn flag_overdue(o: &mut Order, events: &mut Vec<TimedEvent>, now: DateTime<Utc>) {
    let sweep = Duration::minutes(1);
    let late = |due: DateTime<Utc>, met: Option<DateTime<Utc>>| {
        let flag = due + sweep;
        (flag <= now && met.is_none_or(|m| m > flag)).then_some(flag)
    };
    let open_until = o.at.closed;
    let response_met = o.at.accepted.or(open_until);
    if let Some(at) = late(o.due.response, response_met) {
        o.overdue.response = Some(at);
        events.push(event(EventType::Overdue, EventData::Overdue { clock: Clock::Response }, None, "system", at));
    }
    if let Some(at) = late(o.due.resolve, o.at.resolved.or(open_until)) {
        o.overdue.resolve = Some(at);
        events.push(event(EventType::Overdue, EventData::Overdue { clock: Clock::Resolve }, None, "system", at));
    }
}
