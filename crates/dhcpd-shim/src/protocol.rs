//! The DHCPv4 core: a pure function of (state, packet, now) → (reply, lease
//! records to make durable, SMD write-backs, refresh wish).
//!
//! Owns RFC 2131's server side — DISCOVER/OFFER, REQUEST/ACK/NAK in every
//! client state, DECLINE, RELEASE, INFORM, relays — and ProxyDHCP. It never
//! touches a socket, a file, HTTP or the clock: the caller passes `now`, sends
//! [`Transmit`]s, and must make [`Outcome::records`] durable *before* sending
//! the reply that depends on them.

use std::net::{Ipv4Addr, SocketAddrV4};

use dhcproto::v4::{
    DhcpOption, DhcpOptions, Flags, HType, Message, MessageType, Opcode, OptionCode,
};
use dhcproto::{Decodable, Decoder, Encodable, Encoder};
use ipnet::Ipv4Net;
use ochami_types::MacAddr;

use crate::boot::{self, BootAnswer, BootClient, PXE_VENDOR_OPTIONS};
use crate::config::{Config, Mode, SubnetConfig};
use crate::lease::{LeaseBook, LeaseRecord, LeaseState, UnixTime};
use crate::smd::{Host, Reservations, SmdWrite};

/// Limit: larger datagrams are dropped unread.
pub const MAX_PACKET: usize = 1500;
/// Smallest BOOTP message: fixed header (236) + magic cookie (4).
pub const MIN_PACKET: usize = 240;
/// Limit: replies never exceed this (an Ethernet MTU minus IP and UDP headers).
pub const MAX_REPLY: usize = 1500 - 28;
/// RFC 2131: every client accepts 576-byte IP datagrams (548 bytes of DHCP).
pub const DEFAULT_REPLY: usize = 576 - 28;
/// Port of ProxyDHCP boot-server requests.
pub const PROXY_PORT: u16 = 4011;

const SERVER_PORT: u16 = 67;
const CLIENT_PORT: u16 = 68;
const MAGIC: [u8; 4] = [99, 130, 83, 99];

/// Counters; every dropped packet is counted under one reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub received: u64,
    /// Well-formed packets by DHCP message type: index = option 53's value
    /// (1 DISCOVER … 8 INFORM), 0 = any other type.
    pub received_by_type: [u64; 9],
    /// Replies built, by message type (same indices).
    pub sent_by_type: [u64; 9],
    /// Total of `malformed_by`.
    pub malformed: u64,
    pub malformed_by: Malformed,
    pub ignored: u64,
    pub no_subnet: u64,
    pub pool_exhausted: u64,
    /// Addresses offered (ProxyDHCP offers carry none and are not counted).
    pub offers: u64,
    /// Leases bound or renewed.
    pub acks: u64,
    pub naks: u64,
    pub declines: u64,
    pub releases: u64,
    pub informs: u64,
    /// ProxyDHCP answers (boot information only).
    pub proxy_replies: u64,
    pub oversize_replies: u64,
}

/// Malformed packets, by what was wrong with them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Malformed {
    /// Shorter than a BOOTP header and magic cookie.
    pub too_short: u64,
    /// Longer than [`MAX_PACKET`].
    pub too_long: u64,
    /// Not an Ethernet BOOTREQUEST with the DHCP magic cookie.
    pub not_bootrequest: u64,
    /// An option runs past the packet or has a length its type cannot have.
    pub bad_option: u64,
    /// Rejected by the DHCP decoder.
    pub undecodable: u64,
    /// No DHCP message type (option 53).
    pub no_message_type: u64,
    /// A REQUEST or DECLINE that names no address.
    pub no_address: u64,
}

/// Why [`decode_checked`] refused a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    TooShort,
    TooLong,
    NotBootRequest,
    BadOption,
    Undecodable,
}

impl Malformed {
    fn count(&mut self, e: DecodeError) {
        *match e {
            DecodeError::TooShort => &mut self.too_short,
            DecodeError::TooLong => &mut self.too_long,
            DecodeError::NotBootRequest => &mut self.not_bootrequest,
            DecodeError::BadOption => &mut self.bad_option,
            DecodeError::Undecodable => &mut self.undecodable,
        } += 1;
    }
}

/// The index of `kind` in [`Counters::received_by_type`] and `sent_by_type`.
pub fn type_index(kind: MessageType) -> usize {
    match u8::from(kind) {
        n @ 1..=8 => usize::from(n),
        _ => 0,
    }
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub to: SocketAddrV4,
    pub bytes: Vec<u8>,
    /// Set when `to` is an address the client does not have yet (RFC 2131
    /// unicast to `yiaddr`/`chaddr`): the I/O layer must make this link
    /// address known for `to` (an ARP entry) or fall back to broadcast.
    pub link_addr: Option<MacAddr>,
}

/// What one packet asks of the I/O layer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub reply: Option<Transmit>,
    /// Make these durable (fsync) before sending `reply`.
    pub records: Vec<LeaseRecord>,
    pub smd_writes: Vec<SmdWrite>,
    /// An unknown MAC asked: refresh the SMD cache soon (already rate-limited).
    pub refresh_smd: bool,
}

struct Subnet {
    net: Ipv4Net,
    cfg: SubnetConfig,
    /// Pool bounds as integers, inclusive.
    pool: Option<(u32, u32)>,
    /// Where the next pool scan starts.
    cursor: u32,
}

/// Why an address was chosen: an SMD reservation or the dynamic pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Reserved,
    Pool,
}

/// The server's whole state.
pub struct Dhcp {
    cfg: Config,
    subnets: Vec<Subnet>,
    leases: LeaseBook,
    smd: Reservations,
    last_miss_refresh: Option<UnixTime>,
    counters: Counters,
}

impl Dhcp {
    pub fn new(cfg: Config) -> Self {
        let subnets = cfg
            .subnets
            .iter()
            .map(|s| Subnet {
                net: s.cidr.trunc(),
                cfg: s.clone(),
                pool: s.pool.map(|p| (u32::from(p.start), u32::from(p.end))),
                cursor: 0,
            })
            .collect();
        Dhcp {
            cfg,
            subnets,
            leases: LeaseBook::default(),
            smd: Reservations::default(),
            last_miss_refresh: None,
            counters: Counters::default(),
        }
    }

    /// Replay durable records (at start).
    pub fn restore<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a LeaseRecord>,
        now: UnixTime,
    ) {
        for r in records {
            self.leases.apply(r, now);
        }
    }

    /// Swap in a fresh SMD cache.
    pub fn set_reservations(&mut self, r: Reservations) {
        self.smd = r;
    }

    pub fn reservations(&self) -> &Reservations {
        &self.smd
    }

    pub fn leases(&self) -> &LeaseBook {
        &self.leases
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Forget expired offers, leases and quarantines.
    pub fn expire(&mut self, now: UnixTime) -> usize {
        self.leases.expire(now)
    }

    /// Handle one datagram that arrived from `from` on local port `port`.
    pub fn handle(
        &mut self,
        now: UnixTime,
        from: SocketAddrV4,
        port: u16,
        bytes: &[u8],
    ) -> Outcome {
        self.counters.received += 1;
        let mut out = Outcome::default();
        let msg = match decode_checked(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.counters.malformed += 1;
                self.counters.malformed_by.count(e);
                return out;
            }
        };
        let Some(kind) = msg.opts().msg_type() else {
            self.counters.malformed += 1;
            self.counters.malformed_by.no_message_type += 1;
            return out;
        };
        self.counters.received_by_type[type_index(kind)] += 1;
        let mac = {
            let c = msg.chaddr();
            let mut m = [0u8; 6];
            m.copy_from_slice(&c[..6]);
            MacAddr(m)
        };
        if self.cfg.mode == Mode::Proxy || port == PROXY_PORT {
            self.proxy(&msg, kind, mac, from, port, &mut out);
            return out;
        }
        match kind {
            MessageType::Discover => self.discover(now, &msg, mac, &mut out),
            MessageType::Request => self.request(now, &msg, mac, &mut out),
            MessageType::Decline => self.decline(now, &msg, mac, &mut out),
            MessageType::Release => self.release(&msg, mac, &mut out),
            MessageType::Inform => self.inform(&msg, mac, &mut out),
            _ => self.counters.ignored += 1,
        }
        out
    }

    fn subnet_for(&self, msg: &Message) -> Option<usize> {
        let find = |ip: Ipv4Addr| self.subnets.iter().position(|s| s.net.contains(&ip));
        if !msg.giaddr().is_unspecified() {
            return find(msg.giaddr());
        }
        if !msg.ciaddr().is_unspecified() {
            if let Some(i) = find(msg.ciaddr()) {
                return Some(i);
            }
        }
        find(self.cfg.server_address).or(if self.subnets.len() == 1 {
            Some(0)
        } else {
            None
        })
    }

    /// The SMD reservation of `mac` on subnet `s`, if any.
    fn reserved_ip(&self, mac: &MacAddr, s: usize) -> Option<Ipv4Addr> {
        let net = self.subnets[s].net;
        self.smd
            .host(mac)
            .and_then(|h| h.ips.iter().copied().find(|ip| net.contains(ip)))
    }

    fn in_pool(&self, s: usize, ip: Ipv4Addr) -> bool {
        self.subnets[s]
            .pool
            .is_some_and(|(a, b)| (a..=b).contains(&u32::from(ip)))
    }

    /// Usable from the pool for `mac`: not SMD-reserved for another MAC, not
    /// held live by anyone else, not one of our own addresses.
    fn pool_ok(&self, s: usize, ip: Ipv4Addr, mac: &MacAddr, now: UnixTime) -> bool {
        let sub = &self.subnets[s];
        self.in_pool(s, ip)
            && ip != sub.net.network()
            && ip != sub.net.broadcast()
            && ip != self.cfg.server_address
            && !sub.cfg.routers.contains(&ip)
            && self.smd.owner(&ip).is_none_or(|m| m == *mac)
            && self.leases.free_for(&ip, mac, now)
    }

    fn choose(
        &mut self,
        now: UnixTime,
        msg: &Message,
        mac: &MacAddr,
        s: usize,
    ) -> Option<(Ipv4Addr, Source)> {
        if let Some(ip) = self.reserved_ip(mac, s) {
            if self.leases.free_for(&ip, mac, now) {
                return Some((ip, Source::Reserved));
            }
        }
        if let Some(l) = self.leases.of_mac(mac, now) {
            let ip = l.ip;
            if l.state != LeaseState::Quarantined && self.pool_ok(s, ip, mac, now) {
                return Some((ip, Source::Pool));
            }
        }
        if let Some(DhcpOption::RequestedIpAddress(ip)) =
            msg.opts().get(OptionCode::RequestedIpAddress)
        {
            if self.pool_ok(s, *ip, mac, now) {
                return Some((*ip, Source::Pool));
            }
        }
        let (a, b) = self.subnets[s].pool?;
        let size = b - a + 1;
        let start = self.subnets[s].cursor % size;
        for i in 0..size {
            let off = (start + i) % size;
            let ip = Ipv4Addr::from(a + off);
            if self.pool_ok(s, ip, mac, now) {
                self.subnets[s].cursor = (off + 1) % size;
                return Some((ip, Source::Pool));
            }
        }
        None
    }

    fn lease_secs(&self, s: usize, src: Source) -> u32 {
        let c = &self.subnets[s].cfg;
        let d = match src {
            Source::Reserved => c.lease_time,
            Source::Pool => c.pool_lease_time,
        };
        u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
    }

    fn note_miss(&mut self, now: UnixTime, mac: &MacAddr, out: &mut Outcome) {
        if self.cfg.smd_url.is_none() || self.smd.host(mac).is_some() {
            return;
        }
        let gap = self.cfg.smd_miss_refresh.as_secs();
        if self
            .last_miss_refresh
            .is_none_or(|t| now >= t.saturating_add(gap))
        {
            self.last_miss_refresh = Some(now);
            out.refresh_smd = true;
        }
    }

    fn discover(&mut self, now: UnixTime, msg: &Message, mac: MacAddr, out: &mut Outcome) {
        self.note_miss(now, &mac, out);
        let Some(s) = self.subnet_for(msg) else {
            self.counters.no_subnet += 1;
            return;
        };
        let Some((ip, src)) = self.choose(now, msg, &mac, s) else {
            self.counters.pool_exhausted += 1;
            return;
        };
        let already_bound = self
            .leases
            .of_mac(&mac, now)
            .is_some_and(|l| l.ip == ip && l.state == LeaseState::Bound);
        if !already_bound {
            let hold = self.cfg.offer_hold.as_secs();
            self.leases
                .put(ip, mac, now.saturating_add(hold), LeaseState::Offered);
        }
        let secs = self.lease_secs(s, src);
        if let Some(t) = self.reply(msg, MessageType::Offer, ip, Some(s), Some(secs), mac) {
            self.counters.offers += 1;
            out.reply = Some(t);
        }
    }

    /// May `mac` have `ip` on subnet `s` (REQUEST in INIT-REBOOT, RENEWING,
    /// REBINDING, SELECTING)?
    fn acceptable(&self, now: UnixTime, mac: &MacAddr, ip: Ipv4Addr, s: usize) -> Option<Source> {
        if let Some(r) = self.reserved_ip(mac, s) {
            // Rationale: a MAC newly known to SMD must move to its SMD address.
            return (r == ip && self.leases.free_for(&ip, mac, now)).then_some(Source::Reserved);
        }
        match self.leases.of_mac(mac, now) {
            Some(l)
                if l.ip == ip
                    && l.state != LeaseState::Quarantined
                    && self.pool_ok(s, ip, mac, now) =>
            {
                Some(Source::Pool)
            }
            _ => None,
        }
    }

    fn request(&mut self, now: UnixTime, msg: &Message, mac: MacAddr, out: &mut Outcome) {
        let opts = msg.opts();
        let server_id = match opts.get(OptionCode::ServerIdentifier) {
            Some(DhcpOption::ServerIdentifier(ip)) => Some(*ip),
            _ => None,
        };
        let requested = match opts.get(OptionCode::RequestedIpAddress) {
            Some(DhcpOption::RequestedIpAddress(ip)) => Some(*ip),
            _ => None,
        };
        let ciaddr = msg.ciaddr();
        let selecting = server_id.is_some();
        if let Some(sid) = server_id {
            if sid != self.cfg.server_address {
                // The client chose another server: free what we offered.
                if let Some(l) = self.leases.of_mac(&mac, now) {
                    if l.state == LeaseState::Offered {
                        let ip = l.ip;
                        self.leases.remove_if_owner(&ip, &mac);
                    }
                }
                self.counters.ignored += 1;
                return;
            }
        }
        let ip = match (requested, ciaddr.is_unspecified()) {
            (Some(ip), _) => ip,
            (None, false) => ciaddr,
            (None, true) => {
                self.counters.malformed += 1;
                self.counters.malformed_by.no_address += 1;
                return;
            }
        };
        let Some(s) = self.subnet_for(msg) else {
            self.counters.no_subnet += 1;
            return;
        };
        if !self.subnets[s].net.contains(&ip) {
            // Wrong network for this client (moved, or a stale lease).
            return self.nak(msg, mac, out);
        }
        match self.acceptable(now, &mac, ip, s) {
            Some(src) => self.ack(now, msg, mac, ip, s, src, out),
            // Rationale: in SELECTING the client asked *us*; in other states an
            // authoritative server corrects a client it has no lease for.
            None if selecting || self.cfg.authoritative => self.nak(msg, mac, out),
            None => self.counters.ignored += 1,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn ack(
        &mut self,
        now: UnixTime,
        msg: &Message,
        mac: MacAddr,
        ip: Ipv4Addr,
        s: usize,
        src: Source,
        out: &mut Outcome,
    ) {
        let secs = self.lease_secs(s, src);
        let expires = now.saturating_add(u64::from(secs));
        let new_binding = !self
            .leases
            .of_mac(&mac, now)
            .is_some_and(|l| l.ip == ip && l.state == LeaseState::Bound);
        self.leases.put(ip, mac, expires, LeaseState::Bound);
        out.records.push(LeaseRecord::Bound { ip, mac, expires });
        if new_binding && src == Source::Pool && self.cfg.smd_url.is_some() {
            out.smd_writes.push(match self.smd.host(&mac) {
                Some(_) => SmdWrite::AddAddress { mac, ip },
                None => SmdWrite::CreateInterface { mac, ip },
            });
        }
        if let Some(t) = self.reply(msg, MessageType::Ack, ip, Some(s), Some(secs), mac) {
            self.counters.acks += 1;
            out.reply = Some(t);
        }
    }

    fn nak(&mut self, msg: &Message, mac: MacAddr, out: &mut Outcome) {
        if let Some(t) = self.reply(
            msg,
            MessageType::Nak,
            Ipv4Addr::UNSPECIFIED,
            None,
            None,
            mac,
        ) {
            self.counters.naks += 1;
            out.reply = Some(t);
        }
    }

    fn decline(&mut self, now: UnixTime, msg: &Message, mac: MacAddr, out: &mut Outcome) {
        let ip = match msg.opts().get(OptionCode::RequestedIpAddress) {
            Some(DhcpOption::RequestedIpAddress(ip)) => *ip,
            _ => {
                self.counters.malformed += 1;
                self.counters.malformed_by.no_address += 1;
                return;
            }
        };
        let ours = self
            .leases
            .by_ip(&ip)
            .is_some_and(|l| l.mac == mac && l.live(now));
        if !ours {
            self.counters.ignored += 1;
            return;
        }
        let until = now.saturating_add(self.cfg.decline_quarantine.as_secs());
        self.leases.quarantine(ip, mac, until);
        out.records.push(LeaseRecord::Declined { ip, until });
        self.counters.declines += 1;
    }

    fn release(&mut self, msg: &Message, mac: MacAddr, out: &mut Outcome) {
        let ip = msg.ciaddr();
        let bound = self
            .leases
            .by_ip(&ip)
            .is_some_and(|l| l.mac == mac && l.state == LeaseState::Bound);
        if bound && self.leases.remove_if_owner(&ip, &mac) {
            out.records.push(LeaseRecord::Released { ip, mac });
            self.counters.releases += 1;
        } else {
            self.counters.ignored += 1;
        }
    }

    fn inform(&mut self, msg: &Message, mac: MacAddr, out: &mut Outcome) {
        let s = self.subnet_for(msg);
        if let Some(t) = self.reply(msg, MessageType::Ack, Ipv4Addr::UNSPECIFIED, s, None, mac) {
            self.counters.informs += 1;
            out.reply = Some(t);
        }
    }

    /// ProxyDHCP: boot information only, never an address.
    fn proxy(
        &mut self,
        msg: &Message,
        kind: MessageType,
        mac: MacAddr,
        from: SocketAddrV4,
        port: u16,
        out: &mut Outcome,
    ) {
        let client = boot::classify(msg);
        let wanted = match (kind, port) {
            (MessageType::Discover, SERVER_PORT) => Some(MessageType::Offer),
            (MessageType::Request, PROXY_PORT) => Some(MessageType::Ack),
            _ => None,
        };
        let (Some(reply_kind), false) = (wanted, client == BootClient::Plain) else {
            self.counters.ignored += 1;
            return;
        };
        let s = self.subnet_for(msg);
        let Some(mut t) = self.reply(msg, reply_kind, Ipv4Addr::UNSPECIFIED, s, None, mac) else {
            return;
        };
        if port == PROXY_PORT {
            // Rationale: boot-server requests come from a configured client; answer where it asked from.
            t.to = from;
        }
        self.counters.proxy_replies += 1;
        out.reply = Some(t);
    }

    /// Build a reply to `req`. `s` = subnet (None for NAK); `lease` = lease
    /// seconds (None for NAK, INFORM and ProxyDHCP).
    fn reply(
        &mut self,
        req: &Message,
        kind: MessageType,
        yiaddr: Ipv4Addr,
        s: Option<usize>,
        lease: Option<u32>,
        mac: MacAddr,
    ) -> Option<Transmit> {
        let mut m = Message::default();
        m.set_opcode(Opcode::BootReply)
            .set_htype(HType::Eth)
            .set_xid(req.xid())
            .set_flags(req.flags())
            .set_giaddr(req.giaddr())
            .set_chaddr(&mac.octets())
            .set_yiaddr(yiaddr);
        if kind != MessageType::Nak {
            m.set_ciaddr(req.ciaddr());
        }
        let mut opts = DhcpOptions::new();
        opts.insert(DhcpOption::MessageType(kind));
        opts.insert(DhcpOption::ServerIdentifier(self.cfg.server_address));
        // RFC 6842: echo the client identifier; RFC 3046: echo relay agent information.
        for code in [
            OptionCode::ClientIdentifier,
            OptionCode::RelayAgentInformation,
        ] {
            if let Some(o) = req.opts().get(code) {
                opts.insert(o.clone());
            }
        }
        let proxy = self.cfg.mode == Mode::Proxy;
        if kind == MessageType::Nak {
            opts.insert(DhcpOption::Message(
                "address not valid for this client here".into(),
            ));
        } else {
            let prl: Option<Vec<OptionCode>> =
                match req.opts().get(OptionCode::ParameterRequestList) {
                    Some(DhcpOption::ParameterRequestList(v)) => Some(v.clone()),
                    _ => None,
                };
            let wants = |c: OptionCode| prl.as_ref().is_none_or(|v| v.contains(&c));
            if let Some(secs) = lease {
                opts.insert(DhcpOption::AddressLeaseTime(secs));
                opts.insert(DhcpOption::Renewal(secs / 2));
                opts.insert(DhcpOption::Rebinding(secs / 8 * 7));
            }
            if let (Some(s), false) = (s, proxy) {
                let sub = &self.subnets[s];
                opts.insert(DhcpOption::SubnetMask(sub.net.netmask()));
                if wants(OptionCode::Router) && !sub.cfg.routers.is_empty() {
                    opts.insert(DhcpOption::Router(sub.cfg.routers.clone()));
                }
                let dns = sub
                    .cfg
                    .dns_servers
                    .as_ref()
                    .unwrap_or(&self.cfg.dns_servers);
                if wants(OptionCode::DomainNameServer) && !dns.is_empty() {
                    opts.insert(DhcpOption::DomainNameServer(dns.clone()));
                }
                if wants(OptionCode::BroadcastAddr) {
                    opts.insert(DhcpOption::BroadcastAddr(sub.net.broadcast()));
                }
                let domain = sub.cfg.domain.as_ref().or(self.cfg.domain.as_ref());
                if let (true, Some(d)) = (wants(OptionCode::DomainName), domain) {
                    opts.insert(DhcpOption::DomainName(clip(d)));
                }
                if wants(OptionCode::Hostname) && !yiaddr.is_unspecified() {
                    if let Some(h) = hostname(&self.cfg.hostname, self.smd.host(&mac), &mac) {
                        opts.insert(DhcpOption::Hostname(clip(&h)));
                    }
                }
            }
            let uefi = s.map(|s| self.subnets[s].cfg.uefi_boot).unwrap_or_default();
            let answer = boot::decide(boot::classify(req), mac, uefi, &self.cfg);
            self.apply_boot(&mut m, &mut opts, &answer, req, &wants);
        }
        m.set_opts(opts);
        let limit = match req.opts().get(OptionCode::MaxMessageSize) {
            Some(DhcpOption::MaxMessageSize(n)) => {
                (usize::from(*n).saturating_sub(28)).clamp(DEFAULT_REPLY, MAX_REPLY)
            }
            _ => DEFAULT_REPLY,
        };
        let bytes = self.fit(m, limit)?;
        self.counters.sent_by_type[type_index(kind)] += 1;
        let (to, link_addr) = destination(req, kind, yiaddr, mac);
        Some(Transmit {
            to,
            bytes,
            link_addr,
        })
    }

    fn apply_boot(
        &self,
        m: &mut Message,
        opts: &mut DhcpOptions,
        a: &BootAnswer,
        req: &Message,
        wants: &dyn Fn(OptionCode) -> bool,
    ) {
        if let Some(t) = a.tftp_server {
            m.set_siaddr(t);
            if wants(OptionCode::TFTPServerName) {
                opts.insert(DhcpOption::TFTPServerName(t.to_string().into_bytes()));
            }
        }
        if let Some(f) = &a.file {
            if f.len() < 128 {
                m.set_fname_str(f);
            }
            if (wants(OptionCode::BootfileName) || f.len() >= 128) && f.len() <= 255 {
                opts.insert(DhcpOption::BootfileName(f.clone().into_bytes()));
            }
        }
        if let Some(vc) = a.vendor_class {
            opts.insert(DhcpOption::ClassIdentifier(vc.as_bytes().to_vec()));
        }
        if a.pxe_vendor_options {
            opts.insert(DhcpOption::VendorExtensions(PXE_VENDOR_OPTIONS.to_vec()));
        }
        if a.file.is_some() {
            if let Some(DhcpOption::ClientMachineIdentifier(uuid)) =
                req.opts().get(OptionCode::ClientMachineIdentifier)
            {
                opts.insert(DhcpOption::ClientMachineIdentifier(uuid.clone()));
            }
        }
    }

    /// Encode, dropping the least needed options until the reply fits `limit`.
    fn fit(&mut self, mut m: Message, limit: usize) -> Option<Vec<u8>> {
        const DROP_ORDER: [OptionCode; 10] = [
            OptionCode::ClientMachineIdentifier,
            OptionCode::VendorExtensions,
            OptionCode::DomainName,
            OptionCode::Hostname,
            OptionCode::DomainNameServer,
            OptionCode::BroadcastAddr,
            OptionCode::Router,
            OptionCode::TFTPServerName,
            OptionCode::Message,
            OptionCode::BootfileName,
        ];
        let mut drops = DROP_ORDER.iter();
        loop {
            let mut buf = Vec::with_capacity(limit);
            let ok = m.encode(&mut Encoder::new(&mut buf)).is_ok();
            if ok && buf.len() <= limit {
                return Some(buf);
            }
            match drops.next() {
                Some(code) => {
                    m.opts_mut().remove(*code);
                }
                None => {
                    self.counters.oversize_replies += 1;
                    return None;
                }
            }
        }
    }
}

/// RFC 2131 §4.1: where a reply goes — the relay, the client's own address,
/// broadcast (NAK, broadcast flag), or unicast to `yiaddr` at `chaddr`.
fn destination(
    req: &Message,
    kind: MessageType,
    yiaddr: Ipv4Addr,
    mac: MacAddr,
) -> (SocketAddrV4, Option<MacAddr>) {
    if !req.giaddr().is_unspecified() {
        return (SocketAddrV4::new(req.giaddr(), SERVER_PORT), None);
    }
    if kind != MessageType::Nak && !req.ciaddr().is_unspecified() {
        return (SocketAddrV4::new(req.ciaddr(), CLIENT_PORT), None);
    }
    if kind == MessageType::Nak || req.flags().broadcast() || yiaddr.is_unspecified() {
        return (SocketAddrV4::new(Ipv4Addr::BROADCAST, CLIENT_PORT), None);
    }
    (SocketAddrV4::new(yiaddr, CLIENT_PORT), Some(mac))
}

/// Options longer than one TLV are cut, never sent malformed.
fn clip(s: &str) -> String {
    let mut end = s.len().min(255);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Expand the host-name pattern: `{id}` xname, `{nid}`, `{0N}` zero-padded
/// NID, `{mac}` MAC hex. `None` when a needed field is missing.
pub fn hostname(pattern: &str, host: Option<&Host>, mac: &MacAddr) -> Option<String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let key = &rest[open + 1..close];
        match key {
            "id" => out.push_str(host?.xname.as_ref()?.as_str()),
            "nid" => out.push_str(&host?.nid?.to_string()),
            "mac" => out.push_str(&mac.to_hex()),
            k if k.len() == 2 && k.starts_with('0') => {
                let width: usize = k[1..].parse().ok()?;
                out.push_str(&format!("{:0width$}", host?.nid?));
            }
            _ => return None,
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    (!out.is_empty()).then_some(out)
}

/// Decode a request, or `None` if it is not a well-formed Ethernet BOOTREQUEST.
pub fn decode(bytes: &[u8]) -> Option<Message> {
    decode_checked(bytes).ok()
}

/// Decode a request, or say why it is not a well-formed Ethernet BOOTREQUEST.
/// Checks what dhcproto's decoder assumes (it may panic in debug builds on
/// some malformed option lengths) before handing it the bytes.
pub fn decode_checked(bytes: &[u8]) -> Result<Message, DecodeError> {
    if bytes.len() < MIN_PACKET {
        return Err(DecodeError::TooShort);
    }
    if bytes.len() > MAX_PACKET {
        return Err(DecodeError::TooLong);
    }
    // op = BOOTREQUEST, htype = Ethernet, hlen = 6, magic cookie.
    if bytes[0] != 1 || bytes[1] != 1 || bytes[2] != 6 || bytes[236..240] != MAGIC {
        return Err(DecodeError::NotBootRequest);
    }
    // Per option code: total payload length, or None when absent.
    let mut total: [Option<usize>; 256] = [None; 256];
    let mut i = MIN_PACKET;
    while i < bytes.len() {
        let code = bytes[i];
        match code {
            0 => i += 1,
            255 => break,
            _ => {
                let len = usize::from(*bytes.get(i + 1).ok_or(DecodeError::BadOption)?);
                if i + 2 + len > bytes.len() {
                    return Err(DecodeError::BadOption);
                }
                let t = &mut total[usize::from(code)];
                *t = Some(t.unwrap_or(0) + len);
                i += 2 + len;
            }
        }
    }
    let bad = |code: usize, ok: &dyn Fn(usize) -> bool| total[code].is_some_and(|n| !ok(n));
    if bad(80, &|n| n == 0)
        || bad(81, &|n| n >= 3)
        || bad(94, &|n| n == 3)
        || bad(151, &|n| n >= 1)
        || (152..=155).any(|c| bad(c, &|n| n == 4))
        || bad(53, &|n| n == 1)
        || bad(50, &|n| n == 4)
        || bad(54, &|n| n == 4)
        || bad(57, &|n| n == 2)
        || bad(93, &|n| n >= 2 && n % 2 == 0)
    {
        return Err(DecodeError::BadOption);
    }
    let msg = Message::decode(&mut Decoder::new(bytes)).map_err(|_| DecodeError::Undecodable)?;
    if msg.opcode() == Opcode::BootRequest && msg.chaddr().len() == 6 {
        Ok(msg)
    } else {
        Err(DecodeError::Undecodable)
    }
}

/// Helper for tests and tools: a client request with the given options.
pub fn request_bytes(
    kind: MessageType,
    mac: MacAddr,
    xid: u32,
    build: impl FnOnce(&mut Message),
) -> Vec<u8> {
    let mut m = Message::default();
    m.set_opcode(Opcode::BootRequest)
        .set_htype(HType::Eth)
        .set_xid(xid)
        .set_flags(Flags::default())
        .set_chaddr(&mac.octets());
    m.opts_mut().insert(DhcpOption::MessageType(kind));
    build(&mut m);
    let mut buf = Vec::new();
    // Encoding a message we built cannot fail short of a dhcproto bug; an
    // empty buffer is then simply a malformed packet to the server.
    let _ = m.encode(&mut Encoder::new(&mut buf));
    buf
}
