//! One read transfer's state machine: OACK, windows of DATA, ACKs, retransmits.
//!
//! Owns block numbering (a 64-bit block index on our side, the 16-bit wire
//! number rolling over past 65535 to 0, as tftp-hpa, busybox and curl expect),
//! the window (RFC 7440) and the retry budget. Fed with `now` and ACKs by the
//! [`crate::endpoint::Endpoint`]; never reads the clock or touches a socket.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::cache::Blob;
use crate::codec::{self, Packet};
use crate::endpoint::{Transmit, Via};
use crate::options::Negotiated;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// OACK sent; waiting for ACK 0 (or ERROR 8 when the client only wanted tsize).
    AwaitingOackAck,
    /// DATA flowing.
    Sending,
}

/// What an input did to the transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Continue,
    /// The last block was acknowledged.
    Complete,
    /// Give up; the reason goes to the client in an ERROR, the log and the counters.
    Failed(Failure),
}

/// Why the server gave up on a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    ReadError,
    IdleTimeout,
    TooManyRetransmissions,
}

impl Failure {
    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            Failure::ReadError => "cannot read file",
            Failure::IdleTimeout => "idle timeout",
            Failure::TooManyRetransmissions => "too many retransmissions",
        }
    }

    /// The `reason` label of `tftpd_transfers_failed_total`.
    pub fn label(self) -> &'static str {
        match self {
            Failure::ReadError => "read_error",
            Failure::IdleTimeout => "idle_timeout",
            Failure::TooManyRetransmissions => "retries_exhausted",
        }
    }
}

/// How an ACK was classified, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AckKind {
    Progress,
    Duplicate,
    Stale,
}

pub(crate) struct Transfer {
    pub peer: SocketAddr,
    pub via: Via,
    pub phase: Phase,
    blob: Blob,
    blksize: usize,
    windowsize: u64,
    timeout: Duration,
    oack: Vec<u8>,
    /// Blocks acknowledged so far (block indices start at 1).
    acked: u64,
    /// Highest block index sent.
    sent: u64,
    /// Blocks in the file, counting the final short (possibly empty) one.
    total: u64,
    retries: u32,
    deadline: Instant,
    last_heard: Instant,
}

impl Transfer {
    pub fn new(now: Instant, peer: SocketAddr, via: Via, blob: Blob, n: Negotiated) -> Self {
        let blksize = usize::from(n.blksize.max(codec::BLKSIZE_MIN));
        let total = blob.len() / blksize as u64 + 1;
        let oack = if n.oack.is_empty() {
            Vec::new()
        } else {
            Packet::Oack { options: n.oack }.to_bytes()
        };
        Transfer {
            peer,
            via,
            phase: if oack.is_empty() {
                Phase::Sending
            } else {
                Phase::AwaitingOackAck
            },
            blob,
            blksize,
            windowsize: u64::from(n.windowsize.max(1)),
            timeout: n.timeout,
            oack,
            acked: 0,
            sent: 0,
            total,
            retries: 0,
            deadline: now + n.timeout,
            last_heard: now,
        }
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Send the OACK or the first window.
    pub fn start(&mut self, now: Instant, out: &mut VecDeque<Transmit>) -> Outcome {
        self.transmit(now, out)
    }

    fn transmit(&mut self, now: Instant, out: &mut VecDeque<Transmit>) -> Outcome {
        self.deadline = now + self.timeout;
        match self.phase {
            Phase::AwaitingOackAck => {
                out.push_back(Transmit {
                    via: self.via,
                    to: self.peer,
                    payload: self.oack.clone(),
                });
                Outcome::Continue
            }
            Phase::Sending => self.send_window(out),
        }
    }

    /// (Re)send every block of the window after the last acknowledged one.
    fn send_window(&mut self, out: &mut VecDeque<Transmit>) -> Outcome {
        let last = (self.acked + self.windowsize).min(self.total);
        for index in self.acked + 1..=last {
            let mut payload = Vec::with_capacity(codec::DATA_HEADER + self.blksize);
            // Wire block numbers are the index modulo 2^16: rollover to 0.
            codec::encode_data_header(index as u16, &mut payload);
            let offset = (index - 1) * self.blksize as u64;
            if self
                .blob
                .read_at(offset, self.blksize, &mut payload)
                .is_err()
            {
                return Outcome::Failed(Failure::ReadError);
            }
            out.push_back(Transmit {
                via: self.via,
                to: self.peer,
                payload,
            });
        }
        self.sent = last;
        Outcome::Continue
    }

    pub fn on_ack(
        &mut self,
        now: Instant,
        block: u16,
        out: &mut VecDeque<Transmit>,
    ) -> (AckKind, Outcome) {
        if self.phase == Phase::AwaitingOackAck {
            if block != 0 {
                return (AckKind::Stale, Outcome::Continue);
            }
            self.phase = Phase::Sending;
            self.heard(now);
            return (AckKind::Progress, self.transmit(now, out));
        }
        // How far past the last acknowledged block this ACK reaches, modulo 2^16.
        let ahead = u64::from(block.wrapping_sub(self.acked as u16));
        if ahead == 0 {
            // Answering a duplicate ACK with data is the Sorcerer's Apprentice
            // bug (RFC 1123 4.2.3.1): every later packet would go out twice.
            return (AckKind::Duplicate, Outcome::Continue);
        }
        if ahead > self.sent - self.acked {
            return (AckKind::Stale, Outcome::Continue);
        }
        self.acked += ahead;
        self.heard(now);
        if self.acked == self.total {
            return (AckKind::Progress, Outcome::Complete);
        }
        // Whole window acknowledged, or RFC 7440 gap: the client ACKed the last
        // block it got in order, so continue right after it either way.
        (AckKind::Progress, self.transmit(now, out))
    }

    fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.retries = 0;
    }

    /// The retransmit timer fired.
    pub fn on_timeout(
        &mut self,
        now: Instant,
        max_retries: u32,
        idle_timeout: Duration,
        out: &mut VecDeque<Transmit>,
    ) -> Outcome {
        if now < self.deadline {
            return Outcome::Continue;
        }
        if now.saturating_duration_since(self.last_heard) >= idle_timeout {
            return Outcome::Failed(Failure::IdleTimeout);
        }
        if self.retries >= max_retries {
            return Outcome::Failed(Failure::TooManyRetransmissions);
        }
        self.retries += 1;
        self.transmit(now, out)
    }
}
