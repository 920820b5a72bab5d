//! The export file: a bundle packed as a ZIP container.
//!
//! ZIP because LocalStack's `GET /_localstack/pods/state` streams one (its CLI appends a
//! `metadata.yaml` to it) and because it allows random access: `manifest.json` can be read
//! without unpacking the tables. Parquet files are stored as they are (already compressed); the
//! manifest is deflated and written last.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::bundle::{safe_join, BundleDir, Manifest, MANIFEST};
use crate::StateError;

/// Pack the bundle in `dir` (described by `manifest`) into `out`.
pub fn pack(dir: &Path, manifest: &Manifest, out: &Path) -> Result<(), StateError> {
    let file = File::create(out).map_err(|e| StateError::io(out, e))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true);
    for entry in &manifest.files {
        zip.start_file(entry.path.as_str(), stored)
            .map_err(|e| StateError::Internal(format!("cannot write the ZIP: {e}")))?;
        let path = safe_join(dir, &entry.path)?;
        let mut f = File::open(&path).map_err(|e| StateError::io(&path, e))?;
        std::io::copy(&mut f, &mut zip).map_err(|e| StateError::io(out, e))?;
    }
    zip.start_file(
        MANIFEST,
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated),
    )
    .map_err(|e| StateError::Internal(format!("cannot write the ZIP: {e}")))?;
    let text = serde_json::to_vec_pretty(manifest)
        .map_err(|e| StateError::Internal(format!("cannot write the manifest: {e}")))?;
    zip.write_all(&text).map_err(|e| StateError::io(out, e))?;
    let mut inner = zip
        .finish()
        .map_err(|e| StateError::Internal(format!("cannot finish the ZIP: {e}")))?;
    inner.flush().map_err(|e| StateError::io(out, e))?;
    Ok(())
}

fn not_a_zip(e: impl std::fmt::Display) -> StateError {
    StateError::Invalid(format!(
        "not a valid zip archive: {e} (the state file is truncated or is not a Snowglobe export)"
    ))
}

/// Read only the manifest of an export file.
pub fn read_manifest(path: &Path) -> Result<Manifest, StateError> {
    let file = File::open(path).map_err(|e| StateError::io(path, e))?;
    let mut zip = ZipArchive::new(BufReader::new(file)).map_err(not_a_zip)?;
    manifest_of(&mut zip)
}

fn manifest_of<R: Read + Seek>(zip: &mut ZipArchive<R>) -> Result<Manifest, StateError> {
    let mut entry = zip.by_name(MANIFEST).map_err(|_| {
        StateError::Invalid(
            "the state file has no manifest.json (not a Snowglobe state file)".into(),
        )
    })?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).map_err(not_a_zip)?;
    Manifest::parse(&bytes)
}

/// Unpack the export file `path` into `dir` and verify it. Only the files the manifest names
/// are extracted (anything else, such as LocalStack's `metadata.yaml`, is ignored).
pub fn unpack(path: &Path, dir: &Path) -> Result<BundleDir, StateError> {
    let file = File::open(path).map_err(|e| StateError::io(path, e))?;
    let mut zip = ZipArchive::new(BufReader::new(file)).map_err(not_a_zip)?;
    let manifest = manifest_of(&mut zip)?;
    std::fs::write(
        dir.join(MANIFEST),
        serde_json::to_vec(&manifest).map_err(|e| StateError::Internal(e.to_string()))?,
    )
    .map_err(|e| StateError::io(dir, e))?;
    for entry in &manifest.files {
        let target = safe_join(dir, &entry.path)?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StateError::io(parent, e))?;
        }
        let mut src = zip.by_name(&entry.path).map_err(|_| {
            StateError::Invalid(format!("the state file lacks {} (truncated?)", entry.path))
        })?;
        let mut out = File::create(&target).map_err(|e| StateError::io(&target, e))?;
        std::io::copy(&mut src, &mut out).map_err(not_a_zip)?;
    }
    BundleDir::open(dir)
}
