//! mashangban's HTTP API (actix-web) and the wiring of the `mashangban` binary.

pub mod account_cli;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod edge;
pub mod error;
pub mod extract;
pub mod gen_cli;
pub mod limits;
pub mod logs;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod outbox_table;
pub mod print_cli;
pub mod responses;
pub mod routes;
pub mod serve;
pub mod upload;
pub mod views;
