//! What `GET /metrics` on `metrics_listen` shows: the endpoint's counters and
//! the I/O layer's, in Prometheus text. Read by the driver task that owns
//! them, when a scrape asks (see `ochami_service::metrics::scrape_channel`).

use ochami_service::metrics::Exposition;

use crate::endpoint::{Stats, FAILURE_REASONS, REFUSAL_REASONS};

/// Counted by the I/O layer: what actually left, and socket errors.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IoCounters {
    pub datagrams_sent: u64,
    /// UDP payload bytes (DATA, OACK and ERROR; retransmissions included).
    pub bytes_sent: u64,
    pub send_errors: u64,
    pub receive_errors: u64,
}

pub(crate) fn render(s: &Stats, active: usize, io: &IoCounters) -> String {
    let by = |map: &std::collections::BTreeMap<&'static str, u64>, reasons: &'static [&str]| {
        reasons
            .iter()
            .map(|r| (*r, map.get(r).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
    };
    let mut e = Exposition::default();
    e.counters(
        "tftpd_requests_total",
        "TFTP requests received on the listening port, by type",
        "type",
        [("read", s.read_requests), ("write", s.write_requests)],
    )
    .counters(
        "tftpd_requests_refused_total",
        "Requests answered with an ERROR instead of a transfer, by reason",
        "reason",
        by(&s.refused_by, REFUSAL_REASONS),
    )
    .counter(
        "tftpd_transfers_started_total",
        "Transfers admitted",
        s.started,
    )
    .counter(
        "tftpd_transfers_completed_total",
        "Transfers whose last block was acknowledged",
        s.completed,
    )
    .counters(
        "tftpd_transfers_failed_total",
        "Transfers ended before completion, by reason",
        "reason",
        by(&s.failed, FAILURE_REASONS),
    )
    .gauge(
        "tftpd_transfers_active",
        "Transfers in progress",
        active as f64,
    )
    .counters(
        "tftpd_packets_dropped_total",
        "Datagrams dropped without effect on any transfer, by reason",
        "reason",
        [
            ("malformed", s.malformed),
            ("unknown_opcode", s.unknown_opcode),
            ("unknown_tid", s.unknown_tid),
            ("stale", s.stale_packets),
            ("duplicate_ack", s.duplicate_acks),
        ],
    )
    .counter(
        "tftpd_sent_datagrams_total",
        "Datagrams sent",
        io.datagrams_sent,
    )
    .counter(
        "tftpd_sent_bytes_total",
        "UDP payload bytes sent (DATA, OACK, ERROR; retransmissions included)",
        io.bytes_sent,
    )
    .counters(
        "tftpd_socket_errors_total",
        "Socket errors, by operation",
        "op",
        [("send", io.send_errors), ("receive", io.receive_errors)],
    );
    e.finish()
}
