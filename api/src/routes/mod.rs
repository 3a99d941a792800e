//! HTTP routes: each handler parses, calls one use case, and maps the result.
//! Rules live in `domain`, transactions in `infra::usecase`.
//!
//! This is the one route table: `configure` registers each handler with actix
//! and, through utoipa-actix-web, documents it in the spec from the same call,
//! so a route cannot be served without being documented or the other way round.

pub mod accounts;
pub mod auth;
pub mod categories;
pub mod deliveries;
pub mod escalation;
pub mod events;
pub mod exports;
pub mod health;
pub mod labels;
pub mod me;
pub mod media;
pub mod notifications;
pub mod order_views;
pub mod orders;
pub mod people;
pub mod posters;
pub mod printing;
pub mod privacy;
pub mod regions;
pub mod reveals;
pub mod scan;
pub mod stats;
pub mod stats_views;
pub mod subscriptions;
pub mod webhooks;
pub mod wechat;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::wechat)
        .service(auth::refresh)
        .service(me::me)
        .service(me::verify_my_phone)
        .service(me::change_my_password)
        .service(accounts::list_accounts)
        .service(accounts::create_account)
        .service(accounts::get_account)
        .service(accounts::update_account)
        .service(accounts::disable_account)
        .service(accounts::enable_account)
        .service(accounts::reset_account_password)
        .service(notifications::list_my_notifications)
        .service(notifications::count_my_unread_notifications)
        .service(notifications::mark_notification_read)
        .service(notifications::mark_all_notifications_read)
        .service(events::stream_events)
        .service(subscriptions::list_my_subscriptions)
        .service(subscriptions::record_my_subscriptions)
        .service(labels::list_labels)
        .service(scan::scan)
        .service(categories::list)
        .service(categories::create_category)
        .service(categories::update_category)
        .service(categories::create_item)
        .service(categories::update_item)
        .service(regions::list)
        .service(regions::get)
        .service(regions::create)
        .service(regions::update)
        .service(escalation::get_escalation_policy)
        .service(escalation::set_escalation_policy)
        .service(escalation::delete_escalation_policy)
        .service(posters::list)
        .service(posters::create)
        .service(posters::revoke)
        .service(posters::reissue)
        .service(printing::print_poster_png)
        .service(printing::print_poster_svg)
        .service(printing::print_community_pdf)
        .service(printing::print_community_zip)
        .service(media::upload_media)
        .service(media::get_media)
        .service(media::get_media_thumbnail)
        .service(media::get_media_for_check)
        .service(wechat::verify_wechat_callback)
        .service(wechat::receive_wechat_push)
        .service(orders::submit_order)
        .service(orders::list_orders)
        .service(orders::get_order)
        .service(orders::list_order_events)
        .service(orders::dispatch_order)
        .service(orders::accept_order)
        .service(orders::grab_order)
        .service(orders::reject_order)
        .service(orders::arrive_order)
        .service(orders::resolve_order)
        .service(orders::rate_order)
        .service(orders::return_visit_order)
        .service(orders::escalate_order)
        .service(orders::decline_order)
        .service(orders::cancel_order)
        .service(orders::clear_order_moderation)
        .service(orders::prioritize_order)
        .service(stats::get_stats_overview)
        .service(stats::get_stats_breakdown)
        .service(stats::get_stats_report_html)
        .service(stats::get_stats_report_png)
        .service(exports::export_orders_csv)
        .service(exports::export_stats_csv)
        .service(people::grant_party_member)
        .service(people::list_units)
        .service(people::create_unit)
        .service(people::add_member)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::delete_webhook)
        .service(webhooks::set_wecom_robot)
        .service(webhooks::list_wecom_robots)
        .service(webhooks::delete_wecom_robot)
        .service(deliveries::list_deliveries)
        .service(deliveries::retry_delivery)
        .service(health::healthz)
        .service(health::readyz)
        .service(health::get_metrics)
        .service(privacy::get_privacy_notice)
        .service(privacy::export_my_data)
        .service(privacy::delete_my_account)
        .service(reveals::reveal_order_contact)
        .service(reveals::list_contact_reveals);
}
