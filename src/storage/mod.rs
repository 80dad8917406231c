//! Where attachments' bytes live: object storage through `object_store`, a
//! directory by default or any S3-compatible service (`STORAGE_URL`).
//!
//! The database row (app.attachments, under the parent's RLS) is the only way
//! to an object: keys are random and never reach a client. This module knows
//! nothing of tenants; src/http/attachments.rs asks the database first.
//! What the bytes are is decided here, from the bytes ([`sniff`]); photos lose
//! their GPS position on the way in ([`exif`]) and get thumbnails ([`thumbnails`]).

pub mod exif;
pub mod sniff;
pub mod sweeper;
pub mod thumbnails;

use std::{str::FromStr, sync::Arc};

use anyhow::Context;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::{
    aws::{AmazonS3Builder, AmazonS3ConfigKey},
    buffered::BufWriter,
    local::LocalFileSystem,
    path::Path,
    ObjectStore, ObjectStoreExt,
};
use tokio::{io::AsyncWriteExt, sync::Semaphore};

use crate::config::StorageConfig;

/// Multipart parts of this size (S3's minimum is 5 MiB): the most one upload
/// holds in memory, times the parts in flight ([`PARTS_IN_FLIGHT`]).
const PART_BYTES: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

/// The S3 settings read, through the configuration's lookup (so a blank one
/// counts as unset, and a test can point one server at its own endpoint
/// without touching the process's environment). object_store's own names.
pub const AWS_SETTINGS: &[&str] = &[
    "AWS_ENDPOINT",
    "AWS_ENDPOINT_URL",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
];

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    pub config: Arc<StorageConfig>,
    /// Decoding a photo takes tens of megabytes: two at a time, whatever the
    /// number of uploads, keeps the server's memory bounded.
    pub decoding: Arc<Semaphore>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.store)
    }
}

impl Storage {
    pub fn from_config(config: &StorageConfig) -> anyhow::Result<Storage> {
        let store: Arc<dyn ObjectStore> = if config.url.starts_with("s3://") {
            let mut builder = AmazonS3Builder::new().with_url(config.url.clone());
            for (key, value) in &config.aws {
                let key = AmazonS3ConfigKey::from_str(&key.to_ascii_lowercase())
                    .with_context(|| format!("{key} is no S3 setting"))?;
                builder = builder.with_config(key, value.clone());
            }
            Arc::new(builder.build().context("STORAGE_URL: the S3 bucket's settings")?)
        } else {
            let dir = config.url.strip_prefix("file://").unwrap_or(&config.url);
            std::fs::create_dir_all(dir)
                .with_context(|| format!("STORAGE_URL: creating the directory {dir}"))?;
            Arc::new(LocalFileSystem::new_with_prefix(dir).with_context(|| format!("STORAGE_URL: {dir}"))?)
        };
        Ok(Storage { store, config: Arc::new(config.clone()), decoding: Arc::new(Semaphore::new(2)) })
    }

    /// Starts writing a new object; nothing is visible at `key` until
    /// [`Upload::finish`].
    pub fn upload(&self, key: &str) -> Upload {
        let writer = BufWriter::with_capacity(self.store.clone(), Path::from(key), PART_BYTES)
            .with_max_concurrency(PARTS_IN_FLIGHT);
        Upload { writer: Some(writer) }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> object_store::Result<()> {
        self.store.put(&Path::from(key), bytes.into()).await.map(|_| ())
    }

    /// The object's bytes as they are read.
    pub async fn stream(
        &self,
        key: &str,
    ) -> object_store::Result<BoxStream<'static, object_store::Result<Bytes>>> {
        Ok(self.store.get(&Path::from(key)).await?.into_stream())
    }

    /// The whole object (thumbnails: at most one file's limit).
    pub async fn read(&self, key: &str) -> object_store::Result<Bytes> {
        self.store.get(&Path::from(key)).await?.bytes().await
    }

    /// Whether the object exists.
    pub async fn exists(&self, key: &str) -> object_store::Result<bool> {
        match self.store.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Removes the object; one already gone is fine.
    pub async fn remove(&self, key: &str) -> object_store::Result<()> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

/// One object being written in parts.
pub struct Upload {
    writer: Option<BufWriter>,
}

impl Upload {
    pub async fn write(&mut self, bytes: Bytes) -> anyhow::Result<()> {
        let writer = self.writer.as_mut().context("the upload was already finished")?;
        writer.put(bytes).await.context("writing to storage")
    }

    pub async fn finish(mut self) -> anyhow::Result<()> {
        let mut writer = self.writer.take().context("the upload was already finished")?;
        writer.shutdown().await.context("completing the object")
    }

    /// Gives up: parts already sent are discarded.
    pub async fn abort(mut self) {
        if let Some(mut writer) = self.writer.take() {
            if let Err(error) = writer.abort().await {
                tracing::warn!(%error, "aborting an upload to storage failed");
            }
        }
    }
}

/// A new object key: the company (a random id) and 128 random bits, so a key
/// says nothing about the file or the customer and cannot be guessed.
pub fn new_key(company_id: uuid::Uuid) -> String {
    format!("{company_id}/{}", uuid::Uuid::new_v4().simple())
}
