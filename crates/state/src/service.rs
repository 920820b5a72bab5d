//! Every state operation over one engine and its volume directory: what the admin HTTP API
//! serves and what the CLI runs directly when no server is running.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use snowglobe_engine::Engine;

use crate::archive;
use crate::bundle::{BundleDir, Manifest};
use crate::export::export_to_dir;
use crate::import::{apply, reset, ImportSummary, Strategy};
use crate::pods::{PodSummary, PodVersion, Remote, Remotes, SaveReport};
use crate::{Progress, StateError};

/// State operations on `engine`; temporary files and the default pod remote live under
/// `volume_dir`.
#[derive(Clone)]
pub struct StateService {
    pub engine: Arc<Engine>,
    pub volume_dir: PathBuf,
    /// With `SNAPSHOT_SAVE_STRATEGY=MANUAL`: the working state lives in memory and is written
    /// to this state directory (the one every other strategy keeps live) only by an explicit
    /// save (`POST /_localstack/state/save`).
    pub manual_store: Option<PathBuf>,
    /// One MANUAL save or load at a time (each opens the store as a second engine).
    manual_lock: Arc<std::sync::Mutex<()>>,
}

/// A complete state waiting to be applied to the store of its directory: written by a MANUAL
/// save before it changes the store (so a save cut short by a crash is finished at the next
/// start), or left by an older Snowglobe, which kept MANUAL saves in this file.
const PENDING_SAVE: &str = "manual-snapshot.zip";

/// Written beside the store by a MANUAL save: the store holds a saved state, even an empty one.
const SAVED_MARKER: &str = "manual-saved";

/// Apply a pending save (see [`PENDING_SAVE`]) to the store in `dir`, whichever save strategy
/// runs now; scratch space comes from `volume_dir`. Whether there was one.
pub fn complete_pending_save(dir: &Path, volume_dir: &Path) -> Result<bool, StateError> {
    let pending = dir.join(PENDING_SAVE);
    if !pending.exists() {
        return Ok(false);
    }
    let service = StateService::new(StateService::open_store(dir)?, volume_dir);
    service.import_file(&pending, Strategy::Overwrite, &mut no_progress)?;
    let marker = dir.join(SAVED_MARKER);
    std::fs::write(&marker, b"").map_err(|e| StateError::io(&marker, e))?;
    std::fs::remove_file(&pending).map_err(|e| StateError::io(&pending, e))?;
    Ok(true)
}

/// A pod load's result.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub name: String,
    pub version: u32,
    pub dry_run: bool,
    #[serde(flatten)]
    pub summary: ImportSummary,
}

fn no_progress(_: Progress) {}

impl StateService {
    pub fn new(engine: Arc<Engine>, volume_dir: &Path) -> StateService {
        StateService {
            engine,
            volume_dir: volume_dir.to_path_buf(),
            manual_store: None,
            manual_lock: Arc::default(),
        }
    }

    /// Keep the working state apart and save it only on request, into the state directory
    /// `dir`: the same store every other save strategy keeps live, so switching strategies
    /// keeps the state.
    pub fn with_manual_store(mut self, dir: PathBuf) -> StateService {
        self.manual_store = Some(dir);
        self
    }

    /// The saved state, opened as its own engine (the volume lock is this process's).
    fn open_store(dir: &Path) -> Result<Arc<Engine>, StateError> {
        Ok(Engine::open(snowglobe_engine::Storage::Directory(
            dir.to_path_buf(),
        ))?)
    }

    /// The state as LocalStack's metamodel tree (`GET /_localstack/pods/state/metamodel`):
    /// account, service, region, then each database's schemas with their tables (exact row
    /// counts) and views.
    pub fn metamodel(&self) -> Result<serde_json::Value, StateError> {
        use serde_json::{json, Map, Value};
        let conn = self.engine.connect()?;
        let mut databases = Map::new();
        for db in conn.databases()? {
            let mut schemas = Map::new();
            for schema in conn.schemas(&db)? {
                let mut tables = Map::new();
                let mut views = Vec::new();
                for (name, is_view, _) in conn.relations(&db, &schema)? {
                    if is_view {
                        views.push(Value::from(name));
                    } else {
                        let rows = conn.row_count(&db, &schema, &name)?;
                        tables.insert(name, json!({ "rows": rows }));
                    }
                }
                schemas.insert(schema, json!({"tables": tables, "views": views}));
            }
            databases.insert(db, json!({ "schemas": schemas }));
        }
        // LocalStack's default account and region head the tree.
        Ok(json!({
            "000000000000": {"snowflake": {"us-east-1": {"databases": databases}}}
        }))
    }

    /// Save the working state into the store: written whole beside it first (see
    /// [`PENDING_SAVE`]), then applied (an import: all or nothing). `None` without a manual
    /// store: every committed statement is saved already.
    pub fn save_snapshot(&self) -> Result<Option<Manifest>, StateError> {
        let Some(dir) = &self.manual_store else {
            return Ok(None);
        };
        let _one_at_a_time = self.manual_lock.lock().unwrap_or_else(|e| e.into_inner());
        // an earlier save cut short is finished first, so the files keep their order
        complete_pending_save(dir, &self.volume_dir)?;
        let pending = dir.join(PENDING_SAVE);
        let partial = pending.with_extension("zip.partial");
        let manifest = self.export_file(None, &partial, &mut no_progress)?;
        std::fs::rename(&partial, &pending).map_err(|e| StateError::io(&pending, e))?;
        complete_pending_save(dir, &self.volume_dir)?;
        Ok(Some(manifest))
    }

    /// Replace the working state with the saved one. `None` without a manual store (the state
    /// is loaded already); an empty summary, changing nothing, when nothing was saved yet.
    pub fn load_snapshot(&self) -> Result<Option<ImportSummary>, StateError> {
        let Some(dir) = &self.manual_store else {
            return Ok(None);
        };
        let _one_at_a_time = self.manual_lock.lock().unwrap_or_else(|e| e.into_inner());
        complete_pending_save(dir, &self.volume_dir)?;
        let stored = std::fs::read_dir(dir)
            .map_err(|e| StateError::io(dir, e))?
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "duckdb"));
        if !stored && !dir.join(SAVED_MARKER).exists() {
            return Ok(Some(ImportSummary::default()));
        }
        let store = Self::open_store(dir)?;
        let scratch = self.scratch()?;
        let manifest = export_to_dir(&store, None, scratch.path(), &mut no_progress)?;
        let text =
            serde_json::to_vec(&manifest).map_err(|e| StateError::Internal(e.to_string()))?;
        let path = scratch.path().join(crate::bundle::MANIFEST);
        std::fs::write(&path, text).map_err(|e| StateError::io(&path, e))?;
        let bundle = BundleDir::open(scratch.path())?;
        apply(
            &self.engine,
            &bundle,
            Strategy::Overwrite,
            false,
            &mut no_progress,
        )
        .map(Some)
    }

    /// A scratch directory on the volume's file system, removed when dropped.
    pub fn scratch(&self) -> Result<tempfile::TempDir, StateError> {
        let base = self.volume_dir.join("tmp");
        std::fs::create_dir_all(&base).map_err(|e| StateError::io(&base, e))?;
        tempfile::Builder::new()
            .prefix("snowglobe-")
            .tempdir_in(&base)
            .map_err(|e| StateError::io(&base, e))
    }

    pub fn remotes(&self) -> Remotes {
        Remotes::new(&self.volume_dir)
    }

    pub fn remote(&self, name: Option<&str>) -> Result<Remote, StateError> {
        self.remotes().open(name)
    }

    /// Export into the ZIP file `out`.
    pub fn export_file(
        &self,
        databases: Option<&[String]>,
        out: &Path,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Manifest, StateError> {
        let scratch = self.scratch()?;
        let manifest = export_to_dir(&self.engine, databases, scratch.path(), progress)?;
        archive::pack(scratch.path(), &manifest, out)?;
        Ok(manifest)
    }

    /// Import the ZIP file `path`; nothing changes unless the whole file is valid.
    pub fn import_file(
        &self,
        path: &Path,
        strategy: Strategy,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportSummary, StateError> {
        let scratch = self.scratch()?;
        let bundle = archive::unpack(path, scratch.path())?;
        apply(&self.engine, &bundle, strategy, false, progress)
    }

    pub fn reset(&self) -> Result<Vec<String>, StateError> {
        reset(&self.engine)
    }

    /// Save the state (or `databases` of it) as the pod's next version.
    pub async fn pod_save(
        &self,
        name: &str,
        message: Option<String>,
        databases: Option<Vec<String>>,
        version: Option<u32>,
        remote: Option<&str>,
    ) -> Result<SaveReport, StateError> {
        crate::pods::validate_name("pod", name)?;
        let remote = self.remote(remote)?;
        let scratch = self.scratch()?;
        let dir = scratch.path().to_path_buf();
        let engine = Arc::clone(&self.engine);
        let bundle = tokio::task::spawn_blocking(move || -> Result<BundleDir, StateError> {
            export_to_dir(&engine, databases.as_deref(), &dir, &mut no_progress)?;
            BundleDir::open(&dir)
        })
        .await
        .map_err(|e| StateError::Internal(e.to_string()))??;
        remote
            .save(name, &bundle, message, version, &mut |_: Progress| {})
            .await
    }

    /// Load a pod version (the latest when `version` is `None`).
    pub async fn pod_load(
        &self,
        name: &str,
        version: Option<u32>,
        strategy: Strategy,
        dry_run: bool,
        remote: Option<&str>,
    ) -> Result<LoadReport, StateError> {
        let remote = self.remote(remote)?;
        let record = remote.resolve(name, version).await?;
        let scratch = self.scratch()?;
        let bundle = remote.fetch(&record, scratch.path()).await?;
        let engine = Arc::clone(&self.engine);
        let summary = tokio::task::spawn_blocking(move || {
            apply(&engine, &bundle, strategy, dry_run, &mut no_progress)
        })
        .await
        .map_err(|e| StateError::Internal(e.to_string()))??;
        drop(scratch);
        Ok(LoadReport {
            name: record.name,
            version: record.version,
            dry_run,
            summary,
        })
    }

    pub async fn pod_list(&self, remote: Option<&str>) -> Result<Vec<PodSummary>, StateError> {
        self.remote(remote)?.list().await
    }

    pub async fn pod_versions(
        &self,
        name: &str,
        remote: Option<&str>,
    ) -> Result<Vec<PodVersion>, StateError> {
        let remote = self.remote(remote)?;
        let versions = remote.versions(name).await?;
        if versions.is_empty() {
            return Err(remote.pod_not_found(name));
        }
        Ok(versions)
    }

    pub async fn pod_inspect(
        &self,
        name: &str,
        version: Option<u32>,
        remote: Option<&str>,
    ) -> Result<PodVersion, StateError> {
        self.remote(remote)?.resolve(name, version).await
    }

    pub async fn pod_delete(
        &self,
        name: &str,
        remote: Option<&str>,
    ) -> Result<crate::pods::DeleteReport, StateError> {
        self.remote(remote)?.delete(name).await
    }
}

/// A pod version as `pod inspect --format json` and the admin API describe it.
pub fn describe_version(v: &PodVersion) -> serde_json::Value {
    serde_json::json!({
        "name": v.name,
        "version": v.version,
        "created_at": v.created_at,
        "message": v.message,
        "snowglobe_version": v.snowglobe_version,
        "size": v.size,
        "databases": v.manifest.databases.iter().map(|d| serde_json::json!({
            "name": d.name,
            "schemas": d.schemas.iter().map(|s| serde_json::json!({
                "name": s.name,
                "tables": s.tables.iter().map(|t| serde_json::json!({"name": t.name, "rows": t.rows})).collect::<Vec<_>>(),
                "views": s.views.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
