//! One accepted TCP connection, wrapped for two jobs hyper cannot be asked to do:
//!
//! - **Cut on purpose** (the `drop` and `drop_after` faults): a handler marks the connection
//!   dropped through the request's [`ConnectionControl`] extension. From then on every read and
//!   write fails, so hyper abandons the connection and closes the socket without writing a byte
//!   of the response: the client sees a connection error, not an HTTP status.
//! - **Grid error bodies for hyper's own answers**: a request whose head hyper cannot parse
//!   (malformed, a URI over 64 KiB, a head over `limits::HYPER_MAX_BUF`, more than
//!   `limits::HYPER_MAX_HEADERS` headers) never reaches a route; hyper answers it itself with
//!   400, 414 or 431 and an *empty* body, then closes. The simulator's own answers never have an
//!   empty 4xx body, so such a response is hyper's, and it is replaced on its way out by the
//!   same status with Grid's `{status, code, message}` body.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::limits;

/// A handle on one connection, available to handlers as a request extension.
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

/// A TCP stream that fails every read and write once its connection is dropped, and that sends
/// a Grid error body in place of hyper's empty automatic answers.
#[derive(Debug)]
pub(crate) struct SimStream {
    inner: TcpStream,
    control: ConnectionControl,
    /// A replacement being written, and the length of the write it stands for.
    replacing: Option<Replacement>,
}

#[derive(Debug)]
struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    stands_for: usize,
}

impl SimStream {
    pub fn new(inner: TcpStream, control: ConnectionControl) -> Self {
        Self {
            inner,
            control,
            replacing: None,
        }
    }
}

fn dropped_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by a grid-sim fault",
    )
}

/// The Grid-error response that replaces `head` when it is one of hyper's automatic answers:
/// `HTTP/1.x 400|414|431 …` with `content-length: 0` and no `content-type`, written whole in
/// one go.
fn replacement_for(head: &[u8]) -> Option<Vec<u8>> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = std::str::from_utf8(&head[..end]).ok()?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let status = status_line
        .strip_prefix("HTTP/1.")?
        .get(2..5)?
        .parse::<u16>()
        .ok()?;
    let headers: Vec<(&str, &str)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    let has = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| *value)
    };
    // Every answer of the simulator's own has a typed body; hyper's has none.
    let automatic = has("content-length") == Some("0") && has("content-type").is_none();
    if !automatic || end + 4 != head.len() {
        return None;
    }
    let error = limits::for_automatic_answer(status)?;
    let body = error.body_json();
    let mut response = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        error.status.as_u16(),
        error.status.canonical_reason().unwrap_or_default(),
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    Some(response)
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

impl SimStream {
    /// Writes `buf`, or its replacement when it is one of hyper's automatic answers (the
    /// replacement is written whole before the write of `buf` is reported done).
    fn write_or_replace(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.control.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        if self.replacing.is_none() {
            self.replacing = replacement_for(buf).map(|bytes| Replacement {
                bytes,
                written: 0,
                stands_for: buf.len(),
            });
        }
        let Some(replacement) = &mut self.replacing else {
            return Pin::new(&mut self.inner).poll_write(cx, buf);
        };
        while replacement.written < replacement.bytes.len() {
            let rest = &replacement.bytes[replacement.written..];
            match Pin::new(&mut self.inner).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => replacement.written += n,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let stands_for = replacement.stands_for;
        self.replacing = None;
        Poll::Ready(Ok(stands_for))
    }
}

impl AsyncWrite for SimStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_or_replace(cx, buf)
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
        // hyper writes an automatic answer as one head and nothing else.
        let first = bufs.iter().find(|b| !b.is_empty());
        let head_only = bufs.iter().filter(|b| !b.is_empty()).count() == 1;
        match first {
            Some(head)
                if this.replacing.is_some() || (head_only && replacement_for(head).is_some()) =>
            {
                this.write_or_replace(cx, head)
            }
            _ => Pin::new(&mut this.inner).poll_write_vectored(cx, bufs),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_answers_become_grid_errors() {
        let head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 05:11:40 GMT\r\n\r\n";
        let replaced = String::from_utf8(replacement_for(head).expect("replaced")).expect("text");
        assert!(
            replaced.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{replaced}"
        );
        let body = replaced.split("\r\n\r\n").nth(1).expect("a body");
        let body: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(body["status"], 431);
        assert_eq!(body["code"], "INVALID_REQUEST_FORMAT");
    }

    #[test]
    fn the_simulators_own_answers_pass_untouched() {
        for head in [
            // Grid error bodies are never empty, and are typed even when a HEAD answer has none.
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 80\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n",
            // An empty 200 or 404, or a head with its body in the same write.
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}",
            b"not HTTP at all",
        ] {
            assert!(
                replacement_for(head).is_none(),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }
}
