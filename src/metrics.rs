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
    write_queue_depth: Gauge,
    write_batches: Counter,
    forced_checkpoints: Counter,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~4 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        let write_queue_depth = Gauge::default();
        let write_batches = Counter::default();
        let forced_checkpoints = Counter::default();
        let pool_connections = Gauge::default();
        let pool_idle = Gauge::default();
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
        registry.register(
            "calllog_write_queue_depth",
            "Writes waiting for the writer thread",
            write_queue_depth.clone(),
        );
        registry.register(
            "calllog_write_batches",
            "Transactions committed by the writer thread",
            write_batches.clone(),
        );
        registry.register(
            "calllog_forced_checkpoints",
            "Checkpoints the writer forced because the WAL passed its bound",
            forced_checkpoints.clone(),
        );
        registry.register("calllog_read_pool_connections", "Open read-only connections", pool_connections.clone());
        registry.register("calllog_read_pool_idle_connections", "Idle read-only connections", pool_idle.clone());
        Metrics {
            registry,
            requests,
            latency,
            write_queue_depth,
            write_batches,
            forced_checkpoints,
            pool_connections,
            pool_idle,
        }
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
        self.write_queue_depth.set(i64::try_from(stats.write_queue_depth).unwrap_or(i64::MAX));
        catch_up(&self.write_batches, stats.write_batches);
        catch_up(&self.forced_checkpoints, stats.forced_checkpoints);
        self.pool_connections.set(i64::from(stats.pool_connections));
        self.pool_idle.set(i64::from(stats.pool_idle_connections));
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            log::error!("encoding metrics: {e}");
        }
        text
    }
}
