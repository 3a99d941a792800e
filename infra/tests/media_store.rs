//! The media store on local disk and on an S3-compatible server (moto, from
//! PyPI): the same answers from both, whole objects only.

use infra::media::{MediaStore, StoreConfig};
use infra::testing::LocalS3;

async fn exercise(store: &MediaStore) {
    assert_eq!(store.get("media/none.jpg").await.unwrap_or_else(|e| panic!("{e}")), None);
    store.put("media/a.jpg", vec![1, 2, 3]).await.unwrap_or_else(|e| panic!("{e}"));
    store.put("posters/wxacode/dd-hean-abc", vec![9; 100_000]).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.get("media/a.jpg").await.unwrap_or_else(|e| panic!("{e}")), Some(vec![1, 2, 3]));
    assert_eq!(
        store.get("posters/wxacode/dd-hean-abc").await.unwrap_or_else(|e| panic!("{e}")).map(|b| b.len()),
        Some(100_000)
    );
    store.put("media/a.jpg", vec![4]).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.get("media/a.jpg").await.unwrap_or_else(|e| panic!("{e}")), Some(vec![4]));
    store.delete("media/a.jpg").await.unwrap_or_else(|e| panic!("{e}"));
    store.delete("media/a.jpg").await.unwrap_or_else(|e| panic!("deleting twice: {e}"));
    assert_eq!(store.get("media/a.jpg").await.unwrap_or_else(|e| panic!("{e}")), None);
    // A key that tries to leave the store is refused, not followed.
    assert!(store.put("../escape.jpg", vec![1]).await.is_err());
}

#[tokio::test]
async fn local_disk() {
    let dir = std::env::temp_dir().join(format!("msb-store-{}", uuid::Uuid::now_v7().simple()));
    let store = MediaStore::open(&StoreConfig::Local { dir: dir.clone() }).unwrap_or_else(|e| panic!("{e}"));
    exercise(&store).await;
    assert!(!dir.parent().unwrap_or(&dir).join("escape.jpg").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn s3_compatible_server() {
    let Some(s3) = LocalS3::start() else { return };
    s3.bucket("msb-media").await;
    let store = MediaStore::open(&StoreConfig::S3 {
        endpoint: Some(s3.endpoint.clone()),
        bucket: "msb-media".into(),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(store.describe().contains("msb-media"));
    exercise(&store).await;
}
