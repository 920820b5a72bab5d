//! The HTTP face of Snowglobe: Snowflake's client protocol (PROTOCOL.md) and LocalStack's
//! `/_localstack/` API, over the sessions of [`snowglobe_session`].
//!
//! Layout:
//! - [`run`] / [`router`]: the axum router and server loop (shutdown is a future, so tests start
//!   and stop servers on port 0 freely).
//! - [`state`]: sessions by token, query results by id.
//! - [`wire`]: request bodies (gzip or plain) and the success/failure envelopes.
//! - [`endpoints`]: one file per endpoint family (login, query, session, monitoring, telemetry,
//!   localstack, pods: LocalStack's state and pod API).
//! - [`encode`]: results as Snowflake JSON rowsets or Arrow IPC with Snowflake field metadata.

pub mod encode;
pub mod endpoints;
pub mod state;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

pub use state::AppState;

/// The Snowglobe version reported by health and login.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Every route of the server.
pub fn router(state: Arc<AppState>) -> Router {
    use endpoints::*;
    Router::new()
        .route("/session/v1/login-request", post(login::login))
        .route("/session/token-request", post(session::renew))
        .route("/session/heartbeat", post(session::heartbeat))
        .route("/session", post(session::logout))
        .route("/session/logout", post(session::logout))
        .route("/queries/v1/query-request", post(query::query))
        .route("/queries/v1/abort-request", post(query::abort_by_request))
        .route("/queries/{id}/result", get(query::result))
        .route("/queries/{id}/abort-request", post(query::abort))
        .route("/monitoring/queries/{id}", get(monitoring::status))
        // The 5.x connector asks with an empty path segment.
        .route("/monitoring/queries//{id}", get(monitoring::status))
        .route("/telemetry/send", post(telemetry::send))
        .route(
            "/_localstack/health",
            get(localstack::health).post(localstack::health_action),
        )
        .route("/_localstack/info", get(localstack::info))
        .route("/_localstack/pods/state", get(pods::export_state))
        .route("/_localstack/pods/state/metamodel", get(pods::metamodel))
        .route(
            "/_localstack/pods",
            get(pods::list_pods).post(pods::import_state),
        )
        .route("/_localstack/pods/remotes", get(pods::list_remotes))
        .route(
            "/_localstack/pods/remotes/{name}",
            get(pods::get_remote)
                .post(pods::put_remote)
                .put(pods::put_remote)
                .delete(pods::delete_remote),
        )
        .route(
            "/_localstack/pods/{name}",
            post(pods::save_pod)
                .put(pods::load_pod)
                .delete(pods::delete_pod),
        )
        .route("/_localstack/pods/{name}/versions", get(pods::pod_versions))
        .route("/_localstack/pods/{name}/inspect", get(pods::inspect_pod))
        .route("/_localstack/pods/{name}/diff", get(pods::pod_diff))
        .route("/_localstack/pods/environment", get(pods::environment))
        .route("/_localstack/state/reset", post(pods::reset_state))
        .route(
            "/_localstack/state/snowflake/reset",
            post(pods::reset_state),
        )
        .route("/_localstack/state/save", post(pods::save_state))
        .route("/_localstack/state/snowflake/save", post(pods::save_state))
        .route("/_localstack/state/load", post(pods::load_state))
        .route("/_localstack/state/snowflake/load", post(pods::load_state))
        .route("/", get(localstack::root))
        .fallback(wire::not_found)
        // Bind values may be large (a VARCHAR holds 16 MB; the 5.x connector sends big
        // `executemany` batches inline and uncompressed): accept what `decode_body` accepts.
        .layer(axum::extract::DefaultBodyLimit::max(
            wire::MAX_BODY as usize,
        ))
        .with_state(state)
}

/// Serve until `shutdown` completes. Returns the bound address through `bound` first.
pub async fn run(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
