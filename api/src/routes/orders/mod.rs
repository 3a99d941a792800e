//! Orders: submit (`submit.rs`), list, read and the timeline (`read.rs`), and
//! the commands of the closed loop (`commands.rs`), and clearing a content
//! flag (`moderation.rs`). Each handler parses, calls
//! one use case in `infra::usecase::orders`, and maps the answer.

mod commands;
mod moderation;
mod read;
mod submit;

pub use commands::*;
pub use moderation::*;
pub use read::*;
pub use submit::*;
