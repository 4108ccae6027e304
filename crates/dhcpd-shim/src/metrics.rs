//! What `GET /metrics` on `metrics_listen` shows: the core's counters, the
//! lease book and the I/O layer's drops, in Prometheus text. Rendered by the
//! packet loop that owns them when a scrape asks (see
//! `ochami_service::metrics::scrape_channel`).

use ochami_service::metrics::Exposition;

use crate::lease::{LeaseBook, LeaseState, UnixTime};
use crate::protocol::Counters;

/// Message type names by [`Counters::received_by_type`] index.
const TYPES: [&str; 9] = [
    "other", "discover", "offer", "request", "decline", "ack", "nak", "release", "inform",
];

/// Counted by the I/O layer, outside the core.
#[derive(Debug, Default, Clone, Copy)]
pub struct IoCounters {
    /// Replies not sent because the lease journal could not be written.
    pub journal_dropped_replies: u64,
    /// SMD write-backs dropped because the queue was full.
    pub smd_writes_dropped: u64,
}

pub fn render(c: &Counters, leases: &LeaseBook, now: UnixTime, io: &IoCounters) -> String {
    let by_type = |v: &[u64; 9]| {
        TYPES
            .iter()
            .copied()
            .zip(v.iter().copied())
            .collect::<Vec<_>>()
    };
    let active = leases
        .iter()
        .filter(|l| l.state == LeaseState::Bound && l.live(now))
        .count();
    let m = &c.malformed_by;
    let mut e = Exposition::default();
    e.counters(
        "dhcpd_shim_packets_received_total",
        "Well-formed DHCP packets received, by message type",
        "type",
        by_type(&c.received_by_type),
    )
    .counters(
        "dhcpd_shim_packets_sent_total",
        "DHCP replies sent, by message type",
        "type",
        by_type(&c.sent_by_type),
    )
    .counters(
        "dhcpd_shim_leases_total",
        "Lease events: addresses offered, bound (acked), refused (naked), declined by clients, released",
        "event",
        [
            ("offered", c.offers),
            ("acked", c.acks),
            ("naked", c.naks),
            ("declined", c.declines),
            ("released", c.releases),
        ],
    )
    .gauge(
        "dhcpd_shim_leases_active",
        "Bound leases not yet expired",
        active as f64,
    )
    .counters(
        "dhcpd_shim_malformed_packets_total",
        "Malformed packets dropped, by what was wrong",
        "reason",
        [
            ("too_short", m.too_short),
            ("too_long", m.too_long),
            ("not_bootrequest", m.not_bootrequest),
            ("bad_option", m.bad_option),
            ("undecodable", m.undecodable),
            ("no_message_type", m.no_message_type),
            ("no_address", m.no_address),
        ],
    )
    .counters(
        "dhcpd_shim_packets_dropped_total",
        "Well-formed packets and replies dropped, by reason (malformed ones are counted apart)",
        "reason",
        [
            ("not_for_us", c.ignored),
            ("no_subnet", c.no_subnet),
            ("pool_exhausted", c.pool_exhausted),
            ("reply_too_large", c.oversize_replies),
            ("journal_write_failed", io.journal_dropped_replies),
        ],
    )
    .counter(
        "dhcpd_shim_smd_writes_dropped_total",
        "SMD write-backs dropped because the queue was full",
        io.smd_writes_dropped,
    );
    e.finish()
}
