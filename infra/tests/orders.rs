//! Orders in storage, on both backends: numbering, atomic transitions,
//! concurrent grabs, the sweeper.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::actor::{Actor, Role};
use domain::order::fields::{Contact, Rating, Reason};
use domain::order::{Command, Kind, Target};
use domain::DomainError;
use infra::db::write_tx;
use infra::repo::{orders, regions, users};
use infra::usecase::orders::{act, submit, Place, Submit};
use infra::usecase::sweep;
use infra::{both_backends, seed, AnyConnection};
use uuid::Uuid;

fn actor_of(conn: &mut AnyConnection, username: &str) -> Actor {
    let user = users::find_by_username(conn, username).unwrap().unwrap();
    users::actor(conn, user.uuid().unwrap()).unwrap()
}

fn report(conn: &mut AnyConnection, resident: &Actor) -> orders::OrderRow {
    let cmd = Submit {
        kind: Kind::Issue,
        item: "sewage-blockage".into(),
        description: "楼下污水井堵了，污水漫到路面".into(),
        photos: vec![],
        place: Place::Poster("dd-hean".into()),
        point: Some((24.41, 111.56)),
        address: None,
        contact: Contact::parse("王阿姨", "13812341234").unwrap(),
    };
    write_tx(conn, |c| submit(c, resident, cmd, infra::ids::now())).unwrap()
}

fn party_member(conn: &mut AnyConnection, n: usize) -> Actor {
    let user = users::upsert_wechat(conn, &format!("grabber-{n}"), None).unwrap();
    let community = regions::find_by_code(conn, "diandeng").unwrap().unwrap();
    users::grant(conn, user.uuid().unwrap(), Role::PartyMember, Some(community.id)).unwrap();
    users::actor(conn, user.uuid().unwrap()).unwrap()
}

both_backends! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn exactly_one_of_many_concurrent_grabs_wins(db) {
        let (order_id, grabbers) = db.run(|conn| {
            seed::run(conn, true)?;
            let resident = actor_of(conn, "jumin");
            let staff = actor_of(conn, "diandeng");
            let order = report(conn, &resident);
            let id = order.uuid()?;
            write_tx(conn, |c| act(c, &staff, id, Command::Dispatch { target: Target::Pool }, infra::ids::now()))?;
            let grabbers: Vec<Actor> = (0..8).map(|n| party_member(conn, n)).collect();
            Ok((id, grabbers))
        }).await.unwrap();

        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(grabbers.len()));
        let tasks: Vec<_> = grabbers.into_iter().map(|who| {
            let db = db.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                db.write(move |c| act(c, &who, order_id, Command::Grab, infra::ids::now())).await
            })
        }).collect();
        let mut won = 0;
        let mut lost = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(DomainError::Conflict { code: "order.invalid_transition", .. }) => lost += 1,
                Err(other) => panic!("a grab failed with {other:?}"),
            }
        }
        assert_eq!((won, lost), (1, 7));
        let (row, events) = db.run(move |c| Ok((orders::get(c, order_id)?, orders::events(c, order_id)?))).await.unwrap();
        assert_eq!(row.status, "accepted");
        assert_eq!(row.version, 2);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["submitted", "dispatched", "grabbed"]);
    }

    #[tokio::test]
    async fn numbers_are_unique_and_a_failed_transition_writes_nothing(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, true).unwrap();
        let resident = actor_of(&mut conn, "jumin");
        let staff = actor_of(&mut conn, "diandeng");
        let a = report(&mut conn, &resident);
        let b = report(&mut conn, &resident);
        assert_ne!(a.number, b.number);
        assert!(a.number < b.number, "numbers sort by submission");
        assert_eq!(a.number.len(), "20261124-000001".len());
        assert_eq!(a.channel, "poster");
        assert_eq!((a.response_due_at - a.submitted_at), Duration::minutes(30));

        let outbox_before = infra::testing::count_rows(&mut conn, "outbox").unwrap();
        let id = a.uuid().unwrap();
        // A party member from nowhere: the dispatch is refused and nothing is stored.
        let stranger = Command::Dispatch { target: Target::PartyMember(Uuid::now_v7()) };
        let refused = write_tx(&mut conn, |c| act(c, &staff, id, stranger, infra::ids::now()));
        assert!(matches!(refused, Err(DomainError::Validation(_))), "{refused:?}");
        let row = orders::get(&mut conn, id).unwrap();
        assert_eq!((row.status.as_str(), row.version), ("submitted", 0));
        assert_eq!(orders::events(&mut conn, id).unwrap().len(), 1);
        assert_eq!(infra::testing::count_rows(&mut conn, "outbox").unwrap(), outbox_before);

        // A resident who is not the reporter does not learn the order exists.
        let other = users::upsert_wechat(&mut conn, "someone-else", None).unwrap();
        let other = users::actor(&mut conn, other.uuid().unwrap()).unwrap();
        let hidden = write_tx(&mut conn, |c| act(c, &other, id, Command::Cancel { reason: Reason::parse("x").unwrap() }, infra::ids::now()));
        assert!(matches!(hidden, Err(DomainError::NotFound { .. })));
    }

    #[tokio::test]
    async fn the_full_loop_stamps_each_stage_and_the_sweeper_closes_the_unrated(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, true).unwrap();
        let resident = actor_of(&mut conn, "jumin");
        let staff = actor_of(&mut conn, "diandeng");
        let worker = actor_of(&mut conn, "dd-grid1");
        let now = infra::ids::now();
        let run = |conn: &mut AnyConnection, who: &Actor, id: Uuid, cmd: Command| write_tx(conn, |c| act(c, who, id, cmd, now)).unwrap();

        let order = report(&mut conn, &resident);
        let id = order.uuid().unwrap();
        run(&mut conn, &staff, id, Command::Dispatch { target: Target::GridWorker(worker.user_id) });
        run(&mut conn, &worker, id, Command::Accept);
        run(&mut conn, &worker, id, Command::Arrive { lat: None, lng: None });
        let resolved = run(&mut conn, &worker, id, Command::Resolve { feedback: "已疏通".into(), photos: vec![] });
        assert!(resolved.accepted_at.is_some() && resolved.arrived_at.is_some() && resolved.resolved_at.is_some());

        // Not yet due: nothing closes.
        assert_eq!(sweep::run(&mut conn, now, Duration::days(7)).unwrap().auto_closed, 0);
        let later = now + Duration::days(8);
        let report_ = sweep::run(&mut conn, later, Duration::days(7)).unwrap();
        assert_eq!(report_.auto_closed, 1);
        let closed = orders::get(&mut conn, id).unwrap();
        assert_eq!(closed.status, "closed");
        let last = orders::events(&mut conn, id).unwrap().pop().unwrap();
        assert_eq!((last.kind.as_str(), last.actor_role.as_str(), last.actor_id), ("closed", "system", None));

        // A second order, rated low, reopens to the pool; nobody grabs it for days: overdue.
        let second = report(&mut conn, &resident);
        let sid = second.uuid().unwrap();
        run(&mut conn, &staff, sid, Command::Dispatch { target: Target::GridWorker(worker.user_id) });
        run(&mut conn, &worker, sid, Command::Accept);
        run(&mut conn, &worker, sid, Command::Resolve { feedback: "处理了".into(), photos: vec![] });
        let reopened = run(&mut conn, &resident, sid, Command::Rate(Rating::parse(2, 2, 1, 1, "没修好").unwrap()));
        assert_eq!((reopened.status.as_str(), reopened.assignee_type.as_deref()), ("dispatched", Some("pool")));
        assert_eq!(reopened.rating_satisfaction, Some(1));
        let flagged = sweep::run(&mut conn, now + Duration::days(30), Duration::days(7)).unwrap();
        assert!(flagged.overdue_flagged >= 1);
        let again = sweep::run(&mut conn, now + Duration::days(31), Duration::days(7)).unwrap();
        assert_eq!(again.overdue_flagged, 0, "flagged once per clock");
        let kinds: Vec<String> = orders::events(&mut conn, sid).unwrap().into_iter().map(|e| e.kind).collect();
        assert!(kinds.contains(&"overdue".to_owned()));
        assert!(infra::testing::count_rows(&mut conn, "outbox").unwrap() > 5, "transitions write their notifications");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_submissions_get_distinct_numbers(db) {
        let resident = db.run(|c| { seed::run(c, true)?; Ok(actor_of(c, "jumin")) }).await.unwrap();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = (0..8).map(|_| {
            let (db, who, barrier) = (db.clone(), resident.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                db.run(move |c| Ok(report(c, &who).number)).await
            })
        }).collect();
        let mut numbers = Vec::new();
        for task in tasks {
            numbers.push(task.await.unwrap().expect("every concurrent submission succeeds"));
        }
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 8);
        assert!(numbers[7].ends_with("-000008"), "{numbers:?}");
    }
}
