//! Connections the simulator can cut on purpose (the `drop` and `drop_after` faults).
//!
//! Each accepted TCP stream is wrapped so a handler can mark it dropped through the request's
//! `ConnectInfo<ConnectionControl>`. From then on every read and write fails, so hyper abandons
//! the connection and closes the socket without writing a byte of the response: the client
//! sees a connection error, not an HTTP status.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A handle on one connection, available to handlers as `ConnectInfo<ConnectionControl>`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionControl {
    dropped: Arc<AtomicBool>,
}

impl ConnectionControl {
    /// Makes the connection fail instead of answering.
    pub fn drop_connection(&self) {
        self.dropped.store(true, Ordering::SeqCst);
    }

    fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::SeqCst)
    }
}

impl Connected<IncomingStream<'_, SimListener>> for ConnectionControl {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        stream.io().control.clone()
    }
}

/// A TCP listener whose connections can be dropped from inside a request.
#[derive(Debug)]
pub(crate) struct SimListener {
    inner: TcpListener,
}

impl SimListener {
    pub fn new(inner: TcpListener) -> Self {
        Self { inner }
    }
}

impl Listener for SimListener {
    type Io = SimStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    // Small JSON answers should not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    let stream = SimStream {
                        inner: stream,
                        control: ConnectionControl::default(),
                    };
                    return (stream, addr);
                }
                // Usually "too many open files": wait for connections to close rather than
                // spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that fails every read and write once its connection is dropped.
#[derive(Debug)]
pub(crate) struct SimStream {
    inner: TcpStream,
    control: ConnectionControl,
}

fn dropped_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by a grid-sim fault",
    )
}

impl AsyncRead for SimStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.control.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.control.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.control.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.control.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
