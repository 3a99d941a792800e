//! Every (state, command, actor) combination against a literal table, and
//! property tests over random command sequences.

use proptest::prelude::*;
use uuid::Uuid;

use super::event::{replay, EventType};
use super::fields::{Rating, Reason};
use super::policy::{may_reveal, visibility, Visibility};
use super::{apply, Command, Level, Order, Status, Target};
use crate::actor::{Actor, Grant, Role};
use crate::region::Scope;
use crate::DomainError;

const STREET: &str = "/s/";
const COMMUNITY: &str = "/s/c/";
const GRID: &str = "/s/c/g1/";
const GRID2: &str = "/s/c/g2/";
const PATH: &str = "/s/c/g1/b/";
const ELSEWHERE: &str = "/s/c2/";

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::UNIX_EPOCH + chrono::Duration::hours(1)
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn scope(path: &str) -> Scope {
    Scope::Subtree { region_id: Uuid::nil(), path: path.into() }
}

fn actor(n: u128, grants: &[(Role, Option<&str>)]) -> Actor {
    Actor {
        user_id: id(n),
        grants: grants
            .iter()
            .map(|(role, p)| Grant { role: *role, scope: p.map(scope).unwrap_or(Scope::All) })
            .collect(),
        units: vec![],
    }
}

/// The cast, by label. `assignee` is a grid worker of the neighbouring grid
/// (not in the order's scope), so only being the assignee lets them act.
fn cast() -> Vec<(&'static str, Actor)> {
    vec![
        ("reporter", actor(1, &[(Role::Resident, None)])),
        ("resident", actor(2, &[(Role::Resident, None)])),
        ("party_member", actor(3, &[(Role::Resident, None), (Role::PartyMember, Some(COMMUNITY))])),
        ("party_member_elsewhere", actor(4, &[(Role::PartyMember, Some(ELSEWHERE))])),
        ("assignee", actor(5, &[(Role::GridWorker, Some(GRID2))])),
        ("grid_worker", actor(6, &[(Role::GridWorker, Some(GRID))])),
        ("grid_worker_elsewhere", actor(7, &[(Role::GridWorker, Some(ELSEWHERE))])),
        ("community_staff", actor(8, &[(Role::CommunityStaff, Some(COMMUNITY))])),
        ("street_staff", actor(9, &[(Role::StreetStaff, Some(STREET))])),
        ("department_staff", actor(10, &[(Role::DepartmentStaff, None)])),
        ("admin", actor(11, &[(Role::Admin, None)])),
        ("org_member", Actor { units: vec![id(100)], ..actor(12, &[(Role::OrgMember, Some(COMMUNITY))]) }),
    ]
}

fn state(name: &str) -> Order {
    let mut s = Order::example(id(1), PATH);
    let assign = |s: &mut Order, status, target, handler| {
        s.status = status;
        s.assignee = target;
        s.handler_id = handler;
    };
    match name {
        "submitted" => {}
        "pool" => assign(&mut s, Status::Dispatched, Some(Target::Pool), None),
        "dispatched" => assign(&mut s, Status::Dispatched, Some(Target::GridWorker(id(5))), None),
        "accepted" => assign(&mut s, Status::Accepted, Some(Target::GridWorker(id(5))), Some(id(5))),
        "on_site" => assign(&mut s, Status::OnSite, Some(Target::GridWorker(id(5))), Some(id(5))),
        "resolved" => assign(&mut s, Status::Resolved, Some(Target::GridWorker(id(5))), Some(id(5))),
        "rated" => assign(&mut s, Status::Rated, Some(Target::GridWorker(id(5))), Some(id(5))),
        "closed" => s.status = Status::Closed,
        "cancelled" => s.status = Status::Cancelled,
        "declined" => s.status = Status::Declined,
        "street" => s.level = Level::Street,
        "department" => s.level = Level::Department,
        other => panic!("no state {other}"),
    }
    s
}

fn commands() -> Vec<Command> {
    let reason = Reason("理由".into());
    vec![
        Command::Dispatch { target: Target::Organization(id(100)) },
        Command::Accept,
        Command::Grab,
        Command::Reject { reason: reason.clone() },
        Command::Arrive { lat: None, lng: None },
        Command::Resolve { feedback: "已处理".into(), photos: vec![] },
        Command::Rate(Rating::parse(5, 5, 5, 4, "").unwrap()),
        Command::ReturnVisit { satisfied: true, note: String::new() },
        Command::Escalate { reason: reason.clone() },
        Command::Decline { reason: reason.clone(), duplicate_of: None },
        Command::Cancel { reason },
    ]
}

/// Who may give each command in each state. `X`: nobody, 409. Otherwise a
/// group; everyone outside it gets 403.
/// S = staff at the order's level in scope, A = assignee, H = handler,
/// P = party member serving the community, R = reporter.
const TABLE: &[(&str, [&str; 11])] = &[
    //             dispatch accept grab reject arrive resolve rate return_visit escalate decline cancel
    ("submitted", ["S", "X", "X", "X", "X", "X", "X", "X", "S", "S", "R"]),
    ("pool", ["S", "X", "P", "X", "X", "X", "X", "X", "S", "S", "R"]),
    ("dispatched", ["S", "A", "X", "A", "X", "X", "X", "X", "S", "S", "R"]),
    ("accepted", ["X", "X", "X", "X", "H", "H", "X", "X", "S", "X", "X"]),
    ("on_site", ["X", "X", "X", "X", "X", "H", "X", "X", "S", "X", "X"]),
    ("resolved", ["X", "X", "X", "X", "X", "X", "R", "S", "X", "X", "X"]),
    ("rated", ["X", "X", "X", "X", "X", "X", "X", "S", "X", "X", "X"]),
    ("closed", ["X", "X", "X", "X", "X", "X", "X", "X", "X", "X", "X"]),
    ("cancelled", ["X", "X", "X", "X", "X", "X", "X", "X", "X", "X", "X"]),
    ("declined", ["X", "X", "X", "X", "X", "X", "X", "X", "X", "X", "X"]),
    ("street", ["S", "X", "X", "X", "X", "X", "X", "X", "S", "S", "R"]),
    ("department", ["S", "X", "X", "X", "X", "X", "X", "X", "X", "S", "R"]),
];

fn group(code: &str, state_name: &str) -> &'static [&'static str] {
    match (code, state_name) {
        ("S", "street") => &["street_staff", "admin"],
        ("S", "department") => &["department_staff", "admin"],
        ("S", _) => &["grid_worker", "community_staff", "street_staff", "admin"],
        ("A" | "H", _) => &["assignee"],
        ("P", _) => &["party_member"],
        ("R", _) => &["reporter"],
        _ => &[],
    }
}

fn expected_status(command: &Command) -> Status {
    match command {
        Command::Dispatch { .. } => Status::Dispatched,
        Command::Accept | Command::Grab => Status::Accepted,
        Command::Reject { .. } | Command::Escalate { .. } => Status::Submitted,
        Command::Arrive { .. } => Status::OnSite,
        Command::Resolve { .. } => Status::Resolved,
        Command::Rate(_) => Status::Rated,
        Command::ReturnVisit { .. } => Status::Closed,
        Command::Decline { .. } => Status::Declined,
        Command::Cancel { .. } => Status::Cancelled,
    }
}

#[test]
fn every_state_command_and_actor_matches_the_table() {
    let cast = cast();
    let commands = commands();
    let mut checked = 0;
    for (state_name, row) in TABLE {
        let order = state(state_name);
        for (command, code) in commands.iter().zip(row.iter()) {
            for (label, who) in &cast {
                let result = apply(&order, command, who, now());
                let case = format!("{state_name} / {} / {label}", command.name());
                match (*code, result) {
                    ("X", Err(DomainError::Conflict { code, .. })) => {
                        assert_eq!(code, "order.invalid_transition", "{case}")
                    }
                    ("X", other) => panic!("{case}: expected 409, got {other:?}"),
                    (g, Ok(t)) => {
                        assert!(group(g, state_name).contains(label), "{case}: allowed but should be 403");
                        assert_eq!(t.next.status, expected_status(command), "{case}");
                        let statuses: Vec<EventType> = t.events.iter().map(|e| e.kind).collect();
                        assert_eq!(replay(&statuses), Some(t.next.status), "{case}: events lead to the new status");
                    }
                    (g, Err(DomainError::Forbidden { code, .. })) => {
                        assert!(!group(g, state_name).contains(label), "{case}: refused but in the group");
                        assert_eq!(code, "order.forbidden", "{case}");
                    }
                    (_, Err(other)) => panic!("{case}: unexpected {other:?}"),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, TABLE.len() * 11 * cast.len());
    assert_eq!(checked, 1584);
}

#[test]
fn unsatisfied_ratings_and_visits_reopen_to_the_pool() {
    let cast = cast();
    let reporter = &cast[0].1;
    let staff = &cast[7].1;
    let low = Command::Rate(Rating::parse(3, 3, 3, 2, "没修好").unwrap());
    let t = apply(&state("resolved"), &low, reporter, now()).unwrap();
    assert_eq!((t.next.status, t.next.assignee, t.next.handler_id), (Status::Dispatched, Some(Target::Pool), None));
    assert_eq!(t.events.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventType::Rated, EventType::Reopened]);

    // Even an order a department handled goes back to its community.
    let mut escalated = state("resolved");
    escalated.level = Level::Department;
    let t = apply(&escalated, &low, reporter, now()).unwrap();
    assert_eq!(t.next.level, Level::Community);

    let unhappy = Command::ReturnVisit { satisfied: false, note: "仍漏水".into() };
    let t = apply(&state("rated"), &unhappy, staff, now()).unwrap();
    assert_eq!(t.next.status, Status::Dispatched);
    assert_eq!(t.events.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventType::ReturnVisited, EventType::Reopened]);
}

#[test]
fn grabbing_assigns_the_party_member_and_escalating_resets_the_assignee() {
    let cast = cast();
    let t = apply(&state("pool"), &Command::Grab, &cast[2].1, now()).unwrap();
    assert_eq!(t.next.assignee, Some(Target::PartyMember(id(3))));
    assert_eq!(t.next.handler_id, Some(id(3)));
    assert_eq!(t.role, "party_member");

    let up = Command::Escalate { reason: Reason("需要街道协调".into()) };
    let t = apply(&state("accepted"), &up, &cast[7].1, now()).unwrap();
    assert_eq!((t.next.level, t.next.assignee, t.next.handler_id), (Level::Street, None, None));
    let t = apply(&t.next, &up, &cast[8].1, now()).unwrap();
    assert_eq!(t.next.level, Level::Department);
    // At department level the street no longer acts; the department does.
    let dispatch = Command::Dispatch { target: Target::Department(id(200)) };
    assert!(apply(&t.next, &dispatch, &cast[8].1, now()).is_err());
    assert!(apply(&t.next, &dispatch, &cast[9].1, now()).is_ok());
}

#[test]
fn organisations_act_through_their_members() {
    let cast = cast();
    let org = &cast[11].1;
    let mut order = state("submitted");
    order.status = Status::Dispatched;
    order.assignee = Some(Target::Organization(id(100)));
    let t = apply(&order, &Command::Accept, org, now()).unwrap();
    assert_eq!(t.role, "org_member");
    let t = apply(&t.next, &Command::Resolve { feedback: "已修复".into(), photos: vec![] }, org, now()).unwrap();
    assert_eq!(t.next.status, Status::Resolved);
}

#[test]
fn who_sees_what() {
    let cast = cast();
    let by = |label: &str| cast.iter().find(|(l, _)| *l == label).map(|(_, a)| a.clone()).unwrap();
    let pool = state("pool");
    assert_eq!(visibility(&by("reporter"), &pool), Visibility::Full);
    assert_eq!(visibility(&by("grid_worker"), &pool), Visibility::Masked, "overseeing, not handling: masked");
    assert_eq!(visibility(&by("party_member"), &pool), Visibility::Masked);
    assert_eq!(visibility(&by("party_member_elsewhere"), &pool), Visibility::Hidden);
    assert_eq!(visibility(&by("resident"), &pool), Visibility::Hidden);
    assert_eq!(visibility(&by("grid_worker_elsewhere"), &pool), Visibility::Hidden);
    assert_eq!(visibility(&by("department_staff"), &pool), Visibility::Hidden, "departments see escalated orders only");
    assert_eq!(visibility(&by("department_staff"), &state("department")), Visibility::Full);
    let accepted = state("accepted");
    assert_eq!(visibility(&by("assignee"), &accepted), Visibility::Full);
    assert_eq!(visibility(&by("party_member"), &accepted), Visibility::Hidden, "out of the pool");
}

#[test]
fn who_may_reveal_a_masked_phone() {
    let cast = cast();
    let by = |label: &str| cast.iter().find(|(l, _)| *l == label).map(|(_, a)| a.clone()).unwrap();
    let (pool, accepted) = (state("pool"), state("accepted"));
    let table = [
        ("grid_worker", &pool, true),
        ("community_staff", &accepted, true),
        ("street_staff", &accepted, true),
        ("admin", &accepted, true),
        ("party_member", &pool, false),
        ("reporter", &pool, false),
        ("assignee", &accepted, false),
        ("resident", &pool, false),
        ("grid_worker_elsewhere", &pool, false),
        ("department_staff", &pool, false),
    ];
    for (who, order, allowed) in table {
        assert_eq!(may_reveal(&by(who), order), allowed, "{who}");
    }
    // Whoever may reveal sees the order masked, and whoever sees it in full needs no reveal.
    for (label, actor) in &cast {
        for order in [&pool, &accepted] {
            if may_reveal(actor, order) {
                assert_eq!(visibility(actor, order), Visibility::Masked, "{label}");
            }
        }
    }
}

#[test]
fn the_response_clock_stops_at_accept_and_the_resolve_clock_at_resolve() {
    use super::Clock;
    let mut order = state("submitted");
    let t0 = order.at.submitted;
    order.due =
        super::Due { response: t0 + chrono::Duration::minutes(10), resolve: t0 + chrono::Duration::minutes(20) };
    let at = |status, m| {
        let mut o = order.clone();
        o.status = status;
        o.overdue_clock(t0 + chrono::Duration::minutes(m))
    };
    assert_eq!(at(Status::Submitted, 5), None);
    assert_eq!(at(Status::Dispatched, 10), Some(Clock::Response));
    assert_eq!(at(Status::Accepted, 15), None);
    assert_eq!(at(Status::OnSite, 20), Some(Clock::Resolve));
    assert_eq!(at(Status::Resolved, 99), None);
    assert_eq!(Status::names_where(Status::awaits_response), ["submitted", "dispatched"]);
}

fn any_command() -> impl Strategy<Value = Command> {
    let targets = prop_oneof![
        Just(Target::Pool),
        Just(Target::GridWorker(id(5))),
        Just(Target::PartyMember(id(3))),
        Just(Target::Organization(id(100))),
    ];
    prop_oneof![
        targets.prop_map(|target| Command::Dispatch { target }),
        Just(Command::Accept),
        Just(Command::Grab),
        Just(Command::Reject { reason: Reason("r".into()) }),
        Just(Command::Arrive { lat: None, lng: None }),
        Just(Command::Resolve { feedback: "f".into(), photos: vec![] }),
        (1i64..=5).prop_map(|s| Command::Rate(Rating::parse(3, 3, 3, s, "").unwrap())),
        any::<bool>().prop_map(|satisfied| Command::ReturnVisit { satisfied, note: String::new() }),
        Just(Command::Escalate { reason: Reason("r".into()) }),
        Just(Command::Decline { reason: Reason("r".into()), duplicate_of: None }),
        Just(Command::Cancel { reason: Reason("r".into()) }),
    ]
}

proptest! {
    #[test]
    fn random_sequences_keep_the_state_consistent_and_replayable(
        steps in proptest::collection::vec((any_command(), 0usize..12), 1..60)
    ) {
        let cast = cast();
        let mut order = Order::example(id(1), PATH);
        let mut timeline = vec![EventType::Submitted];
        for (command, who) in steps {
            let before = order.clone();
            match apply(&order, &command, &cast[who].1, now()) {
                Ok(t) => {
                    prop_assert!(!before.status.is_final(), "a final order changed");
                    timeline.extend(t.events.iter().map(|e| e.kind));
                    order = t.next;
                }
                Err(DomainError::Conflict { .. } | DomainError::Forbidden { .. }) => prop_assert_eq!(&order, &before),
                Err(other) => prop_assert!(false, "unexpected error {:?}", other),
            }
            match order.status {
                Status::Submitted => prop_assert!(order.assignee.is_none() && order.handler_id.is_none()),
                Status::Dispatched => prop_assert!(order.assignee.is_some() && order.handler_id.is_none()),
                Status::Accepted | Status::OnSite => prop_assert!(order.assignee.is_some() && order.handler_id.is_some()),
                _ => {}
            }
            prop_assert_eq!(replay(&timeline), Some(order.status));
        }
    }
}
