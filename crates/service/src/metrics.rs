//! Prometheus metrics for HTTP services: requests by route pattern, method and
//! status, and latency histograms, plus whatever gauges a service adds
//! (database pool use, cache age). Served at `GET /metrics` in the text format.
//!
//! The UDP daemons (dhcpd-shim, tftpd) keep their counters inside the one task
//! that runs their protocol core; a scrape asks that task for its text over a
//! [`scrape_channel`] (no locks or atomics on the packet path), and the task
//! writes it with an [`Exposition`]; `listener` (feature `metrics-listener`:
//! hyper, no web framework) serves it. [`Metrics`] (feature `http`) is the
//! prometheus registry of the HTTP services.

use std::fmt::Write as _;

use tokio::sync::{mpsc, oneshot};

#[cfg(feature = "metrics-listener")]
pub mod listener;

#[cfg(feature = "http")]
pub use registry::{Metrics, SharedMetrics};

#[cfg(feature = "http")]
mod registry {
    use std::sync::Arc;

    use prometheus::{
        Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
    };

    use super::Exposition;

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
            let mut out = Exposition::default();
            for (name, help, f) in &self.gauges {
                out.gauge(name, help, f());
            }
            String::from_utf8_lossy(&buf).into_owned() + &out.finish()
        }
    }

    /// Shared handle as stored in app data.
    pub type SharedMetrics = Arc<Metrics>;
}

/// Prometheus text exposition (format 0.0.4) of values a daemon keeps itself.
#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// A counter without labels.
    pub fn counter(&mut self, name: &str, help: &str, value: u64) -> &mut Self {
        self.header(name, help, "counter");
        let _ = writeln!(self.out, "{name} {value}");
        self
    }

    /// A counter family with one label, e.g. packets by `type`. Every sample
    /// is written, zeros too, so a rate() sees the series before it moves.
    pub fn counters<'a>(
        &mut self,
        name: &str,
        help: &str,
        label: &str,
        samples: impl IntoIterator<Item = (&'a str, u64)>,
    ) -> &mut Self {
        self.header(name, help, "counter");
        for (value, n) in samples {
            let _ = writeln!(self.out, "{name}{{{label}=\"{}\"}} {n}", escape(value));
        }
        self
    }

    pub fn gauge(&mut self, name: &str, help: &str, value: f64) -> &mut Self {
        self.header(name, help, "gauge");
        let _ = writeln!(self.out, "{name} {value}");
        self
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn header(&mut self, name: &str, help: &str, kind: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }
}

/// A label value as the text format wants it: `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The value of one series in exposition text, named as written there
/// (`name` or `name{label="value"}`); for tests and scripts reading a scrape.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// Asks the task that owns a daemon's counters for their text exposition.
#[derive(Clone)]
pub struct Scraper(mpsc::Sender<oneshot::Sender<String>>);

/// The owning task's end: answer each request with the current text.
pub struct ScrapeRequests(mpsc::Receiver<oneshot::Sender<String>>);

/// A scraper and the requests it sends. A daemon without a metrics listener
/// drops the [`Scraper`]; [`ScrapeRequests::next`] then never yields.
pub fn scrape_channel() -> (Scraper, ScrapeRequests) {
    // Scrapes are rare; a few may wait while the loop works through a batch.
    let (tx, rx) = mpsc::channel(8);
    (Scraper(tx), ScrapeRequests(rx))
}

impl Scraper {
    /// The current text, or `None` when the owning task has stopped.
    pub async fn scrape(&self) -> Option<String> {
        let (tx, rx) = oneshot::channel();
        self.0.send(tx).await.ok()?;
        rx.await.ok()
    }
}

impl ScrapeRequests {
    /// The next scrape to answer; pending forever once every scraper is gone,
    /// so it can sit in a `select!` at no cost.
    pub async fn next(&mut self) -> oneshot::Sender<String> {
        match self.0.recv().await {
            Some(reply) => reply,
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_text_format() {
        let mut e = Exposition::default();
        e.counter("x_total", "all x", 3)
            .counters("y_total", "y by kind", "kind", [("a", 1), ("b\"c", 0)])
            .gauge("z", "now", 1.5);
        let text = e.finish();
        assert_eq!(sample(&text, r#"y_total{kind="a"}"#), Some(1.0));
        assert_eq!(sample(&text, "x_total"), Some(3.0));
        assert_eq!(sample(&text, "x"), None);
        assert_eq!(
            text,
            "# HELP x_total all x\n# TYPE x_total counter\nx_total 3\n\
             # HELP y_total y by kind\n# TYPE y_total counter\n\
             y_total{kind=\"a\"} 1\ny_total{kind=\"b\\\"c\"} 0\n\
             # HELP z now\n# TYPE z gauge\nz 1.5\n"
        );
    }

    #[tokio::test]
    async fn scrape_asks_the_owning_task() {
        let (scraper, mut requests) = scrape_channel();
        let owner = tokio::spawn(async move {
            let reply = requests.next().await;
            let _ = reply.send("n 1\n".into());
        });
        assert_eq!(scraper.scrape().await.as_deref(), Some("n 1\n"));
        owner.await.unwrap();
        assert_eq!(scraper.scrape().await, None, "owner gone");
    }
}
