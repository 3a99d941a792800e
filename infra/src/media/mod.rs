//! Photos residents and handlers upload, and the cached WeChat poster codes:
//! the store they live in.

mod process;
mod store;

pub use process::{process, Processed};
pub use store::{MediaStore, StoreConfig};
