//! mashangban's business rules. Pure: no IO, no framework, no database.
//!
//! Types here can only hold valid values ("parse, don't validate"); the
//! adapters in `infra` and the handlers in `api` convert into them once.

pub mod account;
pub mod actor;
pub mod category;
pub mod contact;
pub mod delivery;
pub mod enums;
pub mod error;
pub mod export;
pub mod limit;
pub mod media;
pub mod moderation;
pub mod order;
pub mod poster;
pub mod privacy;
pub mod region;
pub mod stats;
pub mod subscribe;
pub mod text;
pub mod user;
pub mod webhook;

pub use error::{DomainError, FieldError};
