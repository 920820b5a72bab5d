//! COPY INTO's load metadata: the staged files each table has loaded, so that a second COPY of
//! the same files skips them (unless FORCE = TRUE).
//!
//! As in Snowflake it belongs to the table: a table created anew (CREATE OR REPLACE, DROP and
//! CREATE) or truncated starts with none. A table is told apart from an earlier one of the same
//! name by DuckDB's catalog id. The history lives in memory and in `load_history.json` under the
//! stage root, so with persistence a restart keeps it (catalog ids are reassigned at start-up:
//! an entry read from the file is adopted by the table of its name the first time it is used).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use snowglobe_error::{Result, SnowflakeError};

#[derive(Debug, Default, Serialize, Deserialize)]
struct TableHistory {
    /// DuckDB's catalog id of the table the files went into; unknown after a restart.
    #[serde(skip)]
    oid: Option<i64>,
    files: BTreeSet<String>,
    /// What each file's load gave, oldest first (INFORMATION_SCHEMA.LOAD_HISTORY).
    #[serde(default)]
    loads: Vec<LoadRecord>,
}

/// The outcome of one file of a COPY INTO <table> that ran to completion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadRecord {
    pub database: String,
    pub schema: String,
    pub table: String,
    /// The file as the COPY answer names it (`stage/path/file.csv.gz`).
    pub file: String,
    /// When it loaded (microseconds since the epoch).
    pub time_us: i64,
    /// LOADED, LOAD_FAILED or PARTIALLY_LOADED.
    pub status: String,
    pub rows_loaded: i64,
    pub rows_parsed: i64,
    pub first_error: Option<String>,
    pub first_error_line: Option<i64>,
    pub errors_seen: i64,
    pub error_limit: i64,
    /// The stage the file was in (`@DB.SCHEMA.STAGE/`) and the file's size in bytes.
    #[serde(default)]
    pub stage_location: String,
    #[serde(default)]
    pub file_size: i64,
}

/// The most load records kept per table (the LOAD_HISTORY view shows at most 10,000 rows).
const KEPT_LOADS: usize = 10_000;

/// The load history of every table, by the table's storage path.
#[derive(Debug, Default)]
pub struct LoadHistory {
    file: Option<PathBuf>,
    tables: HashMap<String, TableHistory>,
}

impl LoadHistory {
    /// The history kept in `file` (empty if the file is missing or unreadable: a damaged
    /// history only means files may load again, and is replaced at the next COPY).
    pub fn open(file: PathBuf) -> LoadHistory {
        let tables = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(file = %file.display(), error = %e, "load history unreadable; starting empty");
                HashMap::new()
            }),
            Err(_) => HashMap::new(),
        };
        LoadHistory {
            file: Some(file),
            tables,
        }
    }

    /// The files table `table` (catalog id `oid`) has loaded.
    pub fn loaded(&mut self, table: &str, oid: i64) -> &BTreeSet<String> {
        let entry = self.tables.entry(table.to_string()).or_default();
        match entry.oid {
            Some(known) if known != oid => *entry = TableHistory::default(),
            _ => {}
        }
        entry.oid = Some(oid);
        &entry.files
    }

    /// Remember that `table` loaded `files`.
    pub fn record(
        &mut self,
        table: &str,
        oid: i64,
        files: impl IntoIterator<Item = String>,
        loads: Vec<LoadRecord>,
    ) -> Result<()> {
        self.loaded(table, oid);
        if let Some(entry) = self.tables.get_mut(table) {
            entry.files.extend(files);
            entry.loads.extend(loads);
            let over = entry.loads.len().saturating_sub(KEPT_LOADS);
            entry.loads.drain(..over);
        }
        self.save()
    }

    /// Every table's load records, with the catalog id of the table they belong to (when
    /// known: a table of that name with another id is a new table, whose history is empty).
    pub fn loads(&self) -> Vec<(Option<i64>, &LoadRecord)> {
        self.tables
            .values()
            .flat_map(|t| t.loads.iter().map(move |l| (t.oid, l)))
            .collect()
    }

    /// Forget what `table` loaded (TRUNCATE).
    pub fn forget(&mut self, table: &str) -> Result<()> {
        if self.tables.remove(table).is_some() {
            self.save()?;
        }
        Ok(())
    }

    fn save(&self) -> Result<()> {
        match &self.file {
            Some(file) => save_json(file, &self.tables, "the load history"),
            None => Ok(()),
        }
    }
}

/// Write `value` as JSON to `file` (a new file renamed over the old one, so a crash leaves
/// either); `what` names it in the error.
/// A file's modification time and size: a [`JsonFile`] notices by it that something else (a
/// state import or reset) rewrote or removed its file.
type Stamp = Option<(std::time::SystemTime, u64)>;

fn stamp(file: &std::path::Path) -> Stamp {
    let meta = std::fs::metadata(file).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// A registry all sessions share (warehouses, roles and users), kept in memory and in a JSON
/// file under the stage root, so that with persistence a restart keeps it.
#[derive(Debug)]
pub struct JsonFile<T> {
    file: std::path::PathBuf,
    stamp: Stamp,
    /// What the file holds, for messages.
    what: &'static str,
    /// The value when there is no file (or it is unreadable: registries hold no data).
    fresh: fn() -> T,
    value: T,
}

impl<T: Serialize + serde::de::DeserializeOwned> JsonFile<T> {
    pub fn open(file: std::path::PathBuf, what: &'static str, fresh: fn() -> T) -> JsonFile<T> {
        let value = std::fs::read(&file)
            .ok()
            .and_then(|bytes| match serde_json::from_slice(&bytes) {
                Ok(value) => Some(value),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "{what} unreadable; starting afresh");
                    None
                }
            })
            .unwrap_or_else(fresh);
        JsonFile {
            stamp: stamp(&file),
            file,
            what,
            fresh,
            value,
        }
    }

    /// The value, read again if the file changed since (a state import or reset).
    pub fn current(&mut self) -> &T {
        if stamp(&self.file) != self.stamp {
            *self = JsonFile::open(self.file.clone(), self.what, self.fresh);
        }
        &self.value
    }

    /// Save `value`, then make it the current one: a failed save changes nothing. `engine`'s
    /// account-file lock is held meanwhile; a file rewritten by another writer (a state import
    /// or reset) since it was read is not overwritten: the statement fails, to be run again.
    pub fn replace(&mut self, value: T, engine: &snowglobe_engine::Engine) -> Result<()> {
        let _writing = engine.account_files_lock();
        if stamp(&self.file) != self.stamp {
            *self = JsonFile::open(self.file.clone(), self.what, self.fresh);
            return Err(SnowflakeError::internal(format!(
                "the {} changed meanwhile (a state import or reset); run the statement again",
                self.what
            )));
        }
        save_json(&self.file, &value, self.what)?;
        self.stamp = stamp(&self.file);
        self.value = value;
        Ok(())
    }
}

pub(crate) fn save_json(file: &std::path::Path, value: &impl Serialize, what: &str) -> Result<()> {
    let io = |e: std::io::Error| SnowflakeError::internal(format!("cannot save {what}: {e}"));
    let bytes = serde_json::to_vec(value).map_err(SnowflakeError::internal)?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, file).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_does_not_overwrite_what_an_import_wrote_meanwhile() {
        let dir = std::env::temp_dir().join(format!("sg-registry-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("roles.json");
        let engine = snowglobe_engine::Engine::open(snowglobe_engine::Storage::Memory).unwrap();
        let mut registry: JsonFile<Vec<String>> = JsonFile::open(path.clone(), "roles", Vec::new);
        registry.replace(vec!["A".into()], &engine).unwrap();
        let mut next = registry.current().clone();
        next.push("B".into());
        // An import writes the file between the read and the write.
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&path, br#"["IMPORTED", "ROLES"]"#).unwrap();
        assert!(registry.replace(next, &engine).is_err());
        assert_eq!(
            registry.current(),
            &vec!["IMPORTED".to_string(), "ROLES".into()]
        );
        // Run again, the statement builds on what the import wrote.
        let mut next = registry.current().clone();
        next.push("B".into());
        registry.replace(next, &engine).unwrap();
        let saved: Vec<String> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(saved, ["IMPORTED", "ROLES", "B"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_new_table_of_the_same_name_starts_empty_and_history_survives_a_reopen() {
        let dir = std::env::temp_dir().join(format!("sg-load-history-{}", std::process::id()));
        let path = dir.join("load_history.json");
        let mut h = LoadHistory::open(path.clone());
        h.record("T", 7, ["a.csv".to_string()], vec![]).unwrap();
        assert!(h.loaded("T", 7).contains("a.csv"));
        // Reopened (a restart): the entry is adopted by whatever id the table has now.
        let mut h = LoadHistory::open(path.clone());
        assert!(h.loaded("T", 12).contains("a.csv"));
        // The table is replaced: new id, no history.
        assert!(h.loaded("T", 13).is_empty());
        h.record("T", 13, ["b.csv".to_string()], vec![]).unwrap();
        h.forget("T").unwrap();
        assert!(LoadHistory::open(path).loaded("T", 13).is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
