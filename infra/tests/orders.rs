//! Orders in storage, on both backends: numbering, atomic transitions,
//! concurrent grabs, the sweeper.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::actor::{Actor, Role};
use domain::order::fields::{ContactDraft, Rating, Reason};
use domain::order::{Command, Kind, Order, Status, Target, TargetType};
use domain::DomainError;
use infra::repo::{orders, regions, users};
use infra::usecase::orders::{command, submit, Place, Submit};
use infra::usecase::sweep;
use infra::{both_backends, seed, AnyConnection, Db};
use uuid::Uuid;

fn actor_of(conn: &mut AnyConnection, username: &str) -> Actor {
    let user = users::find_by_username(conn, username).unwrap().unwrap();
    users::actor(conn, user.uuid().unwrap()).unwrap()
}

fn submission() -> Submit {
    Submit {
        kind: Kind::Issue,
        item: "sewage-blockage".into(),
        description: "楼下污水井堵了，污水漫到路面".into(),
        photos: vec![],
        place: Place::Poster("dd-hean".into()),
        point: Some((24.41, 111.56)),
        address: None,
        contact: ContactDraft::parse("王阿姨", Some("13812341234")).unwrap(),
        priority: None,
    }
}

async fn report(db: &Db, resident: &Actor) -> Order {
    submit(db, None, resident.clone(), submission(), None).await.unwrap().0.order
}

async fn act(db: &Db, who: &Actor, id: Uuid, cmd: Command) -> Result<Order, DomainError> {
    command(db, None, who.clone(), id, cmd).await.map(|d| d.order)
}

async fn get(db: &Db, id: Uuid) -> Order {
    db.run(move |c| orders::get(c, id)).await.unwrap()
}

async fn kinds(db: &Db, id: Uuid) -> Vec<String> {
    let events = db.run(move |c| orders::events(c, id)).await.unwrap();
    events.into_iter().map(|e| e.kind.as_str().to_owned()).collect()
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
        let (resident, staff, grabbers) = db.run(|conn| {
            seed::run(conn, true)?;
            let grabbers: Vec<Actor> = (0..8).map(|n| party_member(conn, n)).collect();
            Ok((actor_of(conn, "jumin"), actor_of(conn, "diandeng"), grabbers))
        }).await.unwrap();
        let order_id = report(&db, &resident).await.id;
        act(&db, &staff, order_id, Command::Dispatch { target: Target::Pool }).await.unwrap();

        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(grabbers.len()));
        let tasks: Vec<_> = grabbers.into_iter().map(|who| {
            let db = db.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                act(&db, &who, order_id, Command::Grab).await
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
        let order = get(&db, order_id).await;
        assert_eq!((order.status, order.version), (Status::Accepted, 2));
        assert_eq!(kinds(&db, order_id).await, ["submitted", "dispatched", "grabbed"]);
    }

    #[tokio::test]
    async fn numbers_are_unique_and_a_failed_transition_writes_nothing(db) {
        let (resident, staff, other) = db.run(|conn| {
            seed::run(conn, true)?;
            let other = users::upsert_wechat(conn, "someone-else", None)?;
            Ok((actor_of(conn, "jumin"), actor_of(conn, "diandeng"), users::actor(conn, other.uuid()?)?))
        }).await.unwrap();
        let a = report(&db, &resident).await;
        let b = report(&db, &resident).await;
        assert_ne!(a.number, b.number);
        assert!(a.number < b.number, "numbers sort by submission");
        assert_eq!(a.number.len(), "20261124-000001".len());
        assert_eq!(a.channel.as_str(), "poster");
        // Sewage on the road is urgent by default: the 15-minute clock, not the item's 30.
        assert_eq!(a.priority, domain::order::Priority::Urgent);
        assert_eq!(a.due.response - a.at.submitted, Duration::minutes(15));
        assert_eq!(a.due.resolve - a.at.submitted, Duration::hours(24));

        let count = |db: &Db| { let db = db.clone(); async move { db.run(|c| infra::testing::count_rows(c, "outbox")).await.unwrap() } };
        let outbox_before = count(&db).await;
        // A party member from nowhere: the dispatch is refused and nothing is stored.
        let stranger = Command::Dispatch { target: Target::PartyMember(Uuid::now_v7()) };
        let refused = act(&db, &staff, a.id, stranger).await;
        assert!(matches!(refused, Err(DomainError::Validation(_))), "{refused:?}");
        let row = get(&db, a.id).await;
        assert_eq!((row.status, row.version), (Status::Submitted, 0));
        assert_eq!(kinds(&db, a.id).await.len(), 1);
        assert_eq!(count(&db).await, outbox_before);

        // A resident who is not the reporter does not learn the order exists.
        let hidden = act(&db, &other, a.id, Command::Cancel { reason: Reason::parse("x").unwrap() }).await;
        assert!(matches!(hidden, Err(DomainError::NotFound { .. })));

        // A photo nobody uploaded is refused, and nothing is stored.
        let mut with_photo = submission();
        with_photo.photos = vec![Uuid::now_v7()];
        let refused = submit(&db, None, resident.clone(), with_photo, None).await;
        assert!(matches!(refused, Err(DomainError::Unprocessable { code: "order.unknown_photo", .. })), "{refused:?}");
        assert_eq!(count(&db).await, outbox_before);
    }

    #[tokio::test]
    async fn the_full_loop_stamps_each_stage_and_the_sweeper_closes_the_unrated(db) {
        let (resident, staff, worker) = db.run(|conn| {
            seed::run(conn, true)?;
            Ok((actor_of(conn, "jumin"), actor_of(conn, "diandeng"), actor_of(conn, "dd-grid1")))
        }).await.unwrap();
        let now = infra::ids::now_utc();

        let id = report(&db, &resident).await.id;
        act(&db, &staff, id, Command::Dispatch { target: Target::GridWorker(worker.user_id) }).await.unwrap();
        let accepted = act(&db, &worker, id, Command::Accept).await.unwrap();
        assert_eq!(accepted.handler_id, Some(worker.user_id));
        act(&db, &worker, id, Command::Arrive { lat: None, lng: None }).await.unwrap();
        let resolved = act(&db, &worker, id, Command::Resolve { feedback: "已疏通".into(), photos: vec![] }).await.unwrap();
        assert!(resolved.at.dispatched.is_some() && resolved.at.accepted.is_some());
        assert!(resolved.at.arrived.is_some() && resolved.at.resolved.is_some());
        assert_eq!(get(&db, id).await, resolved, "what is stored is what the transition returned");

        // Not yet due: nothing closes.
        assert_eq!(sweep::run(&db, now, Duration::days(7)).await.unwrap().auto_closed, 0);
        let later = now + Duration::days(8);
        assert_eq!(sweep::run(&db, later, Duration::days(7)).await.unwrap().auto_closed, 1);
        let closed = get(&db, id).await;
        assert_eq!((closed.status, closed.at.closed), (Status::Closed, Some(later)));
        let last = db.run(move |c| orders::events(c, id)).await.unwrap().pop().unwrap();
        assert_eq!((last.kind.as_str(), last.actor_role.as_str(), last.actor_id), ("closed", "system", None));

        // A second order, rated low, reopens to the pool; nobody grabs it for days: overdue.
        let sid = report(&db, &resident).await.id;
        act(&db, &staff, sid, Command::Dispatch { target: Target::GridWorker(worker.user_id) }).await.unwrap();
        act(&db, &worker, sid, Command::Accept).await.unwrap();
        act(&db, &worker, sid, Command::Resolve { feedback: "处理了".into(), photos: vec![] }).await.unwrap();
        let reopened = act(&db, &resident, sid, Command::Rate(Rating::parse(2, 2, 1, 1, "没修好").unwrap())).await.unwrap();
        assert_eq!((reopened.status, reopened.assignee.map(|a| a.kind())), (Status::Dispatched, Some(TargetType::Pool)));
        assert_eq!(reopened.rating.as_ref().map(|r| r.satisfaction), Some(1));
        let flagged = sweep::run(&db, now + Duration::days(30), Duration::days(7)).await.unwrap();
        assert!(flagged.overdue_flagged >= 1);
        let again = sweep::run(&db, now + Duration::days(31), Duration::days(7)).await.unwrap();
        assert_eq!(again.overdue_flagged, 0, "flagged once per clock");
        let overdue = get(&db, sid).await;
        assert!(overdue.overdue.response.is_some() && overdue.overdue.resolve.is_some());
        assert!(kinds(&db, sid).await.contains(&"overdue".to_owned()));
        let outbox = db.run(|c| infra::testing::count_rows(c, "outbox")).await.unwrap();
        assert!(outbox > 5, "transitions write their notifications");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_submissions_get_distinct_numbers(db) {
        let resident = db.run(|c| { seed::run(c, true)?; Ok(actor_of(c, "jumin")) }).await.unwrap();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = (0..8).map(|_| {
            let (db, who, barrier) = (db.clone(), resident.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                submit(&db, None, who, submission(), None).await.map(|(d, _)| d.order.number)
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
