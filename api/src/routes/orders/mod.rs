//! Orders: submit (`submit.rs`), list, read and the timeline (`read.rs`), and
//! the commands of the closed loop (`commands.rs`), and what staff over an
//! order do beside the loop: change its priority, clear a content flag (`staff.rs`). Each handler parses, calls
//! one use case in `infra::usecase::orders`, and maps the answer.

mod commands;
mod read;
mod staff;
mod submit;

pub use commands::*;
pub use read::*;
pub use staff::*;
pub use submit::*;
