//! Request bodies and response envelopes.
//!
//! Application errors are HTTP 200 with `"success": false` (PROTOCOL.md §1.4: clients retry 4xx
//! and 5xx until they time out). Bodies may be gzip-compressed (Python 4.x always compresses).

use std::io::Read;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use snowglobe_error::SnowflakeError;

/// The largest decompressed request body accepted (a guard against gzip bombs).
pub(crate) const MAX_BODY: u64 = 1 << 30;

/// Decode a JSON request body, gunzipping it when the client compressed it.
pub fn decode_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, SnowflakeError> {
    let gzip = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"))
        || body.starts_with(&[0x1f, 0x8b]);
    let text = if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .take(MAX_BODY)
            .read_to_end(&mut out)
            .map_err(|e| SnowflakeError::bad_request(format!("Invalid gzip request body: {e}")))?;
        out
    } else {
        body.to_vec()
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        return serde_json::from_str("{}")
            .map_err(|e| SnowflakeError::bad_request(format!("Invalid request body: {e}")));
    }
    serde_json::from_slice(&text)
        .map_err(|e| SnowflakeError::bad_request(format!("Invalid JSON request body: {e}")))
}

/// The token from `Authorization: Snowflake Token="..."` (or `Bearer ...`).
pub fn token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    if let Some(rest) = value.strip_prefix("Snowflake Token=") {
        let t = rest.trim().trim_matches('"');
        return (!t.is_empty() && t != "None").then(|| t.to_string());
    }
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// `{"success": true, "data": data}`.
pub fn success(data: Value) -> Response {
    Json(json!({"success": true, "code": null, "message": null, "data": data})).into_response()
}

/// Snowflake's failure envelope, HTTP 200.
pub fn failure(error: &SnowflakeError, query_id: Option<&str>) -> Response {
    Json(failure_body(error, query_id)).into_response()
}

pub fn failure_body(error: &SnowflakeError, query_id: Option<&str>) -> Value {
    json!({
        "success": false,
        "code": error.code(),
        "message": error.message,
        "data": {
            "internalError": false,
            "errorCode": error.code(),
            "sqlState": error.sqlstate(),
            "queryId": query_id,
            "age": 0,
            "line": -1,
            "pos": -1,
            "type": if error.code.is_compilation() { "COMPILATION" } else { "EXECUTION" },
        },
        "headers": null,
    })
}

/// Unknown paths: 404 with a JSON body (clients raise "HTTP 404" immediately, no retry).
pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"success": false, "code": "404", "message": "Not found.", "data": null})),
    )
        .into_response()
}
