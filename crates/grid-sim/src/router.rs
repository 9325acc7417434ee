//! The routes and the middleware every Grid route goes through: observe (outermost) → faults
//! → Basic auth → handler. `/_sim/…` controls only need auth.

use axum::body::{to_bytes, Body};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;

use crate::config::Exchange;
use crate::connection::ConnectionControl;
use crate::error::ApiError;
use crate::faults::{self, ConnectionDropped};
use crate::handlers;
use crate::limits::MAX_BODY_BYTES;
use crate::sim::Sim;

/// The routes: Grid's (observed, faulty on demand, authenticated) and `/_sim/…` (authenticated).
pub(crate) fn router(sim: Sim) -> Router {
    let grid = Router::new()
        .route(
            "/platform/internal-accounts",
            get(handlers::list_platform_internal_accounts),
        )
        .route(
            "/customers/internal-accounts",
            get(handlers::list_customer_internal_accounts),
        )
        .route(
            "/platform/external-accounts",
            get(handlers::list_platform_external_accounts),
        )
        .route(
            "/customers/external-accounts",
            get(handlers::list_customer_external_accounts),
        )
        .route(
            "/sandbox/internal-accounts/{accountId}/fund",
            post(handlers::fund_internal_account),
        )
        .route(
            "/internal-accounts/{id}",
            patch(handlers::update_internal_account),
        )
        .route("/config", get(handlers::platform_config))
        .fallback(handlers::unknown_route)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            require_credentials,
        ))
        .layer(middleware::from_fn_with_state(sim.clone(), inject_fault))
        .layer(middleware::from_fn_with_state(sim.clone(), observe));
    let controls = Router::new()
        .route("/_sim/reset", post(handlers::sim_reset))
        .route(
            "/_sim/faults",
            post(handlers::sim_arm_fault).delete(handlers::sim_clear_faults),
        )
        .route("/_sim/state", get(handlers::sim_state))
        .route(
            "/_sim/internal-accounts/{id}",
            patch(handlers::sim_edit_internal_account),
        )
        .route("/_sim/{*rest}", axum::routing::any(handlers::unknown_route))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            require_credentials,
        ));
    controls
        .merge(grid)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(sim)
}

/// Middleware: HTTP Basic auth before anything else is looked at.
async fn require_credentials(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    match sim.check_credentials(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

/// Middleware: applies the next armed fault, if any, to a request on a Grid route.
async fn inject_fault(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let Some(fault) = sim.take_fault() else {
        return next.run(request).await;
    };
    let connection = request.extensions().get::<ConnectionControl>().cloned();
    faults::apply(fault, connection, request, next).await
}

/// Middleware: reports each response sent on a Grid route to the observer.
async fn observe(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let Some(observer) = sim.observer().cloned() else {
        return next.run(request).await;
    };
    let method = request.method().to_string();
    let path = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let response = next.run(request).await;
    if response.extensions().get::<ConnectionDropped>().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            return ApiError::internal(format!("The response could not be read back: {err}"))
                .into_response()
        }
    };
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
    });
    observer(&Exchange {
        method,
        path,
        status: parts.status.as_u16(),
        body,
    });
    Response::from_parts(parts, Body::from(bytes))
}
