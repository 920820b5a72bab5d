//! LocalStack's state and pod API (LOCALSTACK.md, "The HTTP API behind the CLIs"), with its
//! request and response shapes, over [`snowglobe_state::StateService`]. Snowglobe's own CLI
//! uses these endpoints when a server is running.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use snowglobe_state::pods::parse_reference;
use snowglobe_state::service::describe_version;
use snowglobe_state::{StateError, StateService, Strategy};
use tokio::io::AsyncWriteExt;

use crate::state::AppState;

type Params = Query<HashMap<String, String>>;

fn service(state: &AppState) -> Result<&StateService, StateError> {
    state
        .state_service
        .as_ref()
        .ok_or_else(|| StateError::Internal("state management is not configured".into()))
}

fn error(e: StateError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        Json(json!({"error": true, "message": snowglobe_state::pods::redact(&e.to_string())})),
    )
        .into_response()
}

fn ndjson(status: StatusCode, lines: &[Value]) -> Response {
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    (
        status,
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        body,
    )
        .into_response()
}

/// `?databases=A,B` (Snowglobe) or `?services=` (LocalStack: `snowflake` or empty means all;
/// a list of other services only means none).
fn databases(params: &HashMap<String, String>) -> Option<Vec<String>> {
    if !wants_snowflake(params.get("services").map(|s| s.split(','))) {
        return Some(vec![]);
    }
    params
        .get("databases")
        .map(|d| {
            d.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|d| !d.is_empty())
}

/// Whether a LocalStack service list (absent, empty, or naming `snowflake`) takes in
/// Snowflake's state.
fn wants_snowflake<'a>(services: Option<impl Iterator<Item = &'a str>>) -> bool {
    let Some(services) = services else {
        return true;
    };
    let listed: Vec<&str> = services.map(str::trim).filter(|s| !s.is_empty()).collect();
    listed.is_empty() || listed.iter().any(|s| s.eq_ignore_ascii_case("snowflake"))
}

fn strategy(params: &HashMap<String, String>) -> Result<Strategy, StateError> {
    params
        .get("merge")
        .or_else(|| params.get("strategy"))
        .map_or(Ok(Strategy::Merge), |s| s.parse())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StateError> + Send + 'static,
) -> Result<T, StateError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StateError::Internal(e.to_string()))?
}

/// `GET /_localstack/pods/state`: the whole state (or `?databases=`) as a streamed ZIP.
pub async fn export_state(State(state): State<Arc<AppState>>, Query(params): Params) -> Response {
    // `?pod_name=NAME` (LocalStack's CLI) names the download NAME.zip
    let filename = params
        .get("pod_name")
        .filter(|n| snowglobe_state::pods::validate_name("pod", n).is_ok())
        .map_or_else(|| "snowglobe-state.zip".to_string(), |n| format!("{n}.zip"));
    let result = async {
        let svc = service(&state)?.clone();
        let scratch = svc.scratch()?;
        let file = scratch.path().join("state.zip");
        let only = databases(&params);
        let only_none = only.as_ref().is_some_and(Vec::is_empty);
        let path = file.clone();
        let manifest =
            blocking(move || svc.export_file(only.as_deref(), &path, &mut |_| {})).await?;
        let opened = tokio::fs::File::open(&file)
            .await
            .map_err(|e| StateError::io(&file, e))?;
        let size = opened
            .metadata()
            .await
            .map_err(|e| StateError::io(&file, e))?
            .len();
        // The open handle keeps the file readable after the scratch directory is removed.
        drop(scratch);
        Ok::<_, StateError>((opened, size, manifest, only_none))
    }
    .await;
    match result {
        Ok((file, size, manifest, only_none)) => {
            let stream = tokio_util::io::ReaderStream::new(file);
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/zip")
                .header(header::CONTENT_LENGTH, size)
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename={filename}"),
                )
                .header(
                    "x-localstack-pod-services",
                    if manifest.databases.is_empty() && only_none {
                        ""
                    } else {
                        "snowflake"
                    },
                )
                .header("x-localstack-pod-size", size)
                .header("x-snowglobe-tables", manifest.table_count())
                .header("x-snowglobe-rows", manifest.row_count())
                .body(Body::from_stream(stream))
                .unwrap_or_else(|e| error(StateError::Internal(e.to_string())))
        }
        Err(e) => error(e),
    }
}

/// `POST /_localstack/pods[?merge=]`: import a ZIP (the raw body), streamed to disk first.
pub async fn import_state(
    State(state): State<Arc<AppState>>,
    Query(params): Params,
    body: Body,
) -> Response {
    let result = async {
        let svc = service(&state)?.clone();
        let strategy = strategy(&params)?;
        let scratch = svc.scratch()?;
        let file = scratch.path().join("upload.zip");
        let mut out = tokio::fs::File::create(&file)
            .await
            .map_err(|e| StateError::io(&file, e))?;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| StateError::Invalid(format!("upload failed: {e}")))?;
            out.write_all(&chunk)
                .await
                .map_err(|e| StateError::io(&file, e))?;
        }
        out.flush().await.map_err(|e| StateError::io(&file, e))?;
        let path = file.clone();
        let summary = blocking(move || svc.import_file(&path, strategy, &mut |_| {})).await?;
        drop(scratch);
        Ok::<_, StateError>(summary)
    }
    .await;
    match result {
        Ok(summary) => ndjson(
            StatusCode::CREATED,
            &[json!({"service": "snowflake", "status": "ok", "summary": summary})],
        ),
        Err(e) => error(e),
    }
}

/// `GET /_localstack/pods/state/metamodel`: the state's tree of databases, schemas, tables
/// (with row counts) and views, as LocalStack's `state inspect` shows it.
pub async fn metamodel(State(state): State<Arc<AppState>>) -> Response {
    let result = async {
        let svc = service(&state)?.clone();
        blocking(move || svc.metamodel()).await
    }
    .await;
    match result {
        Ok(tree) => Json(tree).into_response(),
        Err(e) => error(e),
    }
}

/// `POST /_localstack/state/reset` (and `/state/snowflake/reset`).
pub async fn reset_state(State(state): State<Arc<AppState>>) -> Response {
    let result = async {
        let svc = service(&state)?.clone();
        blocking(move || svc.reset()).await
    }
    .await;
    match result {
        Ok(dropped) => ndjson(
            StatusCode::OK,
            &[json!({"service": "snowflake", "status": "ok", "dropped": dropped})],
        ),
        Err(e) => error(e),
    }
}

/// Without persistence there is no volume to save to or load from: the answer says so, where
/// it would otherwise read as a save that happened.
fn in_memory_note(state: &AppState, done: &str) -> Option<String> {
    let svc = service(state).ok()?;
    (!svc.engine.is_persistent()).then(|| {
        format!(
            "persistence is off (start with PERSISTENCE=1): the state lives in memory only, \
             nothing was {done}"
        )
    })
}

/// `POST /_localstack/state/save`: with per-commit durability every acknowledged statement is
/// saved already; with `SNAPSHOT_SAVE_STRATEGY=MANUAL` the working state is written now.
pub async fn save_state(State(state): State<Arc<AppState>>) -> Response {
    let result = async {
        let svc = service(&state)?.clone();
        blocking(move || svc.save_snapshot()).await
    }
    .await;
    match result {
        Ok(saved) => {
            let mut event = json!({"service": "snowflake", "status": "ok", "operation": "save"});
            if let Some(manifest) = saved {
                event["tables"] = json!(manifest.table_count());
                event["rows"] = json!(manifest.row_count());
            } else if let Some(note) = in_memory_note(&state, "saved") {
                event["message"] = json!(note);
            }
            ndjson(StatusCode::OK, &[event])
        }
        Err(e) => error(e),
    }
}

/// `POST /_localstack/state/load`: with per-commit durability the state is loaded already; with
/// a manual snapshot the working state is replaced by the last saved one.
pub async fn load_state(State(state): State<Arc<AppState>>) -> Response {
    let result = async {
        let svc = service(&state)?.clone();
        blocking(move || svc.load_snapshot()).await
    }
    .await;
    match result {
        Ok(loaded) => {
            let mut event = json!({"service": "snowflake", "status": "ok", "operation": "load"});
            if let Some(summary) = loaded {
                event["summary"] = json!(summary);
            } else if let Some(note) = in_memory_note(&state, "loaded") {
                event["message"] = json!(note);
            }
            ndjson(StatusCode::OK, &[event])
        }
        Err(e) => error(e),
    }
}

#[derive(Deserialize, Default)]
struct PodBody {
    #[serde(default)]
    attributes: PodAttributes,
    #[serde(default)]
    remote: Option<RemoteRef>,
}

#[derive(Deserialize, Default)]
struct PodAttributes {
    #[serde(default)]
    description: Option<String>,
    /// The services to save (LocalStack's `--services`): without `snowflake`, none.
    #[serde(default)]
    services: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct RemoteRef {
    #[serde(default)]
    remote_name: Option<String>,
    /// The client's credentials and settings for the remote (`access_key_id`, ...); null
    /// values are left out.
    #[serde(default)]
    remote_params: std::collections::BTreeMap<String, Option<String>>,
}

fn pod_body(bytes: &Bytes) -> Result<PodBody, StateError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(PodBody::default());
    }
    serde_json::from_slice(bytes).map_err(|e| StateError::Invalid(format!("bad request body: {e}")))
}

/// The remote a request names (`?remote=` or the body's `remote.remote_name`), with the
/// client's `remote.remote_params` put into its URL (see `Remotes::with_params`).
fn remote_of(
    svc: &StateService,
    params: &HashMap<String, String>,
    body: &PodBody,
) -> Result<Option<String>, StateError> {
    let named = params
        .get("remote")
        .cloned()
        .filter(|r| !r.is_empty())
        .or_else(|| {
            body.remote
                .as_ref()
                .and_then(|r| r.remote_name.clone())
                .filter(|r| !r.is_empty())
        });
    let client = body
        .remote
        .as_ref()
        .map(|r| {
            r.remote_params
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
                .collect()
        })
        .unwrap_or_default();
    svc.remotes().with_params(named.as_deref(), &client)
}

/// The state service and the remote of a request whose body only names the remote.
fn service_and_remote<'a>(
    state: &'a AppState,
    params: &HashMap<String, String>,
    body: &Bytes,
) -> Result<(&'a StateService, Option<String>), StateError> {
    let svc = service(state)?;
    let remote = remote_of(svc, params, &pod_body(body)?)?;
    Ok((svc, remote))
}

/// `NAME[:VERSION]` from the path, `?version=N` overriding the version.
fn pod_reference(
    name: &str,
    params: &HashMap<String, String>,
) -> Result<(String, Option<u32>), StateError> {
    let (name, mut version) = parse_reference(name)?;
    if let Some(v) = params.get("version").filter(|v| !v.is_empty()) {
        version = Some(
            v.parse()
                .map_err(|_| StateError::Invalid(format!("invalid version '{v}'")))?,
        );
    }
    Ok((name, version))
}

fn completion(operation: &str, result: Result<Value, StateError>) -> Response {
    match result {
        Ok(info) => ndjson(
            StatusCode::OK,
            &[
                json!({"event": "service", "service": "snowflake", "status": "ok", "operation": operation}),
                json!({"event": "completion", "status": "ok", "operation": operation, "info": info}),
            ],
        ),
        // A missing pod or version is a failed completion, as LocalStack reports it (lstk
        // reads the message); a bad request or an incompatible pod is an HTTP error.
        Err(e @ (StateError::Incompatible(_) | StateError::Invalid(_))) => error(e),
        Err(e) => ndjson(
            StatusCode::OK,
            &[
                json!({"event": "completion", "status": "error", "operation": operation, "message": snowglobe_state::pods::redact(&e.to_string())}),
            ],
        ),
    }
}

/// `POST /_localstack/pods/{name}[?version=N]`: save a new version (N, when given, must be
/// the next one).
pub async fn save_pod(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let result = async {
        let svc = service(&state)?;
        let body = pod_body(&body)?;
        let remote = remote_of(svc, &params, &body)?;
        let (name, version) = pod_reference(&name, &params)?;
        let services = body.attributes.services.as_ref();
        let only = if wants_snowflake(services.map(|s| s.iter().map(String::as_str))) {
            databases(&params)
        } else {
            Some(vec![])
        };
        let report = svc
            .pod_save(
                &name,
                body.attributes.description,
                only,
                version,
                remote.as_deref(),
            )
            .await?;
        Ok(json!({
            "name": report.name,
            "version": report.version,
            "size": report.size,
            "bytes_uploaded": report.bytes_uploaded,
            "remote": report.remote,
            "services": ["snowflake"],
            "localstack_version": crate::VERSION,
            "encrypted": false,
        }))
    }
    .await;
    completion("save", result)
}

/// `PUT /_localstack/pods/{name}[?version=N][&merge=][&dry_run=true]`: load a version.
pub async fn load_pod(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let result = async {
        let svc = service(&state)?;
        let body = pod_body(&body)?;
        let remote = remote_of(svc, &params, &body)?;
        let (name, version) = pod_reference(&name, &params)?;
        let dry_run = params
            .get("dry_run")
            .is_some_and(|v| v == "true" || v == "1");
        let report = svc
            .pod_load(
                &name,
                version,
                strategy(&params)?,
                dry_run,
                remote.as_deref(),
            )
            .await?;
        serde_json::to_value(report).map_err(|e| StateError::Internal(e.to_string()))
    }
    .await;
    completion("load", result)
}

/// `GET /_localstack/pods`.
pub async fn list_pods(
    State(state): State<Arc<AppState>>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let result = async {
        let (svc, remote) = service_and_remote(&state, &params, &body)?;
        svc.pod_list(remote.as_deref()).await
    }
    .await;
    match result {
        Ok(pods) => Json(json!({"cloudpods": pods.iter().map(|p| json!({
            "pod_name": p.name, "max_version": p.max_version, "last_change": p.last_change,
        })).collect::<Vec<_>>()}))
        .into_response(),
        Err(e) => error(e),
    }
}

/// `GET /_localstack/pods/{name}/versions`.
pub async fn pod_versions(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let result = async {
        let (svc, remote) = service_and_remote(&state, &params, &body)?;
        svc.pod_versions(&name, remote.as_deref()).await
    }
    .await;
    match result {
        Ok(versions) => Json(json!({"versions": versions.iter().map(|v| json!({
            "version": v.version,
            "created_at": v.created_at,
            "description": v.message,
            "localstack_version": v.snowglobe_version,
            "snowglobe_version": v.snowglobe_version,
            "services": ["snowflake"],
            "size": v.size,
        })).collect::<Vec<_>>()}))
        .into_response(),
        Err(e) => error(e),
    }
}

/// `GET /_localstack/pods/environment`: what LocalStack's CLI records about the runtime.
pub async fn environment() -> Response {
    Json(json!({
        "localstack_version": crate::VERSION,
        "localstack_ext_version": crate::VERSION,
        "moto_ext_version": null,
        "pro": false,
        "snowglobe_version": crate::VERSION,
    }))
    .into_response()
}

/// `GET /_localstack/pods/{name}/diff[?version=N][&merge=]`: what loading the version would
/// change, in LocalStack's shape (`{"snowflake": [{"operation_type": ...}]}`), per database,
/// per object of a database merged into (service-merge) and per user stage (`@~`) file.
pub async fn pod_diff(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let result = async {
        let (svc, remote) = service_and_remote(&state, &params, &body)?;
        let (name, version) = pod_reference(&name, &params)?;
        svc.pod_load(&name, version, strategy(&params)?, true, remote.as_deref())
            .await
    }
    .await;
    match result {
        Ok(report) => {
            let summary = &report.summary;
            let stage = &summary.user_stage;
            let changes: Vec<Value> = [
                ("ADDITION", "database", &summary.added),
                ("MODIFICATION", "database", &summary.replaced),
                ("DELETION", "database", &summary.dropped),
                ("ADDITION", "object", &summary.objects_added),
                ("MODIFICATION", "object", &summary.objects_replaced),
                ("ADDITION", "user_stage_file", &stage.added),
                ("MODIFICATION", "user_stage_file", &stage.replaced),
                ("DELETION", "user_stage_file", &stage.removed),
            ]
            .into_iter()
            .flat_map(|(kind, resource, names)| {
                names.iter().map(move |name| {
                    json!({"operation_type": kind, "resource_type": resource, "name": name})
                })
            })
            .collect();
            Json(json!({"snowflake": changes, "version": report.version})).into_response()
        }
        Err(e) => error(e),
    }
}

/// `GET /_localstack/pods/{name}/inspect[?version=N]` (Snowglobe): a version's contents.
pub async fn inspect_pod(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let result = async {
        let (name, version) = pod_reference(&name, &params)?;
        let (svc, remote) = service_and_remote(&state, &params, &body)?;
        svc.pod_inspect(&name, version, remote.as_deref()).await
    }
    .await;
    match result {
        Ok(v) => Json(describe_version(&v)).into_response(),
        Err(e) => error(e),
    }
}

/// `DELETE /_localstack/pods/{name}`.
pub async fn delete_pod(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let result = async {
        let (svc, remote) = service_and_remote(&state, &params, &body)?;
        svc.pod_delete(&name, remote.as_deref()).await
    }
    .await;
    match result {
        Ok(report) => Json(json!({
            "name": name,
            "deleted_versions": report.versions,
            "blobs_removed": report.blobs_removed,
            "bytes_freed": report.bytes_freed,
        }))
        .into_response(),
        Err(e) => error(e),
    }
}

/// `GET /_localstack/pods/remotes`.
pub async fn list_remotes(State(state): State<Arc<AppState>>) -> Response {
    match service(&state).and_then(|s| s.remotes().list()) {
        Ok(all) => Json(json!({"remotes": all.iter().map(|(n, u)| json!({"name": n, "url": u})).collect::<Vec<_>>()}))
            .into_response(),
        Err(e) => error(e),
    }
}

/// `GET /_localstack/pods/remotes/{name}`.
pub async fn get_remote(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> Response {
    let found = service(&state)
        .and_then(|s| s.remotes().list())
        .map(|all| all.into_iter().find(|(n, _)| *n == name));
    match found {
        Ok(Some((n, u))) => Json(json!({"name": n, "remote_url": u, "url": u})).into_response(),
        Ok(None) => error(StateError::NotFound(format!(
            "remote '{name}' does not exist"
        ))),
        Err(e) => error(e),
    }
}

#[derive(Deserialize)]
struct RemoteBody {
    #[serde(alias = "url")]
    remote_url: String,
}

/// `POST /_localstack/pods/remotes/{name}`: add or replace.
pub async fn put_remote(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let result = serde_json::from_slice::<RemoteBody>(&body)
        .map_err(|e| StateError::Invalid(format!("bad request body: {e}")))
        .and_then(|b| {
            service(&state)?
                .remotes()
                .add(&name, &b.remote_url)
                .map(|_| b.remote_url)
        });
    match result {
        Ok(url) => Json(json!({"name": name, "remote_url": url})).into_response(),
        Err(e) => error(e),
    }
}

/// `DELETE /_localstack/pods/remotes/{name}`.
pub async fn delete_remote(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Response {
    match service(&state).and_then(|s| s.remotes().delete(&name)) {
        Ok(()) => Json(json!({"name": name, "deleted": true})).into_response(),
        Err(e) => error(e),
    }
}
