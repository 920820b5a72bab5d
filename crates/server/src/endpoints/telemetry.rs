//! `POST /telemetry/send`: accepted and dropped (Node sends it right after login).

use axum::response::Response;
use serde_json::json;

use crate::wire::success;

pub async fn send() -> Response {
    success(json!(null))
}
