//! The statistics rollup on both backends: random lifecycles (every command by
//! every kind of actor, most refused, and sweeps that flag, escalate and
//! close) leave the counters equal to a recount from the orders; the rebuild
//! repairs a damaged rollup; the overview reads the same rates as the orders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::actor::Actor;
use domain::order::fields::{ContactDraft, Rating, Reason};
use domain::order::{Command, Kind, Order, Target};
use domain::stats::{DayRange, Summary, Tally};
use infra::repo::{orders, users};
use infra::testing::execute;
use infra::usecase::orders::{command, submit, Place, Submit};
use infra::usecase::{stats, sweep};
use infra::{both_backends, seed, AnyConnection, Db};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const ITEMS: [&str; 5] = ["sewage-blockage", "street-light", "noise", "water-heater-repair", "old-age-subsidy"];
const POSTERS: [&str; 2] = ["dd-hean", "dd-heyue"];

fn actor_of(conn: &mut AnyConnection, username: &str) -> Actor {
    let user = users::find_by_username(conn, username).unwrap().unwrap();
    users::actor(conn, user.uuid().unwrap()).unwrap()
}

fn submission(rng: &mut StdRng) -> Submit {
    let kind = [Kind::Issue, Kind::Wish, Kind::Errand][rng.random_range(0..3)];
    Submit {
        kind,
        item: ITEMS[rng.random_range(0..ITEMS.len())].into(),
        description: "楼道灯坏了，晚上看不见".into(),
        photos: vec![],
        place: Place::Poster(POSTERS[rng.random_range(0..POSTERS.len())].into()),
        point: None,
        address: None,
        contact: ContactDraft::parse("王阿姨", Some("13812341234")).unwrap(),
        priority: None,
    }
}

fn random_command(rng: &mut StdRng, worker: Uuid) -> Command {
    let reason = || Reason("情况说明".into());
    let score = |rng: &mut StdRng| rng.random_range(1..=5u8);
    match rng.random_range(0..12) {
        0 => Command::Dispatch { target: Target::Pool },
        1 => Command::Dispatch { target: Target::GridWorker(worker) },
        2 => Command::Accept,
        3 => Command::Grab,
        4 => Command::Reject { reason: reason() },
        5 => Command::Arrive { lat: None, lng: None },
        6 => Command::Resolve { feedback: "已处理".into(), photos: vec![] },
        7 => {
            let (c, p, e, s) = (score(rng), score(rng), score(rng), score(rng));
            Command::Rate(Rating::parse(c.into(), p.into(), e.into(), s.into(), "").unwrap())
        }
        8 => Command::ReturnVisit { satisfied: rng.random_bool(0.7), note: String::new() },
        9 => Command::Escalate { reason: reason() },
        10 => Command::Decline { reason: reason(), duplicate_of: None },
        _ => Command::Cancel { reason: reason() },
    }
}

async fn all_orders(db: &Db) -> Vec<Order> {
    db.run(|c| orders::page_by_id(c, None, 100_000)).await.unwrap()
}

async fn random_lifecycles(db: &Db, seed_value: u64, steps: usize) {
    let names = ["jumin", "diandeng", "xialiang", "dd-grid1", "xl-grid1", "dangyuan", "jiangnan", "zhujian"];
    let (actors, worker) = db
        .run(move |c| {
            seed::run(c, true)?;
            let actors: Vec<Actor> = names.iter().map(|n| actor_of(c, n)).collect();
            let worker = actors[3].user_id;
            Ok((actors, worker))
        })
        .await
        .unwrap();
    let resident = actors[0].clone();
    let mut rng = StdRng::seed_from_u64(seed_value);
    let mut ids: Vec<Uuid> = Vec::new();
    let (mut applied, mut refused) = (0, 0);
    for step in 0..steps {
        let roll = rng.random_range(0..100);
        if ids.is_empty() || roll < 15 {
            let (detail, _) = submit(db, None, resident.clone(), submission(&mut rng), None).await.unwrap();
            ids.push(detail.order.id);
        } else if roll < 18 {
            // The sweeper some hours or days ahead: overdue flags, policy escalations, auto-close.
            let ahead = Duration::hours(rng.random_range(1..200));
            sweep::run(db, chrono::Utc::now() + ahead, Duration::days(7)).await.unwrap();
        } else {
            let id = ids[rng.random_range(0..ids.len())];
            let cmd = random_command(&mut rng, worker);
            // Mostly the one who would give it; sometimes anybody (refused, counting nothing).
            let likely = match cmd {
                Command::Dispatch { .. } | Command::Decline { .. } | Command::ReturnVisit { .. } => 1,
                Command::Escalate { .. } => [1, 6][rng.random_range(0..2)],
                Command::Accept | Command::Reject { .. } | Command::Arrive { .. } | Command::Resolve { .. } => {
                    [3, 5][rng.random_range(0..2)]
                }
                Command::Grab => 5,
                Command::Rate(_) | Command::Cancel { .. } => 0,
            };
            let who = if rng.random_bool(0.8) { likely } else { rng.random_range(0..actors.len()) };
            match command(db, None, actors[who].clone(), id, cmd).await {
                Ok(_) => applied += 1,
                Err(_) => refused += 1,
            }
        }
        if step % 50 == 49 {
            assert_eq!(stats::verify(db).await.unwrap(), vec![], "the rollup drifted by step {step}");
        }
    }
    assert!(applied > steps / 10, "the walk moved orders: {applied} applied, {refused} refused");
}

both_backends! {
    #[tokio::test]
    async fn random_lifecycles_keep_the_rollup_equal_to_a_recount(db) {
        random_lifecycles(&db, 7, 400).await;
        assert_eq!(stats::verify(&db).await.unwrap(), vec![]);
        // The overview of everything reads what the orders themselves say.
        let orders = all_orders(&db).await;
        let expected = Summary::of(&orders.iter().fold(Tally::default(), |s, o| s.plus(&domain::stats::tally(o))));
        let first = orders.iter().map(|o| domain::stats::tally::day_of(o.at.submitted)).min().unwrap();
        let range = DayRange { from: first - Duration::days(1), to: first + Duration::days(2) };
        let overview = stats::overview(&db, Actor::operator(), None, range).await.unwrap();
        assert_eq!(overview.summary, expected);
        assert!(overview.summary.orders > 30, "{} orders", overview.summary.orders);
        assert!(overview.summary.response_rate.is_some());
        // Nothing outside the range.
        let before = DayRange { from: first - Duration::days(10), to: first - Duration::days(1) };
        assert_eq!(stats::overview(&db, Actor::operator(), None, before).await.unwrap().summary.orders, 0);
    }

    #[tokio::test]
    async fn rebuild_repairs_a_damaged_rollup(db) {
        random_lifecycles(&db, 11, 120).await;
        let good = db.run(infra::repo::stats::all).await.unwrap();
        db.run(|c| {
            execute(c, "UPDATE order_stats SET orders = orders + 5, status_closed = 0")?;
            execute(c, "DELETE FROM order_stats WHERE region_id IN (SELECT region_id FROM order_stats LIMIT 1)")
        })
        .await
        .unwrap();
        assert!(!stats::verify(&db).await.unwrap().is_empty(), "the damage shows");
        let read = stats::rebuild(&db, |_| {}).await.unwrap();
        assert_eq!(read as usize, all_orders(&db).await.len());
        assert_eq!(stats::verify(&db).await.unwrap(), vec![]);
        assert_eq!(db.run(infra::repo::stats::all).await.unwrap(), good);
    }

    #[tokio::test]
    async fn an_empty_rollup_is_built_at_start_and_a_full_one_left_alone(db) {
        random_lifecycles(&db, 3, 60).await;
        assert_eq!(stats::ensure_built(&db).await.unwrap(), None, "already counted");
        db.run(|c| execute(c, "DELETE FROM order_stats")).await.unwrap();
        let built = stats::ensure_built(&db).await.unwrap();
        assert_eq!(built, Some(all_orders(&db).await.len() as u64));
        assert_eq!(stats::verify(&db).await.unwrap(), vec![]);
    }

    #[tokio::test]
    async fn the_order_export_streams_page_by_page_and_holds_every_order_once(db) {
        random_lifecycles(&db, 5, 60).await;
        let orders = all_orders(&db).await;
        let filter = infra::usecase::OrderFilter::default();
        let stream = infra::usecase::export::orders_csv(&db, Actor::operator(), filter, 7).await.unwrap();
        let chunks: Vec<bytes::Bytes> = futures_util::TryStreamExt::try_collect(stream).await.unwrap();
        assert_eq!(chunks.len(), 1 + orders.len().div_ceil(7), "the header, then one chunk per page of 7");
        assert!(chunks[0].starts_with(infra::usecase::export::BOM));
        let body: Vec<u8> = chunks.concat();
        let mut reader = csv::Reader::from_reader(&body[3..]);
        let mut numbers: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
        assert!(numbers.windows(2).all(|w| w[0] > w[1]), "newest first");
        numbers.sort();
        let mut expected: Vec<String> = orders.iter().map(|o| o.number.clone()).collect();
        expected.sort();
        assert_eq!(numbers, expected);
        let resident = db.run(|c| Ok(actor_of(c, "jumin"))).await.unwrap();
        let refused = infra::usecase::export::orders_csv(&db, resident, Default::default(), 7).await.err();
        assert!(matches!(refused, Some(domain::DomainError::Forbidden { code: "stats.forbidden", .. })), "{refused:?}");
    }
}
