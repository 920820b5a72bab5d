//! The state format: a manifest plus one Parquet file per table.
//!
//! A bundle is the unit every state operation moves: `state export` packs one into a ZIP file,
//! a pod version stores its files as content-addressed blobs, `state import` and `pod load`
//! unpack one into a directory and apply it. The manifest (`manifest.json`) is written last and
//! names every file with its SHA-256, so a bundle without a manifest, or whose files do not match
//! it, is rejected before anything changes. The format is documented in `docs/state-format.md`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use snowglobe_catalog::SfType;

use crate::StateError;

/// The `format` value of every Snowglobe state manifest.
pub const FORMAT: &str = "snowglobe-state";
/// The format version this release writes. Every release reads every version up to its own.
pub const FORMAT_VERSION: u32 = 1;
/// The files under the stage root that hold the account's objects: warehouses
/// (`{name: warehouse}`) and roles and users (`{roles: {..}, users: {..}, grants: [..]}`).
pub const ACCOUNT_FILES: &[&str] = &["warehouses.json", "principals.json"];

/// The manifest's file name inside a bundle.
pub const MANIFEST: &str = "manifest.json";

/// What a bundle holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub snowglobe_version: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    pub databases: Vec<Database>,
    /// The files of the users' stages (`@~`), by path under the users' stage directory
    /// (optional: absent when there are none, or when only some databases were exported).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_stage_files: Vec<StageFile>,
    /// The account's warehouses, roles and users, as the files the server keeps them in
    /// ([`ACCOUNT_FILES`]; optional: absent from older files and from `--databases` exports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_files: Vec<StageFile>,
    /// Every data file of the bundle: path inside the bundle, SHA-256 (hex), size in bytes.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Database {
    pub name: String,
    pub schemas: Vec<Schema>,
    /// The database's internal stages, file formats and staged files, as files under its stage
    /// directory (optional: absent when it has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_files: Vec<StageFile>,
}

/// One file of a database's stage directory: its path there ('/'-separated) and the bundle file
/// with its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageFile {
    pub path: String,
    pub file: String,
    /// When the file was last written (milliseconds since the Unix epoch), which `LIST`
    /// shows as `last_modified`; absent in files written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_ms: Option<i64>,
}

impl StageFile {
    /// Copy the staged file's content from the bundle file `source` to `target`, with its
    /// modification time.
    pub fn place(&self, source: &Path, target: &Path) -> Result<(), StateError> {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StateError::io(parent, e))?;
        }
        std::fs::copy(source, target).map_err(|e| StateError::io(source, e))?;
        if let Some(ms) = self.modified_ms.and_then(|ms| u64::try_from(ms).ok()) {
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
            std::fs::File::options()
                .write(true)
                .open(target)
                .and_then(|f| f.set_modified(when))
                .map_err(|e| StateError::io(target, e))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub name: String,
    pub tables: Vec<Table>,
    #[serde(default)]
    pub views: Vec<View>,
    /// Sequences, created before the tables (column defaults may use them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    /// The DuckDB storage name (identity columns' sequences have internal names).
    pub storage_name: String,
    /// The value NEXTVAL gives next.
    pub next: i64,
    pub increment: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: u64,
    /// The Parquet file with the rows, a path inside the bundle.
    pub file: String,
    /// The table's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The declared Snowflake type; absent for columns Snowglobe did not declare itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sf_type: Option<SfType>,
    /// The storage type the column had (used when `sf_type` is absent).
    pub storage_type: String,
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The column default in DuckDB SQL (e.g. a sequence's `nextval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The default as the user declared it (Snowflake SQL), shown by DESCRIBE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_default: Option<String>,
    /// Part of the table's (informational) primary key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary_key: bool,
    /// Part of an (informational) UNIQUE constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<snowglobe_catalog::meta::KeyPart>,
    /// Part of an (informational) FOREIGN KEY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Box<snowglobe_catalog::meta::ForeignKeyPart>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    /// The view's definition as stored (a `CREATE VIEW` statement).
    pub sql: String,
    /// The view's DuckDB comment as stored: the user's comment and the definition as written
    /// (JSON, see `snowglobe_catalog::ViewMeta`), or a plain comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

impl Manifest {
    pub fn new(databases: Vec<Database>, files: Vec<FileEntry>) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            snowglobe_version: env!("CARGO_PKG_VERSION").into(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            databases,
            user_stage_files: vec![],
            account_files: vec![],
            files,
        }
    }

    /// Parse and check a manifest: the right format, a version this release reads.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, StateError> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            StateError::Invalid(format!(
                "the manifest is invalid (corrupted state file?): {e}"
            ))
        })?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != FORMAT {
            return Err(StateError::Invalid(format!(
                "not a Snowglobe state file (format '{format}', expected '{FORMAT}')"
            )));
        }
        // A version that is not a positive integer is a damaged manifest, not a newer one.
        let version = match value.get("format_version").and_then(|v| v.as_u64()) {
            Some(v) if v > 0 => v,
            _ => {
                return Err(StateError::Invalid(format!(
                    "the manifest is malformed: format_version is {}, not a version number",
                    value
                        .get("format_version")
                        .map_or("missing".into(), |v| v.to_string())
                )))
            }
        };
        if version > u64::from(FORMAT_VERSION) {
            return Err(StateError::Incompatible(format!(
                "the state file has format version {version}; this Snowglobe ({}) reads versions 1 to {FORMAT_VERSION}",
                env!("CARGO_PKG_VERSION")
            )));
        }
        serde_json::from_value(value)
            .map_err(|e| StateError::Invalid(format!("the manifest is malformed: {e}")))
    }

    pub fn table_count(&self) -> usize {
        self.tables().count()
    }

    pub fn row_count(&self) -> u64 {
        self.tables().map(|(_, _, t)| t.rows).sum()
    }

    pub fn size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Every table with its database and schema names.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &str, &Table)> {
        self.databases.iter().flat_map(|d| {
            d.schemas.iter().flat_map(move |s| {
                s.tables
                    .iter()
                    .map(move |t| (d.name.as_str(), s.name.as_str(), t))
            })
        })
    }

    pub fn database_names(&self) -> Vec<String> {
        self.databases.iter().map(|d| d.name.clone()).collect()
    }
}

/// SHA-256 (hex) and size of a file.
pub fn digest_file(path: &Path) -> Result<(String, u64), StateError> {
    let mut f = std::fs::File::open(path).map_err(|e| StateError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| StateError::io(path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), size))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A bundle unpacked in a directory: `manifest.json` and the files it names.
pub struct BundleDir {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl BundleDir {
    /// Open and verify: the manifest parses, every file it names exists with its checksum, and
    /// no path escapes the directory.
    pub fn open(dir: &Path) -> Result<BundleDir, StateError> {
        let manifest_path = dir.join(MANIFEST);
        let bytes = std::fs::read(&manifest_path).map_err(|_| {
            StateError::Invalid(
                "the state file has no manifest.json (not a Snowglobe state file, or truncated)"
                    .into(),
            )
        })?;
        let manifest = Manifest::parse(&bytes)?;
        for f in &manifest.files {
            let path = safe_join(dir, &f.path)?;
            let (sha, size) = digest_file(&path).map_err(|_| {
                StateError::Invalid(format!("the state file lacks {} (truncated?)", f.path))
            })?;
            if sha != f.sha256 || size != f.size {
                return Err(StateError::Invalid(format!(
                    "checksum mismatch for {}: the state file is corrupted",
                    f.path
                )));
            }
        }
        for (_, _, t) in manifest.tables() {
            if !manifest.files.iter().any(|f| f.path == t.file) {
                return Err(StateError::Invalid(format!(
                    "the manifest names {} for table {} but lists no such file",
                    t.file, t.name
                )));
            }
        }
        Ok(BundleDir {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    pub fn path_of(&self, file: &str) -> Result<PathBuf, StateError> {
        safe_join(&self.dir, file)
    }
}

/// `dir/relative`, refusing absolute paths and `..` (a bundle cannot write outside its
/// directory).
pub fn safe_join(dir: &Path, relative: &str) -> Result<PathBuf, StateError> {
    let p = Path::new(relative);
    if p.is_absolute()
        || p.components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(StateError::Invalid(format!(
            "unsafe path '{relative}' in the state file"
        )));
    }
    Ok(dir.join(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_format_is_incompatible() {
        let m = br#"{"format":"snowglobe-state","format_version":999,"databases":[],"files":[]}"#;
        assert!(matches!(
            Manifest::parse(m),
            Err(StateError::Incompatible(_))
        ));
    }

    #[test]
    fn other_formats_are_invalid() {
        assert!(matches!(
            Manifest::parse(br#"{"format":"zip"}"#),
            Err(StateError::Invalid(_))
        ));
        assert!(matches!(
            Manifest::parse(b"nope"),
            Err(StateError::Invalid(_))
        ));
        for version in [r#""1""#, "0", "-1", "1.5", "null"] {
            let m = format!(
                r#"{{"format":"snowglobe-state","format_version":{version},"databases":[],"files":[]}}"#
            );
            assert!(
                matches!(Manifest::parse(m.as_bytes()), Err(StateError::Invalid(_))),
                "{version}"
            );
        }
    }

    #[test]
    fn paths_cannot_escape() {
        let d = Path::new("/tmp/x");
        assert!(safe_join(d, "../etc/passwd").is_err());
        assert!(safe_join(d, "/etc/passwd").is_err());
        assert_eq!(
            safe_join(d, "tables/a.parquet").unwrap(),
            d.join("tables/a.parquet")
        );
    }
}
