//! Drift check: the migrations of each backend produce exactly the tables and
//! columns that `infra/src/schema.rs` declares.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::prelude::*;
use diesel::sql_types::Text;
use infra::schema::*;
use infra::{both_backends, AnyConnection};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Column names as diesel renders `SELECT <all columns> FROM t`.
fn declared<T>(query: T) -> Vec<String>
where
    T: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    let list = sql.trim_start_matches("SELECT ").split(" FROM ").next().unwrap().to_owned();
    let mut cols: Vec<String> =
        list.split(", ").map(|c| c.rsplit('.').next().unwrap().trim_matches('`').to_owned()).collect();
    cols.sort();
    cols
}

fn actual(conn: &mut AnyConnection, table: &str) -> Vec<String> {
    let sql = match conn {
        AnyConnection::Sqlite(_) => format!("SELECT name FROM pragma_table_info('{table}')"),
        AnyConnection::Postgresql(_) => format!(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
    };
    let mut cols: Vec<String> =
        diesel::sql_query(sql).load::<Name>(conn).unwrap().into_iter().map(|n| n.name).collect();
    cols.sort();
    cols
}

fn tables(conn: &mut AnyConnection) -> Vec<String> {
    let sql = match conn {
        AnyConnection::Sqlite(_) => "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%'"
            .to_owned(),
        AnyConnection::Postgresql(_) => "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '__diesel%'"
            .to_owned(),
    };
    let mut names: Vec<String> =
        diesel::sql_query(sql).load::<Name>(conn).unwrap().into_iter().map(|n| n.name).collect();
    names.sort();
    names
}

both_backends! {
    #[tokio::test]
    async fn migrations_match_schema_rs(db) {
        let mut conn = db.conn().unwrap();
        let expected = [
            ("categories", declared(categories::table.select(categories::all_columns))),
            ("category_items", declared(category_items::table.select(category_items::all_columns))),
            ("contact_reveals", declared(contact_reveals::table.select(contact_reveals::all_columns))),
            ("content_checks", declared(content_checks::table.select(content_checks::all_columns))),
            ("deliveries", declared(deliveries::table.select(deliveries::all_columns))),
            ("escalation_policies", declared(escalation_policies::table.select(escalation_policies::all_columns))),
            ("idempotency_keys", declared(idempotency_keys::table.select(idempotency_keys::all_columns))),
            ("media", declared(media::table.select(media::all_columns))),
            ("notifications", declared(notifications::table.select(notifications::all_columns))),
            ("order_counters", declared(order_counters::table.select(order_counters::all_columns))),
            ("order_events", declared(order_events::table.select(order_events::all_columns))),
            ("order_stats", declared(order_stats::table.select(order_stats::all_columns))),
            ("orders", declared(orders::table.select(orders::all_columns))),
            ("outbox", declared(outbox::table.select(outbox::all_columns))),
            ("posters", declared(posters::table.select(posters::all_columns))),
            ("refresh_tokens", declared(refresh_tokens::table.select(refresh_tokens::all_columns))),
            ("regions", declared(regions::table.select(regions::all_columns))),
            ("unit_members", declared(unit_members::table.select(unit_members::all_columns))),
            ("units", declared(units::table.select(units::all_columns))),
            ("user_roles", declared(user_roles::table.select(user_roles::all_columns))),
            ("users", declared(users::table.select(users::all_columns))),
            ("webhooks", declared(webhooks::table.select(webhooks::all_columns))),
            ("wechat_subscriptions", declared(wechat_subscriptions::table.select(wechat_subscriptions::all_columns))),
            ("wecom_robots", declared(wecom_robots::table.select(wecom_robots::all_columns))),
        ];
        let names: Vec<String> = expected.iter().map(|(t, _)| (*t).to_owned()).collect();
        assert_eq!(tables(&mut conn), names, "tables differ from schema.rs");
        for (table, columns) in &expected {
            assert!(!columns.is_empty());
            assert_eq!(&actual(&mut conn, table), columns, "columns of {table}");
        }
        // The rollup's counters are the domain's tally, column for column.
        let mut counters = domain::stats::Tally::columns();
        counters.extend(["category_id", "day", "region_id"].map(String::from));
        counters.sort();
        assert_eq!(actual(&mut conn, "order_stats"), counters);
    }
}
