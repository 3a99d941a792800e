//! Photos residents and handlers upload, and the cached WeChat poster codes:
//! the store they live in.

mod store;

pub use store::{MediaStore, StoreConfig};
