//! Session lifecycle: logout, heartbeat, token renewal (PROTOCOL.md §3).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use snowglobe_error::{ErrorCode, SnowflakeError};

use crate::state::AppState;
use crate::wire::{decode_body, failure, success, token};

/// `POST /session?delete=true`: forget the session; its temporary tables go with it.
pub async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(t) = token(&headers) {
        state.remove_session(&t);
    }
    success(json!(null))
}

/// `POST /session/heartbeat`.
pub async fn heartbeat(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match token(&headers)
        .ok_or_else(missing_token)
        .and_then(|t| state.session(&t))
    {
        Ok(_) => success(json!({})),
        Err(e) => failure(&e, None),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RenewBody {
    #[serde(default)]
    request_type: Option<String>,
}

/// `POST /session/token-request`: a new session token for the master token in the header.
pub async fn renew(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: RenewBody = match decode_body(&headers, &body) {
        Ok(b) => b,
        Err(e) => return failure(&e, None),
    };
    if body
        .request_type
        .as_deref()
        .is_some_and(|t| t != "RENEW" && t != "ISSUE")
    {
        return failure(
            &SnowflakeError::bad_request("Unsupported token request type."),
            None,
        );
    }
    let Some(master) = token(&headers) else {
        return failure(&missing_token(), None);
    };
    match state.renew(&master) {
        Ok(session_token) => success(json!({
            "sessionToken": session_token,
            "validityInSecondsST": 3600,
            "masterToken": master,
            "validityInSecondsMT": 14400,
            "masterValidityInSeconds": 14400,
        })),
        Err(e) => failure(&e, None),
    }
}

pub fn missing_token() -> SnowflakeError {
    SnowflakeError::new(
        ErrorCode::SessionExpired,
        "Session no longer exists.  New login required to access the service.",
    )
}
