//! Pods: named, versioned snapshots in a remote. Remotes are local directories (or `file://`
//! URLs) for now; `s3://` remotes are recognised and refused with a clear "not supported yet"
//! error (the `object_store` crate would change the build graph of the bundled DuckDB and force
//! its full rebuild; an S3 client of our own is the next step, see the issue note).
//!
//! Layout inside a remote:
//! - `blobs/<sha256>`: file contents, content-addressed, shared by every version of every pod;
//!   a new version uploads only the files no earlier version has.
//! - `pods/<name>/<version, 8 digits>.json`: a version's record (its bundle manifest, message,
//!   time). Written last, after every blob it names, so a version is visible only when complete.

use std::path::{Path as FsPath, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    if ok {
        Ok(())
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

/// A pod remote: a directory holding `blobs/` and `pods/`.
#[derive(Clone)]
pub struct Remote {
    root: PathBuf,
    /// How the remote is shown to users.
    pub display: String,
}

fn io_error(path: &FsPath, e: std::io::Error) -> StateError {
    StateError::Remote(format!("the pod remote failed at {}: {e}", path.display()))
}

impl Remote {
    /// A remote in a local directory (created if needed).
    pub fn local(dir: &FsPath) -> Result<Remote, StateError> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        Ok(Remote {
            root: dir.to_path_buf(),
            display: dir.display().to_string(),
        })
    }

    /// A remote from a URL: a local path or `file://PATH`.
    pub fn from_url(url: &str) -> Result<Remote, StateError> {
        if url.starts_with("s3://") {
            return Err(StateError::Invalid(format!(
                "unsupported remote '{}': S3 remotes are not supported yet (use a directory or file://PATH)",
                url.split('?').next().unwrap_or(url)
            )));
        }
        if let Some(path) = url.strip_prefix("file://") {
            return Remote::local(FsPath::new(&percent_decode(path)));
        }
        if url.contains("://") || url.is_empty() {
            return Err(StateError::Invalid(format!(
                "unsupported remote URL '{url}' (use a directory or file://PATH)"
            )));
        }
        Remote::local(FsPath::new(url))
    }

    fn pod_dir(&self, name: &str) -> PathBuf {
        self.root.join("pods").join(name)
    }

    fn version_path(&self, name: &str, version: u32) -> PathBuf {
        self.pod_dir(name).join(format!("{version:08}.json"))
    }

    fn blob_path(&self, sha256: &str) -> PathBuf {
        self.root.join("blobs").join(sha256)
    }

    /// Every version of a pod, oldest first (empty if the pod does not exist).
    pub async fn versions(&self, name: &str) -> Result<Vec<PodVersion>, StateError> {
        validate_name("pod", name)?;
        let dir = self.pod_dir(name);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io_error(&dir, e)),
        };
        let mut numbers: Vec<u32> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json")?.parse().ok())
            .collect();
        numbers.sort_unstable();
        numbers.into_iter().map(|n| self.version(name, n)).collect()
    }

    fn version(&self, name: &str, version: u32) -> Result<PodVersion, StateError> {
        let path = self.version_path(name, version);
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                StateError::NotFound(format!("pod '{name}' has no version {version}"))
            }
            _ => io_error(&path, e),
        })?;
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
        let versions = self.versions(name).await?;
        let Some(latest) = versions.last() else {
            return Err(StateError::NotFound(format!(
                "pod '{name}' does not exist in remote {}",
                self.display
            )));
        };
        let max = latest.version;
        match version {
            None => Ok(latest.clone()),
            Some(v) => versions
                .into_iter()
                .find(|p| p.version == v)
                .ok_or_else(|| {
                    StateError::NotFound(format!(
                        "pod '{name}' has no version {v} (maximum version available: {max})"
                    ))
                }),
        }
    }

    /// Every pod in the remote.
    pub async fn list(&self) -> Result<Vec<PodSummary>, StateError> {
        let dir = self.root.join("pods");
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io_error(&dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries.filter_map(|e| e.ok()) {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if validate_name("pod", &name).is_err() {
                continue;
            }
            if let Some(latest) = self.versions(&name).await?.pop() {
                out.push(PodSummary {
                    name,
                    max_version: latest.version,
                    last_change: latest.created_at,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Save the bundle in `bundle` as the pod's next version: blobs first (only those the
    /// remote lacks, each written to a temporary name and renamed), the version record last.
    pub async fn save(
        &self,
        name: &str,
        bundle: &BundleDir,
        message: Option<String>,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SaveReport, StateError> {
        validate_name("pod", name)?;
        let next = self
            .versions(name)
            .await?
            .last()
            .map_or(1, |v| v.version + 1);
        let blobs = self.root.join("blobs");
        std::fs::create_dir_all(&blobs).map_err(|e| io_error(&blobs, e))?;
        let mut uploaded = 0u64;
        let total = bundle.manifest.files.len() as u64;
        for (i, file) in bundle.manifest.files.iter().enumerate() {
            let blob = self.blob_path(&file.sha256);
            let present = std::fs::metadata(&blob).is_ok_and(|m| m.len() == file.size);
            if !present {
                let partial = blob.with_extension("partial");
                std::fs::copy(bundle.path_of(&file.path)?, &partial)
                    .map_err(|e| io_error(&partial, e))?;
                std::fs::rename(&partial, &blob).map_err(|e| io_error(&blob, e))?;
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
        let dir = self.pod_dir(name);
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        let path = self.version_path(name, next);
        let partial = path.with_extension("partial");
        std::fs::write(&partial, text).map_err(|e| io_error(&partial, e))?;
        std::fs::rename(&partial, &path).map_err(|e| io_error(&path, e))?;
        Ok(SaveReport {
            name: name.to_string(),
            version: next,
            size: record.size,
            bytes_uploaded: uploaded,
            remote: self.display.clone(),
        })
    }

    /// Copy a version's bundle into `dir` and verify it.
    pub async fn fetch(&self, version: &PodVersion, dir: &FsPath) -> Result<BundleDir, StateError> {
        for file in &version.manifest.files {
            let target = safe_join(dir, &file.path)?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| StateError::io(parent, e))?;
            }
            let blob = self.blob_path(&file.sha256);
            if !blob.exists() {
                return Err(StateError::Invalid(format!(
                    "pod '{}' version {} is incomplete: blob {} is missing",
                    version.name, version.version, file.sha256
                )));
            }
            std::fs::copy(&blob, &target).map_err(|e| io_error(&blob, e))?;
            let mut hasher = Sha256::new();
            hasher.update(std::fs::read(&target).map_err(|e| StateError::io(&target, e))?);
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

    /// Delete every version of a pod (blobs stay: other versions and pods may share them).
    pub async fn delete(&self, name: &str) -> Result<u32, StateError> {
        let versions = self.versions(name).await?;
        if versions.is_empty() {
            return Err(StateError::NotFound(format!(
                "pod '{name}' does not exist in remote {}",
                self.display
            )));
        }
        let dir = self.pod_dir(name);
        std::fs::remove_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(versions.len() as u32)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
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
        // Fail now on a URL that can never work.
        Remote::from_url(url)?;
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

    /// The remote to use: a configured name, a URL given directly, or the default directory.
    pub fn open(&self, remote: Option<&str>) -> Result<Remote, StateError> {
        match remote {
            None | Some("") | Some("local") => Remote::local(&self.default_dir),
            Some(r) if r.contains("://") || r.contains('/') => Remote::from_url(r),
            Some(name) => {
                let url = self
                    .list()?
                    .into_iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, u)| u)
                    .ok_or_else(|| {
                        StateError::NotFound(format!("remote '{name}' does not exist"))
                    })?;
                Remote::from_url(&url)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
