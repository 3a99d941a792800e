//! The outbox delivered, on both backends: who is told, exactly once per row
//! however many dispatchers race, retries with backoff, and the dead letter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use diesel::prelude::*;
use domain::actor::Actor;
use domain::delivery::{DeliveryStatus, NotifyChannel};
use domain::order::fields::ContactDraft;
use domain::order::Kind;
use infra::notify::{dispatch_all, BoxFuture, Channel, Delivery, Outcome};
use infra::repo::users;
use infra::schema::{notifications, outbox, users as users_t};
use infra::usecase::notifications::DeliveryFilter;
use infra::usecase::orders::{submit, Place, Submit};
use infra::usecase::Page;
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
        contact: ContactDraft::parse("王阿姨", Some("13812341234")).unwrap(),
        priority: None,
    };
    submit(db, None, resident.clone(), cmd, None).await.unwrap().0.order.id
}

/// Counts what it is handed; fails while `failing` is set. It poses as the
/// webhook channel unless told otherwise.
struct Probe {
    name: NotifyChannel,
    seen: Mutex<HashMap<Uuid, usize>>,
    failing: std::sync::atomic::AtomicBool,
}

impl Default for Probe {
    fn default() -> Self {
        Probe::named(NotifyChannel::Webhook)
    }
}

impl Probe {
    fn named(name: NotifyChannel) -> Probe {
        Probe { name, seen: Mutex::default(), failing: Default::default() }
    }
    fn calls(&self) -> usize {
        self.seen.lock().unwrap().values().sum()
    }
}

impl Channel for Probe {
    fn name(&self) -> NotifyChannel {
        self.name
    }
    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<Outcome, String>> {
        Box::pin(async move {
            *self.seen.lock().unwrap().entry(d.outbox_id).or_default() += 1;
            if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                return Err("receiver down".into());
            }
            Ok(Outcome::Sent)
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
        assert_eq!(error.as_deref(), Some("webhook: receiver down"));
        assert_eq!(dispatch_all(&db, &channels, at + Duration::days(1)).await.unwrap().claimed(), 0, "the dead stay dead");
    }

    #[tokio::test]
    async fn a_retry_asks_only_the_channels_that_failed_and_admins_see_each(db) {
        let recorder = metrics_util::debugging::DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let _local = metrics::set_default_local_recorder(&recorder);
        let resident = db.run(|c| { seed::run(c, true)?; Ok(actor_of(c, "jumin")) }).await.unwrap();
        report(&db, &resident).await;
        let inbox = Arc::new(Probe::named(NotifyChannel::Inbox));
        let hook = Arc::new(Probe::named(NotifyChannel::Webhook));
        hook.failing.store(true, std::sync::atomic::Ordering::SeqCst);
        let channels: Vec<Arc<dyn Channel>> = vec![inbox.clone(), hook.clone()];
        let t0 = infra::ids::now_utc();
        assert_eq!(dispatch_all(&db, &channels, t0).await.unwrap().retried, 1);
        assert_eq!((inbox.calls(), hook.calls()), (1, 1));

        let queue = infra::usecase::notifications::queue(&db, DeliveryFilter::default(), Page::default()).await.unwrap();
        let row = &queue.items[0];
        assert_eq!((row.status, row.attempts), (DeliveryStatus::Failed, 1));
        let parts: Vec<_> = row.channels.iter().map(|c| (c.channel, c.status, c.last_error.clone())).collect();
        assert_eq!(parts, vec![
            (NotifyChannel::Inbox, DeliveryStatus::Sent, None),
            (NotifyChannel::Webhook, DeliveryStatus::Failed, Some("receiver down".to_owned())),
        ]);

        // The receiver recovers: the retry goes to it alone; the inbox is not told twice.
        hook.failing.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(dispatch_all(&db, &channels, t0 + Duration::minutes(1)).await.unwrap().sent, 1);
        assert_eq!((inbox.calls(), hook.calls()), (1, 2));
        let sent = DeliveryFilter { status: Some(DeliveryStatus::Sent), channel: Some(NotifyChannel::Webhook) };
        let row = infra::usecase::notifications::queue(&db, sent, Page::default()).await.unwrap().items.remove(0);
        assert_eq!(row.channels[1].attempts, 2);
        assert!(row.channels.iter().all(|c| c.status == DeliveryStatus::Sent));

        // One that dies goes back to the queue by hand, and is delivered.
        report(&db, &resident).await;
        hook.failing.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut at = t0 + Duration::minutes(2);
        for _ in 0..domain::delivery::MAX_ATTEMPTS {
            dispatch_all(&db, &channels, at).await.unwrap();
            at += Duration::hours(2);
        }
        let dead = DeliveryFilter { status: Some(DeliveryStatus::Dead), channel: None };
        assert_eq!(infra::usecase::notifications::queue(&db, dead, Page::default()).await.unwrap().items.len(), 1);
        assert_eq!(infra::usecase::notifications::retry_all_dead(&db).await.unwrap(), 1);
        hook.failing.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(dispatch_all(&db, &channels, infra::ids::now_utc() + Duration::seconds(1)).await.unwrap().sent, 1);
        assert_eq!(inbox.calls(), 2, "the inbox delivered each order once");

        // The counters: by channel and outcome.
        let counts: HashMap<(String, String), u64> = snapshotter.snapshot().into_vec().into_iter().filter_map(|(key, _, _, value)| {
            let labels: HashMap<String, String> = key.key().labels().map(|l| (l.key().to_owned(), l.value().to_owned())).collect();
            match value {
                metrics_util::debugging::DebugValue::Counter(n) if key.key().name() == "msb_notifications_total" =>
                    Some(((labels["channel"].clone(), labels["outcome"].clone()), n)),
                _ => None,
            }
        }).collect();
        let get = |c: &str, o: &str| counts.get(&(c.to_owned(), o.to_owned())).copied().unwrap_or(0);
        assert_eq!((get("inbox", "sent"), get("webhook", "sent")), (2, 2));
        assert_eq!((get("webhook", "failed"), get("webhook", "dead")), (1 + 7, 1));
    }

    #[tokio::test]
    async fn a_slow_receiver_holds_up_a_few_rows_not_the_queue(db) {
        let resident = db.run(|c| { seed::run(c, true)?; Ok(actor_of(c, "jumin")) }).await.unwrap();
        for _ in 0..12 {
            report(&db, &resident).await;
        }
        let inbox = Arc::new(Probe::named(NotifyChannel::Inbox));
        let slow = Arc::new(Slow { inbox: inbox.clone(), ..Slow::default() });
        let channels: Vec<Arc<dyn Channel>> = vec![slow.clone(), inbox.clone()];
        let sent = dispatch_all(&db, &channels, infra::ids::now_utc()).await.unwrap();
        assert_eq!(sent.sent, 12);
        let most = slow.most.load(std::sync::atomic::Ordering::SeqCst);
        assert!(most > 1, "rows went out side by side ({most} at once)");
        assert_eq!(slow.inbox_first.load(std::sync::atomic::Ordering::SeqCst), 12, "the inbox never waited for the slow one");
    }
}

/// A receiver that takes its time, counting how many rows it holds at once.
#[derive(Default)]
struct Slow {
    now: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
    /// Rows whose inbox delivery was done while this one was still at work.
    inbox_first: std::sync::atomic::AtomicUsize,
    inbox: Arc<Probe>,
}

impl Channel for Slow {
    fn name(&self) -> NotifyChannel {
        NotifyChannel::Webhook
    }
    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<Outcome, String>> {
        use std::sync::atomic::Ordering::SeqCst;
        Box::pin(async move {
            let now = self.now.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(now, SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if self.inbox.seen.lock().unwrap().contains_key(&d.outbox_id) {
                self.inbox_first.fetch_add(1, SeqCst);
            }
            self.now.fetch_sub(1, SeqCst);
            Ok(Outcome::Sent)
        })
    }
}
