use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use super::summary::{quantile, rate};
use super::tally::{bin_of, day_of, Durations, BINS};
use super::*;
use crate::order::fields::Rating;
use crate::order::{Order, Status};

fn t0() -> DateTime<Utc> {
    // 2026-12-01 08:00 in China.
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().unwrap_or_else(|| unreachable!())
}

fn order() -> Order {
    let mut o = Order::example(Uuid::nil(), "/a/b/c/d/");
    o.at.submitted = t0();
    o.due.response = t0() + Duration::minutes(30);
    o.due.resolve = t0() + Duration::hours(24);
    o
}

fn rating(completion: u8, satisfaction: u8) -> Rating {
    Rating { completion, progress: 3, effect: 4, satisfaction, comment: String::new() }
}

#[test]
fn a_day_is_a_day_in_china() {
    let late = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).single().unwrap_or_else(|| unreachable!());
    assert_eq!(day_of(late), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default());
    assert_eq!(day_of(late - Duration::seconds(1)), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default());
}

#[test]
fn what_an_order_adds() {
    // (what, the change, [response_due, on time, resolve_due, on time, judged, solved, satisfied])
    type Case = (&'static str, fn(&mut Order), [i64; 7]);
    let cases: [Case; 9] = [
        ("just submitted: nothing came due", |_| {}, [0, 0, 0, 0, 0, 0, 0]),
        ("accepted in time", |o| o.at.accepted = Some(t0() + Duration::minutes(10)), [1, 1, 0, 0, 0, 0, 0]),
        ("accepted exactly at the due time", |o| o.at.accepted = Some(o.due.response), [1, 1, 0, 0, 0, 0, 0]),
        ("accepted late", |o| o.at.accepted = Some(t0() + Duration::minutes(31)), [1, 0, 0, 0, 0, 0, 0]),
        ("flagged unanswered", |o| o.overdue.response = Some(t0() + Duration::minutes(31)), [1, 0, 0, 0, 0, 0, 0]),
        (
            "flagged, then accepted (before the due time is moved back): late",
            |o| {
                o.overdue.response = Some(t0() + Duration::minutes(31));
                o.at.accepted = Some(t0() + Duration::minutes(5));
            },
            [1, 0, 0, 0, 0, 0, 0],
        ),
        (
            "resolved in time and rated well",
            |o| {
                o.at.accepted = Some(t0() + Duration::minutes(5));
                o.at.resolved = Some(t0() + Duration::hours(2));
                o.rating = Some(rating(4, 5));
            },
            [1, 1, 1, 1, 1, 1, 1],
        ),
        (
            "resolved late, rated incomplete and unsatisfied",
            |o| {
                o.at.accepted = Some(t0() + Duration::minutes(5));
                o.at.resolved = Some(t0() + Duration::hours(25));
                o.rating = Some(rating(3, 2));
            },
            [1, 1, 1, 0, 1, 0, 0],
        ),
        (
            "unrated, but the return visit found it solved",
            |o| {
                o.at.accepted = Some(t0() + Duration::minutes(5));
                o.at.resolved = Some(t0() + Duration::hours(2));
                o.return_visit = Some(true);
            },
            [1, 1, 1, 1, 1, 1, 0],
        ),
    ];
    for (what, change, want) in cases {
        let mut o = order();
        change(&mut o);
        let t = tally(&o);
        let got =
            [t.response_due, t.response_on_time, t.resolve_due, t.resolve_on_time, t.judged, t.solved, t.satisfied];
        assert_eq!(got, want, "{what}");
        assert_eq!(t.orders, 1, "{what}");
        assert_eq!(t.by_status.iter().sum::<i64>(), 1, "{what}: one status");
        assert_eq!(t.by_kind.iter().sum::<i64>(), 1, "{what}: one kind");
    }
}

#[test]
fn an_unsatisfied_visit_is_judged_not_solved() {
    let mut o = order();
    o.return_visit = Some(false);
    let t = tally(&o);
    assert_eq!((t.judged, t.solved, t.rated), (1, 0, 0));
}

#[test]
fn durations_and_the_service_circle() {
    let mut o = order();
    o.at.accepted = Some(t0() + Duration::minutes(7));
    o.at.arrived = Some(t0() + Duration::minutes(15));
    let t = tally(&o);
    assert_eq!((t.accept.count, t.accept.minutes, t.accept.bins[1]), (1, 7, 1));
    assert_eq!((t.arrive.count, t.arrive.minutes, t.on_site_15), (1, 15, 1));
    o.at.arrived = Some(t0() + Duration::minutes(15) + Duration::seconds(1));
    assert_eq!(tally(&o).on_site_15, 0, "a second past 15 minutes is outside the circle");
}

#[test]
fn bins_cover_every_duration() {
    for (minutes, bin) in [
        (0, 0),
        (4, 0),
        (5, 1),
        (14, 2),
        (15, 3),
        (59, 4),
        (1439, 8),
        (1440, 9),
        (10079, 10),
        (10080, 11),
        (1_000_000, 11),
    ] {
        assert_eq!(bin_of(minutes), bin, "{minutes} minutes");
    }
    assert_eq!(BINS, 12);
}

#[test]
fn quantiles_from_bins() {
    let mut d = Durations::default();
    assert_eq!(quantile(&d, 0.9), None);
    // Ten in [10, 15): p90 interpolates to 14.5 (9 of 10 through the bin).
    d.count = 10;
    d.bins[2] = 10;
    assert_eq!(quantile(&d, 0.9), Some(14.5));
    // Nine fast, one in the open last bin: p90 is still in the fast bin.
    let mut d = Durations { count: 10, ..Default::default() };
    d.bins[0] = 9;
    d.bins[11] = 1;
    assert_eq!(quantile(&d, 0.9), Some(5.0));
    // Mostly in the open bin: its lower edge.
    let mut d = Durations { count: 10, ..Default::default() };
    d.bins[11] = 10;
    assert_eq!(quantile(&d, 0.9), Some(10080.0));
}

#[test]
fn rates_are_null_when_nothing_came_due() {
    assert_eq!(rate(0, 0), None);
    assert_eq!(rate(3, 4), Some(0.75));
    let s = Summary::of(&Tally::default());
    assert_eq!(
        (s.response_rate, s.on_time_resolution_rate, s.resolution_rate, s.satisfaction_rate, s.on_site_within_15m),
        (None, None, None, None, None)
    );
    assert_eq!(s.accept_minutes.mean, None);
    assert_eq!(s.ratings.completion, None);
}

#[test]
fn summary_of_sums() {
    let mut a = order();
    a.at.accepted = Some(t0() + Duration::minutes(10));
    a.at.resolved = Some(t0() + Duration::hours(1));
    a.status = Status::Rated;
    a.rating = Some(rating(5, 5));
    let mut b = order();
    b.at.accepted = Some(t0() + Duration::minutes(40));
    b.at.resolved = Some(t0() + Duration::hours(30));
    b.status = Status::Rated;
    b.rating = Some(rating(3, 3));
    let s = Summary::of(&tally(&a).plus(&tally(&b)));
    assert_eq!(s.orders, 2);
    assert_eq!(s.response_rate, Some(0.5));
    assert_eq!(s.on_time_resolution_rate, Some(0.5));
    assert_eq!(s.resolution_rate, Some(0.5));
    assert_eq!(s.satisfaction_rate, Some(0.5));
    assert_eq!(s.accept_minutes.mean, Some(25.0));
    assert_eq!(s.ratings.completion, Some(4.0));
    assert_eq!(s.by_status.iter().find(|(st, _)| *st == Status::Rated).map(|x| x.1), Some(2));
}

#[test]
fn a_save_adds_its_difference() {
    let before = order();
    let mut after = before.clone();
    after.status = Status::Accepted;
    after.at.accepted = Some(t0() + Duration::minutes(3));
    let changes = delta(Some(&before), &after);
    assert_eq!(changes.len(), 1);
    let (key, change) = &changes[0];
    assert_eq!(*key, TallyKey::of(&after));
    assert_eq!(tally(&before).plus(change), tally(&after));
    assert_eq!(change.orders, 0, "the order was already counted");
    assert!(delta(Some(&after), &after).is_empty(), "no change, nothing to write");
    assert_eq!(delta(None, &before), vec![(TallyKey::of(&before), tally(&before))]);
}

#[test]
fn columns_round_trip() {
    let mut o = order();
    o.at.accepted = Some(t0() + Duration::minutes(3));
    o.rating = Some(rating(5, 4));
    let t = tally(&o);
    assert_eq!(Tally::from_values(&t.values()), t);
    let cols = Tally::columns();
    assert_eq!(cols.len(), t.values().len());
    let mut unique = cols.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), cols.len(), "column names are unique");
    assert!(cols.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')));
}

#[test]
fn day_ranges() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let ok = DayRange::parse(None, None, today).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((ok.from, ok.to, ok.days().count()), (d("2026-11-07"), today, 30));
    let one = DayRange::parse(Some("2026-12-01"), Some("2026-12-01"), today).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(one.days().count(), 1);
    let codes = |from: Option<&str>, to: Option<&str>| match DayRange::parse(from, to, today) {
        Err(DomainError::Validation(errors)) => errors.iter().map(|e| (e.field.clone(), e.code)).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(codes(Some("2026-12-02"), Some("2026-12-01")), [("from".to_owned(), "after_to")]);
    assert_eq!(codes(Some("2020-01-01"), Some("2026-12-01")), [("to".to_owned(), "range_too_long")]);
    assert_eq!(
        codes(Some("12/01"), Some("2026-13-01")),
        [("from".to_owned(), "invalid_date"), ("to".to_owned(), "invalid_date")]
    );
    assert!(DayRange::parse(Some("2024-01-01"), Some("2026-12-31"), today).is_ok(), "1,096 days is allowed");
    let (start, end) = one.bounds();
    assert_eq!(
        (start.to_rfc3339(), end.to_rfc3339()),
        ("2026-11-30T16:00:00+00:00".to_owned(), "2026-12-01T16:00:00+00:00".to_owned())
    );
    for at in [start, end - Duration::seconds(1)] {
        assert_eq!(crate::stats::tally::day_of(at), one.from, "the bounds agree with the day an order counts on");
    }
}

#[test]
fn who_reads_statistics() {
    use crate::actor::{Actor, Grant, Role};
    use crate::region::{Region, RegionKind, Scope};
    let street = Uuid::from_u128(1);
    let region = |kind, path: &str| Region {
        id: Uuid::from_u128(9),
        kind,
        code: "x".into(),
        name: "x".into(),
        parent_id: None,
        path: path.into(),
        address: None,
    };
    let community = region(RegionKind::Community, "/s1/c1/");
    let other = region(RegionKind::Community, "/s2/c2/");
    let actor = |role, scope| Actor { user_id: Uuid::nil(), grants: vec![Grant { role, scope }], units: vec![] };
    let street_staff = actor(Role::StreetStaff, Scope::Subtree { region_id: street, path: "/s1/".into() });
    let city = actor(Role::Admin, Scope::All);
    let resident = actor(Role::Resident, Scope::All);
    let code = |r: Result<(), DomainError>| match r {
        Ok(()) => None,
        Err(DomainError::Forbidden { code, .. }) => Some(code),
        Err(DomainError::Validation(_)) => Some("validation.failed"),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(code(check_reader(&street_staff, Some(&community))), None);
    assert_eq!(code(check_reader(&street_staff, Some(&other))), Some("stats.forbidden"));
    assert_eq!(code(check_reader(&street_staff, None)), Some("stats.forbidden"), "not the whole city");
    assert_eq!(code(check_reader(&city, None)), None);
    assert_eq!(code(check_reader(&resident, Some(&community))), Some("stats.forbidden"));
    assert_eq!(default_node(&street_staff).ok(), Some(Some(street)));
    assert_eq!(default_node(&city).ok(), Some(None));
    assert!(default_node(&resident).is_err());
    assert_eq!(code(check_node(&region(RegionKind::Building, "/s1/c1/g1/b1/"))), Some("validation.failed"));
    assert_eq!(child_kind(None).ok(), Some(RegionKind::Street));
    assert_eq!(child_kind(Some(&community)).ok(), Some(RegionKind::Grid));
    assert!(child_kind(Some(&region(RegionKind::Grid, "/s1/c1/g1/"))).is_err());
}
