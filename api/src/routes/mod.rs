//! HTTP routes: each handler parses, calls one use case or repository
//! function, and maps the result. Rules live in `domain`.

pub mod auth;
pub mod categories;
pub mod health;
pub mod me;
pub mod order_views;
pub mod orders;
pub mod people;
pub mod posters;
pub mod regions;
pub mod scan;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::wechat)
        .service(auth::refresh)
        .service(me::me)
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
        .service(posters::list)
        .service(posters::create)
        .service(posters::revoke)
        .service(orders::submit)
        .service(orders::list)
        .service(orders::get)
        .service(orders::events)
        .service(orders::dispatch)
        .service(orders::accept)
        .service(orders::grab)
        .service(orders::reject)
        .service(orders::arrive)
        .service(orders::resolve)
        .service(orders::rate)
        .service(orders::return_visit)
        .service(orders::escalate)
        .service(orders::decline)
        .service(orders::cancel)
        .service(people::grant_party_member)
        .service(people::list_units)
        .service(people::create_unit)
        .service(people::add_member)
        .service(health::healthz)
        .service(health::readyz);
}
