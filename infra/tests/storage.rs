//! Storage behaviour, identical on SQLite and Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::actor::Role;
use domain::poster::PosterCode;
use domain::region::RegionKind;
use domain::DomainError;
use infra::repo::{categories, posters, regions, tokens, users, Page};
use infra::{both_backends, seed};

both_backends! {
    #[tokio::test]
    async fn seeding_twice_changes_nothing(db) {
        let mut conn = db.conn().unwrap();
        let first = seed::run(&mut conn, true).unwrap();
        assert_eq!(first.regions_created, 1 + 2 + 4 + 16);
        assert_eq!(first.posters_created, 16);
        assert_eq!((first.categories_created, first.items_created), (7, 26));
        assert_eq!(first.accounts_created, 12);
        let second = seed::run(&mut conn, true).unwrap();
        assert_eq!(second, seed::SeedReport::default());
        let counts = seed::region_kind_counts(&mut conn).unwrap();
        assert_eq!(
            counts,
            vec![("building".into(), 16), ("community".into(), 2), ("grid".into(), 4), ("street".into(), 1)]
        );
        let tree = categories::tree(&mut conn, false).unwrap();
        assert_eq!(tree.len(), 7);
        assert_eq!(tree.iter().map(|(_, items)| items.len()).sum::<usize>(), 26);
    }

    #[tokio::test]
    async fn scanning_a_poster_finds_the_building_and_its_ancestors(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, false).unwrap();
        let target = posters::scan(&mut conn, "dd-hean").unwrap();
        let names: Vec<&str> = target.lineage.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["江南街道", "点灯社区", "点灯社区第一网格", "和安楼"]);
        let kinds: Vec<RegionKind> = target.lineage.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, RegionKind::ALL);

        assert!(matches!(posters::scan(&mut conn, "nope"), Err(DomainError::NotFound { code: "poster.not_found" })));
        posters::revoke(&mut conn, "dd-hean").unwrap();
        // A revoked poster still leads to its building (old prints name it); the use case says it is withdrawn.
        assert!(posters::scan(&mut conn, "dd-hean").unwrap().poster.revoked_at.is_some());

        // Reprint: a new code for the same building.
        let building = target.lineage[3].id;
        let reprint = posters::create(&mut conn, building, None).unwrap();
        assert_eq!(reprint.code.len(), 10);
        assert_eq!(posters::scan(&mut conn, &reprint.code).unwrap().lineage[3].id, building);
        let taken = posters::create(&mut conn, building, Some(PosterCode::parse("dd-hemu").unwrap()));
        assert!(matches!(taken, Err(DomainError::Conflict { code: "poster.code_taken", .. })));
        let grid = target.lineage[2].id;
        assert!(matches!(posters::create(&mut conn, grid, None), Err(DomainError::Validation(_))));
    }

    #[tokio::test]
    async fn regions_hang_one_level_below_their_parent(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, false).unwrap();
        let community = regions::find_by_code(&mut conn, "diandeng").unwrap().unwrap();
        let new = |kind, name: &str, parent| regions::NewRegion {
            kind, code: None, name: name.into(), parent_id: parent, address: None,
        };
        let grid = regions::create(&mut conn, new(RegionKind::Grid, "点灯社区第三网格", Some(community.id))).unwrap();
        assert!(grid.path.starts_with(&community.path));
        assert!(regions::create(&mut conn, new(RegionKind::Building, "楼", Some(community.id))).is_err());
        assert!(regions::create(&mut conn, new(RegionKind::Community, "无街道社区", None)).is_err());
        let dup = regions::create(&mut conn, new(RegionKind::Grid, "点灯社区第三网格", Some(community.id)));
        assert!(matches!(dup, Err(DomainError::Conflict { code: "region.name_taken", .. })), "{dup:?}");
        // Told apart by the violated constraint's name, the same on both backends.
        let same_code = regions::NewRegion { code: Some(community.code.clone()), ..new(RegionKind::Grid, "另一个网格", Some(community.id)) };
        let taken = regions::create(&mut conn, same_code);
        assert!(matches!(taken, Err(DomainError::Conflict { code: "region.code_taken", .. })), "{taken:?}");

        let filter = regions::RegionFilter { parent_id: Some(community.id), ..Default::default() };
        let first = regions::list(&mut conn, &filter, &Page::new(None, Some(2))).unwrap();
        assert_eq!(first.items.len(), 2);
        let rest = regions::list(&mut conn, &filter, &Page::new(first.next_cursor.clone(), Some(2))).unwrap();
        assert_eq!(rest.items.len(), 1);
        assert_eq!(rest.next_cursor, None);

        let within = regions::RegionFilter {
            kind: Some(RegionKind::Building),
            within: Some(community.path.clone()),
            ..Default::default()
        };
        assert_eq!(regions::list(&mut conn, &within, &Page::new(None, None)).unwrap().items.len(), 9);
        let q = regions::RegionFilter { q: Some("和_".into()), ..Default::default() };
        assert!(regions::list(&mut conn, &q, &Page::new(None, None)).unwrap().items.is_empty(), "LIKE wildcards are escaped");
    }

    #[tokio::test]
    async fn refresh_tokens_rotate_and_a_reuse_revokes_the_family(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, true).unwrap();
        let admin = users::find_by_username(&mut conn, "admin").unwrap().unwrap().uuid().unwrap();
        let ttl = Duration::days(30);
        let first = tokens::issue(&mut conn, admin, None, ttl).unwrap();
        let tokens::Rotation::Rotated { user_id, refresh_token: second } = tokens::rotate(&mut conn, &first, ttl).unwrap() else {
            panic!("first rotation")
        };
        assert_eq!(user_id, admin);
        assert_eq!(tokens::rotate(&mut conn, &first, ttl).unwrap(), tokens::Rotation::Reused);
        // The thief's reuse also killed the legitimate successor.
        assert_eq!(tokens::rotate(&mut conn, &second, ttl).unwrap(), tokens::Rotation::Invalid);
        assert_eq!(tokens::rotate(&mut conn, "garbage", ttl).unwrap(), tokens::Rotation::Invalid);
        // Another login's family is untouched.
        let other = tokens::issue(&mut conn, admin, None, ttl).unwrap();
        assert!(matches!(tokens::rotate(&mut conn, &other, ttl).unwrap(), tokens::Rotation::Rotated { .. }));
        let expired = tokens::issue(&mut conn, admin, None, Duration::seconds(-1)).unwrap();
        assert_eq!(tokens::rotate(&mut conn, &expired, ttl).unwrap(), tokens::Rotation::Invalid);
    }

    #[tokio::test]
    async fn wechat_users_are_created_once_as_residents(db) {
        let mut conn = db.conn().unwrap();
        let a = users::upsert_wechat(&mut conn, "openid-1", None).unwrap();
        let b = users::upsert_wechat(&mut conn, "openid-1", Some("union-1")).unwrap();
        assert_eq!(a.id, b.id);
        let actor = users::actor(&mut conn, a.uuid().unwrap()).unwrap();
        assert!(actor.has_role(Role::Resident));
        assert!(!actor.is_staff());
    }

    #[tokio::test]
    async fn staff_grants_must_fit_the_region_kind(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, true).unwrap();
        let grid = regions::find_by_code(&mut conn, "diandeng-g1").unwrap().unwrap();
        let community = regions::find_by_code(&mut conn, "diandeng").unwrap().unwrap();
        let staff = |username: &str, role, region: uuid::Uuid| users::NewStaff {
            username: username.into(), password_hash: "x".into(), display_name: "测试".into(),
            phone: None, role, region_id: Some(region), must_change_password: false,
        };
        users::create_staff(&mut conn, staff("grid-new", Role::GridWorker, grid.id)).unwrap();
        let wrong = infra::db::write_tx(&mut conn, |c| users::create_staff(c, staff("grid-bad", Role::GridWorker, community.id)));
        assert!(matches!(wrong, Err(DomainError::Validation(_))));
        assert!(users::find_by_username(&mut conn, "grid-bad").unwrap().is_none(), "rolled back");
        let dup = users::create_staff(&mut conn, staff("admin", Role::Admin, community.id));
        assert!(matches!(dup, Err(DomainError::Conflict { code: "user.username_taken", .. })));

        let worker = users::find_by_username(&mut conn, "dd-grid1").unwrap().unwrap();
        let actor = users::actor(&mut conn, worker.uuid().unwrap()).unwrap();
        assert!(actor.is_staff());
        assert!(!actor.may_administer(Some(&grid.path)));
        let party = users::find_by_username(&mut conn, "dangyuan").unwrap().unwrap();
        let grants = users::grants(&mut conn, party.uuid().unwrap()).unwrap();
        assert_eq!(grants.iter().filter(|g| g.role == Role::PartyMember).count(), 2);
    }

    #[tokio::test]
    async fn fixture_passwords_are_detected_until_changed(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, true).unwrap();
        let in_use = seed::fixture_passwords_in_use(&mut conn).unwrap();
        assert!(in_use.contains(&"admin".to_owned()));
        assert_eq!(in_use.len(), 10);
        let admin = users::find_by_username(&mut conn, "admin").unwrap().unwrap().uuid().unwrap();
        users::set_password(&mut conn, admin, &infra::password::hash("a much better secret").unwrap(), false).unwrap();
        assert!(!seed::fixture_passwords_in_use(&mut conn).unwrap().contains(&"admin".to_owned()));
    }

    #[tokio::test]
    async fn category_items_keep_a_valid_clock(db) {
        let mut conn = db.conn().unwrap();
        seed::run(&mut conn, false).unwrap();
        let item = categories::find_item_by_code(&mut conn, "fallen-tree-power-line").unwrap().unwrap();
        assert_eq!((item.response_minutes, item.resolve_hours), (15, 4));
        let bad = categories::update_item(&mut conn, item.id, categories::ItemChanges { resolve_hours: Some(0), ..Default::default() });
        assert!(matches!(bad, Err(DomainError::Validation(_))));
        let off = categories::update_item(&mut conn, item.id, categories::ItemChanges { active: Some(false), ..Default::default() }).unwrap();
        assert!(!off.active);
        let visible: usize = categories::tree(&mut conn, false).unwrap().iter().map(|(_, i)| i.len()).sum();
        assert_eq!(visible, 25);
    }
}
