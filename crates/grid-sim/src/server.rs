//! Serving the router over HTTP/1.1 with hyper directly (as `axum::serve` does inside, which
//! exposes no connection settings): a header-read timeout, hyper's head limits set above the
//! simulator's own (see `limits`), the head checks and Grid's base path handled before routing,
//! and a graceful stop that ends every connection before it returns, so the state file's lock
//! is free once a simulator has stopped.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::uri::PathAndQuery;
use axum::http::{Request, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::connection::{ConnectionControl, SimStream};
use crate::limits::{self, HYPER_MAX_BUF, HYPER_MAX_HEADERS};

/// Grid's base path (API 2025-10-13): the simulator also answers under it, so a base URL
/// copied from Grid's docs (`https://api.lightspark.com/grid/2025-10-13`) works with only the
/// host changed.
pub const GRID_BASE_PATH: &str = "/grid/2025-10-13";

/// How long a stop waits for in-flight requests before cutting their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` until `stop` fires (or its sender is dropped), then lets
/// in-flight requests finish (up to a few seconds) and returns once every connection has ended.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    mut stop: oneshot::Receiver<()>,
) {
    let (stopping, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(
                        stream,
                        router.clone(),
                        header_read_timeout,
                        stopped.clone(),
                    ));
                }
                // Usually "too many open files": wait for connections to close rather than
                // spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut stop => break,
        }
    }
    drop(listener);
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    header_read_timeout: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    // Small JSON answers should not wait for Nagle.
    let _ = stream.set_nodelay(true);
    let control = ConnectionControl::default();
    let io = TokioIo::new(SimStream::new(stream, control.clone()));
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let router = router.clone();
        let control = control.clone();
        async move { Ok::<_, Infallible>(answer(router, control, request).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size(HYPER_MAX_BUF);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let stop_asked = tokio::select! {
        _ = connection.as_mut() => false,
        asked = stopped.wait_for(|stop| *stop) => asked.is_ok(),
    };
    if stop_asked {
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
    }
}

/// Checks the head, strips Grid's base path, and routes.
async fn answer(
    router: Router,
    control: ConnectionControl,
    request: Request<Incoming>,
) -> Response {
    if let Err(refusal) = limits::check_head(&request) {
        return refusal.into_response();
    }
    let mut request = request.map(Body::new);
    strip_base_path(&mut request);
    request.extensions_mut().insert(control);
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// `/grid/2025-10-13/platform/…` → `/platform/…` (any other path is left alone).
fn strip_base_path(request: &mut Request<Body>) {
    let Some(target) = request.uri().path_and_query() else {
        return;
    };
    let Some(rest) = target.as_str().strip_prefix(GRID_BASE_PATH) else {
        return;
    };
    let rest = match rest.chars().next() {
        None => "/".to_owned(),
        Some('/') => rest.to_owned(),
        Some('?') => format!("/{rest}"),
        // `/grid/2025-10-130`: not the base path.
        Some(_) => return,
    };
    let Ok(stripped) = rest.parse::<PathAndQuery>() else {
        return;
    };
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = Some(stripped);
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(target: &str) -> String {
        let mut request = Request::get(target).body(Body::empty()).expect("a request");
        strip_base_path(&mut request);
        request.uri().to_string()
    }

    #[test]
    fn grids_base_path_is_stripped_and_nothing_else() {
        assert_eq!(
            stripped("/grid/2025-10-13/platform/internal-accounts?currency=USD"),
            "/platform/internal-accounts?currency=USD"
        );
        assert_eq!(stripped("/grid/2025-10-13"), "/");
        assert_eq!(stripped("/grid/2025-10-13?x=1"), "/?x=1");
        assert_eq!(
            stripped("/grid/2025-10-130/config"),
            "/grid/2025-10-130/config"
        );
        assert_eq!(
            stripped("/grid/2025-10-12/config"),
            "/grid/2025-10-12/config"
        );
        assert_eq!(stripped("/config"), "/config");
    }
}
