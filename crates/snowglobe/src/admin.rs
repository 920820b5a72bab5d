//! `snowglobe state ...` and `snowglobe pod ...`.
//!
//! Every command speaks LocalStack's admin HTTP API. When a server answers at the endpoint, the
//! requests go to it; otherwise the CLI opens the volume directory itself and sends the same
//! requests to the same router in-process, so both paths run one implementation.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use axum::body::{Body, Bytes};
use futures_util::{Stream, StreamExt, TryStreamExt};
use http_body_util::BodyExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use snowglobe_engine::{Engine, Storage};
use snowglobe_server::AppState;
use snowglobe_session::Shared;
use snowglobe_state::StateService;
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

/// Options every state and pod command takes.
#[derive(clap::Args, Clone)]
pub struct Target {
    /// A running Snowglobe server (used when it answers).
    #[arg(
        long,
        env = "SNOWGLOBE_ENDPOINT",
        default_value = "http://127.0.0.1:4566",
        global = true
    )]
    pub endpoint_url: String,
    /// The volume directory to work on when no server runs.
    #[arg(long, env = "SNOWGLOBE_VOLUME_DIR", global = true)]
    pub volume_dir: Option<PathBuf>,
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// A request body: JSON text, or a file streamed from disk (advancing a progress bar).
pub enum Upload {
    Text(String),
    File(tokio::fs::File, ProgressBar),
}

impl Upload {
    fn into_body(self) -> Body {
        match self {
            Upload::Text(t) => Body::from(t),
            Upload::File(file, progress) => {
                Body::from_stream(tokio_util::io::ReaderStream::new(file).inspect(move |c| {
                    if let Ok(c) = c {
                        progress.inc(c.len() as u64);
                    }
                }))
            }
        }
    }
}

type HttpClient =
    hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Body>;

/// Where requests go.
pub enum Client {
    Http {
        base: String,
        http: Box<HttpClient>,
    },
    InProcess {
        router: axum::Router,
        /// Held for as long as the volume directory is in use.
        _lock: std::fs::File,
    },
}

/// An answer: status and body stream (plus the headers the CLI reads).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ByteStream,
}

impl Answer {
    pub async fn json(self) -> Result<Value> {
        let bytes = collect(self.body).await?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).context("the server answered with invalid JSON")
    }

    /// NDJSON lines.
    pub async fn lines(self) -> Result<Vec<Value>> {
        let bytes = collect(self.body).await?;
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).context("the server answered with invalid JSON"))
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Fail with the server's message unless the status is a success.
    pub async fn ok(self) -> Result<Answer> {
        if self.status < 300 {
            return Ok(self);
        }
        let status = self.status;
        let text = collect(self.body).await.unwrap_or_default();
        let message = serde_json::from_slice::<Value>(&text)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&text).into_owned());
        bail!("{message} (HTTP {status})")
    }
}

async fn collect(mut body: ByteStream) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

/// The default volume directory: `LOCALSTACK_VOLUME_DIR`, else `~/.cache/snowglobe/volume`.
pub fn volume_dir(arg: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = arg {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os("LOCALSTACK_VOLUME_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").context("HOME is not set; pass --volume-dir")?;
    Ok(PathBuf::from(home).join(".cache/snowglobe/volume"))
}

/// Lock the persisted state directory of a volume; a clear error if a server holds it.
pub fn lock_state_dir(volume: &Path) -> Result<(PathBuf, std::fs::File)> {
    let dir = volume.join("state").join("snowflake");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock_path = dir.join(".lock");
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("cannot create {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        bail!(
            "the volume directory {} is in use by another Snowglobe server",
            dir.display()
        );
    }
    Ok((dir, lock))
}

impl Client {
    /// The running server at the endpoint, or the volume directory in-process. A command that
    /// `reads_state` refuses a default volume that holds none.
    pub async fn connect(target: &Target, reads_state: bool) -> Result<Client> {
        let base = target.endpoint_url.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            bail!("--endpoint-url must be an http:// URL, got '{base}'");
        }
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        let http: HttpClient =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        let client = Client::Http {
            base: base.clone(),
            http: Box::new(http),
        };
        let probe = tokio::time::timeout(
            Duration::from_secs(5),
            client.send("GET", "/_localstack/health", None),
        )
        .await;
        if let Ok(Ok(answer)) = probe {
            if let Ok(v) = answer.json().await {
                if v.pointer("/services/snowflake").is_some() {
                    return Ok(client);
                }
            }
        }
        let volume = volume_dir(target.volume_dir.clone())?;
        // The default volume is used only when it holds a state: a mistyped endpoint must not
        // turn into an empty export (or an empty pod) of a volume nobody asked for.
        let implicit =
            target.volume_dir.is_none() && std::env::var_os("LOCALSTACK_VOLUME_DIR").is_none();
        if reads_state && implicit && !volume.join("state").join("snowflake").exists() {
            bail!(
                "no Snowglobe server answers at {base}, and there is no saved state in {} \
                 (start the server, or name a volume with --volume-dir)",
                volume.display()
            );
        }
        let (dir, lock) = lock_state_dir(&volume).with_context(|| {
            format!(
                "no Snowglobe server answers at {base}, and its volume directory cannot be used"
            )
        })?;
        // Say which state is used: an empty export from the wrong volume must not pass unseen.
        eprintln!(
            "No Snowglobe server answers at {base}: using the saved state in {}",
            dir.display()
        );
        snowglobe_state::service::complete_pending_save(&dir, &volume).map_err(|e| {
            anyhow!(
                "cannot finish the interrupted save in {}: {e}",
                dir.display()
            )
        })?;
        let engine = Engine::open(Storage::Directory(dir)).map_err(|e| anyhow!("{e}"))?;
        let service = StateService::new(Arc::clone(&engine), &volume);
        let state = AppState::with_state_service(Shared::new(engine), Some(service));
        Ok(Client::InProcess {
            router: snowglobe_server::router(state),
            _lock: lock,
        })
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Upload>) -> Result<Answer> {
        let body = body.map_or_else(Body::empty, Upload::into_body);
        let uri = match self {
            Client::Http { base, .. } => format!("{base}{path}"),
            Client::InProcess { .. } => path.to_string(),
        };
        let req = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(body)?;
        let (status, headers, stream): (u16, _, ByteStream) = match self {
            Client::Http { http, base } => {
                let resp = http
                    .request(req)
                    .await
                    .with_context(|| format!("the server at {base} did not answer"))?;
                let (parts, body) = resp.into_parts();
                (
                    parts.status.as_u16(),
                    parts.headers,
                    Box::pin(TryStreamExt::map_err(
                        body.into_data_stream(),
                        anyhow::Error::from,
                    )),
                )
            }
            Client::InProcess { router, .. } => {
                let resp = router.clone().oneshot(req).await?;
                let (parts, body) = resp.into_parts();
                (
                    parts.status.as_u16(),
                    parts.headers,
                    Box::pin(TryStreamExt::map_err(body.into_data_stream(), |e| {
                        anyhow!("{e}")
                    })),
                )
            }
        };
        Ok(Answer {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            body: stream,
        })
    }
}

/// A progress bar on a terminal, nothing otherwise.
fn bar(total: Option<u64>, what: &str) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let pb = match total {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner(),
    };
    pb.set_message(what.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

pub fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~,".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `state export`.
pub async fn export(client: &Client, file: &Path, databases: Option<String>) -> Result<()> {
    let pb = bar(None, "exporting");
    let answer = client
        .send(
            "GET",
            &format!(
                "/_localstack/pods/state{}",
                query_string(&[("databases", databases)])
            ),
            None,
        )
        .await?
        .ok()
        .await?;
    let tables = answer
        .header("x-snowglobe-tables")
        .unwrap_or("0")
        .to_string();
    let rows = answer.header("x-snowglobe-rows").unwrap_or("0").to_string();
    let total = answer.header("content-length").and_then(|n| n.parse().ok());
    pb.finish_and_clear();
    let pb = bar(total, "writing");
    // Written beside the target and renamed at the end: an interrupted export leaves no
    // half-written file under the requested name.
    let partial = file.with_extension("partial");
    let mut out = tokio::fs::File::create(&partial)
        .await
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut body = answer.body;
    let mut written = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        out.write_all(&chunk).await?;
        written += chunk.len() as u64;
        pb.set_position(written);
    }
    out.flush().await?;
    drop(out);
    std::fs::rename(&partial, file).with_context(|| format!("cannot write {}", file.display()))?;
    pb.finish_and_clear();
    println!(
        "Exported {tables} tables, {rows} rows ({written} bytes) to {}",
        file.display()
    );
    Ok(())
}

/// `state import`.
pub async fn import(client: &Client, file: &Path, strategy: &str) -> Result<()> {
    let opened = tokio::fs::File::open(file)
        .await
        .with_context(|| format!("cannot open state file {}", file.display()))?;
    let size = opened.metadata().await?.len();
    let pb = bar(Some(size), "importing");
    let answer = client
        .send(
            "POST",
            &format!(
                "/_localstack/pods{}",
                query_string(&[("merge", Some(strategy.to_string()))])
            ),
            Some(Upload::File(opened, pb.clone())),
        )
        .await?
        .ok()
        .await?;
    pb.finish_and_clear();
    let lines = answer.lines().await?;
    let summary = lines
        .iter()
        .find_map(|l| l.get("summary"))
        .cloned()
        .unwrap_or(Value::Null);
    println!(
        "Imported {} tables, {} rows from {} (strategy {strategy}; databases added: {}, replaced: {}, dropped: {})",
        summary["tables"],
        summary["rows"],
        file.display(),
        names(&summary["added"]),
        names(&summary["replaced"]),
        names(&summary["dropped"]),
    );
    print_details(&summary);
    Ok(())
}

/// The databases an import merges into and their objects it adds or replaces (service-merge),
/// the user stage files it changes (when it changes any), and a warning for the views
/// it could not create because they read objects that do not exist.
fn print_details(summary: &Value) {
    if summary["merged"].as_array().is_some_and(|m| !m.is_empty()) {
        println!(
            "Merged into databases {}: objects added: {}, replaced: {}",
            names(&summary["merged"]),
            names(&summary["objects_added"]),
            names(&summary["objects_replaced"]),
        );
    }
    let stage = &summary["user_stage"];
    if stage.is_object() {
        println!(
            "User stage files (@~) added: {}, replaced: {}, removed: {}",
            names(&stage["added"]),
            names(&stage["replaced"]),
            names(&stage["removed"]),
        );
    }
    if summary["views_left_out"]
        .as_array()
        .is_some_and(|v| !v.is_empty())
    {
        eprintln!(
            "warning: views not created, they read tables or views that do not exist: {}",
            names(&summary["views_left_out"])
        );
    }
}

fn names(v: &Value) -> String {
    let list: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

/// `state reset`.
pub async fn reset(client: &Client) -> Result<()> {
    let lines = client
        .send("POST", "/_localstack/state/reset", None)
        .await?
        .ok()
        .await?
        .lines()
        .await?;
    let dropped = lines
        .first()
        .map(|l| names(&l["dropped"]))
        .unwrap_or_default();
    println!("State reset; databases dropped: {dropped}");
    Ok(())
}

/// The `completion` event of a pod operation, or its error.
async fn completion(answer: Answer) -> Result<Value> {
    let lines = answer.ok().await?.lines().await?;
    let done = lines
        .iter()
        .find(|l| l["event"] == "completion")
        .ok_or_else(|| anyhow!("the server did not complete the operation"))?;
    if done["status"] != "ok" {
        bail!(
            "{}",
            done["message"].as_str().unwrap_or("the operation failed")
        );
    }
    Ok(done["info"].clone())
}

/// The body naming a pod remote, with this process's `AWS_*` credentials and settings as
/// LocalStack's `remote_params`: a server started without them reaches the user's bucket.
fn remote_body(remote: &Option<String>) -> Value {
    // only where they may be used: a named remote or an s3:// URL, not a directory
    let may_be_s3 = remote
        .as_deref()
        .is_some_and(|r| r.starts_with("s3://") || !(r.contains('/') || r == "local"));
    let params = if may_be_s3 {
        snowglobe_state::pods::params_from_env()
    } else {
        Default::default()
    };
    json!({"remote": {"remote_name": remote, "remote_params": params}})
}

/// `pod save`.
pub async fn pod_save(
    client: &Client,
    name: &str,
    message: Option<String>,
    databases: Option<String>,
    remote: Option<String>,
) -> Result<()> {
    snowglobe_state::pods::validate_name("pod", name).map_err(|e| anyhow!("{e}"))?;
    let pb = bar(None, "saving pod");
    let mut body = remote_body(&remote);
    body["attributes"] = json!({"description": message, "is_public": false});
    let answer = client
        .send(
            "POST",
            &format!(
                "/_localstack/pods/{}{}",
                encode(name),
                query_string(&[("databases", databases), ("remote", remote)])
            ),
            Some(Upload::Text(body.to_string())),
        )
        .await?;
    let info = completion(answer).await?;
    pb.finish_and_clear();
    println!(
        "Saved pod {} version {} to {} ({} bytes)\nbytes uploaded: {}",
        info["name"].as_str().unwrap_or(name),
        info["version"],
        info["remote"].as_str().unwrap_or(""),
        info["size"],
        info["bytes_uploaded"]
    );
    Ok(())
}

/// `pod load`.
pub async fn pod_load(
    client: &Client,
    reference: &str,
    strategy: &str,
    dry_run: bool,
    remote: Option<String>,
) -> Result<()> {
    let (name, version) =
        snowglobe_state::pods::parse_reference(reference).map_err(|e| anyhow!("{e}"))?;
    let pb = bar(None, "loading pod");
    let answer = client
        .send(
            "PUT",
            &format!(
                "/_localstack/pods/{}{}",
                encode(&name),
                query_string(&[
                    ("version", version.map(|v| v.to_string())),
                    ("merge", Some(strategy.to_string())),
                    ("dry_run", dry_run.then(|| "true".to_string())),
                    ("remote", remote.clone()),
                ])
            ),
            Some(Upload::Text(remote_body(&remote).to_string())),
        )
        .await?;
    let info = completion(answer).await?;
    pb.finish_and_clear();
    let verb = if dry_run { "Would load" } else { "Loaded" };
    println!(
        "{verb} pod {name} version {}: {} tables, {} rows (strategy {strategy}; databases added: {}, replaced: {}, dropped: {})",
        info["version"],
        info["tables"],
        info["rows"],
        names(&info["added"]),
        names(&info["replaced"]),
        names(&info["dropped"]),
    );
    if info["unchanged"].as_array().is_some_and(|u| !u.is_empty()) {
        println!(
            "Databases the pod holds as they are now: {}",
            names(&info["unchanged"])
        );
    }
    print_details(&info);
    Ok(())
}

async fn get_json(client: &Client, path: &str, body: Option<Value>) -> Result<Value> {
    client
        .send("GET", path, body.map(|b| Upload::Text(b.to_string())))
        .await?
        .ok()
        .await?
        .json()
        .await
}

/// `pod list`.
pub async fn pod_list(client: &Client, remote: Option<String>, json_out: bool) -> Result<()> {
    let v = get_json(
        client,
        &format!(
            "/_localstack/pods{}",
            query_string(&[("remote", remote.clone())])
        ),
        Some(remote_body(&remote)),
    )
    .await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("{:<32} {:>11}  LAST CHANGE", "NAME", "MAX VERSION");
    for p in v["cloudpods"].as_array().into_iter().flatten() {
        println!(
            "{:<32} {:>11}  {}",
            p["pod_name"].as_str().unwrap_or(""),
            p["max_version"].to_string(),
            p["last_change"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

/// `pod versions`.
pub async fn pod_versions(
    client: &Client,
    name: &str,
    remote: Option<String>,
    json_out: bool,
) -> Result<()> {
    snowglobe_state::pods::validate_name("pod", name).map_err(|e| anyhow!("{e}"))?;
    let v = get_json(
        client,
        &format!(
            "/_localstack/pods/{}/versions{}",
            encode(name),
            query_string(&[("remote", remote.clone())])
        ),
        Some(remote_body(&remote)),
    )
    .await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "{:>7}  {:<26} {:<10} {:>12}  DESCRIPTION",
        "VERSION", "CREATED", "SNOWGLOBE", "SIZE"
    );
    for p in v["versions"].as_array().into_iter().flatten() {
        println!(
            "{:>7}  {:<26} {:<10} {:>12}  {}",
            p["version"].to_string(),
            p["created_at"].as_str().unwrap_or(""),
            p["snowglobe_version"].as_str().unwrap_or(""),
            p["size"].to_string(),
            p["description"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

/// `pod inspect`.
pub async fn pod_inspect(
    client: &Client,
    reference: &str,
    remote: Option<String>,
    json_out: bool,
) -> Result<()> {
    let (name, version) =
        snowglobe_state::pods::parse_reference(reference).map_err(|e| anyhow!("{e}"))?;
    let v = get_json(
        client,
        &format!(
            "/_localstack/pods/{}/inspect{}",
            encode(&name),
            query_string(&[
                ("version", version.map(|v| v.to_string())),
                ("remote", remote.clone())
            ])
        ),
        Some(remote_body(&remote)),
    )
    .await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "Pod:       {} version {}",
        v["name"].as_str().unwrap_or(""),
        v["version"]
    );
    println!("Created:   {}", v["created_at"].as_str().unwrap_or(""));
    println!("Message:   {}", v["message"].as_str().unwrap_or(""));
    println!(
        "Snowglobe: {}",
        v["snowglobe_version"].as_str().unwrap_or("")
    );
    println!("Size:      {} bytes", v["size"]);
    for d in v["databases"].as_array().into_iter().flatten() {
        println!("Database {}", d["name"].as_str().unwrap_or(""));
        for s in d["schemas"].as_array().into_iter().flatten() {
            println!("  Schema {}", s["name"].as_str().unwrap_or(""));
            for t in s["tables"].as_array().into_iter().flatten() {
                println!(
                    "    {:<40} {:>12} rows",
                    t["name"].as_str().unwrap_or(""),
                    t["rows"]
                );
            }
            for w in s["views"].as_array().into_iter().flatten() {
                println!("    {:<40} (view)", w.as_str().unwrap_or(""));
            }
        }
    }
    Ok(())
}

/// `pod delete`.
pub async fn pod_delete(client: &Client, name: &str, remote: Option<String>) -> Result<()> {
    snowglobe_state::pods::validate_name("pod", name).map_err(|e| anyhow!("{e}"))?;
    let v = client
        .send(
            "DELETE",
            &format!(
                "/_localstack/pods/{}{}",
                encode(name),
                query_string(&[("remote", remote.clone())])
            ),
            Some(Upload::Text(remote_body(&remote).to_string())),
        )
        .await?
        .ok()
        .await?
        .json()
        .await?;
    println!(
        "Deleted pod {name} ({} versions; {} bytes freed)",
        v["deleted_versions"], v["bytes_freed"]
    );
    Ok(())
}

/// `pod remote add|list|delete`.
pub async fn remote_add(client: &Client, name: &str, url: &str) -> Result<()> {
    snowglobe_state::pods::validate_name("remote", name).map_err(|e| anyhow!("{e}"))?;
    client
        .send(
            "POST",
            &format!("/_localstack/pods/remotes/{}", encode(name)),
            Some(Upload::Text(
                json!({"name": name, "remote_url": url, "protocols": []}).to_string(),
            )),
        )
        .await?
        .ok()
        .await?;
    println!("Remote {name} added: {url}");
    Ok(())
}

pub async fn remote_list(client: &Client, json_out: bool) -> Result<()> {
    let v = get_json(client, "/_localstack/pods/remotes", None).await?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    for r in v["remotes"].as_array().into_iter().flatten() {
        println!(
            "{:<24} {}",
            r["name"].as_str().unwrap_or(""),
            snowglobe_state::pods::redact(r["url"].as_str().unwrap_or(""))
        );
    }
    Ok(())
}

pub async fn remote_delete(client: &Client, name: &str) -> Result<()> {
    snowglobe_state::pods::validate_name("remote", name).map_err(|e| anyhow!("{e}"))?;
    client
        .send(
            "DELETE",
            &format!("/_localstack/pods/remotes/{}", encode(name)),
            None,
        )
        .await?
        .ok()
        .await?;
    println!("Remote {name} deleted");
    Ok(())
}
