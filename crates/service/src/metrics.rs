//! Prometheus metrics for HTTP services: requests by route pattern, method and
//! status, and latency histograms, plus whatever gauges a service adds
//! (database pool use, cache age). Served at `GET /metrics` in the text format.

use std::sync::Arc;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

type GaugeFn = Box<dyn Fn() -> f64 + Send + Sync>;

/// One service's metrics (one per server, so in-process tests don't mix).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    gauges: Vec<(String, String, GaugeFn)>,
}

impl Metrics {
    /// Metrics named `<service>_http_requests_total` etc.
    pub fn new(service: &str) -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                format!("{service}_http_requests_total"),
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                format!("{service}_http_request_duration_seconds"),
                "HTTP request latency",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route", "method"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(latency.clone()))
            .expect("unique metric");
        Metrics {
            registry,
            requests,
            latency,
            gauges: Vec::new(),
        }
    }

    /// A gauge whose value is read at scrape time.
    pub fn gauge(
        mut self,
        name: &str,
        help: &str,
        f: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> Self {
        self.gauges
            .push((name.to_owned(), help.to_owned(), Box::new(f)));
        self
    }

    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(seconds);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        let mut out = String::from_utf8_lossy(&buf).into_owned();
        for (name, help, f) in &self.gauges {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}\n",
                f()
            ));
        }
        out
    }
}

/// Shared handle as stored in app data.
pub type SharedMetrics = Arc<Metrics>;
