//! Pods: named, versioned snapshots in a remote: a local directory (or `file://` URL) or an
//! S3-compatible bucket (`s3://bucket/prefix`), both through the `object_store` crate.
//!
//! Layout inside a remote:
//! - `blobs/<sha256>`: file contents, content-addressed, shared by every version of every pod;
//!   a new version uploads only the files no earlier version has.
//! - `pods/<name>/<version, 8 digits>.json`: a version's record (its bundle manifest, message,
//!   time). Written last, after every blob it names, so a version is visible only when complete.

use std::collections::HashSet;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, RetryConfig};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::bundle::{hex, safe_join, BundleDir, Manifest, MANIFEST};
use crate::{Progress, StateError};

/// One saved version of a pod.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PodVersion {
    pub name: String,
    pub version: u32,
    pub created_at: String,
    #[serde(default)]
    pub message: Option<String>,
    pub snowglobe_version: String,
    /// Size of the version's content in bytes (shared blobs counted in full).
    pub size: u64,
    pub manifest: Manifest,
}

/// What a save did.
#[derive(Debug, Clone, Serialize)]
pub struct SaveReport {
    pub name: String,
    pub version: u32,
    pub size: u64,
    /// Bytes actually uploaded (blobs the remote did not have yet).
    pub bytes_uploaded: u64,
    pub remote: String,
}

/// What a pod delete did.
#[derive(Debug, Clone, Serialize)]
pub struct DeleteReport {
    pub versions: u32,
    /// Blobs no other version refers to any more, removed from the remote.
    pub blobs_removed: u32,
    pub bytes_freed: u64,
}

/// How old an unreferenced blob must be to be removed: `SNOWGLOBE_POD_GC_GRACE_SECONDS`,
/// by default an hour (longer than any save takes between its first upload and its record).
fn gc_grace() -> Duration {
    std::env::var("SNOWGLOBE_POD_GC_GRACE_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map_or(Duration::from_secs(3600), Duration::from_secs)
}

/// A pod summary for `pod list`.
#[derive(Debug, Clone, Serialize)]
pub struct PodSummary {
    pub name: String,
    pub max_version: u32,
    pub last_change: String,
}

/// Pod and remote names: letters, digits, `_`, `-`, `.`, not starting with `.`; nothing that
/// could name a path outside the remote.
pub fn validate_name(kind: &str, name: &str) -> Result<(), StateError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    // LocalStack's fixed routes under /_localstack/pods/ cannot name a pod
    let reserved = kind == "pod" && ["environment", "state", "remotes"].contains(&name);
    if ok && !reserved {
        Ok(())
    } else if reserved {
        Err(StateError::Invalid(format!(
            "'{name}' is reserved by the pod API and cannot name a pod"
        )))
    } else {
        Err(StateError::Invalid(format!(
            "invalid {kind} name '{name}': use letters, digits, '_', '-' and '.', not starting with '.'"
        )))
    }
}

/// `NAME` or `NAME:VERSION`.
pub fn parse_reference(reference: &str) -> Result<(String, Option<u32>), StateError> {
    let (name, version) = match reference.rsplit_once(':') {
        Some((n, v)) => (
            n,
            Some(v.parse::<u32>().map_err(|_| {
                StateError::Invalid(format!("invalid pod version '{v}' in '{reference}'"))
            })?),
        ),
        None => (reference, None),
    };
    validate_name("pod", name)?;
    Ok((name.to_string(), version))
}

/// A pod remote: an object store (a local directory or an S3-compatible bucket) holding
/// `blobs/` and `pods/` under a prefix.
#[derive(Clone)]
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: ObjPath,
    /// How the remote is shown to users (never with credentials).
    pub display: String,
    /// The directory of a local remote (whose emptied folders are removed).
    local_dir: Option<PathBuf>,
}

/// Object-store errors with their causes (a refused connection is in the source chain).
/// Text with the secret values of remote URLs (`secret_access_key=...`, `session_token=...`)
/// masked, for listings and messages.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    for key in ["secret_access_key=", "session_token="] {
        let mut from = 0;
        while let Some(at) = out[from..].to_ascii_lowercase().find(key) {
            let start = from + at + key.len();
            let end = out[start..]
                .find(|c: char| c == '&' || c == '\'' || c == '"' || c.is_whitespace())
                .map_or(out.len(), |n| start + n);
            if out[start..end] != *"***" && !out[start..end].starts_with('{') {
                out.replace_range(start..end, "***");
            }
            from = start;
        }
    }
    out
}

fn remote_error(display: &str, e: &dyn std::error::Error) -> StateError {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    StateError::Remote(format!("the pod remote {display} failed: {message}"))
}

/// What a client sends with a request for a remote (LocalStack's `remote.remote_params`):
/// `access_key_id`, `secret_access_key`, `session_token`, `region`, `endpoint`, read from the
/// client's environment, so a server without credentials can reach the client's bucket.
pub type RemoteParams = std::collections::BTreeMap<String, String>;

/// The parameters an S3 remote URL may carry.
const S3_PARAMS: [&str; 5] = [
    "endpoint",
    "region",
    "access_key_id",
    "secret_access_key",
    "session_token",
];

/// The remote parameters of this process's environment (the standard `AWS_*` variables).
pub fn params_from_env() -> RemoteParams {
    let var = |names: &[&str]| names.iter().find_map(|n| std::env::var(n).ok());
    [
        ("access_key_id", var(&["AWS_ACCESS_KEY_ID"])),
        ("secret_access_key", var(&["AWS_SECRET_ACCESS_KEY"])),
        ("session_token", var(&["AWS_SESSION_TOKEN"])),
        ("region", var(&["AWS_REGION", "AWS_DEFAULT_REGION"])),
        (
            "endpoint",
            var(&["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_string(), v.filter(|v| !v.is_empty())?)))
    .collect()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Fill LocalStack-style `{placeholder}` templates: from `params` first (what the client
/// sent), then from the environment: `{access_key_id}` takes `ACCESS_KEY_ID`, else
/// `AWS_ACCESS_KEY_ID`.
fn fill_placeholders(url: &str, params: &RemoteParams) -> Result<String, StateError> {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err(StateError::Invalid(format!(
                "unclosed '{{' in remote URL '{url}'"
            )));
        };
        let key = &rest[open + 1..open + close];
        // Only the S3 parameters: a URL must not read any other variable of the server.
        if !S3_PARAMS.contains(&key.to_ascii_lowercase().as_str()) {
            return Err(StateError::Invalid(format!(
                "unknown placeholder {{{key}}} in remote URL '{url}' (known: {})",
                S3_PARAMS.join(", ")
            )));
        }
        let upper = key.to_ascii_uppercase();
        let in_query = out.contains('?');
        let value = params
            .get(&key.to_ascii_lowercase())
            .cloned()
            .ok_or(())
            .or_else(|_| std::env::var(&upper))
            .or_else(|_| std::env::var(format!("AWS_{upper}")))
            .map_err(|_| {
                StateError::Invalid(format!(
                    "remote URL placeholder {{{key}}} needs the environment variable {upper} or AWS_{upper}"
                ))
            })?;
        // a value in the query is percent-encoded, as the query is decoded when read
        out.push_str(&if in_query {
            percent_encode(&value)
        } else {
            value
        });
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Remote {
    /// A remote in a local directory (created if needed).
    pub fn local(dir: &FsPath) -> Result<Remote, StateError> {
        let display = dir.display().to_string();
        std::fs::create_dir_all(dir).map_err(|e| remote_error(&display, &e))?;
        let store =
            LocalFileSystem::new_with_prefix(dir).map_err(|e| remote_error(&display, &e))?;
        Ok(Remote {
            store: Arc::new(store),
            prefix: ObjPath::default(),
            display,
            local_dir: Some(dir.to_path_buf()),
        })
    }

    /// A remote from a URL: a local path, `file://PATH`, or `s3://BUCKET[/PREFIX][?PARAMS]`
    /// where PARAMS may give `endpoint`, `region`, `access_key_id`, `secret_access_key` and
    /// `session_token`; whatever they do not give comes from the standard `AWS_*` variables.
    pub fn from_url(given: &str) -> Result<Remote, StateError> {
        let url = fill_placeholders(given, &RemoteParams::new())?;
        if let Some(rest) = url.strip_prefix("s3://") {
            return Remote::s3(rest);
        }
        if let Some(path) = url.strip_prefix("file://") {
            return Remote::local(FsPath::new(&percent_decode(path, false)));
        }
        if url.contains("://") || url.is_empty() {
            // (the URL as given: filled placeholders may hold credentials)
            let shown = given.split('?').next().unwrap_or("");
            return Err(StateError::Invalid(format!(
                "unsupported remote URL '{shown}' (use a directory, file://PATH or s3://BUCKET/PREFIX)"
            )));
        }
        Remote::local(FsPath::new(&url))
    }

    fn s3(rest: &str) -> Result<Remote, StateError> {
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err(StateError::Invalid(
                "an S3 remote needs a bucket: s3://BUCKET[/PREFIX]".into(),
            ));
        }
        let display = format!("s3://{location}");
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        let mut endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .ok();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value, true);
            builder = match key {
                "endpoint" | "endpoint_url" => {
                    endpoint = Some(value);
                    builder
                }
                "region" => builder.with_region(value),
                "access_key_id" => builder.with_access_key_id(value),
                "secret_access_key" => builder.with_secret_access_key(value),
                "session_token" | "token" => builder.with_token(value),
                other => {
                    return Err(StateError::Invalid(format!(
                        "unknown parameter '{other}' in S3 remote {display} (known: endpoint, region, access_key_id, secret_access_key, session_token)"
                    )))
                }
            };
        }
        let allow_http = endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"));
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        // An unreachable store fails within seconds, not after minutes of retries.
        let retry = RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
            ..RetryConfig::default()
        };
        // (the client options carry `allow_http`: set them whole, after the endpoint)
        let options = ClientOptions::new()
            .with_allow_http(allow_http)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(300));
        let store = builder
            .with_retry(retry)
            .with_client_options(options)
            .build()
            .map_err(|e| remote_error(&display, &e))?;
        Ok(Remote {
            store: Arc::new(store),
            prefix: ObjPath::from(prefix.trim_matches('/')),
            display,
            local_dir: None,
        })
    }

    fn key(&self, parts: &[&str]) -> ObjPath {
        let mut path = self.prefix.clone();
        for part in parts {
            path = path.join(*part);
        }
        path
    }

    fn pod_dir(&self, name: &str) -> ObjPath {
        self.key(&["pods", name])
    }

    fn version_key(&self, name: &str, version: u32) -> ObjPath {
        self.key(&["pods", name, &format!("{version:08}.json")])
    }

    fn blob_key(&self, sha256: &str) -> ObjPath {
        self.key(&["blobs", sha256])
    }

    /// A pod with no version. The wording is what LocalStack's clients recognise: lstk reads
    /// "not found" (delete) and "failed to get version information" (load) as a missing pod.
    pub fn pod_not_found(&self, name: &str) -> StateError {
        StateError::NotFound(format!(
            "pod '{name}' not found in remote {}: failed to get version information from platform (no version was saved)",
            self.display
        ))
    }

    fn fail(&self, e: object_store::Error) -> StateError {
        remote_error(&self.display, &e)
    }

    /// The version numbers of a pod, ascending (empty if the pod does not exist).
    async fn version_numbers(&self, name: &str) -> Result<Vec<u32>, StateError> {
        validate_name("pod", name)?;
        let listing = self
            .store
            .list_with_delimiter(Some(&self.pod_dir(name)))
            .await
            .map_err(|e| self.fail(e))?;
        let mut numbers: Vec<u32> = listing
            .objects
            .iter()
            .filter_map(|o| o.location.filename()?.strip_suffix(".json")?.parse().ok())
            .collect();
        numbers.sort_unstable();
        Ok(numbers)
    }

    /// Every version of a pod, oldest first (empty if the pod does not exist).
    pub async fn versions(&self, name: &str) -> Result<Vec<PodVersion>, StateError> {
        let mut out = Vec::new();
        for n in self.version_numbers(name).await? {
            out.push(self.version(name, n).await?);
        }
        Ok(out)
    }

    async fn version(&self, name: &str, version: u32) -> Result<PodVersion, StateError> {
        let bytes = match self.store.get(&self.version_key(name, version)).await {
            Ok(got) => got.bytes().await.map_err(|e| self.fail(e))?,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(StateError::NotFound(format!(
                    "pod '{name}' has no version {version}"
                )))
            }
            Err(e) => return Err(self.fail(e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            StateError::Invalid(format!("pod '{name}' version {version} is unreadable: {e}"))
        })
    }

    /// A version (the latest when `None`); an error names what is missing.
    pub async fn resolve(
        &self,
        name: &str,
        version: Option<u32>,
    ) -> Result<PodVersion, StateError> {
        let numbers = self.version_numbers(name).await?;
        let Some(&max) = numbers.last() else {
            return Err(self.pod_not_found(name));
        };
        match version {
            None => self.version(name, max).await,
            Some(v) if numbers.contains(&v) => self.version(name, v).await,
            Some(v) => Err(StateError::NotFound(format!(
                "pod '{name}' has no version {v} (maximum version available: {max})"
            ))),
        }
    }

    /// The names of the pods in the remote (some may have no version left).
    async fn pod_names(&self) -> Result<Vec<String>, StateError> {
        let listing = self
            .store
            .list_with_delimiter(Some(&self.key(&["pods"])))
            .await
            .map_err(|e| self.fail(e))?;
        Ok(listing
            .common_prefixes
            .iter()
            .filter_map(|dir| dir.filename().map(str::to_string))
            .filter(|name| validate_name("pod", name).is_ok())
            .collect())
    }

    /// Every pod in the remote.
    pub async fn list(&self) -> Result<Vec<PodSummary>, StateError> {
        let mut out = Vec::new();
        for name in self.pod_names().await? {
            if let Some(&latest) = self.version_numbers(&name).await?.last() {
                // One damaged version record must not hide every other pod: it is listed
                // without its time (and `pod versions` / `pod load` report the damage).
                let last_change = match self.version(&name, latest).await {
                    Ok(record) => record.created_at,
                    Err(StateError::Invalid(e)) => {
                        tracing::warn!(pod = %name, version = latest, error = %e, "unreadable pod version record");
                        String::new()
                    }
                    Err(e) => return Err(e),
                };
                out.push(PodSummary {
                    name,
                    max_version: latest,
                    last_change,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Whether the remote already holds a blob of this size.
    async fn has_blob(&self, sha256: &str, size: u64) -> Result<bool, StateError> {
        match self.store.head(&self.blob_key(sha256)).await {
            Ok(meta) => Ok(meta.size == size),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Upload a local file, streamed (multipart for large files).
    async fn upload(&self, source: &FsPath, key: ObjPath) -> Result<(), StateError> {
        let mut file = tokio::fs::File::open(source)
            .await
            .map_err(|e| StateError::io(source, e))?;
        let mut writer = BufWriter::new(self.store.clone(), key);
        if let Err(e) = tokio::io::copy(&mut file, &mut writer).await {
            let _ = writer.abort().await;
            return Err(remote_error(&self.display, &e));
        }
        writer
            .shutdown()
            .await
            .map_err(|e| remote_error(&self.display, &e))
    }

    /// Save the bundle in `bundle` as the pod's next version: blobs first (only those the
    /// remote lacks), the version record last, so a version is visible only when complete.
    pub async fn save(
        &self,
        name: &str,
        bundle: &BundleDir,
        message: Option<String>,
        version: Option<u32>,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SaveReport, StateError> {
        validate_name("pod", name)?;
        let next = self
            .version_numbers(name)
            .await?
            .last()
            .map_or(1, |v| v + 1);
        // A version asked for by number (`?version=N`) must be the next one: versions are
        // never overwritten and never skipped.
        if let Some(asked) = version.filter(|v| *v != next) {
            return Err(StateError::Invalid(format!(
                "pod '{name}' cannot be saved as version {asked}: the next version is {next}"
            )));
        }
        let mut uploaded = 0u64;
        let total = bundle.manifest.files.len() as u64;
        for (i, file) in bundle.manifest.files.iter().enumerate() {
            let present = self.has_blob(&file.sha256, file.size).await?;
            if !present {
                self.upload(&bundle.path_of(&file.path)?, self.blob_key(&file.sha256))
                    .await?;
                uploaded += file.size;
            }
            progress(Progress {
                done: i as u64 + 1,
                total,
                item: file.path.clone(),
                bytes: if present { 0 } else { file.size },
            });
        }
        let record = PodVersion {
            name: name.to_string(),
            version: next,
            created_at: bundle.manifest.created_at.clone(),
            message,
            snowglobe_version: env!("CARGO_PKG_VERSION").into(),
            size: bundle.manifest.size(),
            manifest: bundle.manifest.clone(),
        };
        let text =
            serde_json::to_vec_pretty(&record).map_err(|e| StateError::Internal(e.to_string()))?;
        let key = self.version_key(name, next);
        // Two saves racing for the same version number: the second must not overwrite.
        let create = PutOptions::from(PutMode::Create);
        match self.store.put_opts(&key, text.clone().into(), create).await {
            Ok(_) => {}
            Err(object_store::Error::AlreadyExists { .. }) => {
                return Err(StateError::Remote(format!(
                    "pod '{name}' version {next} was saved by someone else at the same time; save again"
                )))
            }
            Err(object_store::Error::NotImplemented { .. }) => {
                self.store
                    .put(&key, text.into())
                    .await
                    .map_err(|e| self.fail(e))?;
            }
            Err(e) => return Err(self.fail(e)),
        }
        // A blob this version reuses may have been removed by a pod delete's garbage
        // collection between the check above and the record: put it back.
        for file in &bundle.manifest.files {
            if !self.has_blob(&file.sha256, file.size).await? {
                self.upload(&bundle.path_of(&file.path)?, self.blob_key(&file.sha256))
                    .await?;
                uploaded += file.size;
            }
        }
        Ok(SaveReport {
            name: name.to_string(),
            version: next,
            size: record.size,
            bytes_uploaded: uploaded,
            remote: self.display.clone(),
        })
    }

    /// Download a version's bundle into `dir`, verifying every file's checksum.
    pub async fn fetch(&self, version: &PodVersion, dir: &FsPath) -> Result<BundleDir, StateError> {
        for file in &version.manifest.files {
            let target = safe_join(dir, &file.path)?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| StateError::io(parent, e))?;
            }
            let got = match self.store.get(&self.blob_key(&file.sha256)).await {
                Ok(got) => got,
                Err(object_store::Error::NotFound { .. }) => {
                    return Err(StateError::Invalid(format!(
                        "pod '{}' version {} is incomplete: blob {} is missing",
                        version.name, version.version, file.sha256
                    )))
                }
                Err(e) => return Err(self.fail(e)),
            };
            let mut out = tokio::fs::File::create(&target)
                .await
                .map_err(|e| StateError::io(&target, e))?;
            let mut hasher = Sha256::new();
            let mut stream = got.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| self.fail(e))?;
                hasher.update(&chunk);
                out.write_all(&chunk)
                    .await
                    .map_err(|e| StateError::io(&target, e))?;
            }
            out.flush().await.map_err(|e| StateError::io(&target, e))?;
            if hex(&hasher.finalize()) != file.sha256 {
                return Err(StateError::Invalid(format!(
                    "pod '{}' version {}: blob {} is corrupted",
                    version.name, version.version, file.sha256
                )));
            }
        }
        let text = serde_json::to_vec(&version.manifest)
            .map_err(|e| StateError::Internal(e.to_string()))?;
        std::fs::write(dir.join(MANIFEST), text).map_err(|e| StateError::io(dir, e))?;
        BundleDir::open(dir)
    }

    /// Delete every version of a pod, then the blobs no other version refers to.
    pub async fn delete(&self, name: &str) -> Result<DeleteReport, StateError> {
        let numbers = self.version_numbers(name).await?;
        if numbers.is_empty() {
            return Err(self.pod_not_found(name));
        }
        // Newest first: an interrupted delete leaves a shorter, still consistent history.
        for n in numbers.iter().rev() {
            self.store
                .delete(&self.version_key(name, *n))
                .await
                .map_err(|e| self.fail(e))?;
        }
        if let Some(dir) = &self.local_dir {
            // The pod's folder, now empty (a folder still holding something stays).
            let _ = std::fs::remove_dir(dir.join("pods").join(name));
        }
        let (blobs_removed, bytes_freed) = self.collect_garbage(gc_grace()).await?;
        Ok(DeleteReport {
            versions: numbers.len() as u32,
            blobs_removed,
            bytes_freed,
        })
    }

    /// The blobs (by checksum) the versions of every pod refer to; `None` when a version record
    /// is unreadable (what it refers to is unknown).
    async fn referenced_blobs(&self) -> Result<Option<HashSet<String>>, StateError> {
        let mut referenced = HashSet::new();
        for pod in self.pod_names().await? {
            for n in self.version_numbers(&pod).await? {
                match self.version(&pod, n).await {
                    Ok(record) => {
                        referenced.extend(record.manifest.files.into_iter().map(|f| f.sha256))
                    }
                    // deleted meanwhile (another pod delete): it refers to nothing any more
                    Err(StateError::NotFound(_)) => {}
                    Err(StateError::Invalid(e)) => {
                        tracing::warn!(pod = %pod, version = n, error = %e, "unreadable pod version record: no blob removed");
                        return Ok(None);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(Some(referenced))
    }

    /// Remove the blobs no version of any pod refers to, written more than `grace` ago (a save
    /// running now uploads its blobs before its version record: a blob it has just written is
    /// young; one it reuses is checked again once its record is written). Nothing is removed
    /// while any version record is unreadable: what it refers to is unknown.
    async fn collect_garbage(&self, grace: Duration) -> Result<(u32, u64), StateError> {
        // Blobs first, version records after: a version recorded meanwhile is still seen.
        let cutoff = chrono::Utc::now()
            - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::zero());
        let blobs = self.key(&["blobs"]);
        let mut listing = self.store.list(Some(&blobs));
        let mut old = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| self.fail(e))?;
            if meta.last_modified <= cutoff {
                old.push((meta.location.clone(), meta.size));
            }
        }
        let Some(referenced) = self.referenced_blobs().await? else {
            return Ok((0, 0));
        };
        let unreferenced = |blobs: Vec<(ObjPath, u64)>, referenced: &HashSet<String>| {
            blobs
                .into_iter()
                .filter(|(location, _)| {
                    location
                        .filename()
                        .is_some_and(|sha| !referenced.contains(sha))
                })
                .collect::<Vec<_>>()
        };
        let mut candidates = unreferenced(old, &referenced);
        if !candidates.is_empty() {
            // Read the records again just before removing: a save that reused one of these
            // blobs and recorded its version while the records were read keeps it (what is
            // left is the time between this reading and the removal, which the save's own
            // check after its record covers unless both fall in the same instant).
            let Some(referenced) = self.referenced_blobs().await? else {
                return Ok((0, 0));
            };
            candidates = unreferenced(candidates, &referenced);
        }
        let (mut removed, mut freed) = (0, 0);
        for (location, size) in candidates {
            match self.store.delete(&location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                    removed += 1;
                    freed += size;
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok((removed, freed))
    }
}

/// Percent-decoding on bytes (a `%` before a multi-byte character is kept as it is); `+` is a
/// space only in a query (`plus_is_space`), not in a path.
fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let digits = bytes
                .get(i + 1..i + 3)
                .and_then(|d| std::str::from_utf8(d).ok());
            if let Some(b) = digits.and_then(|d| u8::from_str_radix(d, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if plus_is_space && bytes[i] == b'+' {
            b' '
        } else {
            bytes[i]
        });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Named remotes, kept in `<volume>/pods/remotes.json`; the default remote is
/// `<volume>/pods/local`.
pub struct Remotes {
    file: PathBuf,
    default_dir: PathBuf,
}

impl Remotes {
    pub fn new(volume_dir: &FsPath) -> Remotes {
        Remotes {
            file: volume_dir.join("pods").join("remotes.json"),
            default_dir: volume_dir.join("pods").join("local"),
        }
    }

    pub fn list(&self) -> Result<Vec<(String, String)>, StateError> {
        match std::fs::read(&self.file) {
            Ok(bytes) => {
                serde_json::from_slice::<std::collections::BTreeMap<String, String>>(&bytes)
                    .map(|m| m.into_iter().collect())
                    .map_err(|e| {
                        StateError::Invalid(format!("{} is unreadable: {e}", self.file.display()))
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
            Err(e) => Err(StateError::io(&self.file, e)),
        }
    }

    fn write(&self, remotes: &[(String, String)]) -> Result<(), StateError> {
        if let Some(parent) = self.file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StateError::io(parent, e))?;
        }
        let map: std::collections::BTreeMap<_, _> = remotes.iter().cloned().collect();
        let text =
            serde_json::to_vec_pretty(&map).map_err(|e| StateError::Internal(e.to_string()))?;
        let tmp = self.file.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| StateError::io(&tmp, e))?;
        std::fs::rename(&tmp, &self.file).map_err(|e| StateError::io(&self.file, e))
    }

    pub fn add(&self, name: &str, url: &str) -> Result<(), StateError> {
        validate_name("remote", name)?;
        // Fail now on a URL that can never work; placeholders are filled when it is used.
        let mut any = RemoteParams::new();
        for key in url.split('{').skip(1).filter_map(|p| p.split_once('}')) {
            any.insert(key.0.to_ascii_lowercase(), "placeholder".into());
        }
        Remote::from_url(&fill_placeholders(url, &any)?)?;
        let mut all: Vec<_> = self
            .list()?
            .into_iter()
            .filter(|(n, _)| n != name)
            .collect();
        all.push((name.to_string(), url.to_string()));
        self.write(&all)
    }

    pub fn delete(&self, name: &str) -> Result<(), StateError> {
        let all = self.list()?;
        if !all.iter().any(|(n, _)| n == name) {
            return Err(StateError::NotFound(format!(
                "remote '{name}' does not exist"
            )));
        }
        let rest: Vec<_> = all.into_iter().filter(|(n, _)| n != name).collect();
        self.write(&rest)
    }

    /// The remote a request names (a configured name or a URL) as a URL with the client's
    /// `params` in it: placeholders filled, and an S3 URL given whatever parameters it lacks.
    /// The default directory stays `None`; without params the reference is unchanged.
    pub fn with_params(
        &self,
        remote: Option<&str>,
        params: &RemoteParams,
    ) -> Result<Option<String>, StateError> {
        let url = match remote {
            _ if params.is_empty() => return Ok(remote.map(str::to_string)),
            None | Some("") | Some("local") => return Ok(remote.map(str::to_string)),
            Some(r) if r.contains("://") || r.contains('/') => r.to_string(),
            Some(name) => self.url_of(name)?,
        };
        let mut url = fill_placeholders(&url, params)?;
        if url.starts_with("s3://") {
            let given: Vec<String> = url
                .split_once('?')
                .map(|(_, q)| {
                    q.split('&')
                        .map(|p| p.split('=').next().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default();
            let has = |k: &str| given.iter().any(|g| g == k);
            // Credentials go together: a URL with its own key takes none of the client's.
            let own_credentials = has("access_key_id");
            let extra: Vec<String> = S3_PARAMS
                .iter()
                .copied()
                .filter(|k| match *k {
                    "endpoint" => !has("endpoint") && !has("endpoint_url"),
                    "region" => !has("region"),
                    _ => !(own_credentials || has(k) || (*k == "session_token" && has("token"))),
                })
                .filter_map(|k| Some(format!("{k}={}", percent_encode(params.get(k)?))))
                .collect();
            if !extra.is_empty() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&extra.join("&"));
            }
        }
        Ok(Some(url))
    }

    fn url_of(&self, name: &str) -> Result<String, StateError> {
        self.list()?
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, u)| u)
            .ok_or_else(|| StateError::NotFound(format!("remote '{name}' does not exist")))
    }

    /// The remote to use: a configured name, a URL given directly, or the default directory.
    pub fn open(&self, remote: Option<&str>) -> Result<Remote, StateError> {
        match remote {
            None | Some("") | Some("local") => Remote::local(&self.default_dir),
            Some(r) if r.contains("://") || r.contains('/') => Remote::from_url(r),
            Some(name) => Remote::from_url(&self.url_of(name)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_params_fill_templates_and_s3_urls() {
        let dir = tempfile::tempdir().unwrap();
        let remotes = Remotes::new(dir.path());
        let params: RemoteParams = [
            ("access_key_id", "AK"),
            ("secret_access_key", "s/e+c"),
            ("region", "eu-west-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        remotes
            .add(
                "tpl",
                "s3://b/p?access_key_id={access_key_id}&secret_access_key={secret_access_key}",
            )
            .unwrap();
        assert_eq!(
            remotes
                .with_params(Some("tpl"), &params)
                .unwrap()
                .as_deref(),
            Some("s3://b/p?access_key_id=AK&secret_access_key=s%2Fe%2Bc&region=eu-west-1")
        );
        assert_eq!(
            remotes
                .with_params(Some("s3://b"), &params)
                .unwrap()
                .as_deref(),
            Some("s3://b?region=eu-west-1&access_key_id=AK&secret_access_key=s%2Fe%2Bc")
        );
        assert_eq!(remotes.with_params(None, &params).unwrap(), None);
        assert_eq!(
            remotes
                .with_params(Some("/x"), &RemoteParams::new())
                .unwrap()
                .as_deref(),
            Some("/x")
        );
        assert!(remotes.with_params(Some("nope"), &params).is_err());
    }

    #[test]
    fn client_credentials_never_mix_with_a_urls_own() {
        let dir = tempfile::tempdir().unwrap();
        let remotes = Remotes::new(dir.path());
        let params: RemoteParams = [("access_key_id", "C"), ("session_token", "T")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            remotes
                .with_params(Some("s3://b?access_key_id=K&secret_access_key=S"), &params)
                .unwrap()
                .as_deref(),
            Some("s3://b?access_key_id=K&secret_access_key=S")
        );
        assert!(Remote::from_url("s3://b/{HOME}").is_err());
        assert_eq!(percent_decode("a%41+b%é", true), "aA b%é");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert!(validate_name("pod", "environment").is_err());
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(
            redact("s3://b/p?access_key_id=AK&secret_access_key=SK/x+y&region=r failed"),
            "s3://b/p?access_key_id=AK&secret_access_key=***&region=r failed"
        );
        assert_eq!(
            redact("s3://b?secret_access_key={secret_access_key}"),
            "s3://b?secret_access_key={secret_access_key}"
        );
    }

    #[test]
    fn names_cannot_traverse() {
        for bad in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(validate_name("pod", bad).is_err(), "{bad}");
        }
        validate_name("pod", "team-seed_1.2").unwrap();
    }

    #[test]
    fn references_have_optional_versions() {
        assert_eq!(parse_reference("p:3").unwrap(), ("p".to_string(), Some(3)));
        assert_eq!(parse_reference("p").unwrap(), ("p".to_string(), None));
        assert!(parse_reference("p:x").is_err());
    }
}
