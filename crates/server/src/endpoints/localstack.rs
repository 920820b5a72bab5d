//! LocalStack's admin API (LOCALSTACK.md): health and info, so LocalStack's CLIs recognise a
//! Snowflake emulator here.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;
use crate::VERSION;

/// `GET /_localstack/health`: lstk needs a non-empty `version` and a `snowflake` service key.
pub async fn health(State(_state): State<Arc<AppState>>) -> Response {
    Json(json!({
        "version": VERSION,
        "edition": "snowglobe",
        "services": {"snowflake": "running"},
    }))
    .into_response()
}

/// `POST /_localstack/health` with `{"action": "kill"}`: stop the server (as SIGTERM does:
/// running requests finish, the state is closed cleanly). `restart` needs a supervisor
/// Snowglobe does not have, so it is refused with a message saying so.
pub async fn health_action(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let action = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("action").and_then(Value::as_str).map(str::to_string));
    match action.as_deref() {
        Some("kill") => {
            tracing::info!("stop requested through /_localstack/health");
            state.shutdown.notify_one();
            Json(json!({"status": "ok", "action": "kill"})).into_response()
        }
        Some("restart") => (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "error": true,
                "message": "restart is not supported: Snowglobe runs without a supervisor; \
                            stop it (action 'kill') and start it again",
            })),
        )
            .into_response(),
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "error": true,
                "message": "expected a JSON body {\"action\": \"kill\"}",
            })),
        )
            .into_response(),
    }
}

/// `GET /_localstack/info`.
pub async fn info(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({
        "version": VERSION,
        "edition": "snowglobe",
        "is_license_activated": false,
        "session_id": null,
        "sessions": state.session_count(),
    }))
    .into_response()
}

/// `GET /`: the reachability check LocalStack's CLI makes first.
pub async fn root() -> Response {
    Json(json!({"status": "running", "service": "snowglobe", "version": VERSION})).into_response()
}
