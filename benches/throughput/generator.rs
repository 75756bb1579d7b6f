//! A lean HTTP/1.1 load generator, for a machine the server shares.
//!
//! On a 2-core machine every cycle the client spends is taken from the
//! server, so this client does as little as it can: each connection is one
//! task on a single-threaded tokio runtime, holding one keep-alive TCP
//! stream; requests are formatted once, before the clock starts, and written
//! as bytes; an answer is read by its `Content-Length` and its body is never
//! copied or parsed (unless asked for). No pool, no header map, no URL
//! parsing, no allocation per request beyond the latency sample.

use std::io;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than this, a request counts as an error and its connection is replaced.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where requests go, and the admin token each of them carries.
#[derive(Clone)]
pub struct Target {
    pub addr: String,
    pub token: String,
}

impl Target {
    /// One request as the bytes sent on the wire (a JSON body when given).
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Vec<u8> {
        let mut text =
            format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n", self.addr, self.token);
        match body {
            Some(body) => text
                .push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len())),
            None => text.push_str("\r\n"),
        }
        text.into_bytes()
    }

    pub async fn connect(&self) -> io::Result<Connection> {
        let stream = TcpStream::connect(&self.addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection { stream, buffer: Vec::with_capacity(16 * 1024), body: 0..0, answer_end: 0, closed: false })
    }

    /// Sends one request on a connection of its own; answers status and body (setup and checks).
    pub async fn send(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Vec<u8>) {
        let mut connection = self.connect().await.expect("connect to the server");
        let status = connection.exchange(&self.request(method, path, body)).await.expect("request");
        (status, connection.body().to_vec())
    }
}

/// One keep-alive connection. `buffer` holds what was read and not yet
/// consumed: the last answer (its body at `body`) and nothing after it, as
/// a closed-loop client never has two requests in flight.
pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    body: Range<usize>,
    answer_end: usize,
    /// The server said `Connection: close`: open a new one before the next request.
    pub closed: bool,
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("malformed answer: {what}"))
}

impl Connection {
    /// Writes one request and reads its whole answer; returns its status.
    pub async fn exchange(&mut self, request: &[u8]) -> io::Result<u16> {
        self.buffer.drain(..self.answer_end);
        self.answer_end = 0;
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(at) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            self.read_more().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end]).map_err(|_| malformed("head is not UTF-8"))?;
        // "HTTP/1.1 200 OK": the status is the three digits after the first space.
        let status = head.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| malformed("status line"))?;
        let mut length = None;
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().map_err(|_| malformed("Content-Length"))?);
            } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
                self.closed = true;
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                // The service sizes every answer it sends here; a chunked one would be news.
                return Err(malformed("chunked answers are not read by this generator"));
            }
        }
        // 1xx, 204 and 304 answers have no body, and say so by not sizing one (RFC 9112 §6.3).
        let bodiless = status < 200 || status == 204 || status == 304;
        let length = if bodiless { 0 } else { length.ok_or_else(|| malformed("no Content-Length"))? };
        while self.buffer.len() < head_end + length {
            self.read_more().await?;
        }
        self.body = head_end..head_end + length;
        self.answer_end = head_end + length;
        Ok(status)
    }

    /// The body of the last answer.
    pub fn body(&self) -> &[u8] {
        &self.buffer[self.body.clone()]
    }

    async fn read_more(&mut self) -> io::Result<()> {
        self.buffer.reserve(16 * 1024);
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
        }
        Ok(())
    }
}

/// What one load did: answers by kind, latencies of the answered requests.
#[derive(Default)]
pub struct Outcome {
    pub ok: usize,
    pub non_2xx: usize,
    pub errors: usize,
    pub seconds: f64,
    /// Sorted, in nanoseconds.
    latencies: Vec<u64>,
}

impl Outcome {
    /// 2xx answers per second (what oha's figures in side-by-side.sh count).
    pub fn per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ok as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// The latency at fraction `p` (0.5 = median), in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let at = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[at] as f64 / 1e6
    }

    fn add(&mut self, other: Outcome) {
        self.ok += other.ok;
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
    }

    fn record(&mut self, answer: io::Result<u16>, took: Duration) {
        match answer {
            Ok(status) => {
                self.latencies.push(took.as_nanos() as u64);
                if (200..300).contains(&status) {
                    self.ok += 1;
                } else {
                    self.non_2xx += 1;
                }
            }
            Err(_) => self.errors += 1,
        }
    }
}

/// A closed-loop load: `connections` connections, each sending its next
/// request as soon as the previous one is answered, request `i` being
/// `requests[i % len]`, until `duration` has passed or `max_requests` were
/// started, whichever comes first.
pub async fn drive(
    target: &Target,
    requests: Vec<Vec<u8>>,
    connections: usize,
    duration: Duration,
    max_requests: usize,
) -> Outcome {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    // Every connection is open before the clock starts.
    let mut opened = Vec::with_capacity(connections);
    for _ in 0..connections {
        opened.push(target.connect().await.expect("connect to the server"));
    }
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = opened
        .into_iter()
        .map(|mut connection| {
            let (target, requests, next) = (target.clone(), requests.clone(), next.clone());
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= max_requests || Instant::now() >= deadline {
                        break;
                    }
                    let sent = Instant::now();
                    let answer =
                        tokio::time::timeout(REQUEST_TIMEOUT, connection.exchange(&requests[i % requests.len()]))
                            .await
                            .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time")));
                    let failed = answer.is_err();
                    outcome.record(answer, sent.elapsed());
                    if failed || connection.closed {
                        // A broken or closed connection is replaced, as oha does; if that fails too, this connection stops.
                        match target.connect().await {
                            Ok(fresh) => connection = fresh,
                            Err(_) => {
                                outcome.errors += 1;
                                break;
                            }
                        }
                    }
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::default();
    for task in tasks {
        total.add(task.await.expect("load task"));
    }
    total.seconds = started.elapsed().as_secs_f64();
    total.latencies.sort_unstable();
    total
}

/// The loads of several generators run at once (one per server instance)
/// as one: their counts added, their latencies merged, their time the
/// longest of theirs.
pub fn combine(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut total = Outcome::default();
    for outcome in outcomes {
        total.seconds = total.seconds.max(outcome.seconds);
        total.add(outcome);
    }
    total.latencies.sort_unstable();
    total
}

/// One connection sending `templates` in turn, `rounds` times; one outcome
/// per template (so a delete and the restore after it are timed apart).
pub async fn in_turn(target: &Target, templates: &[Vec<u8>], rounds: usize) -> Vec<Outcome> {
    let mut connection = target.connect().await.expect("connect to the server");
    let mut outcomes: Vec<Outcome> = templates.iter().map(|_| Outcome::default()).collect();
    let started = Instant::now();
    for _ in 0..rounds {
        for (template, outcome) in templates.iter().zip(outcomes.iter_mut()) {
            let sent = Instant::now();
            let answer = connection.exchange(template).await;
            let failed = answer.is_err();
            outcome.record(answer, sent.elapsed());
            if failed || connection.closed {
                connection = target.connect().await.expect("reconnect to the server");
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    for outcome in &mut outcomes {
        outcome.seconds = seconds;
        outcome.latencies.sort_unstable();
    }
    outcomes
}
