//! The durable lease journal: one text line per [`LeaseRecord`], appended and
//! fsynced before the ACK that depends on it leaves; replayed at start,
//! expired records dropped and the file compacted (rewritten atomically).
//!
//! Owns the file format only; what a record means is `lease`'s business.
//! A torn last line (crash mid-write) is skipped, never fatal.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ochami_types::MacAddr;

use crate::lease::{LeaseBook, LeaseRecord, UnixTime};

/// Limit: compact once the journal holds this many lines more than the live
/// state needs.
pub const COMPACT_SLACK: usize = 100_000;

pub struct LeaseFile {
    path: PathBuf,
    file: File,
    lines: usize,
}

/// What a journal line says, or `None` for a torn or foreign line.
pub fn parse_line(line: &str) -> Option<LeaseRecord> {
    let mut f = line.split_ascii_whitespace();
    let kind = f.next()?;
    let ip: Ipv4Addr = f.next()?.parse().ok()?;
    let rec = match kind {
        "bound" => LeaseRecord::Bound {
            ip,
            mac: f.next()?.parse::<MacAddr>().ok()?,
            expires: f.next()?.parse().ok()?,
        },
        "released" => LeaseRecord::Released {
            ip,
            mac: f.next()?.parse::<MacAddr>().ok()?,
        },
        "declined" => LeaseRecord::Declined {
            ip,
            until: f.next()?.parse().ok()?,
        },
        _ => return None,
    };
    f.next().is_none().then_some(rec)
}

pub fn format_line(rec: &LeaseRecord, out: &mut String) {
    use std::fmt::Write as _;
    let _ = match rec {
        LeaseRecord::Bound { ip, mac, expires } => writeln!(out, "bound {ip} {mac} {expires}"),
        LeaseRecord::Released { ip, mac } => writeln!(out, "released {ip} {mac}"),
        LeaseRecord::Declined { ip, until } => writeln!(out, "declined {ip} {until}"),
    };
}

impl LeaseFile {
    /// Open (creating it and its directory), replay, compact; returns the
    /// live records for `Dhcp::restore`.
    pub fn open(path: &Path, now: UnixTime) -> io::Result<(LeaseFile, Vec<LeaseRecord>)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let mut book = LeaseBook::default();
        match File::open(path) {
            Ok(f) => {
                for line in BufReader::new(f).lines() {
                    let line = match line {
                        Ok(l) => l,
                        // Rationale: a torn tail may not be UTF-8; what came before stands.
                        Err(_) => break,
                    };
                    if let Some(rec) = parse_line(&line) {
                        book.apply(&rec, now);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let live = book.snapshot(now);
        let file = rewrite(path, &live)?;
        let lines = live.len();
        Ok((
            LeaseFile {
                path: path.to_owned(),
                file,
                lines,
            },
            live,
        ))
    }

    /// Append and fsync. Returns only once the records are on disk.
    pub fn append(&mut self, recs: &[LeaseRecord]) -> io::Result<()> {
        if recs.is_empty() {
            return Ok(());
        }
        let mut s = String::with_capacity(recs.len() * 48);
        for r in recs {
            format_line(r, &mut s);
        }
        self.file.write_all(s.as_bytes())?;
        self.file.sync_data()?;
        self.lines += recs.len();
        Ok(())
    }

    /// Lines written since the last rewrite.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// Rewrite the journal as exactly `live` (a [`LeaseBook::snapshot`]).
    pub fn compact(&mut self, live: &[LeaseRecord]) -> io::Result<()> {
        self.file = rewrite(&self.path, live)?;
        self.lines = live.len();
        Ok(())
    }
}

/// Write `recs` to a temporary file, fsync, rename over `path`, fsync the
/// directory; return the new file opened for appending.
fn rewrite(path: &Path, recs: &[LeaseRecord]) -> io::Result<File> {
    let tmp = path.with_extension("compact");
    let mut s = String::new();
    for r in recs {
        format_line(r, &mut s);
    }
    {
        let mut f = File::create(&tmp)?;
        f.write_all(s.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    OpenOptions::new().append(true).open(path)
}
