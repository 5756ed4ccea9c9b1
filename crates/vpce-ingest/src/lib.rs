//! The I/O shell around the parsers: finds files, detects gzip by its magic
//! bytes, reads one file per core, and hands records to the pure aggregators.
//!
//! A file that cannot be read, or that is not the expected log type, is
//! reported and skipped; malformed lines are counted with the first examples
//! kept. Nothing stops the run except the caller's `--strict`.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::sync::atomic::{AtomicUsize, Ordering};
use vpce_analysis::{DnsAggregator, FlowAggregator};
use vpce_formats::flow::{
    read_flow_log, FlowFormat, FlowReadError, FlowReadOptions, FlowRecord, FlowSink, FormatError, REQUIRED_FIELDS,
    TIME_FIELDS,
};
use vpce_formats::resolver::{read_resolver_log, DnsQuery, DnsSink};
use vpce_model::{FileError, InputStats, Malformed};

/// How many malformed lines are kept as examples.
pub const MAX_EXAMPLES: usize = 20;

pub mod layout;
mod progress;

pub use progress::{Progress, Snapshot};

/// Opens a stream when a worker gets to it (an S3 object, a CloudWatch Logs
/// time slice), so that nothing is fetched before a core is free to parse it.
pub type Opener = Arc<dyn Fn() -> io::Result<Box<dyn Read + Send>> + Send + Sync>;

/// A stream that could not be read to its end, with how many of its bytes
/// were left unread. Openers and readers of [`Input::Stream`]s return it
/// inside an [`io::Error`] (`io::Error::other(Unread { … })`), so the
/// report can say how much was lost ([`FileError::bytes_unread`]).
#[derive(Debug)]
pub struct Unread {
    /// The bytes of the stream not read.
    pub bytes: u64,
    /// What happened, for the report.
    pub message: String,
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Unread {}

/// The unread bytes an error carries ([`Unread`]), if any.
fn unread_bytes(e: &io::Error) -> Option<u64> {
    e.get_ref()?.downcast_ref::<Unread>().map(|u| u.bytes)
}

/// One input: a file, bytes already in memory (the demo, tests), or a stream
/// opened on demand.
#[derive(Clone)]
pub enum Input {
    File(PathBuf),
    Memory { name: String, bytes: Arc<Vec<u8>> },
    Stream { name: String, open: Opener },
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::File(p) => f.debug_tuple("File").field(p).finish(),
            Input::Memory { name, bytes } => write!(f, "Memory({name}, {} bytes)", bytes.len()),
            Input::Stream { name, .. } => write!(f, "Stream({name})"),
        }
    }
}

impl Input {
    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Memory { name, .. } | Input::Stream { name, .. } => name.clone(),
        }
    }
}

/// Which log type an input set holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    Dns,
    Flow,
}

impl LogKind {
    fn other_dir(self) -> &'static str {
        match self {
            LogKind::Dns => LogKind::Flow.service_dir(),
            LogKind::Flow => LogKind::Dns.service_dir(),
        }
    }
}

/// An input path could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Path { path: String, source: io::Error },
}

/// Expands files and directories (walked recursively, in name order). Inside a
/// directory, objects of the other log type's S3 layout are left out, so the
/// same `AWSLogs/` folder can be given to both options.
///
/// # Errors
/// A path that does not exist or cannot be listed.
pub fn expand(paths: &[PathBuf], kind: LogKind) -> Result<Vec<Input>, IngestError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| IngestError::Path {
            path: p.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            // Links are followed (a link loop is an error of its own, below).
            for entry in walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name() {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        // An unreadable folder or a link loop is one input
                        // that fails to open, named in the report; the rest
                        // of the walk goes on.
                        out.push(unreadable(&e, p));
                        continue;
                    }
                };
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(p).unwrap_or(entry.path());
                let other = kind.other_dir();
                let hive = format!("aws-service={other}");
                let skip = rel
                    .components()
                    .any(|c| c.as_os_str() == other || c.as_os_str() == hive.as_str())
                    || entry.file_name().to_str().is_some_and(|n| n.starts_with('.'));
                if !skip {
                    out.push(Input::File(entry.into_path()));
                }
            }
        } else {
            out.push(Input::File(p.clone()));
        }
    }
    Ok(read_once(out))
}

/// Whether a file's path says it holds `kind`: a folder of AWS's key layout
/// (`…/vpcflowlogs/…`) or AWS's object name (`…_vpcflowlogs_…`).
fn in_place(name: &str, kind: LogKind) -> bool {
    let dir = kind.service_dir();
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    name.split(['/', '\\']).any(|c| c == dir) || file.contains(&format!("_{dir}_"))
}

/// An entry the walk could not read, as an input whose opening fails with
/// the reason.
fn unreadable(e: &walkdir::Error, root: &Path) -> Input {
    let name = e.path().unwrap_or(root).display().to_string();
    let msg = match e.loop_ancestor() {
        Some(a) => format!("a link loop back to {}", a.display()),
        None => e
            .io_error()
            .map_or_else(|| e.to_string(), |io| format!("cannot be read: {io}")),
    };
    let kind = e.io_error().map_or(io::ErrorKind::Other, io::Error::kind);
    Input::Stream {
        name,
        open: Arc::new(move || Err(io::Error::new(kind, msg.clone()))),
    }
}

/// Each file once, however often it was given: the same folder twice, a
/// folder and a file inside it, or two names of one file (`./a` and `a`,
/// links). The first mention keeps its place.
fn read_once(inputs: Vec<Input>) -> Vec<Input> {
    let mut seen = std::collections::HashSet::new();
    inputs
        .into_iter()
        .filter(|i| match i {
            Input::File(p) => seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())),
            _ => true,
        })
        .collect()
}

/// Opens an input, decompressing gzip (detected by magic bytes, several
/// members allowed) and reading ahead to the first line so that the caller can
/// check what the file holds.
fn open(input: &Input, progress: Option<&Arc<Progress>>) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut raw: Box<dyn Read + Send> = match input {
        Input::File(p) => Box::new(File::open(p)?),
        Input::Memory { bytes, .. } => Box::new(Cursor::new(ArcBytes(bytes.clone()))),
        Input::Stream { open, .. } => open()?,
    };
    if let Some(p) = progress {
        raw = Box::new(progress::Counted {
            inner: raw,
            progress: p.clone(),
        });
    }
    let mut raw = io::BufReader::with_capacity(256 << 10, raw);
    let magic = {
        use io::BufRead;
        let b = raw.fill_buf()?;
        b.len() >= 2 && b[0] == 0x1f && b[1] == 0x8b
    };
    let mut reader: Box<dyn Read + Send> = if magic {
        Box::new(GzMembers::new(raw))
    } else {
        Box::new(raw)
    };
    // Read ahead until the first few non-blank lines are complete (or 64 KiB),
    // so that one damaged line does not decide what the file holds.
    let mut head = Vec::with_capacity(8 << 10);
    let mut chunk = [0u8; 8 << 10];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(gzip_context(e, magic)),
        };
        head.extend_from_slice(&chunk[..n]);
        let lines_done = {
            let trimmed_start = head.iter().position(|c| !c.is_ascii_whitespace());
            trimmed_start.is_some_and(|s| head[s..].iter().filter(|&&c| c == b'\n').count() >= SNIFF_LINES)
        };
        if n == 0 || lines_done || head.len() >= 64 << 10 {
            break;
        }
    }
    Ok((head, reader))
}

/// gzip members one after another, as `gzip -d` and Python's `gzip` read
/// them: zero bytes after the last member are padding (tape and block
/// devices write it), anything else there is an error.
struct GzMembers<R: io::BufRead> {
    member: Option<flate2::bufread::GzDecoder<R>>,
}

impl<R: io::BufRead> GzMembers<R> {
    fn new(inner: R) -> Self {
        GzMembers {
            member: Some(flate2::bufread::GzDecoder::new(inner)),
        }
    }

    /// After a member: the next member, or `None` at the end of the input
    /// (after any zero padding).
    fn next_member(mut inner: R) -> io::Result<Option<flate2::bufread::GzDecoder<R>>> {
        loop {
            let buf = inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let zeros = buf.iter().take_while(|&&b| b == 0).count();
            if zeros == 0 {
                if buf[0] == 0x1f {
                    return Ok(Some(flate2::bufread::GzDecoder::new(inner)));
                }
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "bytes after the last gzip member that are neither a member nor zero padding",
                ));
            }
            inner.consume(zeros);
        }
    }
}

impl<R: io::BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(member) = self.member.as_mut() {
            let n = member.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let done = self.member.take().map(flate2::bufread::GzDecoder::into_inner);
            if let Some(inner) = done {
                self.member = Self::next_member(inner)?;
            }
        }
        Ok(0)
    }
}

struct ArcBytes(Arc<Vec<u8>>);
impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn gzip_context(e: io::Error, gz: bool) -> io::Error {
    if gz
        && (e.kind() == io::ErrorKind::UnexpectedEof
            || e.kind() == io::ErrorKind::InvalidInput
            || e.kind() == io::ErrorKind::InvalidData)
    {
        io::Error::new(e.kind(), format!("truncated or corrupt gzip data ({e})"))
    } else {
        e
    }
}

/// What the first line of a file looks like.
#[derive(Debug, PartialEq, Eq)]
enum Looks {
    Json,
    /// JSON without any key a log has near its start (a Resolver record's
    /// `query_name`, a CloudWatch Logs envelope's): a document of some other
    /// kind, such as the simulator's `truth.json` or a manifest.
    JsonNotLog,
    FlowText,
    Parquet,
    Empty,
    Other,
}

/// How many non-blank lines decide what a file holds.
const SNIFF_LINES: usize = 4;

/// What a file holds, from its first few non-blank lines: the first line
/// that looks like a log decides, so one damaged line (a flipped bit, a stray
/// byte) does not make a whole file look like something else.
fn sniff(head: &[u8]) -> Looks {
    if head.starts_with(b"PAR1") {
        return Looks::Parquet;
    }
    let head = head.strip_prefix(vpce_formats::lines::BOM).unwrap_or(head);
    let mut lines = head
        .split(|&c| c == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(SNIFF_LINES)
        .peekable();
    if lines.peek().is_none() {
        return Looks::Empty;
    }
    match lines.map(sniff_line).find(|l| *l != Looks::Other) {
        Some(Looks::Json) if !JSON_LOG_KEYS.iter().any(|k| memchr_find(head, k).is_some()) => Looks::JsonNotLog,
        found => found.unwrap_or(Looks::Other),
    }
}

/// Keys one of which every JSON log has in its first lines: a Resolver
/// record's, or a CloudWatch Logs envelope's (subscription, Lambda event,
/// `filter-log-events` output, log shippers' `message`).
const JSON_LOG_KEYS: [&[u8]; 7] = [
    b"\"query_name\"",
    b"\"logEvents\"",
    b"\"messageType\"",
    b"\"awslogs\"",
    b"\"events\"",
    b"\"message\"",
    b"\"@message\"",
];

fn sniff_line(line: &[u8]) -> Looks {
    let start = line.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(0);
    let line = &line[start..];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // CloudWatch Logs export-task files: the event's time, then the message.
    let line = vpce_formats::lines::strip_export_timestamp(line).unwrap_or(line);
    if line.first() == Some(&b'{') || line.first() == Some(&b'[') {
        return Looks::Json;
    }
    if FlowFormat::looks_like_header(line) {
        return Looks::FlowText;
    }
    // A record: space-separated, mostly printable, several fields.
    let printable = line.iter().all(|c| c.is_ascii_graphic() || *c == b' ' || *c == b'\t');
    if printable && line.split(|&c| c == b' ').filter(|t| !t.is_empty()).count() >= 4 {
        return Looks::FlowText;
    }
    Looks::Other
}

/// Per-thread state while reading.
struct Collector {
    stats: InputStats,
    examples: Vec<Malformed>,
    errors: Vec<FileError>,
    skipped: Vec<String>,
    not_logs: Vec<String>,
}

impl Collector {
    fn new() -> Self {
        Collector {
            stats: InputStats::default(),
            examples: Vec::new(),
            errors: Vec::new(),
            skipped: Vec::new(),
            not_logs: Vec::new(),
        }
    }
    fn merge(mut self, o: Collector) -> Self {
        self.stats.add(&o.stats);
        self.examples.extend(o.examples);
        self.examples
            .sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
        self.examples.truncate(MAX_EXAMPLES);
        self.errors.extend(o.errors);
        self.skipped.extend(o.skipped);
        self.not_logs.extend(o.not_logs);
        self
    }
    fn wrong_type(&mut self, name: String, explicit: bool, what: &str, looks: &Looks) {
        if explicit {
            self.errors.push(FileError {
                file: name,
                error: format!("{what}: the first lines are {}", describe_other(looks)),
                bytes_unread: None,
            });
        } else if matches!(looks, Looks::Other | Looks::JsonNotLog) {
            self.not_logs.push(name);
        } else {
            self.skipped.push(name);
        }
    }
    fn read_error(&mut self, name: String, e: vpce_formats::lines::LineError) {
        let bytes_unread = unread_bytes(&e.source);
        self.errors.push(FileError {
            file: name,
            error: format!(
                "{} (the {} lines before it were read)",
                gzip_context(e.source, true),
                e.lines_read
            ),
            bytes_unread,
        });
    }
    fn malformed(&mut self, file: &str, line: u64, reason: String) {
        self.stats.malformed += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(Malformed {
                file: file.to_string(),
                line,
                reason,
            });
        }
    }
}

/// Runs `work` over `inputs` on `threads` threads, each pulling the next file
/// from a shared counter and keeping one accumulator; returns the accumulators.
/// One accumulator per thread (not per file) keeps merging cheap.
pub fn for_each_file<A: Send>(
    inputs: &[Input],
    threads: usize,
    init: &(dyn Fn() -> A + Sync),
    work: &(dyn Fn(&mut A, usize, &Input) + Sync),
) -> Vec<A> {
    let threads = threads.clamp(1, inputs.len().max(1));
    let next = AtomicUsize::new(0);
    let run = || {
        let mut acc = init();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = inputs.get(i) else { break };
            work(&mut acc, i, input);
        }
        acc
    };
    if threads == 1 {
        return vec![run()];
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(run)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a reader thread panicked"))
            .collect()
    })
}

/// The number of threads to use when the user did not say.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// What reading one log type produced.
pub struct Outcome<A> {
    pub aggregate: A,
    pub stats: InputStats,
    pub examples: Vec<Malformed>,
    pub errors: Vec<FileError>,
    /// Files found in a folder and left out because they hold the other log type.
    pub skipped: Vec<String>,
    /// Files found in a folder and left out because they hold neither log type.
    pub not_logs: Vec<String>,
}

struct DnsFileSink<'a> {
    agg: &'a mut DnsAggregator,
    col: &'a mut Collector,
    file: &'a str,
}

impl DnsSink for DnsFileSink<'_> {
    fn query(&mut self, q: &DnsQuery<'_>, _line: u64) {
        self.col.stats.records += 1;
        self.agg.push(q);
    }
    fn malformed(&mut self, line: u64, reason: String) {
        self.col.malformed(self.file, line, reason);
    }
}

fn describe_other(looks: &Looks) -> &'static str {
    match looks {
        Looks::Json => "JSON (Resolver query logs? use --dns-logs)",
        Looks::JsonNotLog => "JSON that is neither a Resolver query log nor a CloudWatch Logs envelope",
        Looks::FlowText => "space-separated text (VPC flow logs? use --flow-logs)",
        Looks::Parquet => "Parquet",
        Looks::Empty => "nothing",
        Looks::Other => "neither Resolver query logs (JSON) nor VPC flow logs (space-separated text)",
    }
}

/// Reads every input on `threads` threads: opens it, checks with `accepts`
/// that the first line is the expected log type (`what` names it in the
/// error), and hands a reader of the whole file to `read`.
#[allow(clippy::too_many_arguments)] // one private helper for the two log types
fn read_all<A: Clone + Send + Sync>(
    inputs: &[Input],
    template: &A,
    explicit: &[bool],
    threads: usize,
    kind: LogKind,
    what: &str,
    accepts: fn(&Looks, &[u8]) -> bool,
    read: &(dyn Fn(&mut A, &mut Collector, String, Box<dyn Read + '_>) + Sync),
    merge: fn(&mut A, A),
    progress: Option<&Arc<Progress>>,
) -> Outcome<A> {
    let one = |(agg, col): &mut (A, Collector), i: usize, input: &Input| {
        let name = input.name();
        col.stats.files += 1;
        let (head, rest) = match open(input, progress) {
            Ok(x) => x,
            Err(e) => {
                return col.errors.push(FileError {
                    file: name,
                    bytes_unread: unread_bytes(&e),
                    error: e.to_string(),
                })
            }
        };
        let looks = sniff(&head);
        if looks == Looks::Parquet {
            // Never left out without a word, walked or named.
            return col.errors.push(FileError {
                file: name,
                error: "a Parquet file: vpce-advisor reads flow logs delivered as text (plain or gzip), \
                            not Parquet yet; turn on text delivery for the flow log, or convert the file"
                    .into(),
                bytes_unread: None,
            });
        }
        // A file that says where it belongs (AWS's key layout, its name)
        // is read as that log type even when its first lines look odd:
        // damaged lines are then counted as malformed, not lost.
        let placed = matches!(looks, Looks::Other | Looks::JsonNotLog) && in_place(&name, kind);
        if looks != Looks::Empty && !placed && !accepts(&looks, &head) {
            return col.wrong_type(name, explicit.get(i).copied().unwrap_or(true), what, &looks);
        }
        read(agg, col, name, Box::new(Cursor::new(head).chain(rest)));
    };
    let parts = for_each_file(
        inputs,
        threads,
        &|| (template.clone(), Collector::new()),
        &|acc, i, input| {
            one(acc, i, input);
            if let Some(p) = progress {
                p.file_done();
            }
        },
    );
    let (aggregate, mut col) = merge_parts(parts, merge);
    col.stats.left_out = (col.skipped.len() + col.not_logs.len()) as u64;
    col.stats.input_errors = col.errors.len() as u64;
    Outcome {
        aggregate,
        stats: col.stats,
        examples: col.examples,
        errors: col.errors,
        skipped: col.skipped,
        not_logs: col.not_logs,
    }
}

/// Reads Resolver query logs, one file per thread at a time.
pub fn read_dns(
    inputs: &[Input],
    template: &DnsAggregator,
    explicit: &[bool],
    threads: usize,
) -> Outcome<DnsAggregator> {
    read_dns_with_progress(inputs, template, explicit, threads, None)
}

/// [`read_dns`], counting into `progress`.
pub fn read_dns_with_progress(
    inputs: &[Input],
    template: &DnsAggregator,
    explicit: &[bool],
    threads: usize,
    progress: Option<&Arc<Progress>>,
) -> Outcome<DnsAggregator> {
    read_all(
        inputs,
        template,
        explicit,
        threads,
        LogKind::Dns,
        "not a Resolver query log",
        |looks, _| *looks == Looks::Json,
        &|agg, col, name, reader| {
            let mut sink = DnsFileSink { agg, col, file: &name };
            if let Err(e) = read_resolver_log(reader, &mut sink) {
                col.read_error(name, e);
            }
        },
        DnsAggregator::merge,
        progress,
    )
}

fn merge_parts<A>(parts: Vec<(A, Collector)>, merge: fn(&mut A, A)) -> (A, Collector) {
    let mut it = parts.into_iter();
    let (mut agg, mut col) = it.next().expect("at least one part");
    for (a, c) in it {
        merge(&mut agg, a);
        col = col.merge(c);
    }
    (agg, col)
}

/// The required fields a format lacks (who talked to whom, how many bytes),
/// and the time fields joined by "or" when it has none of them (from the
/// field table: [`REQUIRED_FIELDS`], [`TIME_FIELDS`]).
fn missing_flow_fields(f: &FlowFormat) -> Vec<String> {
    let mut missing: Vec<String> = REQUIRED_FIELDS
        .iter()
        .filter(|&&x| !f.has(x))
        .map(|x| x.name().to_string())
        .collect();
    if !TIME_FIELDS.iter().any(|&x| f.has(x)) {
        missing.push(TIME_FIELDS.iter().map(|x| x.name()).collect::<Vec<_>>().join(" or "));
    }
    missing
}

struct FlowFileSink<'a> {
    agg: &'a mut FlowAggregator,
    col: &'a mut Collector,
    file: &'a str,
    /// Set when the format in force lacks a required field: the records
    /// that follow are not counted, and the file gets an error naming it.
    missing: Option<Vec<String>>,
}

impl FlowSink for FlowFileSink<'_> {
    fn record(&mut self, r: &FlowRecord<'_>, line: u64) {
        if self.missing.is_some() {
            return;
        }
        self.col.stats.records += 1;
        self.agg.push_from(r, self.file, line);
    }
    fn malformed(&mut self, line: u64, reason: String) {
        self.col.malformed(self.file, line, reason);
    }
    fn skipped(&mut self, _line: u64, _reason: &str) {
        self.col.stats.skipped_lines += 1;
    }
    fn format(&mut self, f: &FlowFormat) {
        let missing = missing_flow_fields(f);
        self.missing = (!missing.is_empty()).then_some(missing);
    }
}

/// Reads flow logs, one file per thread at a time.
pub fn read_flows(
    inputs: &[Input],
    template: &FlowAggregator,
    opts: &FlowReadOptions,
    explicit: &[bool],
    threads: usize,
) -> Outcome<FlowAggregator> {
    read_flows_with_progress(inputs, template, opts, explicit, threads, None)
}

/// [`read_flows`], counting into `progress`.
pub fn read_flows_with_progress(
    inputs: &[Input],
    template: &FlowAggregator,
    opts: &FlowReadOptions,
    explicit: &[bool],
    threads: usize,
    progress: Option<&Arc<Progress>>,
) -> Outcome<FlowAggregator> {
    read_all(
        inputs,
        template,
        explicit,
        threads,
        LogKind::Flow,
        "not a VPC flow log",
        // Text, or CloudWatch Logs envelopes whose messages are flow records.
        |looks, head| {
            *looks == Looks::FlowText || (*looks == Looks::Json && memchr_find(head, b"\"query_name\"").is_none())
        },
        &|agg, col, name, reader| {
            let mut sink = FlowFileSink {
                agg,
                col,
                file: &name,
                missing: None,
            };
            let result = read_flow_log(reader, opts, &mut sink);
            if let Some(missing) = sink.missing.take() {
                col.errors.push(FileError {
                    file: name.clone(),
                    error: format!(
                        "the flow-log format has no {}: its records cannot be measured and were not counted; \
                         give the format with these fields (vpce-advisor setup writes one)",
                        missing.join(", ")
                    ),
                    bytes_unread: None,
                });
            }
            match result {
                Ok(_) => {}
                Err(FlowReadError::Format { line, error }) => {
                    let hint = match error {
                        FormatError::UnknownFields { .. } => " (use --allow-unknown-fields to skip them)",
                        _ => "",
                    };
                    col.errors.push(FileError {
                        file: name,
                        error: format!("line {line}: {error}{hint}"),
                        bytes_unread: None,
                    })
                }
                Err(FlowReadError::Read(e)) => col.read_error(name, e),
            }
        },
        FlowAggregator::merge,
        progress,
    )
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether each input was named by the user (`true`) or found by walking a
/// directory (`false`).
pub fn explicit_flags(paths: &[PathBuf], inputs: &[Input]) -> Vec<bool> {
    inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => paths.iter().any(|q| q == p),
            Input::Memory { .. } | Input::Stream { .. } => true,
        })
        .collect()
}

/// Reads a file's bytes (for `--catalog`, `--ip-ranges` and saved reports).
///
/// # Errors
/// The file cannot be read.
pub fn read_text(path: &Path) -> Result<String, IngestError> {
    read_text_limited(path, MAX_TEXT_FILE)
}

/// The largest reference file or saved report read (`--pricing`,
/// `--catalog`, `--ip-ranges`, `--report`): far above any real one, and a
/// bound on what a wrong path (`/dev/zero`, a log archive) can cost.
pub const MAX_TEXT_FILE: u64 = 256 << 20;

fn read_text_limited(path: &Path, limit: u64) -> Result<String, IngestError> {
    let err = |source: io::Error| IngestError::Path {
        path: path.display().to_string(),
        source,
    };
    let mut text = String::new();
    File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_string(&mut text))
        .map_err(err)?;
    if text.len() as u64 > limit {
        return Err(err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB: not a reference file or a saved report",
                limit >> 20
            ),
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_given_twice_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("a.log"), "x").unwrap();
        std::fs::write(dir.path().join("b.log"), "x").unwrap();
        let paths = [
            dir.path().to_path_buf(),
            sub.clone(),
            sub.join("a.log"),
            sub.join("../b.log"),
            dir.path().to_path_buf(),
        ];
        let got = expand(&paths, LogKind::Flow).unwrap();
        let names: Vec<String> = got.iter().map(Input::name).collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    /// A stream that hands out `text`, then fails with an [`Unread`].
    struct BreaksAfter {
        text: Cursor<Vec<u8>>,
        unread: u64,
    }

    impl Read for BreaksAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.text.read(buf)? {
                0 => Err(io::Error::other(Unread {
                    bytes: self.unread,
                    message: format!("gave up with {} bytes to go", self.unread),
                })),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn streams_that_break_name_the_bytes_they_left_unread() {
        let line = "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1 2 ACCEPT OK\n";
        let text = line.repeat(6).into_bytes();
        let inputs = vec![
            Input::Stream {
                name: "broke-midway".into(),
                open: Arc::new(move || {
                    Ok(Box::new(BreaksAfter {
                        text: Cursor::new(text.clone()),
                        unread: 500,
                    }) as Box<dyn Read + Send>)
                }),
            },
            Input::Stream {
                name: "never-opened".into(),
                open: Arc::new(|| {
                    Err(io::Error::other(Unread {
                        bytes: 1000,
                        message: "denied".into(),
                    }))
                }),
            },
            Input::Stream {
                name: "plain-failure".into(),
                open: Arc::new(|| Err(io::Error::other("no size known"))),
            },
        ];
        let out = read_flows(
            &inputs,
            &FlowAggregator::default(),
            &FlowReadOptions::default(),
            &[true, true, true],
            1,
        );
        let mut got: Vec<(String, Option<u64>)> = out.errors.iter().map(|e| (e.file.clone(), e.bytes_unread)).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("broke-midway".to_string(), Some(500)),
                ("never-opened".to_string(), Some(1000)),
                ("plain-failure".to_string(), None),
            ]
        );
        assert_eq!(out.stats.records, 6, "the lines before the break are kept");
        let midway = out.errors.iter().find(|e| e.file == "broke-midway").unwrap();
        assert!(
            midway.error.contains("gave up with 500 bytes to go"),
            "{}",
            midway.error
        );
    }

    #[test]
    fn text_files_are_read_up_to_a_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pricing.json");
        std::fs::write(&p, "x".repeat(2048)).unwrap();
        assert_eq!(read_text_limited(&p, 2048).unwrap().len(), 2048);
        let e = read_text_limited(&p, 1024).unwrap_err().to_string();
        assert!(e.contains("larger than") && e.contains("pricing.json"), "{e}");
        // A device that never ends is bounded too.
        if Path::new("/dev/zero").exists() {
            assert!(read_text_limited(Path::new("/dev/zero"), 1 << 20).is_err());
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_loops_and_unreadable_folders_are_named() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir_all(&real).unwrap();
        std::fs::write(
            real.join("a.log"),
            "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1 2 ACCEPT OK\n",
        )
        .unwrap();
        let walked = dir.path().join("walked");
        std::fs::create_dir_all(&walked).unwrap();
        symlink(real.join("a.log"), walked.join("linked.log")).unwrap();
        symlink(&walked, walked.join("loop")).unwrap();
        let locked = walked.join("locked");
        std::fs::create_dir_all(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let inputs = expand(std::slice::from_ref(&walked), LogKind::Flow).unwrap();
        let out = read_flows(
            &inputs,
            &FlowAggregator::default(),
            &FlowReadOptions::default(),
            &[false; 8],
            1,
        );
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(out.stats.records, 1, "the linked file is read");
        let errors: Vec<&str> = out.errors.iter().map(|e| e.error.as_str()).collect();
        assert!(errors.iter().any(|e| e.contains("link loop")), "{errors:?}");
        // Root can read any folder; elsewhere the locked one is named.
        let root = std::fs::read_dir(&locked).is_ok();
        assert_eq!(errors.len(), if root { 1 } else { 2 }, "{errors:?}");
    }

    /// A file is read or named, never lost: damage in its first line, a long
    /// run of blank lines, or a place that says what it is.
    #[test]
    fn odd_first_lines_do_not_lose_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let place = dir.path().join("AWSLogs/1/vpcflowlogs/us-east-1/2026/01/01");
        std::fs::create_dir_all(&place).unwrap();
        let rec = "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1 2 ACCEPT OK\n";
        // One flipped byte in the first line, in AWS's layout: read, one line malformed.
        std::fs::write(
            place.join("1_vpcflowlogs_x.log"),
            format!("\x012 1 eni-1 \x7f\x00\n{rec}{rec}"),
        )
        .unwrap();
        // The first line damaged, the next ones fine, outside the layout: read.
        std::fs::write(dir.path().join("b.log"), format!("###garbage###\n{rec}")).unwrap();
        // 100 KiB of blank lines before the records: read.
        std::fs::write(dir.path().join("c.log"), format!("{}{rec}", "\n".repeat(100 << 10))).unwrap();
        // Neither log type: left out and listed as not a log.
        std::fs::write(dir.path().join("notes.txt"), "hello\nworld\n").unwrap();
        let inputs = expand(&[dir.path().to_path_buf()], LogKind::Flow).unwrap();
        let explicit = vec![false; inputs.len()];
        let out = read_flows(
            &inputs,
            &FlowAggregator::default(),
            &FlowReadOptions::default(),
            &explicit,
            2,
        );
        assert_eq!(out.stats.records, 4, "{:?} {:?}", out.errors, out.not_logs);
        assert_eq!(out.stats.malformed, 2, "the damaged lines are counted");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert!(
            out.skipped.is_empty(),
            "nothing holds the other log type: {:?}",
            out.skipped
        );
        assert_eq!(out.not_logs.len(), 1);
        assert!(out.not_logs[0].ends_with("notes.txt"));
        assert!(in_place("AWSLogs/1/vpcflowlogs/x.log", LogKind::Flow));
        assert!(in_place("/d/123_vpcflowlogs_us-east-1_fl-1_2026.log.gz", LogKind::Flow));
        assert!(!in_place("/data/vpcflowlogs-export/a.log", LogKind::Flow));
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"\n  {\"query_name\":1}\n"), Looks::Json);
        assert_eq!(sniff(b"version account-id interface-id\n"), Looks::FlowText);
        assert_eq!(
            sniff(b"2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n"),
            Looks::FlowText
        );
        assert_eq!(sniff(b"hello world\n"), Looks::Other);
        assert_eq!(sniff(b"\x00\x01\x02\x03 a b c d\n"), Looks::Other);
        assert_eq!(sniff(b"  \n\n"), Looks::Empty);
        // A byte-order mark, an export task's times, Parquet's magic.
        assert_eq!(sniff(b"\xEF\xBB\xBF{\"query_name\":1}\n"), Looks::Json);
        assert_eq!(sniff(b"\xEF\xBB\xBFversion account-id interface-id\n"), Looks::FlowText);
        assert_eq!(sniff(b"2026-11-01T00:00:00.000Z {\"query_name\":1}\n"), Looks::Json);
        assert_eq!(sniff(b"PAR1\x15\x04"), Looks::Parquet);
        // JSON documents that are not logs, and envelopes that are.
        assert_eq!(
            sniff(b"{\n  \"config_seed\": 42,\n  \"services\": {}\n}\n"),
            Looks::JsonNotLog
        );
        assert_eq!(sniff(b"{}"), Looks::JsonNotLog);
        assert_eq!(sniff(b"{\n    \"events\": [\n"), Looks::Json);
        assert_eq!(sniff(b"{\"awslogs\":{\"data\":\"H4sI\"}}\n"), Looks::Json);
        assert_eq!(sniff(b"{\"owner\":\"1\",\"logEvents\":[]}\n"), Looks::Json);
    }

    #[test]
    fn gzip_is_detected_by_magic_and_truncation_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{\"query_name\":\"a.\",\"query_timestamp\":\"2026-01-01T00:00:00Z\"}\n".repeat(5000);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        let gz = e.finish().unwrap();
        // No .gz extension: detection is by content.
        let whole = dir.path().join("whole.log");
        std::fs::write(&whole, &gz).unwrap();
        let cut = dir.path().join("cut.log.gz");
        std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
        let inputs = expand(&[dir.path().to_path_buf()], LogKind::Dns).unwrap();
        let out = read_dns(&inputs, &DnsAggregator::default(), &[false, false], 2);
        assert_eq!(out.stats.files, 2);
        assert_eq!(
            out.errors.len(),
            1,
            "{:?}",
            out.errors.iter().map(|e| &e.error).collect::<Vec<_>>()
        );
        assert!(out.errors[0].file.ends_with("cut.log.gz"));
        assert!(
            out.errors[0].error.contains("truncated or corrupt gzip"),
            "{}",
            out.errors[0].error
        );
        assert!(
            out.stats.records > 5000,
            "records before the cut are kept: {}",
            out.stats.records
        );
    }

    #[test]
    fn gzip_members_and_zero_padding_are_read_and_trailing_garbage_is_named() {
        let member = |text: &str| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(text.as_bytes()).unwrap();
            e.finish().unwrap()
        };
        let line = "{\"query_name\":\"a.\",\"query_timestamp\":\"2026-01-01T00:00:00Z\"}\n";
        let two = [member(&line.repeat(3)), member(&line.repeat(4))].concat();
        let read_all = |bytes: Vec<u8>| {
            let mut out = Vec::new();
            let r = GzMembers::new(io::BufReader::new(Cursor::new(bytes))).read_to_end(&mut out);
            (r.map_err(|e| e.to_string()), out.len())
        };
        assert_eq!(read_all(two.clone()), (Ok(7 * line.len()), 7 * line.len()));
        let padded = [two.clone(), vec![0; 10_000]].concat();
        assert_eq!(read_all(padded).0, Ok(7 * line.len()));
        let garbage = [two, b"\0\0junk".to_vec()].concat();
        let (r, _) = read_all(garbage);
        assert!(r.unwrap_err().contains("neither a member nor zero padding"));
    }

    #[test]
    fn directory_walks_skip_the_other_log_type() {
        let dir = tempfile::tempdir().unwrap();
        let dns_dir = dir.path().join("AWSLogs/1/vpcdnsquerylogs/vpc-1/2026/01/01");
        let flow_dir = dir.path().join("AWSLogs/1/vpcflowlogs/us-east-1/2026/01/01");
        std::fs::create_dir_all(&dns_dir).unwrap();
        std::fs::create_dir_all(&flow_dir).unwrap();
        std::fs::write(dns_dir.join("a.log"), "{}").unwrap();
        std::fs::write(flow_dir.join("b.log"), "x").unwrap();
        let hive = dir.path().join(
            "AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=01/day=01/hour=00",
        );
        std::fs::create_dir_all(&hive).unwrap();
        std::fs::write(hive.join("c.log"), "x").unwrap();
        let d = expand(&[dir.path().to_path_buf()], LogKind::Dns).unwrap();
        assert_eq!(d.len(), 1);
        assert!(d[0].name().contains("vpcdnsquerylogs"));
        let f = expand(&[dir.path().to_path_buf()], LogKind::Flow).unwrap();
        assert_eq!(f.len(), 2);
        assert!(expand(&[dir.path().join("missing")], LogKind::Flow).is_err());
    }

    #[test]
    fn formats_without_what_a_measurement_needs_are_named() {
        let missing = |spec: &str| missing_flow_fields(&FlowFormat::parse(spec, false).unwrap());
        assert!(missing("srcaddr dstaddr bytes end").is_empty());
        assert!(missing(&vpce_formats::flow::setup_format()).is_empty());
        assert_eq!(missing("srcaddr bytes start"), ["dstaddr"]);
        assert_eq!(missing("version srcaddr dstaddr bytes"), ["start or end"]);
        assert_eq!(
            missing("version packets"),
            ["srcaddr", "dstaddr", "bytes", "start or end"]
        );
    }

    #[test]
    fn json_that_is_not_a_log_is_listed_as_not_a_log() {
        let dir = tempfile::tempdir().unwrap();
        let truth = "{\n  \"config_seed\": 42,\n  \"services\": {\n    \"s3@us-east-1\": {}\n  }\n}\n";
        std::fs::write(dir.path().join("truth.json"), truth).unwrap();
        let record = "{\"query_name\":\"a.\",\"query_timestamp\":\"2026-01-01T00:00:00Z\"}\n";
        std::fs::write(dir.path().join("resolver.log"), record.repeat(3)).unwrap();
        let inputs = expand(&[dir.path().to_path_buf()], LogKind::Dns).unwrap();
        assert_eq!(inputs.len(), 2, "the walk finds every file");
        let walked = vec![false; inputs.len()];
        let dns = read_dns(&inputs, &DnsAggregator::default(), &walked, 1);
        assert_eq!(dns.stats.records, 3);
        assert_eq!(dns.stats.malformed, 0, "{:?}", dns.examples);
        assert!(dns.errors.is_empty(), "{:?}", dns.errors);
        assert_eq!(dns.not_logs.len(), 1);
        assert!(dns.not_logs[0].ends_with("truth.json"));
        let flow = read_flows(
            &inputs,
            &FlowAggregator::default(),
            &FlowReadOptions::default(),
            &walked,
            1,
        );
        assert_eq!((flow.stats.records, flow.stats.malformed), (0, 0));
        assert!(
            flow.not_logs.iter().any(|n| n.ends_with("truth.json")),
            "{:?}",
            flow.not_logs
        );
        // Named by the user, it is an input error that says what it is.
        let named = vec![true; inputs.len()];
        let dns = read_dns(&inputs, &DnsAggregator::default(), &named, 1);
        let err = dns.errors.iter().find(|e| e.file.ends_with("truth.json")).unwrap();
        assert!(
            err.error
                .contains("neither a Resolver query log nor a CloudWatch Logs envelope"),
            "{}",
            err.error
        );
    }
}
