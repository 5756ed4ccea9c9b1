//! Logs in S3 (`s3://bucket/prefix`): listed folder by folder along AWS's key
//! layout, so that other log types and dates outside `--since/--until` are
//! never listed, then streamed: each object is fetched when a worker is free
//! to parse it, and decompressed as its bytes arrive.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::io::SyncIoBridge;
use vpce_ingest::layout::keep;
use vpce_ingest::{Input, LogKind, Unread};

use vpce_model::aws_action::AwsAction;

use crate::error::{classify, AwsError};
use crate::{Aws, Say};

/// A parsed `s3://bucket/prefix` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl std::str::FromStr for S3Url {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("s3://")
            .ok_or_else(|| format!("'{s}' is not an s3:// address"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("'{s}' names no bucket (s3://BUCKET/PREFIX)"));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// One object to read.
#[derive(Clone, Debug)]
pub struct Object {
    pub key: String,
    pub size: u64,
}

/// What a listing found.
#[derive(Debug, Default)]
pub struct Listing {
    pub objects: Vec<Object>,
    /// `ListObjectsV2` calls made (one per folder page).
    pub list_calls: u64,
    /// Folders left out by log type or date.
    pub pruned: u64,
}

/// One page of a delimited listing.
#[derive(Debug, Default)]
pub(crate) struct ListPage {
    /// The folders (common prefixes) on this page.
    pub(crate) folders: Vec<String>,
    pub(crate) objects: Vec<Object>,
    /// The token of the next page, if any.
    pub(crate) next: Option<String>,
}

/// `ListObjectsV2` with `/` as the delimiter, one page per call: the S3 seam
/// that [`list`] walks. [`SdkS3`] implements it over the SDK client; the unit
/// tests over a fixed tree.
pub(crate) trait ListObjects {
    async fn page(&self, bucket: &str, prefix: &str, token: Option<String>) -> Result<ListPage, AwsError>;
}

/// [`ListObjects`] over the SDK's S3 client.
pub(crate) struct SdkS3<'a>(pub(crate) &'a aws_sdk_s3::Client);

impl ListObjects for SdkS3<'_> {
    async fn page(&self, bucket: &str, prefix: &str, token: Option<String>) -> Result<ListPage, AwsError> {
        let page = self
            .0
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .delimiter("/")
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| classify(e, AwsAction::S3ListBucket, &format!("s3://{bucket}/{prefix}")))?;
        Ok(ListPage {
            folders: page
                .common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string))
                .collect(),
            objects: page
                .contents()
                .iter()
                .filter_map(|o| {
                    Some(Object {
                        key: o.key()?.to_string(),
                        size: o.size().unwrap_or(0).max(0) as u64,
                    })
                })
                .collect(),
            next: page.next_continuation_token().map(str::to_string),
        })
    }
}

/// Lists the objects of `kind` under `url` that can hold records between
/// `since` and `until` (epoch seconds).
///
/// # Errors
/// The bucket cannot be listed (AccessDenied names `s3:ListBucket`).
pub fn list(
    aws: &Aws,
    url: &S3Url,
    kind: LogKind,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<Listing, AwsError> {
    aws.block_on(walk(&SdkS3(&aws.s3), url, kind, since, until))
}

/// Walks the folders under `url` along AWS's key layout, every page of
/// each, leaving out the folders and objects that cannot hold `kind`
/// between `since` and `until`.
async fn walk(
    s3: &impl ListObjects,
    url: &S3Url,
    kind: LogKind,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<Listing, AwsError> {
    let mut out = Listing::default();
    let mut queue = vec![url.prefix.clone()];
    while let Some(prefix) = queue.pop() {
        let mut token: Option<String> = None;
        loop {
            let page = s3.page(&url.bucket, &prefix, token.take()).await?;
            out.list_calls += 1;
            for p in page.folders {
                if keep(&p, kind, since, until) {
                    queue.push(p);
                } else {
                    out.pruned += 1;
                }
            }
            out.objects.extend(
                page.objects
                    .into_iter()
                    .filter(|o| !o.key.ends_with('/') && keep(&o.key, kind, since, until)),
            );
            token = page.next;
            if token.is_none() {
                break;
            }
        }
    }
    out.objects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// Progress of a set of streams, said at most once a second (and once at the
/// end).
pub struct Progress {
    label: String,
    total_objects: u64,
    total_bytes: u64,
    opened: AtomicU64,
    bytes: AtomicU64,
    started: Instant,
    last: Mutex<Instant>,
    say: Option<Say>,
}

impl Progress {
    /// `say` receives the progress lines; `None` says nothing.
    pub fn new(label: String, total_objects: u64, total_bytes: u64, say: Option<Say>) -> Arc<Progress> {
        Arc::new(Progress {
            label,
            total_objects,
            total_bytes,
            opened: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            started: Instant::now(),
            last: Mutex::new(Instant::now()),
            say,
        })
    }

    fn tick(&self, force: bool) {
        let Some(say) = &self.say else { return };
        let Ok(mut last) = self.last.lock() else { return };
        if !force && last.elapsed() < Duration::from_secs(1) {
            return;
        }
        *last = Instant::now();
        let b = self.bytes.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        say(&format!(
            "{}: {}/{} objects, {:.1}/{:.1} MB read ({:.1} MB/s)",
            self.label,
            self.opened.load(Ordering::Relaxed),
            self.total_objects,
            b as f64 / 1e6,
            self.total_bytes as f64 / 1e6,
            b as f64 / 1e6 / secs
        ));
    }

    /// Says the final line.
    pub fn finish(&self) {
        self.tick(true);
    }
}

/// Counts bytes as they are read.
struct Counted<R> {
    inner: R,
    progress: Arc<Progress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        self.progress.tick(false);
        Ok(n)
    }
}

/// Resumes of one object allowed without a byte of progress in between.
const RESUMES_WITHOUT_PROGRESS: u32 = 4;
/// Resumes of one object allowed in all.
const RESUMES_PER_OBJECT: u32 = 16;
/// The first pause before a resume; it doubles with each resume without
/// progress.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// One input per object; each is fetched only when a worker opens it, and
/// its body is read as it arrives. A body that ends early, breaks or stalls
/// (the SDK's stalled-stream protection ends it) is resumed from the byte
/// already read with a ranged GET of the same version (`If-Match` on its
/// ETag), with backoff, so no record is lost to a flaky connection.
pub fn inputs(aws: &Aws, bucket: &str, objects: &[Object], progress: Arc<Progress>) -> Vec<Input> {
    objects
        .iter()
        .map(|o| {
            let (client, handle) = (aws.s3.clone(), aws.handle());
            let (bucket, key, size) = (bucket.to_string(), o.key.clone(), o.size);
            let name = format!("s3://{bucket}/{key}");
            let progress = progress.clone();
            let shown = name.clone();
            Input::Stream {
                name,
                open: Arc::new(move || {
                    let mut reader = Resuming {
                        client: client.clone(),
                        handle: handle.clone(),
                        bucket: bucket.clone(),
                        key: key.clone(),
                        shown: shown.clone(),
                        size,
                        etag: None,
                        offset: 0,
                        body: None,
                        resumes: 0,
                        without_progress: 0,
                    };
                    // Not even the first GET: the whole object is unread.
                    reader.open().map_err(|e| reader.unread(&e))?;
                    progress.opened.fetch_add(1, Ordering::Relaxed);
                    Ok(Box::new(Counted {
                        inner: reader,
                        progress: progress.clone(),
                    }) as Box<dyn Read + Send>)
                }),
            }
        })
        .collect()
}

/// An object's body that resumes where it broke off.
struct Resuming {
    client: aws_sdk_s3::Client,
    handle: tokio::runtime::Handle,
    bucket: String,
    key: String,
    shown: String,
    /// The object's size: from the listing, then from the first response.
    size: u64,
    etag: Option<String>,
    /// Bytes handed to the reader so far.
    offset: u64,
    body: Option<Box<dyn Read + Send>>,
    resumes: u32,
    without_progress: u32,
}

impl Resuming {
    /// GETs the object from `offset` on.
    fn open(&mut self) -> io::Result<()> {
        let mut req = self.client.get_object().bucket(&self.bucket).key(&self.key);
        if self.offset > 0 {
            req = req.range(format!("bytes={}-", self.offset));
        }
        if let Some(etag) = &self.etag {
            req = req.if_match(etag);
        }
        let out = self
            .handle
            .block_on(req.send())
            .map_err(|e| io::Error::other(classify(e, AwsAction::S3GetObject, &self.shown)))?;
        let resumed_here = out
            .content_range()
            .is_some_and(|r| r.starts_with(&format!("bytes {}-", self.offset)));
        if self.offset > 0 && !resumed_here {
            // A server that ignores the range would repeat what was read.
            return Err(io::Error::other(format!(
                "{}: the ranged GET to resume at byte {} was not answered with that range",
                self.shown, self.offset
            )));
        }
        if self.offset == 0 {
            if let Some(len) = out.content_length().filter(|l| *l >= 0) {
                self.size = len as u64;
            }
            self.etag = out.e_tag().map(str::to_string);
        }
        let body = Box::pin(out.body.into_async_read());
        self.body = Some(Box::new(SyncIoBridge::new_with_handle(body, self.handle.clone())));
        Ok(())
    }

    /// `e`, with the bytes of the object not read yet ([`Unread`]).
    fn unread(&self, e: &io::Error) -> io::Error {
        io::Error::other(Unread {
            bytes: self.size.saturating_sub(self.offset),
            message: e.to_string(),
        })
    }

    /// Opens the rest of the object after `why`, or gives up with the
    /// bytes read and the last cause.
    fn resume(&mut self, why: String) -> io::Result<()> {
        self.body = None;
        loop {
            self.resumes += 1;
            self.without_progress += 1;
            if self.resumes > RESUMES_PER_OBJECT || self.without_progress > RESUMES_WITHOUT_PROGRESS {
                return Err(io::Error::other(Unread {
                    bytes: self.size.saturating_sub(self.offset),
                    message: format!(
                        "{}: read {} of {} bytes, then gave up after {} resumes: {why}",
                        self.shown,
                        self.offset,
                        self.size,
                        self.resumes - 1
                    ),
                }));
            }
            std::thread::sleep(FIRST_BACKOFF * (1 << (self.without_progress - 1)));
            match self.open() {
                Ok(()) => return Ok(()),
                // Denied or gone: resuming cannot help.
                Err(e) if is_final(&e) => return Err(self.unread(&e)),
                Err(_) => continue,
            }
        }
    }
}

/// Whether a failed GET is one that no retry changes.
fn is_final(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<AwsError>())
        .is_some_and(|a| matches!(a, AwsError::AccessDenied { .. } | AwsError::NotFound { .. }))
}

impl Read for Resuming {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(body) = self.body.as_mut() else {
                self.resume("the connection was lost".into())?;
                continue;
            };
            match body.read(buf) {
                Ok(0) if self.offset < self.size => {
                    let why = format!("the body ended at byte {} of {}", self.offset, self.size);
                    self.resume(why)?;
                }
                Ok(n) => {
                    if n > 0 {
                        self.without_progress = 0;
                    }
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.resume(e.to_string())?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bucket as a list of keys, listed `per_page` entries at a time.
    struct FakeBucket {
        keys: Vec<&'static str>,
        per_page: usize,
        calls: std::sync::Mutex<Vec<String>>,
    }

    impl ListObjects for FakeBucket {
        async fn page(&self, _: &str, prefix: &str, token: Option<String>) -> Result<ListPage, AwsError> {
            self.calls.lock().unwrap().push(prefix.to_string());
            // Every entry directly under the prefix: a folder or an object.
            let mut entries: Vec<(String, bool)> = Vec::new();
            for k in &self.keys {
                let Some(rest) = k.strip_prefix(prefix) else { continue };
                let entry = match rest.find('/') {
                    Some(i) => (format!("{prefix}{}", &rest[..=i]), true),
                    None => (k.to_string(), false),
                };
                if !entries.contains(&entry) {
                    entries.push(entry);
                }
            }
            let from: usize = token.map_or(0, |t| t.parse().unwrap());
            let to = (from + self.per_page).min(entries.len());
            let mut page = ListPage {
                next: (to < entries.len()).then(|| to.to_string()),
                ..Default::default()
            };
            for (name, folder) in &entries[from..to] {
                if *folder {
                    page.folders.push(name.clone());
                } else {
                    page.objects.push(Object {
                        key: name.clone(),
                        size: 1,
                    });
                }
            }
            Ok(page)
        }
    }

    fn listing(keys: Vec<&'static str>, per_page: usize, kind: LogKind, since: Option<i64>) -> (Listing, Vec<String>) {
        let bucket = FakeBucket {
            keys,
            per_page,
            calls: Default::default(),
        };
        let url: S3Url = "s3://b/AWSLogs/".parse().unwrap();
        let out = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(walk(&bucket, &url, kind, since, None))
            .unwrap();
        let calls = bucket.calls.into_inner().unwrap();
        (out, calls)
    }

    const KEYS: [&str; 5] = [
        "AWSLogs/1/vpcflowlogs/us-east-1/2026/11/01/a.log.gz",
        "AWSLogs/1/vpcflowlogs/us-east-1/2026/11/02/b.log.gz",
        "AWSLogs/1/vpcflowlogs/us-east-1/2026/11/02/c.log.gz",
        "AWSLogs/1/vpcdnsquerylogs/vpc-1/2026/11/02/d.log.gz",
        "AWSLogs/1/CloudTrail/us-east-1/2026/11/02/e.json.gz",
    ];

    #[test]
    fn the_walk_prunes_other_log_types_and_reads_every_page() {
        let (out, calls) = listing(KEYS.to_vec(), 1, LogKind::Flow, None);
        let keys: Vec<&str> = out.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, &KEYS[..3]);
        // Resolver logs and CloudTrail are never listed.
        assert!(
            calls
                .iter()
                .all(|c| !c.contains("vpcdnsquerylogs") && !c.contains("CloudTrail")),
            "{calls:?}"
        );
        assert_eq!(out.pruned, 2);
        // One entry per page: the day folder with two objects takes two calls.
        assert_eq!(calls.iter().filter(|c| c.ends_with("2026/11/02/")).count(), 2);
        assert_eq!(out.list_calls as usize, calls.len());
    }

    #[test]
    fn days_before_the_window_are_not_listed() {
        // 2026-11-02T00:00:00Z
        let (out, calls) = listing(KEYS.to_vec(), 100, LogKind::Flow, Some(1_793_577_600));
        let keys: Vec<&str> = out.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, &KEYS[1..3]);
        assert!(!calls.iter().any(|c| c.ends_with("2026/11/01/")), "{calls:?}");
    }

    #[test]
    fn urls() {
        let u: S3Url = "s3://logs-bucket/team/AWSLogs/".parse().unwrap();
        assert_eq!((u.bucket.as_str(), u.prefix.as_str()), ("logs-bucket", "team/AWSLogs/"));
        let u: S3Url = "s3://b".parse().unwrap();
        assert_eq!(u.prefix, "");
        assert!("s3:///x".parse::<S3Url>().is_err());
        assert!("/tmp/x".parse::<S3Url>().is_err());
    }
}
