//! `/metrics` in the Prometheus text format: requests and latency by route, snapshots opened,
//! the time from a post's commit to the site serving it, and, read at scrape time, the rows in each table and how old the newest record is.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RouteLabels {
    /// The route's pattern (`/models/{author}/{slug}`), never the raw path: bounded cardinality.
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RouteOnly {
    pub route: String,
}

#[derive(Debug)]
pub(crate) struct Metrics {
    pub requests: Family<RouteLabels, Counter>,
    pub latency: Family<RouteOnly, Histogram, fn() -> Histogram>,
    pub snapshots: Counter,
    /// After a posted batch commits: the time to refresh the rollups and the snapshot.
    pub follow_seconds: Histogram,
}

fn latency_histogram() -> Histogram {
    // 100 µs to about 3 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.0001, 2.0, 16,
    ))
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            snapshots: Counter::default(),
            follow_seconds: latency_histogram(),
        }
    }
}

impl Metrics {
    /// The text exposition, with the lake's gauges passed in by the caller.
    pub fn encode(
        &self,
        rows: &std::collections::BTreeMap<&'static str, u64>,
        freshness_seconds: Option<f64>,
    ) -> Result<String, std::fmt::Error> {
        use prometheus_client::metrics::gauge::Gauge;
        use std::sync::atomic::AtomicU64;

        let mut registry = prometheus_client::registry::Registry::with_prefix("tokenboard");
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            self.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            self.latency.clone(),
        );
        registry.register(
            "snapshots",
            "Lake snapshots opened after new commits",
            self.snapshots.clone(),
        );
        registry.register(
            "post_to_snapshot_seconds",
            "After a batch of posts commits, the time until the site serves it",
            self.follow_seconds.clone(),
        );
        #[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
        struct TableLabel {
            table: String,
        }
        let row_family = Family::<TableLabel, Gauge<u64, AtomicU64>>::default();
        for (table, count) in rows {
            row_family
                .get_or_create(&TableLabel {
                    table: (*table).to_owned(),
                })
                .set(*count);
        }
        registry.register(
            "rows_ingested",
            "Rows in each table of the lake snapshot being served",
            row_family,
        );
        if let Some(seconds) = freshness_seconds {
            let gauge = Gauge::<f64, AtomicU64>::default();
            gauge.set(seconds);
            registry.register(
                "data_freshness_seconds",
                "Seconds between now and the newest record served",
                gauge,
            );
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry)?;
        Ok(out)
    }
}
