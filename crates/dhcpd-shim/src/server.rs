//! The thin tokio layer around the core: the UDP sockets (port 67, and 4011
//! in ProxyDHCP mode), the lease journal (group-committed: one fsync per batch
//! of packets, always before the batch's replies leave), the SMD refresh and
//! write-back tasks, and the expiry timer.
//!
//! Decides nothing about DHCP: every packet goes to [`Dhcp::handle`].

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ochami_service::metrics::listener::{self, MetricsServer};
use ochami_service::metrics::{scrape_channel, ScrapeRequests};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

use crate::config::{Config, Mode};
use crate::lease::{LeaseRecord, UnixTime};
use crate::lease_file::{LeaseFile, COMPACT_SLACK};
use crate::metrics::IoCounters;
use crate::protocol::{Dhcp, Outcome, Transmit, MAX_PACKET, PROXY_PORT};
use crate::smd::{Reservations, SmdClient, SmdWrite};

/// Limit: packets handled per journal commit.
pub const BATCH: usize = 256;
/// Limit: SMD write-backs queued; more are dropped (and logged).
pub const WRITE_QUEUE: usize = 1024;
/// Limit: how long start-up waits for the first SMD answer.
pub const FIRST_FETCH: Duration = Duration::from_secs(5);
/// How often expired leases are swept and the journal maybe compacted.
pub const SWEEP: Duration = Duration::from_secs(10);

/// Wall-clock seconds since the Unix epoch.
pub fn unix_now() -> UnixTime {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A running server; dropping it does not stop it, [`Running::stop`] does.
pub struct Running {
    pub local_addr: SocketAddrV4,
    /// Where `GET /metrics` is served, when `metrics_listen` is set.
    pub metrics_addr: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    join: JoinHandle<()>,
    tasks: Vec<JoinHandle<()>>,
    metrics: Option<MetricsServer>,
}

impl Running {
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(m) = self.metrics.take() {
            m.stop().await;
        }
        let _ = (&mut self.join).await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Start, then serve until SIGINT/SIGTERM.
pub async fn run(cfg: Config) -> Result<(), String> {
    let running = start(cfg).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot install SIGTERM handler: {e}"))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}

fn bind(cfg: &Config, port: u16) -> Result<UdpSocket, String> {
    let addr = SocketAddrV4::new(*cfg.listen.ip(), port);
    let err = |what: &str, e: std::io::Error| format!("cannot {what} {addr}: {e}");
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| err("create socket for", e))?;
    s.set_reuse_address(true)
        .map_err(|e| err("set SO_REUSEADDR on", e))?;
    s.set_broadcast(true)
        .map_err(|e| err("set SO_BROADCAST on", e))?;
    if let Some(ifname) = &cfg.interface {
        s.bind_device(Some(ifname.as_bytes())).map_err(|e| {
            format!("cannot bind to interface {ifname} (DHCPD_SHIM_INTERFACE): {e}")
        })?;
    }
    // Rationale: a burst of 10 000 clients must not overflow the default
    // buffer; as root, SO_RCVBUFFORCE goes past net.core.rmem_max.
    force_recv_buffer(&s, RECV_BUFFER);
    s.set_nonblocking(true)
        .map_err(|e| err("set non-blocking on", e))?;
    s.bind(&SocketAddr::V4(addr).into())
        .map_err(|e| err("bind", e))?;
    UdpSocket::from_std(s.into()).map_err(|e| err("register", e))
}

/// Limit: socket receive buffer asked for (bytes).
pub const RECV_BUFFER: usize = 8 << 20;

fn force_recv_buffer(s: &Socket, bytes: usize) {
    use std::os::fd::AsRawFd;
    let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: setsockopt with a valid fd, option and a c_int-sized value.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        let _ = s.set_recv_buffer_size(bytes);
    }
}

/// Open the journal, fetch SMD once, bind, and spawn the tasks.
pub async fn start(cfg: Config) -> Result<Running, String> {
    cfg.validate()?;
    let now = unix_now();
    let (journal, live) = LeaseFile::open(&cfg.lease_file, now).map_err(|e| {
        format!(
            "lease file {} (DHCPD_SHIM_LEASE_FILE): {e}",
            cfg.lease_file.display()
        )
    })?;
    let mut core = Dhcp::new(cfg.clone());
    core.restore(&live, now);
    tracing::info!(leases = live.len(), file = %cfg.lease_file.display(), "lease journal loaded");

    let smd = match &cfg.smd_url {
        Some(u) => Some(SmdClient::new(u)?),
        None => None,
    };
    if let Some(c) = &smd {
        match tokio::time::timeout(FIRST_FETCH, c.fetch()).await {
            Ok(Ok(r)) => {
                tracing::info!(hosts = r.len(), "SMD cache loaded");
                core.set_reservations(r);
            }
            Ok(Err(e)) => {
                tracing::warn!("SMD not reachable yet, serving without reservations: {e}")
            }
            Err(_) => tracing::warn!(
                "SMD did not answer within {FIRST_FETCH:?}; serving without reservations"
            ),
        }
    }

    let sock = Arc::new(bind(&cfg, cfg.listen.port())?);
    let local_addr = match sock.local_addr() {
        Ok(SocketAddr::V4(a)) => a,
        _ => cfg.listen,
    };
    let proxy_sock = match cfg.mode {
        Mode::Proxy => Some(Arc::new(bind(&cfg, PROXY_PORT)?)),
        Mode::Server => None,
    };

    let (res_tx, res_rx) = mpsc::channel::<Reservations>(4);
    let (write_tx, write_rx) = mpsc::channel::<SmdWrite>(WRITE_QUEUE);
    let miss = Arc::new(Notify::new());
    let mut tasks = Vec::new();
    if let Some(c) = smd {
        tasks.push(tokio::spawn(refresh_loop(
            c.clone(),
            cfg.smd_refresh,
            miss.clone(),
            res_tx,
        )));
        tasks.push(tokio::spawn(write_loop(c, write_rx)));
    }
    // Without a listener the scraper is dropped and the loop never hears a scrape.
    let (scraper, scrapes) = scrape_channel();
    let (metrics, metrics_addr) = match cfg.metrics_listen {
        Some(addr) => {
            let err = |e: std::io::Error| {
                format!("cannot serve metrics on {addr} (DHCPD_SHIM_METRICS_LISTEN): {e}")
            };
            let tcp = std::net::TcpListener::bind(addr).map_err(err)?;
            let bound = tcp.local_addr().map_err(err)?;
            let server = listener::serve(tcp, scraper).map_err(err)?;
            (Some(server), Some(bound))
        }
        None => (None, None),
    };
    let (stop_tx, stop_rx) = oneshot::channel();
    let join = tokio::spawn(packet_loop(
        core, journal, sock, proxy_sock, res_rx, write_tx, miss, stop_rx, scrapes,
    ));
    tracing::info!(
        listen = %local_addr,
        interface = cfg.interface.as_deref().unwrap_or("*"),
        mode = ?cfg.mode,
        metrics = ?metrics_addr,
        "dhcpd-shim serving"
    );
    Ok(Running {
        local_addr,
        metrics_addr,
        stop: Some(stop_tx),
        join,
        tasks,
        metrics,
    })
}

async fn refresh_loop(
    c: SmdClient,
    every: Duration,
    miss: Arc<Notify>,
    tx: mpsc::Sender<Reservations>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = miss.notified() => {}
        }
        match c.fetch().await {
            Ok(r) => {
                if tx.send(r).await.is_err() {
                    return;
                }
            }
            // Rationale: SMD down → keep serving from the last good cache.
            Err(e) => tracing::warn!("SMD refresh failed, keeping the last cache: {e}"),
        }
    }
}

async fn write_loop(c: SmdClient, mut rx: mpsc::Receiver<SmdWrite>) {
    while let Some(w) = rx.recv().await {
        match c.write(&w).await {
            Ok(()) => tracing::info!(?w, "recorded in SMD"),
            Err(e) => tracing::warn!(?w, "SMD write-back failed: {e}"),
        }
    }
}

/// Work for the journal thread, in order.
enum JournalJob {
    /// Make `records` durable, then send `replies`.
    Commit {
        records: Vec<LeaseRecord>,
        replies: Vec<(Transmit, bool)>,
    },
    /// Rewrite the journal as exactly this live state.
    Compact(Vec<LeaseRecord>),
}

/// Limit: batches queued for the journal thread before the packet loop waits.
pub const JOURNAL_QUEUE: usize = 64;

/// The journal thread: group commit. It takes every batch queued while the
/// previous fsync ran, writes them, fsyncs once, and only then sends their
/// replies — so the packet loop keeps receiving while the disk works.
fn journal_thread(
    iface: Option<String>,
    mut journal: LeaseFile,
    rx: std::sync::mpsc::Receiver<JournalJob>,
    sock: std::net::UdpSocket,
    proxy: Option<std::net::UdpSocket>,
    dropped: Arc<AtomicU64>,
) {
    let mut records = Vec::new();
    let mut replies = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                JournalJob::Commit {
                    records: r,
                    replies: t,
                } => {
                    records.extend(r);
                    replies.extend(t);
                }
                JournalJob::Compact(live) => {
                    flush(
                        &iface,
                        &mut journal,
                        &mut records,
                        &mut replies,
                        &sock,
                        proxy.as_ref(),
                        &dropped,
                    );
                    if let Err(e) = journal.compact(&live) {
                        tracing::error!("lease journal compaction failed: {e}");
                    }
                }
            }
            next = rx.try_recv().ok();
        }
        flush(
            &iface,
            &mut journal,
            &mut records,
            &mut replies,
            &sock,
            proxy.as_ref(),
            &dropped,
        );
    }
}

fn flush(
    iface: &Option<String>,
    journal: &mut LeaseFile,
    records: &mut Vec<LeaseRecord>,
    replies: &mut Vec<(Transmit, bool)>,
    sock: &std::net::UdpSocket,
    proxy: Option<&std::net::UdpSocket>,
    dropped: &AtomicU64,
) {
    if let Err(e) = journal.append(records) {
        // Rationale: an ACK for a lease that is not durable could be handed out twice.
        tracing::error!(
            "lease journal write failed, dropping {} replies: {e}",
            replies.len()
        );
        dropped.fetch_add(replies.len() as u64, Ordering::Relaxed);
        replies.clear();
    }
    records.clear();
    for (t, via_proxy) in replies.drain(..) {
        let s = match (proxy, via_proxy) {
            (Some(p), true) => p,
            _ => sock,
        };
        let to = link_destination(s, iface.as_deref(), &t);
        // The fd is shared with the non-blocking tokio socket: retry briefly when full.
        for _ in 0..100 {
            match s.send_to(&t.bytes, to) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_micros(100))
                }
                Err(e) => {
                    tracing::debug!(to = %t.to, "send failed: {e}");
                    break;
                }
                Ok(_) => break,
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn packet_loop(
    mut core: Dhcp,
    journal: LeaseFile,
    sock: Arc<UdpSocket>,
    proxy: Option<Arc<UdpSocket>>,
    mut res_rx: mpsc::Receiver<Reservations>,
    write_tx: mpsc::Sender<SmdWrite>,
    miss: Arc<Notify>,
    mut stop: oneshot::Receiver<()>,
    mut scrapes: ScrapeRequests,
) {
    let clone = |s: &UdpSocket| {
        // SAFETY-free dup: borrow the fd and clone it through socket2.
        socket2::SockRef::from(s)
            .try_clone()
            .map(std::net::UdpSocket::from)
    };
    let (jtx, jrx) = std::sync::mpsc::sync_channel::<JournalJob>(JOURNAL_QUEUE);
    let (jsock, jproxy) = match (clone(&sock), proxy.as_deref().map(clone).transpose()) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("cannot clone the DHCP socket: {e}");
            return;
        }
    };
    let mut lines = journal.lines();
    let iface = core.config().interface.clone();
    let jiface = iface.clone();
    let journal_dropped = Arc::new(AtomicU64::new(0));
    let jdropped = journal_dropped.clone();
    let jthread = std::thread::Builder::new()
        .name("lease-journal".into())
        .spawn(move || journal_thread(jiface, journal, jrx, jsock, jproxy, jdropped));
    let jthread = match jthread {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("cannot start the journal thread: {e}");
            return;
        }
    };
    let mut buf = vec![0u8; MAX_PACKET + 1];
    let mut pbuf = vec![0u8; MAX_PACKET + 1];
    let mut dropped_writes = 0u64;
    let mut tick = tokio::time::interval(SWEEP);
    let mut records = Vec::new();
    let mut durable_replies: Vec<(Transmit, bool)> = Vec::new();
    let mut replies: Vec<(Transmit, bool)> = Vec::new();
    loop {
        let mut take = |core: &mut Dhcp,
                        n: usize,
                        from: SocketAddr,
                        port: u16,
                        buf: &[u8],
                        via_proxy: bool| {
            let SocketAddr::V4(from) = from else { return };
            let out: Outcome = core.handle(unix_now(), from, port, &buf[..n]);
            let needs_disk = !out.records.is_empty();
            records.extend(out.records);
            if let Some(t) = out.reply {
                if needs_disk {
                    durable_replies.push((t, via_proxy));
                } else {
                    replies.push((t, via_proxy));
                }
            }
            for w in out.smd_writes {
                if write_tx.try_send(w).is_err() {
                    dropped_writes += 1;
                    // Rationale: one line per drop would flood the log under load.
                    if dropped_writes.is_power_of_two() {
                        tracing::warn!(
                            dropped_writes,
                            "SMD write-back queue full; dropping writes"
                        );
                    }
                }
            }
            if out.refresh_smd {
                miss.notify_one();
            }
        };
        tokio::select! {
            _ = &mut stop => break,
            reply = scrapes.next() => {
                let io = IoCounters {
                    journal_dropped_replies: journal_dropped.load(Ordering::Relaxed),
                    smd_writes_dropped: dropped_writes,
                };
                let now = unix_now();
                let _ = reply.send(crate::metrics::render(&core.counters(), core.leases(), now, &io));
                continue;
            }
            Some(r) = res_rx.recv() => {
                tracing::debug!(hosts = r.len(), "SMD cache refreshed");
                core.set_reservations(r);
                continue;
            }
            _ = tick.tick() => {
                let now = unix_now();
                core.expire(now);
                if lines >= core.leases().len() + COMPACT_SLACK {
                    let live = core.leases().snapshot(now);
                    lines = live.len();
                    let _ = block(|| jtx.send(JournalJob::Compact(live)));
                }
                continue;
            }
            r = sock.recv_from(&mut buf) => match r {
                Ok((n, from)) => take(&mut core, n, from, 67, &buf, false),
                Err(e) => { tracing::warn!("recv: {e}"); continue; }
            },
            r = recv_opt(proxy.as_deref(), &mut pbuf) => match r {
                Ok((n, from)) => take(&mut core, n, from, PROXY_PORT, &pbuf, true),
                Err(e) => { tracing::warn!("recv: {e}"); continue; }
            },
        }
        // Drain what else is queued, up to BATCH, so one fsync covers them all.
        for _ in 1..BATCH {
            match sock.try_recv_from(&mut buf) {
                Ok((n, from)) => take(&mut core, n, from, 67, &buf, false),
                Err(_) => break,
            }
        }
        if !records.is_empty() {
            lines += records.len();
            let job = JournalJob::Commit {
                records: std::mem::take(&mut records),
                replies: std::mem::take(&mut durable_replies),
            };
            // Blocks only when the disk is JOURNAL_QUEUE batches behind: back-pressure.
            if block(|| jtx.send(job)).is_err() {
                tracing::error!("journal thread gone; stopping");
                break;
            }
        }
        for (t, via_proxy) in replies.drain(..) {
            let s = match (&proxy, via_proxy) {
                (Some(p), true) => p,
                _ => &sock,
            };
            let to = link_destination(s.as_ref(), iface.as_deref(), &t);
            if let Err(e) = s.send_to(&t.bytes, to).await {
                tracing::debug!(to = %t.to, "send failed: {e}");
            }
        }
    }
    drop(jtx);
    let _ = tokio::task::spawn_blocking(move || jthread.join()).await;
    let c = core.counters();
    tracing::info!(?c, "packet loop stopped");
}

/// Run a blocking call from the packet loop without starving other tasks.
fn block<T>(f: impl FnOnce() -> T) -> T {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

async fn recv_opt(s: Option<&UdpSocket>, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    match s {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

/// Where to send `t`: for a unicast to an address the client does not have
/// yet, add an ARP entry (`SIOCSARP`, as dnsmasq does) on our interface so the
/// kernel can deliver it; when that is not possible, broadcast instead.
fn link_destination(
    s: &impl std::os::fd::AsRawFd,
    iface: Option<&str>,
    t: &Transmit,
) -> SocketAddrV4 {
    let broadcast = SocketAddrV4::new(std::net::Ipv4Addr::BROADCAST, t.to.port());
    let (Some(mac), Some(iface)) = (t.link_addr, iface) else {
        return if t.link_addr.is_some() {
            broadcast
        } else {
            t.to
        };
    };
    // SAFETY: arpreq is plain old data; all-zero is a valid value.
    let mut req: libc::arpreq = unsafe { std::mem::zeroed() };
    let pa = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(*t.to.ip()).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in fits in sockaddr (both 16 bytes); unaligned write of POD.
    unsafe {
        std::ptr::write_unaligned(
            (&mut req.arp_pa as *mut libc::sockaddr).cast::<libc::sockaddr_in>(),
            pa,
        )
    };
    req.arp_ha.sa_family = libc::ARPHRD_ETHER;
    for (d, b) in req.arp_ha.sa_data.iter_mut().zip(mac.octets()) {
        *d = b as libc::c_char;
    }
    const ATF_COM: libc::c_int = 0x02; // linux/if_arp.h: completed entry
    req.arp_flags = ATF_COM;
    for (d, b) in req.arp_dev.iter_mut().take(15).zip(iface.bytes()) {
        *d = b as libc::c_char;
    }
    // SAFETY: SIOCSARP with a valid socket fd and a fully initialised arpreq.
    let rc = unsafe { libc::ioctl(s.as_raw_fd(), libc::SIOCSARP, &req as *const libc::arpreq) };
    if rc == 0 {
        t.to
    } else {
        broadcast
    }
}
