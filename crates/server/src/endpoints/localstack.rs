//! LocalStack's admin API (LOCALSTACK.md): health and info, so LocalStack's CLIs recognise a
//! Snowflake emulator here.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

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
