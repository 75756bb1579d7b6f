//! `GET /metrics`: request counts and latency by route and status, and the
//! store's state (write-queue depth, committed batches, forced checkpoints,
//! read-pool connections), in the Prometheus text format.

use crate::store::StoreStats;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// Every label value comes from a closed set, so the number of series is
/// bounded by the app's routes, not by what clients send: an unauthenticated
/// client inventing methods or paths must not grow `/metrics` or memory.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route pattern (`/api/calllogs/{id}`), never the raw path;
    /// `unmatched` for unknown routes.
    pub route: String,
    /// One of [`KNOWN_METHODS`], or `other`.
    pub method: &'static str,
    pub status: u16,
}

/// The methods of RFC 9110 (and PATCH), named as sent; any other method
/// (HTTP allows inventing them) is counted as `other`.
pub const KNOWN_METHODS: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];

/// The method's label: itself when known, else `other`.
pub fn method_label(method: &str) -> &'static str {
    KNOWN_METHODS.iter().find(|known| **known == method).copied().unwrap_or("other")
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    store: StoreGauges,
}

/// The store's figures, as the engine has them: SQLite's writer thread and
/// read pool, or PostgreSQL's connection pool.
enum StoreGauges {
    Sqlite {
        write_queue_depth: Gauge,
        write_batches: Counter,
        forced_checkpoints: Counter,
        pool_connections: Gauge,
        pool_idle: Gauge,
    },
    Postgres {
        pool_connections: Gauge,
        pool_idle: Gauge,
        pool_max: Gauge,
        pool_timeouts: Counter,
        committed_writes: Counter,
    },
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~4 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// Registers `metric` under `name` and hands it back.
fn registered<M: prometheus_client::registry::Metric + Clone>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    metric: M,
) -> M {
    registry.register(name, help, metric.clone());
    metric
}

impl Metrics {
    /// The metrics of a server on a store whose figures look like `stats`.
    pub fn new(stats: StoreStats) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "calllog_http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        registry.register(
            "calllog_http_request_duration_seconds",
            "Time to answer, by route, method and status",
            latency.clone(),
        );
        let r = &mut registry;
        let store = match stats {
            StoreStats::Sqlite { .. } => StoreGauges::Sqlite {
                write_queue_depth: registered(
                    r,
                    "calllog_write_queue_depth",
                    "Writes waiting for the writer thread",
                    Gauge::default(),
                ),
                write_batches: registered(
                    r,
                    "calllog_write_batches",
                    "Transactions committed by the writer thread",
                    Counter::default(),
                ),
                forced_checkpoints: registered(
                    r,
                    "calllog_forced_checkpoints",
                    "Checkpoints the writer forced because the WAL passed its bound",
                    Counter::default(),
                ),
                pool_connections: registered(
                    r,
                    "calllog_read_pool_connections",
                    "Open read-only connections",
                    Gauge::default(),
                ),
                pool_idle: registered(
                    r,
                    "calllog_read_pool_idle_connections",
                    "Idle read-only connections",
                    Gauge::default(),
                ),
            },
            StoreStats::Postgres { .. } => StoreGauges::Postgres {
                pool_connections: registered(
                    r,
                    "calllog_db_pool_connections",
                    "Open PostgreSQL connections of the pool",
                    Gauge::default(),
                ),
                pool_idle: registered(
                    r,
                    "calllog_db_pool_idle_connections",
                    "Idle PostgreSQL connections of the pool",
                    Gauge::default(),
                ),
                pool_max: registered(
                    r,
                    "calllog_db_pool_max_connections",
                    "The most connections the pool opens",
                    Gauge::default(),
                ),
                pool_timeouts: registered(
                    r,
                    "calllog_db_pool_timeouts",
                    "Requests that found no free connection within the pool's wait (answered 503)",
                    Counter::default(),
                ),
                committed_writes: registered(
                    r,
                    "calllog_committed_writes",
                    "Write transactions committed",
                    Counter::default(),
                ),
            },
        };
        Metrics { registry, requests, latency, store }
    }
}

/// Brings a counter up to a total kept elsewhere (the store's atomics).
fn catch_up(counter: &Counter, total: u64) {
    let seen = counter.get();
    if total > seen {
        counter.inc_by(total - seen);
    }
}

impl Metrics {
    /// Counts one answer. `route` must be a registered pattern or `unmatched`.
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels { route: route.to_string(), method: method_label(method), status };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
    }

    /// The text exposition, with the store's figures read now.
    pub fn render(&self, stats: StoreStats) -> String {
        match (&self.store, stats) {
            (
                StoreGauges::Sqlite {
                    write_queue_depth,
                    write_batches,
                    forced_checkpoints,
                    pool_connections,
                    pool_idle,
                },
                StoreStats::Sqlite {
                    write_queue_depth: depth,
                    write_batches: batches,
                    forced_checkpoints: forced,
                    pool_connections: connections,
                    pool_idle_connections: idle,
                },
            ) => {
                write_queue_depth.set(i64::try_from(depth).unwrap_or(i64::MAX));
                catch_up(write_batches, batches);
                catch_up(forced_checkpoints, forced);
                pool_connections.set(i64::from(connections));
                pool_idle.set(i64::from(idle));
            }
            (
                StoreGauges::Postgres { pool_connections, pool_idle, pool_max, pool_timeouts, committed_writes },
                StoreStats::Postgres {
                    pool_connections: connections,
                    pool_idle_connections: idle,
                    pool_max_connections: max,
                    pool_timeouts: timeouts,
                    committed_writes: committed,
                },
            ) => {
                pool_connections.set(i64::from(connections));
                pool_idle.set(i64::from(idle));
                pool_max.set(i64::from(max));
                catch_up(pool_timeouts, timeouts);
                catch_up(committed_writes, committed);
            }
            // The engine is chosen once, at start: the two always agree.
            _ => log::error!("the store's figures are not of the engine the metrics were made for"),
        }
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            log::error!("encoding metrics: {e}");
        }
        text
    }
}
