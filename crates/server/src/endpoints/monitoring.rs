//! `GET /monitoring/queries/{id}`: a query's status by Snowflake's QueryStatus names.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use crate::state::{AppState, QueryState};
use crate::wire::success;

pub async fn status(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let entry = match state.query(&id) {
        Some(QueryState::Running { .. }) => {
            json!({"id": id, "status": "RUNNING", "errorCode": null, "errorMessage": null})
        }
        Some(QueryState::Done(_)) => {
            json!({"id": id, "status": "SUCCESS", "errorCode": null, "errorMessage": null})
        }
        Some(QueryState::Failed(e)) => json!({
            "id": id, "status": "FAILED_WITH_ERROR",
            "errorCode": e.code(), "errorMessage": e.message, "sqlState": e.sqlstate(),
        }),
        None => return success(json!({"queries": []})),
    };
    success(json!({"queries": [entry]}))
}
