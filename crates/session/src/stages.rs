//! Internal stages and file formats on disk, under the engine's stage root:
//!
//! ```text
//! <root>/<DB>/<SCHEMA>/stages/<STAGE>/stage.json   the stage's definition
//! <root>/<DB>/<SCHEMA>/stages/<STAGE>/files/...    its files
//! <root>/<DB>/<SCHEMA>/tables/<TABLE>/files/...    a table's stage (@%t)
//! <root>/<DB>/<SCHEMA>/formats/<FORMAT>.json       a named file format
//! <root>/.users/<USER>/files/...                   a user's stage (@~)
//! <root>/.temp/<SESSION>/<DB>/...                  a session's temporary stages and formats
//! ```
//! Names are file-name encoded (see `snowglobe_engine::encode_file_name`), so every Snowflake
//! name maps to one directory. Dropping a database or schema removes its directory with it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use snowglobe_engine::encode_file_name;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::stages::{option, FileFormat, OptionValue, Options, StageKind, StageRef};
use snowglobe_translate::ObjectRef;

use crate::Session;

/// What `stage.json` and `<format>.json` hold.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Definition {
    /// File format options (upper-case names; values as text, lists as JSON arrays).
    #[serde(default)]
    pub format: Vec<(String, serde_json::Value)>,
    /// For a stage: a named file format it uses instead of inline options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_name: Option<(String, String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Creation time, microseconds since the epoch.
    #[serde(default)]
    pub created_on: i64,
}

/// A staged file: its path inside the stage and where it is on disk.
#[derive(Debug, Clone)]
pub struct StagedFile {
    pub path: String,
    pub disk: PathBuf,
    pub size: u64,
    pub modified: std::time::SystemTime,
}

pub(crate) fn io_error(what: &str, path: &Path, e: std::io::Error) -> SnowflakeError {
    SnowflakeError::internal(format!("cannot {what} {}: {e}", path.display()))
}

pub(crate) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn schema_dir(root: &Path, database: &str, schema: &str) -> PathBuf {
    root.join(encode_file_name(database))
        .join(encode_file_name(schema))
}

/// Options as stored: text values, lists as arrays.
pub fn stored_options(options: &Options) -> Vec<(String, serde_json::Value)> {
    options
        .iter()
        .filter_map(|(k, v)| {
            let value = match v {
                OptionValue::Word(_) | OptionValue::Text(_) => {
                    serde_json::Value::String(v.text().unwrap_or_default())
                }
                OptionValue::List(items) => serde_json::Value::from(items.clone()),
                OptionValue::Options(_) => return None,
            };
            Some((k.clone(), value))
        })
        .collect()
}

impl Session {
    fn temp_root(&self) -> PathBuf {
        self.shared
            .engine
            .stage_root()
            .join(".temp")
            .join(self.id.to_string())
    }

    /// Remove the session's temporary stages and formats (at session end).
    pub(crate) fn remove_temporary_stages(&self) {
        let _ = std::fs::remove_dir_all(self.temp_root());
    }

    /// The comment of a schema (or, with no schema, of a database): DuckDB keeps none, so it is
    /// a file beside the schema's (database's) stages, exported and persisted with them.
    /// (Encoded directory names never hold a `.`, so the file name cannot clash with one.)
    fn comment_file(&self, database: &str, schema: Option<&str>) -> PathBuf {
        let root = self.shared.engine.stage_root();
        match schema {
            Some(schema) => schema_dir(root, database, schema),
            None => root.join(encode_file_name(database)),
        }
        .join("comment.txt")
    }

    pub(crate) fn container_comment(&self, database: &str, schema: Option<&str>) -> Option<String> {
        std::fs::read_to_string(self.comment_file(database, schema)).ok()
    }

    pub(crate) fn set_container_comment(
        &self,
        database: &str,
        schema: Option<&str>,
        comment: Option<&str>,
    ) -> Result<()> {
        let file = self.comment_file(database, schema);
        match comment {
            Some(text) => {
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
                }
                std::fs::write(&file, text).map_err(|e| io_error("write", &file, e))
            }
            None if file.exists() => {
                std::fs::remove_file(&file).map_err(|e| io_error("remove", &file, e))
            }
            None => Ok(()),
        }
    }

    /// Remove a dropped schema's stages and formats.
    pub(crate) fn remove_schema_stages(&self, database: &str, schema: &str) {
        for root in [
            self.temp_root(),
            self.shared.engine.stage_root().to_path_buf(),
        ] {
            let _ = std::fs::remove_dir_all(schema_dir(&root, database, schema));
        }
    }

    /// The bind values of an `executemany` uploaded as CSV files to `@stage/path`: one TEXT
    /// array bind per CSV column (empty field NULL, `""` the empty string), the files removed.
    pub(crate) fn stage_bindings(&self, stage: &str) -> Result<snowglobe_translate::Bindings> {
        use snowglobe_translate::{BindValue, Bindings};
        let stage = snowglobe_translate::stages::parse_stage_ref(
            stage.trim_start_matches('@'),
            &self.context(),
        )?;
        let base = self.stage_files_dir(&stage)?;
        let files = select_files(&base, &stage.path, None)?;
        let mut columns: Vec<Vec<BindValue>> = Vec::new();
        let mut rows = 0;
        for f in &files {
            let data = self.conn.text_rows(&format!(
                "SELECT * FROM read_csv({}, header = false, all_varchar = true, delim = ',', \
                 quote = '\"', escape = '\"', allow_quoted_nulls = false, nullstr = '', \
                 auto_detect = true)",
                snowglobe_catalog::names::quote_literal(&f.disk.to_string_lossy())
            ))?;
            for row in data {
                if columns.len() < row.len() {
                    columns.resize(row.len(), vec![]);
                }
                for (i, value) in row.into_iter().enumerate() {
                    let column = &mut columns[i];
                    column.resize(
                        rows,
                        BindValue {
                            sf_type: "TEXT".into(),
                            value: None,
                        },
                    );
                    column.push(BindValue {
                        sf_type: "TEXT".into(),
                        value,
                    });
                }
                rows += 1;
            }
            let _ = std::fs::remove_file(&f.disk);
        }
        Ok(Bindings {
            columns,
            is_array: true,
        })
    }

    /// The directory of a named stage (`stages/<NAME>`), temporary ones first; `None` if no
    /// such stage exists.
    pub(crate) fn named_stage_dir(&self, stage: &ObjectRef) -> Option<PathBuf> {
        let root = self.shared.engine.stage_root().to_path_buf();
        [self.temp_root(), root]
            .into_iter()
            .map(|r| {
                schema_dir(&r, &stage.database, &stage.schema)
                    .join("stages")
                    .join(encode_file_name(&stage.name))
            })
            .find(|d| d.join("stage.json").exists())
    }

    /// Where a new stage or format goes.
    pub(crate) fn object_dir(&self, object: &ObjectRef, temporary: bool, kind: &str) -> PathBuf {
        let root = if temporary {
            self.temp_root()
        } else {
            self.shared.engine.stage_root().to_path_buf()
        };
        schema_dir(&root, &object.database, &object.schema).join(kind)
    }

    /// The file of a named file format, temporary ones first.
    pub(crate) fn format_file(&self, format: &ObjectRef) -> Option<PathBuf> {
        [true, false]
            .into_iter()
            .map(|temp| {
                self.object_dir(format, temp, "formats")
                    .join(format!("{}.json", encode_file_name(&format.name)))
            })
            .find(|f| f.exists())
    }

    /// The definitions of every stage (or format) in a schema: (name, temporary, definition).
    pub(crate) fn definitions(
        &self,
        database: &str,
        schema: &str,
        kind: &str,
    ) -> Vec<(String, bool, Definition)> {
        let mut out = Vec::new();
        for temp in [true, false] {
            let dir = self.object_dir(
                &ObjectRef {
                    database: database.into(),
                    schema: schema.into(),
                    name: String::new(),
                },
                temp,
                kind,
            );
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let file = if kind == "stages" {
                    path.join("stage.json")
                } else {
                    path.clone()
                };
                let stem = if kind == "stages" {
                    path.file_name()
                } else {
                    path.file_stem()
                };
                let Some(stem) = stem.map(|s| s.to_string_lossy().to_string()) else {
                    continue;
                };
                let name = snowglobe_engine::decode_file_name(&stem);
                if out
                    .iter()
                    .any(|(n, _, _): &(String, bool, Definition)| n == &name)
                {
                    continue;
                }
                if let Ok(text) = std::fs::read_to_string(&file) {
                    if let Ok(def) = serde_json::from_str(&text) {
                        out.push((name, temp, def));
                    }
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The files directory of a stage reference, checking that the stage (or table) exists.
    pub(crate) fn stage_files_dir(&self, stage: &StageRef) -> Result<PathBuf> {
        match &stage.kind {
            StageKind::Named(object) => self
                .named_stage_dir(object)
                .map(|d| d.join("files"))
                .ok_or_else(|| stage_missing(object)),
            StageKind::User => Ok(self
                .shared
                .engine
                .stage_root()
                .join(".users")
                .join(encode_file_name(&self.user))
                .join("files")),
            StageKind::Table(table) => {
                let (db, schema) = self.storage_of(table);
                if !self.conn.table_exists(&db, &schema, &table.name)? {
                    return Err(SnowflakeError::does_not_exist(
                        "Table",
                        &format!("{}.{}.{}", table.database, table.schema, table.name),
                    ));
                }
                Ok(schema_dir(
                    self.shared.engine.stage_root(),
                    &table.database,
                    &table.schema,
                )
                .join("tables")
                .join(encode_file_name(&table.name))
                .join("files"))
            }
        }
    }

    /// A stage's definition (named stages only).
    pub(crate) fn stage_definition(&self, stage: &StageRef) -> Result<Definition> {
        match &stage.kind {
            StageKind::Named(object) => {
                let dir = self
                    .named_stage_dir(object)
                    .ok_or_else(|| stage_missing(object))?;
                read_definition(&dir.join("stage.json"))
            }
            _ => Ok(Definition::default()),
        }
    }

    /// The effective file format options of a statement: its own, else the stage's.
    pub(crate) fn format_options(
        &self,
        given: &FileFormat,
        stage: &StageRef,
    ) -> Result<Vec<(String, serde_json::Value)>> {
        match given {
            FileFormat::Inline(options) => Ok(stored_options(options)),
            FileFormat::Named(format) => self.named_format(format),
            FileFormat::Default => {
                let def = self.stage_definition(stage)?;
                match def.format_name {
                    Some((database, schema, name)) => self.named_format(&ObjectRef {
                        database,
                        schema,
                        name,
                    }),
                    None => Ok(def.format),
                }
            }
        }
    }

    fn named_format(&self, format: &ObjectRef) -> Result<Vec<(String, serde_json::Value)>> {
        let file = self.format_file(format).ok_or_else(|| {
            SnowflakeError::does_not_exist(
                "File format",
                &format!("{}.{}.{}", format.database, format.schema, format.name),
            )
        })?;
        Ok(read_definition(&file)?.format)
    }
}

pub(crate) fn read_definition(file: &Path) -> Result<Definition> {
    let text = std::fs::read_to_string(file).map_err(|e| io_error("read", file, e))?;
    serde_json::from_str(&text)
        .map_err(|e| SnowflakeError::internal(format!("bad {}: {e}", file.display())))
}

/// Write a definition durably (temporary file, fsync, rename).
pub(crate) fn write_definition(file: &Path, def: &Definition) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
    }
    let tmp = file.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(def).map_err(SnowflakeError::internal)?;
    let mut f = std::fs::File::create(&tmp).map_err(|e| io_error("create", &tmp, e))?;
    f.write_all(&text).map_err(|e| io_error("write", &tmp, e))?;
    f.sync_all().map_err(|e| io_error("sync", &tmp, e))?;
    std::fs::rename(&tmp, file).map_err(|e| io_error("rename", file, e))
}

pub(crate) fn stage_missing(object: &ObjectRef) -> SnowflakeError {
    SnowflakeError::does_not_exist(
        "Stage",
        &format!("{}.{}.{}", object.database, object.schema, object.name),
    )
}

/// Every file under `dir` (recursively), with its path relative to `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<StagedFile> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<StagedFile>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                walk(base, &path, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(StagedFile {
                    path: rel.to_string_lossy().replace('\\', "/"),
                    disk: path.clone(),
                    size: meta.len(),
                    modified: meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The files of a stage under `prefix` whose stage-relative path matches `pattern` (a regular
/// expression matched against the whole path, as Snowflake does).
pub fn select_files(dir: &Path, prefix: &str, pattern: Option<&str>) -> Result<Vec<StagedFile>> {
    let regex = match pattern {
        Some(p) => Some(regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| {
            SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!("Invalid regular expression '{p}': {e}"),
            )
        })?),
        None => None,
    };
    Ok(files_under(dir)
        .into_iter()
        .filter(|f| f.path.starts_with(prefix))
        .filter(|f| regex.as_ref().is_none_or(|r| r.is_match(&f.path)))
        .collect())
}

/// The display prefix of a stage's files in LIST and COPY answers (`my_stage/`).
pub fn display_prefix(stage: &StageRef) -> String {
    match &stage.kind {
        StageKind::Named(o) => format!("{}/", o.name.to_lowercase()),
        StageKind::Table(o) => format!("{}/", o.name.to_lowercase()),
        StageKind::User => String::new(),
    }
}

/// A text option of stored format options.
pub fn format_text(options: &[(String, serde_json::Value)], name: &str) -> Option<String> {
    options
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}

/// A list option (`NULL_IF`) of stored format options.
pub fn format_list(options: &[(String, serde_json::Value)], name: &str) -> Option<Vec<String>> {
    options
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| match v {
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            serde_json::Value::String(s) => vec![s.clone()],
            _ => vec![],
        })
}

/// A copy option as text.
pub fn copy_option(options: &Options, name: &str) -> Option<String> {
    option(options, name).and_then(OptionValue::text)
}
