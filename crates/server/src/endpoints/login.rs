//! `POST /session/v1/login-request`: any credentials are accepted; the session starts in the
//! context the client asked for (objects that do not exist leave that part empty).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use snowglobe_error::SnowflakeError;
use snowglobe_session::Session;

use crate::state::{new_token, AppState, SessionHandle};
use crate::wire::{decode_body, failure, success};

#[derive(Deserialize, Default)]
struct LoginBody {
    // Required: a login request without `data` is malformed (the clients always send it).
    data: LoginData,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct LoginData {
    #[serde(default)]
    login_name: Option<String>,
    #[serde(default)]
    account_name: Option<String>,
    #[serde(default)]
    session_parameters: HashMap<String, Value>,
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: LoginBody = match decode_body(&headers, &body) {
        Ok(b) => b,
        Err(e) => return failure(&e, None),
    };
    let client = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let user = body
        .data
        .login_name
        .clone()
        .unwrap_or_else(|| "TEST".into());
    let account = body
        .data
        .account_name
        .clone()
        .unwrap_or_else(|| "TEST".into());
    let id = state.next_session_id();
    let shared = Arc::clone(&state.shared);
    let created = tokio::task::spawn_blocking(move || -> Result<Session, SnowflakeError> {
        let mut session = Session::new(shared, id, &user, &account)?;
        // Connector 5.x sends every context parameter, empty when not given.
        let context = |name: &str| {
            query
                .get(name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        session.login_context(
            context("databaseName"),
            context("schemaName"),
            context("warehouse"),
            context("roleName"),
        )?;
        for (name, value) in &body.data.session_parameters {
            session.params.set_json(name, value);
        }
        Ok(session)
    })
    .await;
    let session = match created {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return failure(&e, None),
        Err(e) => return failure(&SnowflakeError::internal(e), None),
    };
    let info = json!({
        "databaseName": session.database,
        "schemaName": session.schema,
        "warehouseName": session.warehouse,
        "roleName": session.role,
    });
    let parameters = session.params.response_list();
    let display_name = session.user.clone();
    let master = new_token("MT");
    let handle = Arc::new(SessionHandle {
        id,
        interrupt: session.interrupt_handle(),
        session: Mutex::new(session),
        master_token: master.clone(),
        client,
    });
    let token = state.add_session(handle);
    tracing::info!(session = id, "login");
    success(json!({
        "token": token,
        "validityInSeconds": 3600,
        "masterToken": master,
        "masterValidityInSeconds": 14400,
        "sessionId": id,
        "serverVersion": snowglobe_translate::SNOWFLAKE_VERSION,
        "displayUserName": display_name,
        "firstLogin": false,
        "remMeToken": null,
        "remMeValidityInSeconds": 0,
        "healthCheckInterval": 45,
        "newClientForUpgrade": null,
        "idToken": null,
        "idTokenValidityInSeconds": 0,
        "mfaToken": null,
        "responseData": null,
        "sessionInfo": info,
        "parameters": parameters,
    }))
}
