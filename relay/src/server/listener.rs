//! The relay's TCP listener with a limit on connections per client IP address, so one host
//! cannot take every socket the relay has. A connection over the limit is closed as soon as it
//! is accepted (and counted in `webfn_connections_refused_total`).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Connections one client IP address may hold open by default.
pub const DEFAULT_CONNECTIONS_PER_IP: usize = 256;

/// Open connections by client address, shared with every connection's guard.
#[derive(Debug, Default)]
pub struct ConnectionCounts {
    open: Mutex<HashMap<IpAddr, usize>>,
    refused: AtomicU64,
}

impl ConnectionCounts {
    /// Connections refused because their address was at its limit.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A [`TcpListener`] that keeps at most `max_per_ip` connections per client address.
#[derive(Debug)]
pub struct LimitedListener {
    inner: TcpListener,
    max_per_ip: usize,
    counts: Arc<ConnectionCounts>,
}

impl LimitedListener {
    /// Wraps `inner`; `counts` may be shared with `/metrics`.
    pub fn new(inner: TcpListener, max_per_ip: usize, counts: Arc<ConnectionCounts>) -> Self {
        LimitedListener {
            inner,
            max_per_ip: max_per_ip.max(1),
            counts,
        }
    }

    /// Takes a slot for `ip`, or `None` when it has none left.
    fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.counts.open();
        let count = open.entry(ip).or_default();
        if *count >= self.max_per_ip {
            drop(open);
            self.counts.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        *count += 1;
        Some(Slot {
            ip,
            counts: Arc::clone(&self.counts),
        })
    }
}

/// One admitted connection's place in the count, given back when the connection is dropped.
#[derive(Debug)]
struct Slot {
    ip: IpAddr,
    counts: Arc<ConnectionCounts>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.counts.open();
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// An admitted connection.
#[derive(Debug)]
pub struct LimitedStream {
    stream: TcpStream,
    _slot: Slot,
}

impl axum::serve::Listener for LimitedListener {
    type Io = LimitedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (LimitedStream, SocketAddr) {
        loop {
            let (stream, address) = axum::serve::Listener::accept(&mut self.inner).await;
            if let Some(slot) = self.admit(address.ip()) {
                let _ = stream.set_nodelay(true);
                return (
                    LimitedStream {
                        stream,
                        _slot: slot,
                    },
                    address,
                );
            }
            drop(stream); // over the limit: closed at once
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

impl AsyncRead for LimitedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for LimitedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn a_client_over_its_limit_is_closed_and_its_slots_come_back() {
        let inner = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let address = inner.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let counts = Arc::new(ConnectionCounts::default());
        let mut listener = LimitedListener::new(inner, 2, Arc::clone(&counts));
        let accepted = tokio::spawn(async move {
            let mut kept = Vec::new();
            for _ in 0..3 {
                kept.push(axum::serve::Listener::accept(&mut listener).await.0);
            }
            kept
        });
        let connect = || async {
            TcpStream::connect(address)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let first = connect().await;
        let _second = connect().await;
        let mut third = connect().await; // refused: closed by the server
        let mut byte = [0u8; 1];
        assert_eq!(third.read(&mut byte).await.unwrap_or(1), 0);
        assert_eq!(counts.refused(), 1);
        // a slot is held as long as the server keeps the connection, whatever the client does
        drop(first);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(counts.open().get(&address.ip()).copied(), Some(2));
        let mut fourth = connect().await;
        assert_eq!(fourth.read(&mut byte).await.unwrap_or(1), 0);
        assert_eq!(counts.refused(), 2);
        assert!(!accepted.is_finished());
        accepted.abort();
        let _ = accepted.await;
        // the server side of both connections is gone: every slot is back
        assert_eq!(counts.open().get(&address.ip()), None);
    }
}
