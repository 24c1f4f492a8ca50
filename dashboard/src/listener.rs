//! The dashboard's connections: at most `max_connections` at once (a further one
//! waits in the kernel's backlog until one closes), and none held by a client that
//! sends no request.
//!
//! Each accepted connection is wrapped in [`Guarded`], which closes it when the
//! client has not sent a whole request head (up to its blank line) within
//! `header_timeout` of the connection opening or of the last response byte: idle
//! keep-alive connections and slow-loris clients alike. Trickled bytes do not move
//! the deadline. Once a head is in, no deadline runs while the server answers,
//! however long the answer takes; request bodies have their own limits where they
//! are read (uploads: a time limit between chunks).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Limits of the connections (`[dashboard]` of md2030.toml).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_connections: 512, header_timeout: Duration::from_secs(15) }
    }
}

/// A TCP listener that applies [`Limits`].
#[derive(Debug)]
pub struct GuardedListener {
    inner: TcpListener,
    permits: Arc<Semaphore>,
    limits: Limits,
}

impl GuardedListener {
    pub fn new(inner: TcpListener, limits: Limits) -> GuardedListener {
        GuardedListener {
            inner,
            permits: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            limits,
        }
    }
}

impl axum::serve::Listener for GuardedListener {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Guarded, SocketAddr) {
        let permit = match self.permits.clone().acquire_owned().await {
            Ok(permit) => permit,
            // The semaphore is never closed.
            Err(_) => std::future::pending().await,
        };
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (Guarded::new(stream, permit, self.limits), addr);
                }
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it
                    // was accepted: wait a little rather than spin.
                    tracing::warn!(%err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection with a request-head deadline (see the module documentation).
#[derive(Debug)]
pub struct Guarded {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
    limits: Limits,
    /// True while a request head is awaited: the deadline runs.
    awaiting_head: bool,
    /// The last bytes read, to find the blank line ending a head across reads.
    tail: [u8; 3],
    deadline: Pin<Box<Sleep>>,
}

impl Guarded {
    fn new(stream: TcpStream, permit: OwnedSemaphorePermit, limits: Limits) -> Guarded {
        Guarded {
            stream,
            _permit: permit,
            limits,
            awaiting_head: true,
            tail: [0; 3],
            deadline: Box::pin(tokio::time::sleep(limits.header_timeout)),
        }
    }

    /// Looks for the blank line (CR LF CR LF) that ends a request head.
    fn scan(&mut self, bytes: &[u8]) {
        let mut window = self.tail;
        for &b in bytes {
            if window == *b"\r\n\r" && b == b'\n' {
                self.awaiting_head = false;
            }
            window = [window[1], window[2], b];
        }
        self.tail = window;
    }

    /// After a write: bytes went out, so the answer is under way.
    fn note(&mut self, written: &Poll<std::io::Result<usize>>) {
        if matches!(written, Poll::Ready(Ok(n)) if *n > 0) {
            self.answered();
        }
    }

    /// The server wrote: the next request head has `header_timeout` from now.
    fn answered(&mut self) {
        self.awaiting_head = true;
        self.tail = [0; 3];
        let at = Instant::now() + self.limits.header_timeout;
        self.deadline.as_mut().reset(at);
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if self.awaiting_head {
                    let fresh = buf.filled()[before..].to_vec();
                    self.scan(&fresh);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                if self.awaiting_head && self.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client sent no whole request head in time",
                    )));
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, data);
        self.note(&written);
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.note(&written);
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(flavor = "current_thread")]
    async fn a_silent_client_is_closed_and_a_prompt_one_is_answered() {
        let inner = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = inner.local_addr().unwrap();
        let limits = Limits { max_connections: 4, header_timeout: Duration::from_millis(300) };
        let mut listener = GuardedListener::new(inner, limits);
        let server = tokio::spawn(async move {
            for _ in 0..2 {
                let (mut io, _) = axum::serve::Listener::accept(&mut listener).await;
                tokio::spawn(async move {
                    let mut buf = [0u8; 256];
                    match io.read(&mut buf).await {
                        Ok(n) if n > 0 => {
                            let _ =
                                io.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
                            // Then the keep-alive connection idles: closed after the deadline.
                            let _ = io.read(&mut buf).await;
                        }
                        other => {
                            let kind = other.err().map(|e| e.kind());
                            assert_eq!(kind, Some(std::io::ErrorKind::TimedOut));
                        }
                    }
                });
            }
        });
        let started = Instant::now();
        let mut silent = TcpStream::connect(addr).await.unwrap();
        let mut prompt = TcpStream::connect(addr).await.unwrap();
        prompt.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut reply = [0u8; 64];
        let n = prompt.read(&mut reply).await.unwrap();
        assert!(reply[..n].starts_with(b"HTTP/1.1 200"));
        // The silent one is closed by the server: its read ends (0 bytes).
        let mut byte = [0u8; 1];
        let n = silent.read(&mut byte).await.unwrap_or(0);
        assert_eq!(n, 0);
        assert!(started.elapsed() >= Duration::from_millis(250));
        server.await.unwrap();
    }
}
