//! RFC 2347 option negotiation for read requests: `blksize` (RFC 2348),
//! `timeout` and `tsize` (RFC 2349), `windowsize` (RFC 7440).
//!
//! Owns the decision of what to accept and what to answer in the OACK. Pure:
//! no I/O, no clock. Unknown or malformed options are ignored, as RFC 2347
//! allows, never refused.

use std::time::Duration;

use crate::codec::{TftpOption, BLKSIZE_DEFAULT, BLKSIZE_MAX, BLKSIZE_MIN};

/// What the server is willing to grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionLimits {
    /// Largest block size granted (already capped by the path MTU).
    pub blksize_max: u16,
    /// Largest window granted.
    pub windowsize_max: u16,
    /// Retransmit timeout when the client asks for none.
    pub default_timeout: Duration,
}

/// The transfer parameters after negotiation, and the OACK that announces them
/// (empty: no OACK, start with DATA 1 as RFC 1350 does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub blksize: u16,
    pub windowsize: u16,
    pub timeout: Duration,
    pub oack: Vec<TftpOption>,
}

/// Negotiate `requested` for a file of `file_size` bytes (as it goes on the wire).
pub fn negotiate(requested: &[TftpOption], file_size: u64, limits: &OptionLimits) -> Negotiated {
    let mut n = Negotiated {
        blksize: BLKSIZE_DEFAULT,
        windowsize: 1,
        timeout: limits.default_timeout,
        oack: Vec::new(),
    };
    let mut seen: Vec<&'static str> = Vec::new();
    for (name, value) in requested {
        let Some(key) = ["blksize", "timeout", "tsize", "windowsize"]
            .into_iter()
            .find(|k| name.eq_ignore_ascii_case(k))
        else {
            continue;
        };
        // A repeated option is ambiguous; the first one wins.
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let Ok(v) = value.trim().parse::<u64>() else {
            continue;
        };
        let granted = match key {
            "blksize" if v >= u64::from(BLKSIZE_MIN) => {
                // A server may answer a smaller block size than asked (RFC 2348).
                let b = v.min(u64::from(BLKSIZE_MAX)) as u16;
                n.blksize = b.min(limits.blksize_max.max(BLKSIZE_MIN));
                u64::from(n.blksize)
            }
            // RFC 2349: accept the timeout as asked or not at all.
            "timeout" if (1..=255).contains(&v) => {
                n.timeout = Duration::from_secs(v);
                v
            }
            // In a read request the client sends 0; we answer the size.
            "tsize" => file_size,
            "windowsize" if (1..=65535).contains(&v) => {
                n.windowsize = (v as u16).min(limits.windowsize_max.max(1));
                u64::from(n.windowsize)
            }
            _ => continue,
        };
        n.oack.push((key.to_owned(), granted.to_string()));
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: OptionLimits = OptionLimits {
        blksize_max: 1468,
        windowsize_max: 16,
        default_timeout: Duration::from_secs(1),
    };

    fn opts(o: &[(&str, &str)]) -> Vec<TftpOption> {
        o.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_options_means_rfc1350_and_no_oack() {
        let n = negotiate(&[], 100, &LIMITS);
        assert_eq!(
            n,
            Negotiated {
                blksize: 512,
                windowsize: 1,
                timeout: Duration::from_secs(1),
                oack: vec![]
            }
        );
    }

    #[test]
    fn blksize_is_clamped_to_the_configured_max_and_rfc_range() {
        let n = negotiate(&opts(&[("BLKSIZE", "65464")]), 0, &LIMITS);
        assert_eq!(n.blksize, 1468);
        assert_eq!(n.oack, opts(&[("blksize", "1468")]));
        let n = negotiate(&opts(&[("blksize", "1024")]), 0, &LIMITS);
        assert_eq!(n.blksize, 1024);
        let big = OptionLimits {
            blksize_max: 65464,
            ..LIMITS
        };
        assert_eq!(
            negotiate(&opts(&[("blksize", "99999")]), 0, &big).blksize,
            65464
        );
        // Below 8 or not a number: ignored, not answered.
        for bad in ["7", "0", "-5", "abc", ""] {
            let n = negotiate(&opts(&[("blksize", bad)]), 0, &LIMITS);
            assert_eq!((n.blksize, n.oack.len()), (512, 0), "{bad}");
        }
    }

    #[test]
    fn tsize_answers_the_file_size() {
        let n = negotiate(&opts(&[("tsize", "0")]), 1_048_576, &LIMITS);
        assert_eq!(n.oack, opts(&[("tsize", "1048576")]));
    }

    #[test]
    fn timeout_accepted_exactly_or_ignored() {
        let n = negotiate(&opts(&[("timeout", "5")]), 0, &LIMITS);
        assert_eq!(
            (n.timeout, n.oack.clone()),
            (Duration::from_secs(5), opts(&[("timeout", "5")]))
        );
        for bad in ["0", "256", "x"] {
            let n = negotiate(&opts(&[("timeout", bad)]), 0, &LIMITS);
            assert_eq!(
                (n.timeout, n.oack.len()),
                (Duration::from_secs(1), 0),
                "{bad}"
            );
        }
    }

    #[test]
    fn windowsize_is_clamped() {
        let n = negotiate(&opts(&[("windowsize", "64")]), 0, &LIMITS);
        assert_eq!(
            (n.windowsize, n.oack.clone()),
            (16, opts(&[("windowsize", "16")]))
        );
        let n = negotiate(&opts(&[("windowsize", "4")]), 0, &LIMITS);
        assert_eq!(n.windowsize, 4);
        assert!(negotiate(&opts(&[("windowsize", "0")]), 0, &LIMITS)
            .oack
            .is_empty());
    }

    #[test]
    fn unknown_options_ignored_first_duplicate_wins_order_kept() {
        let n = negotiate(
            &opts(&[
                ("multicast", ""),
                ("tsize", "0"),
                ("blksize", "1000"),
                ("blksize", "600"),
            ]),
            42,
            &LIMITS,
        );
        assert_eq!(n.oack, opts(&[("tsize", "42"), ("blksize", "1000")]));
    }
}
