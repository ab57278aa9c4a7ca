//! The site's view of the lake: one snapshot (a `LakeSession` pinned at the tables' versions)
//! with every answer rendered from it cached, replaced as a whole when a new commit lands. A
//! reader always gets the answers of one snapshot, never a mix of two.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use std::io::Write;

use axum::body::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use tokenboard_ingest::Lake;
use tokenboard_query::{LakeSession, Names};
use tokio::sync::OnceCell;
use xxhash_rust::xxh3::xxh3_64;

use crate::Error;
use crate::ingest::{Ingest, IngestConfig};
use crate::metrics::Metrics;

/// A rendered answer, as bytes, with the validator that lets a client skip it next time.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// Shared, not copied, by every answer that sends it.
    pub body: Bytes,
    /// The body gzip-compressed once, here, instead of on every answer: most clients ask for
    /// gzip, and compressing a page per request would cost more than everything else.
    pub gzip: Bytes,
    pub content_type: &'static str,
    /// A weak ETag: the body's hash, the same for the gzip and plain encodings of it.
    pub etag: String,
}

impl Rendered {
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Rendered {
        let etag = format!("W/\"{:016x}\"", xxh3_64(&body));
        Rendered::with_etag(body, content_type, etag)
    }

    /// An answer whose ETag is the hash of `identity`, the part of the body that matters to a
    /// client (the body without its timestamps).
    pub fn with_etag_of(body: Vec<u8>, content_type: &'static str, identity: &[u8]) -> Rendered {
        let etag = format!("W/\"{:016x}\"", xxh3_64(identity));
        Rendered::with_etag(body, content_type, etag)
    }

    fn with_etag(body: Vec<u8>, content_type: &'static str, etag: String) -> Rendered {
        let mut encoder =
            GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::default());
        // Writing to a Vec cannot fail; if it somehow did, answer uncompressed.
        let gzip = encoder
            .write_all(&body)
            .and_then(|()| encoder.finish())
            .map_or_else(|_| Bytes::new(), Bytes::from);
        Rendered {
            body: Bytes::from(body),
            gzip,
            content_type,
            etag,
        }
    }
}

type Slot = Arc<OnceCell<Arc<Rendered>>>;

pub(crate) struct Snapshot {
    pub session: LakeSession,
    /// When this snapshot was opened: the answers' Last-Modified.
    pub loaded_at: SystemTime,
    names: OnceCell<Names>,
    /// Answers by route and canonical parameters. Keys come only from validated requests
    /// (names the lake knows, enum parameters), so the map stays small.
    answers: Mutex<HashMap<String, Slot>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("versions", self.session.versions())
            .field("loaded_at", &self.loaded_at)
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    async fn open(lake: &Lake) -> Result<Snapshot, Error> {
        Ok(Snapshot::new(LakeSession::open(lake).await?))
    }

    /// The lake's newest snapshot, keeping this one's cached Parquet footers.
    async fn reopen(&self) -> Result<Snapshot, Error> {
        Ok(Snapshot::new(self.session.reopen().await?))
    }

    fn new(session: LakeSession) -> Snapshot {
        Snapshot {
            session,
            // Whole seconds, as HTTP dates have: If-Modified-Since then compares exactly.
            loaded_at: whole_seconds(SystemTime::now()),
            names: OnceCell::new(),
            answers: Mutex::new(HashMap::new()),
        }
    }

    /// The models, providers and authors the lake knows, loaded once per snapshot.
    pub async fn names(&self) -> Result<&Names, Error> {
        Ok(self.names.get_or_try_init(|| self.session.names()).await?)
    }

    /// The cached answer for `key`, rendering it on first use. Concurrent first requests for
    /// one key wait for a single rendering.
    pub async fn answer<F, Fut>(&self, key: String, render: F) -> Result<Arc<Rendered>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Rendered, Error>>,
    {
        let slot = {
            let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            answers.entry(key).or_default().clone()
        };
        let rendered = slot
            .get_or_try_init(|| async { render().await.map(Arc::new) })
            .await?;
        Ok(rendered.clone())
    }
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// The site: the lake's current snapshot and the metrics. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Site {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    current: RwLock<Arc<Snapshot>>,
    metrics: Metrics,
    /// The write API, when the server accepts posts.
    ingest: Option<Ingest>,
}

impl Site {
    /// Opens the lake's current snapshot. An empty or missing lake is fine: every page then
    /// says there is no data yet.
    pub async fn open(lake: Lake) -> Result<Site, Error> {
        let snapshot = Snapshot::open(&lake).await?;
        Ok(Site {
            inner: Arc::new(Inner {
                current: RwLock::new(Arc::new(snapshot)),
                metrics: Metrics::default(),
                ingest: None,
            }),
        })
    }

    /// [`Site::open`], with the write API (`POST /api/v1/ingest` and `/api/v1/feedback`) on:
    /// creates the raw tables if needed and starts the writer, and a task that refreshes the
    /// rollups and the snapshot after each commit.
    pub async fn open_with_ingest(lake: Lake, config: IngestConfig) -> Result<Site, Error> {
        let ingest = Ingest::start(&lake, config).await?;
        let progress = ingest.progress();
        let snapshot = Snapshot::open(&lake).await?;
        let site = Site {
            inner: Arc::new(Inner {
                current: RwLock::new(Arc::new(snapshot)),
                metrics: Metrics::default(),
                ingest: Some(ingest),
            }),
        };
        tokio::spawn(crate::ingest::follow_commits(site.clone(), lake, progress));
        Ok(site)
    }

    /// Waits until the pages and the score feed reflect every post answered before the call:
    /// the rollups are refreshed and the snapshot moved past their commits. Returns at once
    /// when the write API is off.
    pub async fn caught_up(&self) {
        if let Some(ingest) = self.ingest() {
            ingest.caught_up().await;
        }
    }

    pub(crate) fn ingest(&self) -> Option<&Ingest> {
        self.inner.ingest.as_ref()
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.inner
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Moves to a new snapshot if any table has a newer commit. Returns whether it did.
    pub async fn refresh(&self) -> Result<bool, Error> {
        let current = self.snapshot();
        if !current.session.is_stale().await? {
            return Ok(false);
        }
        let fresh = Arc::new(current.reopen().await?);
        *self
            .inner
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner()) = fresh;
        self.inner.metrics.snapshots.inc();
        Ok(true)
    }

    /// Checks for new commits every `every`, for as long as the runtime runs.
    pub fn spawn_refresh(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let site = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = site.refresh().await {
                    tracing::warn!(%error, "checking the lake for new commits");
                }
            }
        })
    }
}
