//! `POST /queries/v1/query-request` (sync and async), `GET /queries/{id}/result`, aborts.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use snowglobe_error::{ErrorCode, SnowflakeError};
use snowglobe_session::{new_query_id, Request, StatementType};
use snowglobe_translate::binds::from_json_like;

use super::session::missing_token;
use crate::encode::{arrow, json as json_rows, rowtype, time_zone};
use crate::state::{lock, Answer, AppState, FinalContext, QueryState, SessionHandle};
use crate::wire::{decode_body, failure, success, token};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct QueryBody {
    #[serde(default)]
    sql_text: Option<String>,
    #[serde(default)]
    async_exec: bool,
    #[serde(default)]
    describe_only: bool,
    #[serde(default)]
    parameters: Map<String, Value>,
    #[serde(default)]
    bindings: Option<HashMap<String, Bind>>,
    #[serde(default)]
    bind_stage: Option<String>,
}

#[derive(Deserialize)]
struct Bind {
    #[serde(rename = "type", default)]
    sf_type: Option<String>,
    #[serde(default)]
    value: Value,
}

fn request_of(body: QueryBody) -> Result<Request, SnowflakeError> {
    let sql = body
        .sql_text
        .ok_or_else(|| SnowflakeError::bad_request("Missing sqlText in the query request."))?;
    let mut entries = HashMap::new();
    for (k, b) in body.bindings.unwrap_or_default() {
        let t = b.sf_type.unwrap_or_else(|| "TEXT".into());
        let (values, array) = match b.value {
            Value::Array(items) => (items.into_iter().map(value_text).collect(), true),
            other => (vec![value_text(other)], false),
        };
        entries.insert(k, (t, values, array));
    }
    Ok(Request {
        sql,
        bindings: from_json_like(entries)?,
        parameters: body.parameters,
        describe_only: body.describe_only,
        bind_stage: body.bind_stage,
        query_id: None,
    })
}

fn value_text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// Whether results go out as Arrow: the client's choice if it made one, else Arrow for Python
/// (what Snowflake sends it; `fetch_pandas_all` needs it) and JSON for everyone else. The Node
/// driver reads JSON only (Snowflake never sends it Arrow), whatever the session asks for.
fn wants_arrow(
    handle: &SessionHandle,
    params: &Map<String, Value>,
    session_format: Option<String>,
) -> bool {
    if handle.client.starts_with("JavaScript/") {
        return false;
    }
    let choice = [
        "PYTHON_CONNECTOR_QUERY_RESULT_FORMAT",
        "QUERY_RESULT_FORMAT",
    ]
    .iter()
    .find_map(|k| params.get(*k).and_then(Value::as_str).map(str::to_string))
    .or(session_format);
    match choice.map(|c| c.to_ascii_uppercase()) {
        Some(c) if c == "JSON" => false,
        Some(c) if c == "ARROW" || c == "ARROW_FORCE" => true,
        _ => handle.client.contains("PythonConnector"),
    }
}

/// Run a request on a session's blocking thread; store every answer for later fetches.
fn execute(
    state: &AppState,
    handle: &SessionHandle,
    request: Request,
    query_id: &str,
) -> Result<Arc<Answer>, SnowflakeError> {
    let mut session = lock(&handle.session);
    let session_format = session
        .params
        .text("PYTHON_CONNECTOR_QUERY_RESULT_FORMAT")
        .or_else(|| session.params.text("QUERY_RESULT_FORMAT"));
    let results = session.run(&request)?;
    let context = FinalContext::of(&session);
    let parameters = session.params.response_list();
    let arrow = wants_arrow(handle, &request.parameters, session_format);
    drop(session);
    let mut first: Option<Arc<Answer>> = None;
    for (i, mut result) in results.into_iter().enumerate() {
        if i == 0 {
            result.query_id = query_id.to_string();
        }
        let id = result.query_id.clone();
        let answer = Arc::new(Answer {
            result,
            context: context.clone(),
            parameters: parameters.clone(),
            arrow,
        });
        state.set_query(&id, QueryState::Done(Arc::clone(&answer)));
        first.get_or_insert(answer);
    }
    first.ok_or_else(|| SnowflakeError::internal("no result"))
}

/// The `data` object of a successful query answer.
pub fn answer_data(answer: &Answer) -> Result<Value, SnowflakeError> {
    let r = &answer.result;
    if let Some(transfer) = &r.transfer {
        let mut data = transfer.clone();
        data["queryId"] = json!(r.query_id);
        data["statementTypeId"] = json!(r.statement_type.id());
        data["parameters"] = json!(answer.parameters);
        data["finalDatabaseName"] = json!(answer.context.database);
        data["finalSchemaName"] = json!(answer.context.schema);
        return Ok(data);
    }
    let tz = time_zone(&answer.context.timezone);
    let mut data = json!({
        "queryId": r.query_id,
        "statementTypeId": r.statement_type.id(),
        "rowtype": rowtype::rowtype(&r.columns),
        "total": r.rows(),
        "returned": r.rows(),
        "finalDatabaseName": answer.context.database,
        "finalSchemaName": answer.context.schema,
        "finalWarehouseName": answer.context.warehouse,
        "finalRoleName": answer.context.role,
        "parameters": answer.parameters,
        "numberOfBinds": 0,
        "arrayBindSupported": true,
        "version": 1,
        "sendResultTime": chrono::Utc::now().timestamp_millis(),
        "queryContext": {"entries": []},
    });
    // Python reads DML counts from a JSON `rowset` (as Snowflake sends them): Arrow is for
    // query results only.
    if answer.arrow && r.statement_type == StatementType::Select {
        data["queryResultFormat"] = json!("arrow");
        data["rowsetBase64"] = json!(arrow::rowset_base64(&r.columns, &r.batches, &tz)?);
    } else {
        data["queryResultFormat"] = json!("json");
        data["rowset"] = Value::Array(json_rows::rowset(&r.columns, &r.batches, &tz)?);
    }
    if !r.child_ids.is_empty() {
        data["resultIds"] = json!(r.child_ids.join(","));
        data["resultTypes"] = json!(r
            .child_ids
            .iter()
            .map(|_| "4096")
            .collect::<Vec<_>>()
            .join(","));
    }
    Ok(data)
}

fn respond(result: Result<Arc<Answer>, SnowflakeError>, query_id: &str) -> Response {
    match result.and_then(|a| answer_data(&a)) {
        Ok(data) => success(data),
        Err(e) => failure(&e, Some(query_id)),
    }
}

pub async fn query(
    State(state): State<Arc<AppState>>,
    axum::extract::Query(url): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let handle = match token(&headers)
        .ok_or_else(missing_token)
        .and_then(|t| state.session(&t))
    {
        Ok(h) => h,
        Err(e) => return failure(&e, None),
    };
    let body: QueryBody = match decode_body(&headers, &body) {
        Ok(b) => b,
        Err(e) => return failure(&e, None),
    };
    let async_exec = body.async_exec;
    let request = match request_of(body) {
        Ok(r) => r,
        Err(e) => return failure(&e, None),
    };
    let query_id = new_query_id();
    // A request the client sends again (a retry after a lost answer, with the same requestId)
    // is answered with the first one's result, not run twice; unless that one failed.
    let request_id = url.get("requestId").filter(|r| !r.is_empty());
    let previous = match request_id {
        Some(r) => state.claim_request(handle.id, r, &query_id),
        None => {
            state.set_query(&query_id, QueryState::Running { session: handle.id });
            None
        }
    };
    if let Some(previous) = previous {
        if async_exec {
            return async_started(&previous);
        }
        loop {
            match state.query(&previous) {
                Some(QueryState::Done(answer)) => return respond(Ok(answer), &previous),
                Some(QueryState::Failed(e)) => return failure(&e, Some(&previous)),
                Some(QueryState::Running { .. }) => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                None => {
                    return failure(
                        &SnowflakeError::new(
                            ErrorCode::QueryNotFound,
                            format!("Query {previous} not found."),
                        ),
                        Some(&previous),
                    )
                }
            }
        }
    }
    let request = Request {
        query_id: Some(query_id.clone()),
        ..request
    };
    let run = {
        let state = Arc::clone(&state);
        let query_id = query_id.clone();
        move || {
            let result = execute(&state, &handle, request, &query_id);
            if let Err(e) = &result {
                state.set_query(&query_id, QueryState::Failed(e.clone()));
            }
            result
        }
    };
    if async_exec {
        tokio::task::spawn_blocking(run);
        return async_started(&query_id);
    }
    match tokio::task::spawn_blocking(run).await {
        Ok(result) => respond(result, &query_id),
        Err(e) => failure(&SnowflakeError::internal(e), Some(&query_id)),
    }
}

/// The answer to an asynchronous request: the query runs, its id tells where its result will be.
fn async_started(query_id: &str) -> Response {
    axum::Json(json!({
        "success": true,
        "code": "333334",
        "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
        "data": {
            "queryId": query_id,
            "getResultUrl": format!("/queries/{query_id}/result"),
            "queryAbortsAfterSecs": 300,
            "progressDesc": null,
        },
        "headers": null,
    }))
    .into_response()
}

/// `GET /queries/{id}/result`: a stored answer, or "in progress" while it runs.
pub async fn result(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = token(&headers)
        .ok_or_else(missing_token)
        .and_then(|t| state.session(&t))
    {
        return failure(&e, None);
    }
    match state.query(&id) {
        Some(QueryState::Done(answer)) => respond(Ok(answer), &id),
        Some(QueryState::Failed(e)) => failure(&e, Some(&id)),
        Some(QueryState::Running { .. }) => axum::Json(json!({
            "success": true,
            "code": "333333",
            "message": "Query execution in progress.",
            "data": {"queryId": id, "getResultUrl": format!("/queries/{id}/result")},
        }))
        .into_response(),
        None => failure(
            &SnowflakeError::new(ErrorCode::QueryNotFound, format!("Query {id} not found.")),
            Some(&id),
        ),
    }
}

fn interrupt(state: &AppState, id: &str) -> bool {
    match state.query(id) {
        Some(QueryState::Running { session }) => match state.session_by_id(session) {
            Some(h) => {
                h.interrupt.interrupt();
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// `POST /queries/{id}/abort-request`.
pub async fn abort(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    interrupt(&state, &id);
    success(json!(null))
}

/// `POST /queries/v1/abort-request` (by the original request id): interrupts the session's
/// running statement.
pub async fn abort_by_request(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(handle) = token(&headers).and_then(|t| state.session(&t).ok()) {
        handle.interrupt.interrupt();
    }
    success(json!(null))
}
