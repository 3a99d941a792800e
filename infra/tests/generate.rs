//! `mashangban gen` on both backends: the orders it writes are the ones the
//! loop would have written (each status the last status its timeline
//! reached, stamps in order), and the same seed writes the same orders.

use infra::both_backends;
use infra::usecase::generate::{generate, GenSpec};
use infra::usecase::{OrderFilter, Page};

async fn fingerprint(db: &infra::Db) -> Vec<(String, String, String)> {
    let rows = db
        .run(|c| {
            infra::testing::query_strings(c, "SELECT number AS a, status AS b, kind AS c FROM orders ORDER BY number")
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    rows.into_iter().map(|r| (r[0].clone(), r[1].clone(), r[2].clone())).collect()
}

both_backends! {
    #[tokio::test]
    async fn generated_orders_follow_the_loop_and_a_seed_repeats(db) {
        let counted = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let seen = counted.clone();
        let report = generate(&db, GenSpec { orders: 2500, seed: 42 }, move |n| {
            seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.orders, report.buildings), (2500, 960));
        assert_eq!(counted.load(std::sync::atomic::Ordering::Relaxed), 2500, "progress hears every order");
        let count = |t: &'static str| { let db = db.clone(); async move { db.run(move |c| infra::testing::count_rows(c, t)).await.unwrap_or_else(|e| panic!("{e}")) } };
        assert_eq!(count("orders").await, 2500);
        assert_eq!(count("order_events").await as u64, report.events);

        // Every order's status is the status its last status-changing event leads to.
        let rows = db.run(|c| infra::testing::query_strings(c,
            "SELECT o.status AS a, e.type AS b, o.number AS c FROM orders o JOIN order_events e ON e.order_id = o.id \
             WHERE e.seq = (SELECT MAX(seq) FROM order_events x WHERE x.order_id = o.id \
                            AND x.type NOT IN ('overdue', 'return_visited'))")).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 2500);
        for r in &rows {
            let kind: domain::order::EventType = r[1].parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(kind.status_after().map(|s| s.as_str().to_owned()), Some(r[0].clone()), "{r:?}");
        }
        // The statuses spread like a working district's: mostly closed, some in every open stage.
        let closed = rows.iter().filter(|r| r[0] == "closed").count();
        assert!(closed > 2000, "{closed}");
        // Staff lists read the generated orders like any others.
        let admin = domain::actor::Actor::operator();
        let page = infra::usecase::orders::list(&db, admin, OrderFilter::default(), Page::new(None, Some(10))).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.items.len(), 10);

        // Generating again into the same database is refused; a fresh one with the same seed matches.
        assert!(generate(&db, GenSpec { orders: 10, seed: 42 }, |_| {}).await.is_err());
        let other = infra::testing::TestDb::sqlite();
        generate(&other.db(), GenSpec { orders: 2500, seed: 42 }, |_| {}).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fingerprint(&db).await, fingerprint(&other.db()).await);
    }
}
