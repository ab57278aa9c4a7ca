//! The write API: `POST /api/v1/ingest` (gateway logs as JSON lines) and `POST /api/v1/feedback`
//! (user feedback, one JSON object per line), behind a bearer token.
//!
//! Every post goes through one writer task, which commits whatever posts are waiting as one batch
//! (group commit): an idle server commits a lone post at once, and a busy one makes few commits
//! of many posts instead of many small ones, with no timer adding delay. A post is answered only
//! after its batch is committed. After each batch the rollups are refreshed and the site moves to
//! the new snapshot, so the scores follow the logs within seconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Serialize;
use tokenboard_ingest::{Lake, LiveWriter, Post, PostSummary};
use tokio::sync::{Notify, mpsc, oneshot, watch};

use crate::Site;
use crate::http::{ApiFailure, Failure};

/// Rejected lines listed one by one in an answer; the counts cover all of them.
const MAX_LISTED_REJECTIONS: usize = 1000;
/// A batch stops taking waiting posts past this many body bytes.
const MAX_BATCH_BYTES: usize = 64 << 20;

/// How the write API is configured.
#[derive(Clone)]
pub struct IngestConfig {
    /// The bearer token a post must carry.
    pub token: String,
    /// The largest body accepted, after gzip decompression.
    pub max_body_bytes: usize,
    /// A body not received within this time is refused (a slow or stalled client).
    pub body_timeout: Duration,
    /// Posts waiting for the writer; past it a post is answered 429.
    pub queue: usize,
}

/// Everything but the token, which must not reach logs.
impl std::fmt::Debug for IngestConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestConfig")
            .field("token", &"<redacted>")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("body_timeout", &self.body_timeout)
            .field("queue", &self.queue)
            .finish()
    }
}

impl IngestConfig {
    pub fn new(token: String) -> IngestConfig {
        IngestConfig {
            token,
            max_body_bytes: 16 << 20,
            body_timeout: Duration::from_secs(10),
            queue: 256,
        }
    }
}

enum Job {
    Logs {
        post: Post,
        reply: oneshot::Sender<Result<PostSummary, String>>,
    },
    Feedback {
        post: Post,
        reply: oneshot::Sender<Result<PostSummary, String>>,
    },
}

impl Job {
    fn bytes(&self) -> usize {
        match self {
            Job::Logs { post, .. } | Job::Feedback { post, .. } => post.body.len(),
        }
    }
}

/// The write side of a site: the token and the queue to the writer task.
#[derive(Debug)]
pub(crate) struct Ingest {
    config: IngestConfig,
    jobs: mpsc::Sender<Job>,
    posts: AtomicU64,
    progress: Arc<Progress>,
}

/// How far the writer and the follower are, in batches: the follower has refreshed the rollups
/// and the snapshot for every batch up to `followed`.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub committed: Notify,
    pub batches: AtomicU64,
    pub followed: watch::Sender<u64>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Ingest {
    /// Opens the raw tables and starts the writer task and the task that refreshes rollups
    /// and the site after each commit.
    pub(crate) async fn start(
        lake: &Lake,
        config: IngestConfig,
    ) -> Result<Ingest, tokenboard_ingest::Error> {
        let writer = LiveWriter::open(lake).await?;
        let (jobs, queue) = mpsc::channel(config.queue.max(1));
        let progress = Arc::new(Progress::default());
        tokio::spawn(write_batches(writer, queue, progress.clone()));
        Ok(Ingest {
            config,
            jobs,
            posts: AtomicU64::new(0),
            progress,
        })
    }

    pub(crate) fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Waits until the site serves every batch committed before the call.
    pub(crate) async fn caught_up(&self) {
        let target = self.progress.batches.load(Ordering::SeqCst);
        let mut followed = self.progress.followed.subscribe();
        // An error means the follower is gone (the runtime is shutting down): nothing to wait for.
        let _ = followed.wait_for(|done| *done >= target).await;
    }

    fn authorize(&self, headers: &HeaderMap) -> Result<(), Failure> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(Failure::Status(
                StatusCode::UNAUTHORIZED,
                "This endpoint needs `Authorization: Bearer <token>`.".into(),
            ));
        };
        let given = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if constant_time_eq(given.trim().as_bytes(), self.config.token.as_bytes()) {
            Ok(())
        } else {
            Err(Failure::Status(
                StatusCode::UNAUTHORIZED,
                "The bearer token is not valid.".into(),
            ))
        }
    }

    /// Reads the (decompressed) body within the size and time limits.
    async fn read_body(&self, body: Body) -> Result<Vec<u8>, Failure> {
        let limited = Limited::new(body, self.config.max_body_bytes);
        match tokio::time::timeout(self.config.body_timeout, limited.collect()).await {
            Err(_) => Err(Failure::Status(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "The body did not arrive within {} s.",
                    self.config.body_timeout.as_secs()
                ),
            )),
            Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
                Err(Failure::Status(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "The body is over {} bytes (after decompression); split it into \
                         several posts.",
                        self.config.max_body_bytes
                    ),
                ))
            }
            Ok(Err(error)) => Err(Failure::BadRequest(format!(
                "The body could not be read: {error}"
            ))),
            Ok(Ok(collected)) => Ok(collected.to_bytes().to_vec()),
        }
    }

    /// Queues a post for the writer and waits for its commit.
    async fn submit(&self, feedback: bool, body: Vec<u8>) -> Result<PostSummary, Failure> {
        let n = self.posts.fetch_add(1, Ordering::Relaxed) + 1;
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let route = if feedback { "feedback" } else { "ingest" };
        let post = Post {
            source: format!("POST /api/v1/{route} #{n} at {now}"),
            body,
        };
        let (reply, answer) = oneshot::channel();
        let job = if feedback {
            Job::Feedback { post, reply }
        } else {
            Job::Logs { post, reply }
        };
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                return Err(Failure::Status(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many posts are waiting to be written; retry in a second.".into(),
                ));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(writer_gone()),
        }
        match answer.await {
            Ok(Ok(summary)) => Ok(summary),
            Ok(Err(error)) => {
                tracing::error!(%error, "committing posted rows");
                Err(Failure::Status(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The rows could not be committed; nothing of this post was stored as \
                     accepted. Retry: lines stored anyway are then counted as duplicates."
                        .into(),
                ))
            }
            Err(_) => Err(writer_gone()),
        }
    }
}

fn writer_gone() -> Failure {
    Failure::Status(
        StatusCode::SERVICE_UNAVAILABLE,
        "The writer has stopped; the server is shutting down.".into(),
    )
}

/// Compares without an early exit, so the time taken does not reveal how much of a guess was
/// right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for (i, byte) in b.iter().enumerate() {
        difference |= usize::from(a.get(i).copied().unwrap_or(0) ^ byte);
    }
    difference == 0
}

/// The writer task: takes every waiting post into one batch, commits it, answers each post.
async fn write_batches(
    mut writer: LiveWriter,
    mut queue: mpsc::Receiver<Job>,
    progress: Arc<Progress>,
) {
    while let Some(first) = queue.recv().await {
        let mut bytes = first.bytes();
        let mut batch = vec![first];
        while bytes < MAX_BATCH_BYTES {
            match queue.try_recv() {
                Ok(job) => {
                    bytes += job.bytes();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        let mut logs = Vec::new();
        let mut replies = Vec::new();
        let mut feedback = Vec::new();
        for job in batch {
            match job {
                Job::Logs { post, reply } => {
                    logs.push(post);
                    replies.push(reply);
                }
                Job::Feedback { post, reply } => feedback.push((post, reply)),
            }
        }
        let posts = logs.len();
        if !logs.is_empty() {
            match writer.write(logs).await {
                Ok(summaries) => {
                    for (summary, reply) in summaries.into_iter().zip(replies) {
                        // A client that hung up gets no answer; its rows are stored all the same.
                        let _ = reply.send(Ok(summary));
                    }
                }
                Err(error) => {
                    for reply in replies {
                        let _ = reply.send(Err(error.to_string()));
                    }
                }
            }
        }
        for (post, reply) in feedback {
            let result = writer
                .write_feedback_lines(&post.source, post.body)
                .await
                .map_err(|e| e.to_string());
            let _ = reply.send(result);
        }
        tracing::debug!(posts, bytes, "batch written");
        progress.batches.fetch_add(1, Ordering::SeqCst);
        progress.committed.notify_one();
    }
}

/// After each committed batch: refresh the rollups, then move the site to the new snapshot.
/// Batches committed meanwhile are caught by the next round (`Notify` keeps one wake-up).
pub(crate) async fn follow_commits(site: Site, lake: Lake, progress: Arc<Progress>) {
    let mut last_vacuum = std::time::Instant::now();
    loop {
        progress.committed.notified().await;
        // Every batch counted here was committed before the refresh below reads the tables.
        let batches = progress.batches.load(Ordering::SeqCst);
        let started = std::time::Instant::now();
        if let Err(error) = tokenboard_rollup::refresh(&lake).await {
            tracing::warn!(%error, "refreshing the rollups after a post");
        }
        // Each refresh replaces rollup files; delete those no snapshot can still be reading.
        let retention = tokenboard_rollup::VACUUM_RETENTION;
        if last_vacuum.elapsed().as_secs() >= retention.num_seconds().unsigned_abs() {
            last_vacuum = std::time::Instant::now();
            match tokenboard_rollup::vacuum(&lake, retention).await {
                Ok(deleted) => tracing::debug!(deleted, "vacuumed the rollups"),
                Err(error) => tracing::warn!(%error, "vacuuming the rollups"),
            }
        }
        if let Err(error) = site.refresh().await {
            tracing::warn!(%error, "moving the site to the new snapshot");
        }
        site.metrics()
            .follow_seconds
            .observe(started.elapsed().as_secs_f64());
        progress.followed.send_replace(batches);
    }
}

/// The answer to a post.
#[derive(Debug, Serialize)]
struct Receipt {
    lines: u64,
    accepted: u64,
    duplicates: u64,
    quarantined: usize,
    /// The first rejected lines, with their line number in the body and the reason.
    rejected: Vec<Rejected>,
    rejected_truncated: bool,
    unknown_fields: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
struct Rejected {
    line: u64,
    reason: &'static str,
    detail: String,
}

fn receipt(summary: PostSummary) -> Response {
    let quarantined = summary.quarantined.len();
    let receipt = Receipt {
        lines: summary.lines,
        accepted: summary.accepted,
        duplicates: summary.duplicates,
        quarantined,
        rejected_truncated: quarantined > MAX_LISTED_REJECTIONS,
        rejected: summary
            .quarantined
            .into_iter()
            .take(MAX_LISTED_REJECTIONS)
            .map(|r| Rejected {
                line: r.line,
                reason: r.reason,
                detail: r.detail,
            })
            .collect(),
        unknown_fields: summary.unknown_fields,
    };
    // Every line rejected: the post as a whole is unprocessable (its lines are in the
    // quarantine all the same).
    let status = if receipt.lines > 0 && receipt.accepted + receipt.duplicates == 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = (status, axum::Json(receipt)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn enabled(site: &Site) -> Result<&Ingest, Failure> {
    site.ingest().ok_or_else(|| {
        Failure::Status(
            StatusCode::NOT_FOUND,
            "This server does not accept posts: start it with TOKENBOARD_INGEST_TOKEN set \
             (or --ingest-token-file)."
                .into(),
        )
    })
}

/// `POST /api/v1/ingest`: JSON lines of gateway logs.
pub async fn logs(
    site: State<Site>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiFailure> {
    accept(site, headers, body, false).await
}

/// `POST /api/v1/feedback`: `{"generation_id", "category", "comment"?}`, one object per line.
pub async fn feedback(
    site: State<Site>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiFailure> {
    accept(site, headers, body, true).await
}

/// Either post: token, body within its limits, commit, receipt.
async fn accept(
    State(site): State<Site>,
    headers: HeaderMap,
    body: Body,
    feedback: bool,
) -> Result<Response, ApiFailure> {
    let ingest = enabled(&site)?;
    ingest.authorize(&headers)?;
    let body = ingest.read_body(body).await?;
    Ok(receipt(ingest.submit(feedback, body).await?))
}

#[cfg(test)]
mod tests {
    use super::{IngestConfig, constant_time_eq};

    #[test]
    fn debug_output_hides_the_token() {
        let printed = format!("{:?}", IngestConfig::new("s3cret-token-0123456789".into()));
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("<redacted>") && printed.contains("max_body_bytes: 16777216"));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secre", b"secret"));
        assert!(!constant_time_eq(b"secrets", b"secret"));
        assert!(!constant_time_eq(b"", b"secret"));
        assert!(!constant_time_eq(b"Secret", b"secret"));
    }
}
