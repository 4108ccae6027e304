//! The lease book: which address is offered to, bound to, or quarantined from
//! which MAC, until when. Pure data with a caller-supplied clock (seconds since
//! the Unix epoch, so leases survive restarts); durable storage is
//! `lease_file`'s job, decisions are `protocol`'s.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use ochami_types::MacAddr;

/// Seconds since the Unix epoch.
pub type UnixTime = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseState {
    /// Held for the client between OFFER and REQUEST; never written to disk.
    Offered,
    /// Acknowledged; written to disk before the ACK leaves.
    Bound,
    /// Declined by a client (in use by someone else); kept out of the pool.
    Quarantined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub ip: Ipv4Addr,
    pub mac: MacAddr,
    pub expires: UnixTime,
    pub state: LeaseState,
}

impl Lease {
    pub fn live(&self, now: UnixTime) -> bool {
        self.expires > now
    }
}

/// A change that must be durable before the reply that depends on it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseRecord {
    Bound {
        ip: Ipv4Addr,
        mac: MacAddr,
        expires: UnixTime,
    },
    Released {
        ip: Ipv4Addr,
        mac: MacAddr,
    },
    Declined {
        ip: Ipv4Addr,
        until: UnixTime,
    },
}

/// All leases, by address and by MAC. A MAC holds at most one address.
#[derive(Debug, Default)]
pub struct LeaseBook {
    by_ip: HashMap<Ipv4Addr, Lease>,
    by_mac: HashMap<MacAddr, Ipv4Addr>,
}

impl LeaseBook {
    pub fn by_ip(&self, ip: &Ipv4Addr) -> Option<&Lease> {
        self.by_ip.get(ip)
    }

    /// The client's live offer or binding.
    pub fn of_mac(&self, mac: &MacAddr, now: UnixTime) -> Option<&Lease> {
        let ip = self.by_mac.get(mac)?;
        self.by_ip.get(ip).filter(|l| l.mac == *mac && l.live(now))
    }

    /// Is `ip` free for `mac` (nobody else holds it live)?
    pub fn free_for(&self, ip: &Ipv4Addr, mac: &MacAddr, now: UnixTime) -> bool {
        match self.by_ip.get(ip) {
            None => true,
            Some(l) if !l.live(now) => true,
            Some(l) => l.mac == *mac && l.state != LeaseState::Quarantined,
        }
    }

    /// Record `mac` holding `ip`; drops the client's previous address.
    pub fn put(&mut self, ip: Ipv4Addr, mac: MacAddr, expires: UnixTime, state: LeaseState) {
        if let Some(old) = self.by_mac.get(&mac).copied() {
            if old != ip {
                self.remove_if_owner(&old, &mac);
            }
        }
        if let Some(prev) = self.by_ip.get(&ip).copied() {
            if prev.mac != mac && self.by_mac.get(&prev.mac) == Some(&ip) {
                self.by_mac.remove(&prev.mac);
            }
        }
        self.by_ip.insert(
            ip,
            Lease {
                ip,
                mac,
                expires,
                state,
            },
        );
        if state != LeaseState::Quarantined {
            self.by_mac.insert(mac, ip);
        }
    }

    /// Forget `ip` if `mac` holds it. Returns whether it did.
    pub fn remove_if_owner(&mut self, ip: &Ipv4Addr, mac: &MacAddr) -> bool {
        match self.by_ip.get(ip) {
            Some(l) if l.mac == *mac => {
                self.by_ip.remove(ip);
                if self.by_mac.get(mac) == Some(ip) {
                    self.by_mac.remove(mac);
                }
                true
            }
            _ => false,
        }
    }

    /// Quarantine `ip` until `until`, whoever held it.
    pub fn quarantine(&mut self, ip: Ipv4Addr, mac: MacAddr, until: UnixTime) {
        if let Some(prev) = self.by_ip.get(&ip).copied() {
            if self.by_mac.get(&prev.mac) == Some(&ip) {
                self.by_mac.remove(&prev.mac);
            }
        }
        self.put(ip, mac, until, LeaseState::Quarantined);
    }

    /// Drop everything expired at `now`. Returns how many went.
    pub fn expire(&mut self, now: UnixTime) -> usize {
        let before = self.by_ip.len();
        let by_mac = &mut self.by_mac;
        self.by_ip.retain(|ip, l| {
            let keep = l.live(now);
            if !keep && by_mac.get(&l.mac) == Some(ip) {
                by_mac.remove(&l.mac);
            }
            keep
        });
        before - self.by_ip.len()
    }

    /// Replay one durable record (at start).
    pub fn apply(&mut self, rec: &LeaseRecord, now: UnixTime) {
        match *rec {
            LeaseRecord::Bound { ip, mac, expires } if expires > now => {
                self.put(ip, mac, expires, LeaseState::Bound)
            }
            LeaseRecord::Bound { ip, mac, .. } | LeaseRecord::Released { ip, mac } => {
                self.remove_if_owner(&ip, &mac);
            }
            LeaseRecord::Declined { ip, until } => {
                if until > now {
                    let mac = self
                        .by_ip
                        .get(&ip)
                        .map(|l| l.mac)
                        .unwrap_or(MacAddr([0; 6]));
                    self.quarantine(ip, mac, until);
                }
            }
        }
    }

    /// The durable records that reproduce the live bound/quarantined state.
    pub fn snapshot(&self, now: UnixTime) -> Vec<LeaseRecord> {
        let mut v: Vec<LeaseRecord> = self
            .by_ip
            .values()
            .filter(|l| l.live(now))
            .filter_map(|l| match l.state {
                LeaseState::Bound => Some(LeaseRecord::Bound {
                    ip: l.ip,
                    mac: l.mac,
                    expires: l.expires,
                }),
                LeaseState::Quarantined => Some(LeaseRecord::Declined {
                    ip: l.ip,
                    until: l.expires,
                }),
                LeaseState::Offered => None,
            })
            .collect();
        v.sort_by_key(|r| match r {
            LeaseRecord::Bound { ip, .. }
            | LeaseRecord::Released { ip, .. }
            | LeaseRecord::Declined { ip, .. } => *ip,
        });
        v
    }

    pub fn len(&self) -> usize {
        self.by_ip.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_ip.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Lease> {
        self.by_ip.values()
    }
}
