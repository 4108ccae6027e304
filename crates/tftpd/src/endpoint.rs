//! The TFTP server core, sans I/O: every transfer, the limits, and the answers.
//!
//! Fed with datagrams ([`Endpoint::handle`]) and time ([`Endpoint::handle_timeout`]);
//! its output is described, not sent: [`Endpoint::poll_transmit`] yields
//! datagrams with the local socket they leave from, and
//! [`Endpoint::poll_event`] says when a transfer needs its own socket (its TID)
//! or is done with it. Never touches a socket or reads the clock; files come
//! through a [`Storage`]. The session table never holds more than
//! `max_transfers` entries, whatever arrives.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::cache::{Blob, Storage};
use crate::codec::{self, DecodeError, ErrorCode, Mode, Packet, Request};
use crate::netascii;
use crate::options::{self, OptionLimits};
use crate::path::{self, PathError};
use crate::transfer::{AckKind, Failure, Outcome, Phase, Transfer};

/// Identifies one transfer for the life of the endpoint (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(pub u64);

/// The local socket a datagram arrived on or leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// The well-known port (69).
    Listener,
    /// The transfer's own ephemeral port (its TID, RFC 1350).
    Transfer(TransferId),
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub via: Via,
    pub to: SocketAddr,
    pub payload: Vec<u8>,
}

/// Socket bookkeeping the I/O layer must do (one-port-per-transfer mode only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferEvent {
    /// Bind an ephemeral socket for this transfer before sending its datagrams.
    Opened(TransferId),
    /// Close the transfer's socket once its pending datagrams are sent.
    Closed(TransferId),
}

/// Limits and policy, all explicit.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    pub options: OptionLimits,
    pub max_transfers: usize,
    pub max_transfers_per_client: usize,
    pub max_file_size: u64,
    pub max_retries: u32,
    /// A transfer that hears nothing valid from its client this long is dropped.
    pub idle_timeout: Duration,
    /// Serve every transfer from the listening port (firewalls, NAT).
    pub single_port: bool,
    /// netascii is converted in memory, so it has its own size cap.
    pub netascii_max: u64,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            options: OptionLimits {
                blksize_max: 1468,
                windowsize_max: 64,
                default_timeout: Duration::from_secs(1),
            },
            max_transfers: 1024,
            max_transfers_per_client: 16,
            max_file_size: 4 << 30,
            max_retries: 5,
            idle_timeout: Duration::from_secs(30),
            single_port: false,
            netascii_max: 16 << 20,
        }
    }
}

/// Counters, for logs, metrics and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub read_requests: u64,
    pub write_requests: u64,
    /// Read requests refused.
    pub refused: u64,
    /// Refused requests (write requests included) by reason label.
    pub refused_by: BTreeMap<&'static str, u64>,
    /// Transfers admitted.
    pub started: u64,
    pub completed: u64,
    /// Transfers that ended without completing, by reason label: the
    /// server's [`Failure`]s, `client_error`, `protocol_error`, `superseded`,
    /// `no_socket`.
    pub failed: BTreeMap<&'static str, u64>,
    /// The client sent an ERROR (OVMF's tsize probe ends with ERROR 8).
    pub aborted_by_client: u64,
    pub timed_out: u64,
    pub malformed: u64,
    pub unknown_opcode: u64,
    pub unknown_tid: u64,
    pub duplicate_acks: u64,
    pub stale_packets: u64,
}

pub struct Endpoint<S> {
    config: EndpointConfig,
    storage: S,
    transfers: HashMap<TransferId, Transfer>,
    /// Every transfer's retransmit deadline, earliest first, so the next timeout
    /// and the due transfers are found without scanning the whole table.
    deadlines: BTreeSet<(Instant, TransferId)>,
    /// Single-port mode: the transfer of each client address.
    by_peer: HashMap<SocketAddr, TransferId>,
    per_client: HashMap<IpAddr, usize>,
    next_id: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TransferEvent>,
    stats: Stats,
}

impl<S: Storage> Endpoint<S> {
    pub fn new(config: EndpointConfig, storage: S) -> Self {
        Endpoint {
            config,
            storage,
            transfers: HashMap::new(),
            deadlines: BTreeSet::new(),
            by_peer: HashMap::new(),
            per_client: HashMap::new(),
            next_id: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Transfers in progress.
    pub fn active_transfers(&self) -> usize {
        self.transfers.len()
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<TransferEvent> {
        self.events.pop_front()
    }

    /// When [`Endpoint::handle_timeout`] next has work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|(d, _)| *d)
    }

    /// One datagram from `from`, received on `via`.
    pub fn handle(&mut self, now: Instant, via: Via, from: SocketAddr, bytes: &[u8]) {
        let packet = Packet::decode(bytes);
        match via {
            Via::Listener => self.on_listener(now, from, packet),
            Via::Transfer(id) => self.on_transfer(now, id, from, packet),
        }
    }

    /// End a transfer the I/O layer cannot serve (e.g. no socket could be bound).
    pub fn abort(&mut self, id: TransferId) {
        self.end(id, "no_socket");
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<TransferId> = self
            .deadlines
            .range(..=(now, TransferId(u64::MAX)))
            .map(|(_, id)| *id)
            .collect();
        for id in due {
            let Some(t) = self.transfers.get_mut(&id) else {
                continue;
            };
            let before = t.deadline();
            let outcome = t.on_timeout(
                now,
                self.config.max_retries,
                self.config.idle_timeout,
                &mut self.transmits,
            );
            if let Outcome::Failed(why) = outcome {
                if why != Failure::ReadError {
                    self.stats.timed_out += 1;
                }
                self.fail(id, why);
            } else {
                self.reschedule(id, before);
            }
        }
    }

    /// Keep the deadline index in step after a transfer may have moved its deadline.
    fn reschedule(&mut self, id: TransferId, before: Instant) {
        if let Some(t) = self.transfers.get(&id) {
            if t.deadline() != before {
                self.deadlines.remove(&(before, id));
                self.deadlines.insert((t.deadline(), id));
            }
        }
    }

    fn on_listener(&mut self, now: Instant, from: SocketAddr, packet: Result<Packet, DecodeError>) {
        match packet {
            Ok(Packet::Rrq(req)) => self.start(now, from, req),
            Ok(Packet::Wrq(_)) => {
                self.stats.write_requests += 1;
                count(&mut self.stats.refused_by, "write_request");
                self.reply_error(from, ErrorCode::AccessViolation, "read-only server");
            }
            Ok(p) if self.config.single_port => match self.by_peer.get(&from) {
                Some(&id) => self.on_transfer(now, id, from, Ok(p)),
                None => self.stray(from, p),
            },
            Ok(p) => self.stray(from, p),
            Err(DecodeError::UnknownOpcode(_)) => {
                self.stats.unknown_opcode += 1;
                self.reply_error(from, ErrorCode::IllegalOperation, "unknown opcode");
            }
            Err(_) => self.stats.malformed += 1,
        }
    }

    /// A packet for no transfer on the listening port.
    fn stray(&mut self, from: SocketAddr, p: Packet) {
        self.stats.stale_packets += 1;
        // Late ACKs and ERRORs from finished transfers are normal: stay quiet.
        if matches!(p, Packet::Data { .. } | Packet::Oack { .. }) {
            self.reply_error(from, ErrorCode::IllegalOperation, "no transfer in progress");
        }
    }

    fn on_transfer(
        &mut self,
        now: Instant,
        id: TransferId,
        from: SocketAddr,
        packet: Result<Packet, DecodeError>,
    ) {
        let Some(t) = self.transfers.get_mut(&id) else {
            self.stats.stale_packets += 1;
            return;
        };
        if from != t.peer {
            // RFC 1350: answer the stranger, leave the transfer alone.
            self.stats.unknown_tid += 1;
            self.transmits.push_back(Transmit {
                via: t.via,
                to: from,
                payload: codec::error_bytes(ErrorCode::UnknownTransferId, "unknown transfer ID"),
            });
            return;
        }
        match packet {
            Ok(Packet::Ack { block }) => {
                let before = t.deadline();
                let (kind, outcome) = t.on_ack(now, block, &mut self.transmits);
                self.reschedule(id, before);
                match kind {
                    AckKind::Duplicate => self.stats.duplicate_acks += 1,
                    AckKind::Stale => self.stats.stale_packets += 1,
                    AckKind::Progress => {}
                }
                match outcome {
                    Outcome::Continue => {}
                    Outcome::Complete => {
                        self.stats.completed += 1;
                        self.finish(id);
                    }
                    Outcome::Failed(why) => self.fail(id, why),
                }
            }
            Ok(Packet::Error { code, message }) => {
                let probe = t.phase == Phase::AwaitingOackAck && code == ErrorCode::OptionRefused;
                tracing::debug!(peer = %from, %code, %message, probe, "client ended transfer");
                self.stats.aborted_by_client += 1;
                self.end(id, "client_error");
            }
            Ok(_) => {
                let to = t.peer;
                let via = t.via;
                self.transmits.push_back(Transmit {
                    via,
                    to,
                    payload: codec::error_bytes(ErrorCode::IllegalOperation, "unexpected packet"),
                });
                self.end(id, "protocol_error");
            }
            Err(_) => self.stats.malformed += 1,
        }
    }

    fn start(&mut self, now: Instant, from: SocketAddr, req: Request) {
        self.stats.read_requests += 1;
        if self.config.single_port {
            // A new request from the same address supersedes its old transfer
            // (a client retrying after a loss, or OVMF fetching again).
            if let Some(old) = self.by_peer.get(&from).copied() {
                self.end(old, "superseded");
            }
        }
        let blob = match self.admit(from, &req) {
            Ok(b) => b,
            Err((code, msg, reason)) => {
                self.stats.refused += 1;
                count(&mut self.stats.refused_by, reason);
                // Missing files are the usual misconfiguration: say so at info.
                // Other refusals can be floods of hostile names: keep them quiet.
                if code == ErrorCode::FileNotFound {
                    tracing::info!(peer = %from, file = %req.filename, msg, "refused");
                } else {
                    tracing::debug!(peer = %from, file = %req.filename, %code, msg, "refused");
                }
                self.reply_error(from, code, msg);
                return;
            }
        };
        self.stats.started += 1;
        let negotiated = options::negotiate(&req.options, blob.len(), &self.config.options);
        let id = TransferId(self.next_id);
        self.next_id += 1;
        let via = if self.config.single_port {
            Via::Listener
        } else {
            self.events.push_back(TransferEvent::Opened(id));
            Via::Transfer(id)
        };
        tracing::info!(peer = %from, file = %req.filename, size = blob.len(),
            blksize = negotiated.blksize, windowsize = negotiated.windowsize, "transfer");
        let mut t = Transfer::new(now, from, via, blob, negotiated);
        let outcome = t.start(now, &mut self.transmits);
        self.deadlines.insert((t.deadline(), id));
        self.transfers.insert(id, t);
        *self.per_client.entry(from.ip()).or_default() += 1;
        if self.config.single_port {
            self.by_peer.insert(from, id);
        }
        if let Outcome::Failed(why) = outcome {
            self.fail(id, why);
        }
    }

    /// Decide whether a read request is served, and open its file.
    fn admit(&mut self, from: SocketAddr, req: &Request) -> Result<Blob, Refusal> {
        let mode = req.mode();
        if mode == Mode::Unsupported {
            return Err((
                ErrorCode::IllegalOperation,
                "unsupported transfer mode",
                "unsupported_mode",
            ));
        }
        if self.transfers.len() >= self.config.max_transfers {
            return Err((
                ErrorCode::NotDefined,
                "server busy, try again later",
                "busy",
            ));
        }
        if self.per_client.get(&from.ip()).copied().unwrap_or(0)
            >= self.config.max_transfers_per_client
        {
            return Err((
                ErrorCode::NotDefined,
                "too many transfers from your address",
                "client_limit",
            ));
        }
        let blob = path::normalize(&req.filename)
            .and_then(|rel| self.storage.open(&rel))
            .map_err(|e| path_error(&e))?;
        if blob.len() > self.config.max_file_size {
            return Err((
                ErrorCode::NotDefined,
                "file exceeds the server's size limit",
                "too_large",
            ));
        }
        if mode == Mode::Netascii {
            if blob.len() > self.config.netascii_max {
                return Err((
                    ErrorCode::NotDefined,
                    "file too large for netascii; use octet",
                    "too_large",
                ));
            }
            let mut raw = Vec::new();
            blob.read_at(0, blob.len() as usize, &mut raw)
                .map_err(|_| (ErrorCode::AccessViolation, "cannot read file", "read_error"))?;
            return Ok(Blob::Memory(netascii::encode(&raw).into()));
        }
        Ok(blob)
    }

    fn reply_error(&mut self, to: SocketAddr, code: ErrorCode, message: &str) {
        self.transmits.push_back(Transmit {
            via: Via::Listener,
            to,
            payload: codec::error_bytes(code, message),
        });
    }

    /// End a transfer, telling the client why.
    fn fail(&mut self, id: TransferId, why: Failure) {
        if let Some(t) = self.transfers.get(&id) {
            tracing::debug!(peer = %t.peer, why = why.message(), "transfer failed");
            self.transmits.push_back(Transmit {
                via: t.via,
                to: t.peer,
                payload: codec::error_bytes(ErrorCode::NotDefined, why.message()),
            });
        }
        self.end(id, why.label());
    }

    /// End a transfer that did not complete, counting it under `reason`.
    fn end(&mut self, id: TransferId, reason: &'static str) {
        if self.transfers.contains_key(&id) {
            count(&mut self.stats.failed, reason);
        }
        self.finish(id);
    }

    fn finish(&mut self, id: TransferId) {
        let Some(t) = self.transfers.remove(&id) else {
            return;
        };
        self.deadlines.remove(&(t.deadline(), id));
        if let Some(n) = self.per_client.get_mut(&t.peer.ip()) {
            *n -= 1;
            if *n == 0 {
                self.per_client.remove(&t.peer.ip());
            }
        }
        if self.by_peer.get(&t.peer) == Some(&id) {
            self.by_peer.remove(&t.peer);
        }
        if let Via::Transfer(id) = t.via {
            self.events.push_back(TransferEvent::Closed(id));
        }
    }
}

/// Every label [`Stats::refused_by`] uses.
pub const REFUSAL_REASONS: &[&str] = &[
    "not_found",
    "access_denied",
    "read_error",
    "too_large",
    "unsupported_mode",
    "busy",
    "client_limit",
    "write_request",
];

/// Every label [`Stats::failed`] uses.
pub const FAILURE_REASONS: &[&str] = &[
    "read_error",
    "idle_timeout",
    "retries_exhausted",
    "client_error",
    "protocol_error",
    "superseded",
    "no_socket",
];

/// A refused request: the ERROR sent back, and the counters' reason label.
type Refusal = (ErrorCode, &'static str, &'static str);

fn count(by: &mut BTreeMap<&'static str, u64>, reason: &'static str) {
    *by.entry(reason).or_default() += 1;
}

/// RFC 1350's codes for refused names: 1 when there is nothing to read, 2 when
/// the name itself is not allowed or the file cannot be read.
fn path_error(e: &PathError) -> Refusal {
    match e {
        PathError::NotFound | PathError::NotAFile => {
            (ErrorCode::FileNotFound, "file not found", "not_found")
        }
        PathError::Io(_) => (ErrorCode::AccessViolation, "cannot read file", "read_error"),
        _ => (
            ErrorCode::AccessViolation,
            "access violation",
            "access_denied",
        ),
    }
}

#[cfg(test)]
#[path = "endpoint_tests.rs"]
mod tests;
