//! Where files live: local disk under `MSB_MEDIA_DIR`, or an S3-compatible
//! bucket, both through `object_store` (one trait, `ObjectStore`). Keys are
//! made here from ids, never from what a client sent.

use std::path::PathBuf;
use std::sync::Arc;

use domain::DomainError;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::db::storage;

/// Which store, from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// Files under a directory (created if missing).
    Local { dir: PathBuf },
    /// A bucket of an S3-compatible service (Amazon S3, MinIO, Ceph RGW,
    /// Tencent COS, Aliyun OSS in S3 mode). `endpoint` for anything but AWS.
    S3 { endpoint: Option<String>, bucket: String, region: String, access_key_id: String, secret_access_key: String },
}

#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    describe: String,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

impl MediaStore {
    pub fn open(config: &StoreConfig) -> Result<MediaStore, DomainError> {
        match config {
            StoreConfig::Local { dir } => {
                std::fs::create_dir_all(dir).map_err(|e| storage(format!("{}: {e}", dir.display())))?;
                let fs = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(storage)?;
                Ok(MediaStore { inner: Arc::new(fs), describe: format!("local disk {}", dir.display()) })
            }
            StoreConfig::S3 { endpoint, bucket, region, access_key_id, secret_access_key } => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key);
                if let Some(url) = endpoint {
                    builder = builder.with_endpoint(url).with_allow_http(url.starts_with("http://"));
                }
                let s3 = builder.build().map_err(storage)?;
                let at = endpoint.as_deref().unwrap_or("AWS");
                Ok(MediaStore { inner: Arc::new(s3), describe: format!("S3 bucket {bucket} at {at}") })
            }
        }
    }

    pub fn describe(&self) -> &str {
        &self.describe
    }

    fn path(key: &str) -> Result<Path, DomainError> {
        Path::parse(key).map_err(|e| storage(format!("media key {key:?}: {e}")))
    }

    /// Stores `bytes` under `key` whole: readers see the old object or the new
    /// one, never a part (local disk writes a temporary file and renames it).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), DomainError> {
        self.inner.put(&Self::path(key)?, PutPayload::from(bytes)).await.map_err(storage)?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, DomainError> {
        match self.inner.get(&Self::path(key)?).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(storage)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage(e)),
        }
    }

    /// Deleting what is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), DomainError> {
        match self.inner.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(storage(e)),
        }
    }
}
