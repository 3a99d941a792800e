//! The outbox delivered, on both backends: who is told, exactly once per row
//! however many dispatchers race, retries with backoff, and the dead letter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use diesel::prelude::*;
use domain::actor::Actor;
use domain::order::fields::Contact;
use domain::order::Kind;
use infra::notify::{dispatch_all, BoxFuture, Channel, Delivery};
use infra::repo::users;
use infra::schema::{notifications, outbox, users as users_t};
use infra::usecase::orders::{submit, Place, Submit};
use infra::{both_backends, seed, AnyConnection, Db};
use uuid::Uuid;

fn actor_of(conn: &mut AnyConnection, username: &str) -> Actor {
    let user = users::find_by_username(conn, username).unwrap().unwrap();
    users::actor(conn, user.uuid().unwrap()).unwrap()
}

async fn report(db: &Db, resident: &Actor) -> Uuid {
    let cmd = Submit {
        kind: Kind::Issue,
        item: "sewage-blockage".into(),
        description: "楼下污水井堵了".into(),
        photos: vec![],
        place: Place::Poster("dd-hean".into()),
        point: None,
        address: None,
        contact: Contact::parse("王阿姨", "13812341234").unwrap(),
    };
    submit(db, resident.clone(), cmd, None).await.unwrap().0.order.id
}

/// Counts what it is handed; fails while `failing` is set.
#[derive(Default)]
struct Probe {
    seen: Mutex<HashMap<Uuid, usize>>,
    failing: std::sync::atomic::AtomicBool,
}

impl Channel for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                return Err("receiver down".into());
            }
            *self.seen.lock().unwrap().entry(d.outbox_id).or_default() += 1;
            Ok(())
        })
    }
}

fn statuses(conn: &mut AnyConnection) -> HashMap<String, i64> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)
        .unwrap()
        .into_iter()
        .collect()
}

both_backends! {
    #[tokio::test]
    async fn a_new_order_tells_the_staff_of_its_grid_community_and_street(db) {
        let resident = db.run(|c| { seed::run(c, true)?; Ok(actor_of(c, "jumin")) }).await.unwrap();
        report(&db, &resident).await;
        let channels: Vec<Arc<dyn Channel>> = infra::usecase::notifications::channels(&db, &Default::default());
        let sent = dispatch_all(&db, &channels, infra::ids::now_utc()).await.unwrap();
        assert_eq!((sent.sent, sent.retried, sent.dead), (1, 0, 0));
        let told: Vec<String> = db.run(|c| {
            let mut names: Vec<String> = notifications::table
                .inner_join(users_t::table.on(users_t::id.eq(notifications::user_id)))
                .select(users_t::username.assume_not_null())
                .load(c)
                .map_err(domain::DomainError::fault)?;
            names.sort();
            Ok(names)
        }).await.unwrap();
        // 和安楼 is in 点灯社区's first grid: its grid worker, the community, the street, the city admin.
        assert_eq!(told, ["admin", "dd-grid1", "diandeng", "jiangnan"]);
        // Dispatching again sends nothing more.
        assert_eq!(dispatch_all(&db, &channels, infra::ids::now_utc()).await.unwrap().claimed(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racing_dispatchers_send_each_row_exactly_once(db) {
        let resident = db.run(|c| { seed::run(c, true)?; Ok(actor_of(c, "jumin")) }).await.unwrap();
        for _ in 0..12 {
            report(&db, &resident).await;
        }
        let probe = Arc::new(Probe::default());
        let channels: Vec<Arc<dyn Channel>> = vec![probe.clone()];
        let now = infra::ids::now_utc();
        let barrier = Arc::new(tokio::sync::Barrier::new(4));
        let tasks: Vec<_> = (0..4).map(|_| {
            let (db, channels, barrier) = (db.clone(), channels.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                dispatch_all(&db, &channels, now).await
            })
        }).collect();
        let mut sent = 0;
        for task in tasks {
            sent += task.await.unwrap().unwrap().sent;
        }
        let seen = probe.seen.lock().unwrap().clone();
        assert_eq!((sent, seen.len()), (12, 12));
        assert!(seen.values().all(|n| *n == 1), "a row was sent twice: {seen:?}");
        let counts = db.run(|c| Ok(statuses(c))).await.unwrap();
        assert_eq!(counts.get("sent"), Some(&12));
    }

    #[tokio::test]
    async fn a_dead_receiver_is_retried_with_backoff_then_dead_lettered(db) {
        let resident = db.run(|c| { seed::run(c, true)?; Ok(actor_of(c, "jumin")) }).await.unwrap();
        report(&db, &resident).await;
        let probe = Arc::new(Probe::default());
        probe.failing.store(true, std::sync::atomic::Ordering::SeqCst);
        let channels: Vec<Arc<dyn Channel>> = vec![probe.clone()];
        let t0 = infra::ids::now_utc();
        let first = dispatch_all(&db, &channels, t0).await.unwrap();
        assert_eq!((first.sent, first.retried), (0, 1));
        // Not due again at once: the backoff holds it back.
        assert_eq!(dispatch_all(&db, &channels, t0 + Duration::seconds(5)).await.unwrap().claimed(), 0);
        // The receiver comes back: the next due attempt delivers.
        probe.failing.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(dispatch_all(&db, &channels, t0 + Duration::seconds(13)).await.unwrap().sent, 1);

        // A second order whose receiver never comes back ends in the dead letter.
        report(&db, &resident).await;
        probe.failing.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut at = t0 + Duration::minutes(1);
        let mut dead = 0;
        for _ in 0..domain::delivery::MAX_ATTEMPTS {
            dead += dispatch_all(&db, &channels, at).await.unwrap().dead;
            at += Duration::hours(2);
        }
        assert_eq!(dead, 1);
        let (status, attempts, error): (String, i32, Option<String>) = db.run(|c| {
            outbox::table.filter(outbox::status.eq("dead")).select((outbox::status, outbox::attempts, outbox::last_error))
                .first(c).map_err(domain::DomainError::fault)
        }).await.unwrap();
        assert_eq!((status.as_str(), attempts), ("dead", domain::delivery::MAX_ATTEMPTS));
        assert_eq!(error.as_deref(), Some("probe: receiver down"));
        assert_eq!(dispatch_all(&db, &channels, at + Duration::days(1)).await.unwrap().claimed(), 0, "the dead stay dead");
    }
}
