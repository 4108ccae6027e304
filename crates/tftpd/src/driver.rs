//! The tokio layer: owns the UDP sockets and the timer, and moves datagrams and
//! time between them and the sans-IO [`Endpoint`].
//!
//! One task runs the endpoint; each transfer's ephemeral socket (its TID) has a
//! small reader task that forwards datagrams to it. No protocol decisions here.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ochami_service::metrics::ScrapeRequests;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cache::FileCache;
use crate::codec::MAX_DATAGRAM;
use crate::endpoint::{Endpoint, TransferEvent, TransferId, Transmit, Via};
use crate::metrics::{self, IoCounters};

/// Receive buffer for a transfer's socket. Only ACKs and ERRORs belong there;
/// anything longer is garbage and is dropped truncated, which keeps memory per
/// transfer small under a boot storm.
const TRANSFER_DATAGRAM: usize = 1024;

/// Datagrams from transfer sockets waiting for the endpoint.
const INBOX: usize = 4096;

/// Datagrams handled per wake-up before queued sends are flushed.
const BATCH: usize = 64;

type Inbound = (TransferId, SocketAddr, Vec<u8>);

struct TransferSocket {
    socket: Arc<UdpSocket>,
    reader: JoinHandle<()>,
}

impl Drop for TransferSocket {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Run the endpoint on `listener` until `shutdown` fires, answering metrics
/// scrapes between datagrams.
pub(crate) async fn drive(
    mut endpoint: Endpoint<FileCache>,
    listener: UdpSocket,
    mut shutdown: oneshot::Receiver<()>,
    mut scrapes: ScrapeRequests,
) {
    let mut io = IoCounters::default();
    let bind_ip = listener
        .local_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let (inbox_tx, mut inbox) = mpsc::channel::<Inbound>(INBOX);
    let mut sockets: HashMap<TransferId, TransferSocket> = HashMap::new();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let timer = tokio::time::sleep(std::time::Duration::from_secs(3600));
    tokio::pin!(timer);
    loop {
        let deadline = endpoint.poll_timeout();
        if let Some(d) = deadline {
            let d = Instant::from_std(d);
            if timer.deadline() != d {
                timer.as_mut().reset(d);
            }
        }
        tokio::select! {
            _ = &mut shutdown => break,
            reply = scrapes.next() => {
                let _ = reply.send(metrics::render(endpoint.stats(), endpoint.active_transfers(), &io));
                continue;
            }
            r = listener.recv_from(&mut buf) => match r {
                Ok((n, from)) => endpoint.handle(std::time::Instant::now(), Via::Listener, from, &buf[..n]),
                Err(e) => {
                    io.receive_errors += 1;
                    tracing::debug!(error = %e, "receive on listener failed");
                }
            },
            Some((id, from, bytes)) = inbox.recv() => {
                let now = std::time::Instant::now();
                endpoint.handle(now, Via::Transfer(id), from, &bytes);
                // Under load many ACKs wait at once: take them in one go, then
                // flush once, instead of a trip round the select per datagram.
                for _ in 0..BATCH {
                    let Ok((id, from, bytes)) = inbox.try_recv() else { break };
                    endpoint.handle(now, Via::Transfer(id), from, &bytes);
                }
            }
            _ = &mut timer, if deadline.is_some() => {
                // Never earlier than the deadline, so a due transfer always
                // moves and an elapsed timer cannot spin.
                let now = std::time::Instant::now();
                endpoint.handle_timeout(deadline.map_or(now, |d| now.max(d)));
            }
        }
        flush(
            &mut endpoint,
            &listener,
            &mut sockets,
            &inbox_tx,
            bind_ip,
            &mut io,
        )
        .await;
    }
    let s = endpoint.stats();
    tracing::info!(
        completed = s.completed,
        refused = s.refused,
        timed_out = s.timed_out,
        malformed = s.malformed,
        "tftp server stopped"
    );
}

/// Open sockets for new transfers, send what the endpoint queued, then close
/// the sockets of finished transfers (after their last ERROR went out).
async fn flush(
    endpoint: &mut Endpoint<FileCache>,
    listener: &UdpSocket,
    sockets: &mut HashMap<TransferId, TransferSocket>,
    inbox: &mpsc::Sender<Inbound>,
    bind_ip: IpAddr,
    io: &mut IoCounters,
) {
    let mut closing = Vec::new();
    while let Some(event) = endpoint.poll_event() {
        match event {
            TransferEvent::Opened(id) => match open_transfer_socket(id, bind_ip, inbox) {
                Ok(s) => {
                    sockets.insert(id, s);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot bind a transfer socket");
                    endpoint.abort(id);
                }
            },
            TransferEvent::Closed(id) => closing.push(id),
        }
    }
    while let Some(Transmit { via, to, payload }) = endpoint.poll_transmit() {
        let socket = match via {
            Via::Listener => listener,
            Via::Transfer(id) => match sockets.get(&id) {
                Some(s) => &*s.socket,
                None => continue,
            },
        };
        match send(socket, &payload, to).await {
            Ok(()) => {
                io.datagrams_sent += 1;
                io.bytes_sent += payload.len() as u64;
            }
            Err(e) => {
                // Lost datagrams are the retransmit timer's job.
                io.send_errors += 1;
                tracing::debug!(error = %e, %to, "send failed");
            }
        }
    }
    for id in closing {
        sockets.remove(&id);
    }
}

async fn send(socket: &UdpSocket, payload: &[u8], to: SocketAddr) -> io::Result<()> {
    match socket.try_send_to(payload, to) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            socket.send_to(payload, to).await.map(drop)
        }
        r => r.map(drop),
    }
}

fn open_transfer_socket(
    id: TransferId,
    ip: IpAddr,
    inbox: &mpsc::Sender<Inbound>,
) -> io::Result<TransferSocket> {
    let std_socket = std::net::UdpSocket::bind(SocketAddr::new(ip, 0))?;
    std_socket.set_nonblocking(true)?;
    let socket = Arc::new(UdpSocket::from_std(std_socket)?);
    let reader_socket = socket.clone();
    let inbox = inbox.clone();
    let reader = tokio::spawn(async move {
        let mut buf = [0u8; TRANSFER_DATAGRAM];
        loop {
            match reader_socket.recv_from(&mut buf).await {
                Ok((n, from)) => {
                    if inbox.send((id, from, buf[..n].to_vec())).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    // The transfer times out on its own; do not spin on a broken socket.
                    tracing::debug!(error = %e, "receive on transfer socket failed");
                    break;
                }
            }
        }
    });
    Ok(TransferSocket { socket, reader })
}
