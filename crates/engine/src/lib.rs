//! DuckDB execution: one embedded DuckDB instance holds every Snowflake database (each an
//! attached DuckDB database under its storage name); each client session gets its own DuckDB
//! connection. Results come back as Arrow record batches with their Snowflake column types.
//!
//! Layout:
//! - [`Engine`]: the DuckDB instance, database attach/detach, new connections.
//! - [`EngineSession`]: one connection: run SQL, read catalog metadata.
//! - [`describe`]: Snowflake types of result columns (Arrow type + declared type).
//! - [`errors`]: DuckDB errors → Snowflake errors.
//! - [`time_zones`]: session time-zone functions registered into DuckDB (no ICU in the build).
//! - [`date_math`]: DATEADD, DATEDIFF, DATE_TRUNC, LAST_DAY, NEXT_DAY with Snowflake's types.
//! - [`text_limits`]: the length check of values written to VARCHAR(n) columns.

pub mod date_math;
pub mod describe;
pub mod errors;
pub mod ips;
pub mod json_text;
pub mod parse_json;
pub mod text_functions;
pub mod text_limits;
pub mod time_zones;
pub mod urls;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use duckdb::arrow::datatypes::SchemaRef;
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use snowglobe_catalog::names::{mangle, quote, quote_literal};
use snowglobe_catalog::{demangle, ColumnMeta};
use snowglobe_error::{Result, SnowflakeError};

pub use describe::ResultColumn;
pub use duckdb::arrow;
pub use duckdb::InterruptHandle;
pub use errors::from_duckdb;

/// The schema every new Snowflake database starts with.
pub const PUBLIC: &str = "PUBLIC";
/// The metadata schema every Snowflake database has.
pub const INFORMATION_SCHEMA: &str = "INFORMATION_SCHEMA";
/// DuckDB's own schema in each attached database; hidden from Snowflake users.
const DUCKDB_MAIN: &str = "main";
/// Stands for DuckDB's `temp` catalog (temporary tables) where a Snowflake database name is
/// expected; no Snowflake name can contain the leading control character.
pub const TEMP_DATABASE: &str = "\u{1}temp";
/// DuckDB's built-in catalogs, never Snowflake databases.
const SYSTEM_CATALOGS: &[&str] = &["memory", "system", "temp"];

/// Where databases live.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Everything in memory; gone when the process ends.
    Memory,
    /// One DuckDB file per database in this directory (durable per commit).
    Directory(PathBuf),
}

/// The embedded DuckDB instance.
pub struct Engine {
    /// The instance's first connection; sessions clone it. Behind a mutex because a DuckDB
    /// connection is not `Sync`.
    root: std::sync::Mutex<Connection>,
    storage: Storage,
    /// Bumped whenever a database is dropped, so sessions notice that their current database
    /// may be gone (state reset, import) without checking on every statement.
    drops: std::sync::atomic::AtomicU64,
    /// Where internal stages keep their files: beside the database files with persistence,
    /// else a temporary directory removed when the engine is dropped.
    stage_root: PathBuf,
    /// Whether any table may hold a TIMESTAMP_TZ column ([`TZ_UNKNOWN`], [`TZ_NONE`] or
    /// [`TZ_SOME`]): sessions look up TIMESTAMP_TZ columns before translating only then.
    timestamp_tz: std::sync::atomic::AtomicU8,
    /// Bumped after every statement that may have changed the catalog (anything but a query or
    /// DML), so sessions know when the table columns they looked up may be stale.
    catalog_epoch: std::sync::atomic::AtomicU64,
    /// The generation the next database file gets (see [`database_file_name`]): above every
    /// file found at start, so no path is ever attached twice in a process.
    generation: std::sync::atomic::AtomicU64,
    /// Held while the account files under the stage root (warehouses, roles and users) are
    /// written: by the sessions' registries and by state import and reset.
    account_files: std::sync::Mutex<()>,
}

const TZ_UNKNOWN: u8 = 0;
const TZ_NONE: u8 = 1;
const TZ_SOME: u8 = 2;

/// Whether DuckDB SQL may create a TIMESTAMP_TZ column (it names the storage type or builds a
/// value of it).
fn may_create_timestamp_tz(sql: &str) -> bool {
    sql.contains(snowglobe_catalog::types::TZ_OFFSET_FIELD) || sql.contains("sg_tz(")
}

impl Drop for Engine {
    fn drop(&mut self) {
        if matches!(self.storage, Storage::Memory) {
            let _ = std::fs::remove_dir_all(&self.stage_root);
        }
    }
}

/// A result: Arrow schema and batches as DuckDB produced them.
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// A table column as stored: Snowflake name, declared Snowflake metadata (absent for tables
/// DuckDB created on its own), DuckDB type name, nullability.
#[derive(Debug, Clone)]
pub struct TableColumn {
    pub name: String,
    pub meta: Option<ColumnMeta>,
    pub data_type: String,
    pub nullable: bool,
    /// The column default in DuckDB SQL.
    pub default: Option<String>,
}

impl QueryResult {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Every connection's settings: errors as JSON (for their mapping to Snowflake's), and NULLs
/// ordered as Snowflake orders them, as the largest value (last ascending, first descending).
const SETTINGS: &str = "SET errors_as_json = true; \
     SET default_null_order = 'nulls_last_on_asc_first_on_desc'";

impl Engine {
    /// Open the instance; with [`Storage::Directory`] every database file found there is
    /// attached.
    pub fn open(storage: Storage) -> Result<Arc<Engine>> {
        let root = Connection::open_in_memory().map_err(from_duckdb)?;
        root.execute_batch(SETTINGS).map_err(from_duckdb)?;
        time_zones::register(&root).map_err(from_duckdb)?;
        date_math::register(&root).map_err(from_duckdb)?;
        text_limits::register(&root).map_err(from_duckdb)?;
        json_text::register(&root).map_err(from_duckdb)?;
        text_functions::register(&root).map_err(from_duckdb)?;
        parse_json::register(&root).map_err(from_duckdb)?;
        urls::register(&root).map_err(from_duckdb)?;
        ips::register(&root).map_err(from_duckdb)?;
        let stage_root = match &storage {
            Storage::Directory(dir) => dir.join("stages"),
            Storage::Memory => {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                std::env::temp_dir().join(format!(
                    "snowglobe-stages-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                ))
            }
        };
        let engine = Engine {
            root: std::sync::Mutex::new(root),
            storage,
            drops: std::sync::atomic::AtomicU64::new(0),
            stage_root,
            timestamp_tz: std::sync::atomic::AtomicU8::new(TZ_UNKNOWN),
            catalog_epoch: std::sync::atomic::AtomicU64::new(0),
            generation: std::sync::atomic::AtomicU64::new(1),
            account_files: std::sync::Mutex::new(()),
        };
        if let Storage::Directory(dir) = &engine.storage {
            engine.attach_files(dir)?;
        }
        Ok(Arc::new(engine))
    }

    /// Attach the database files of a directory: of several files of one database (left by a
    /// crash between dropping it and removing its file), the newest; the older are removed. A
    /// write-ahead log whose database file is gone belonged to a dropped database: removed.
    fn attach_files(&self, dir: &std::path::Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| {
            SnowflakeError::internal(format!("cannot create {}: {e}", dir.display()))
        })?;
        let entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| SnowflakeError::internal(format!("cannot read {}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        let mut newest: BTreeMap<String, (u64, PathBuf)> = BTreeMap::new();
        for path in &entries {
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            if let Some(db_file) = name.strip_suffix(".wal") {
                if db_file.ends_with(".duckdb") && !dir.join(db_file).exists() {
                    let _ = std::fs::remove_file(path);
                }
                continue;
            }
            let Some((stored, generation)) = parse_database_file_name(&name) else {
                continue;
            };
            self.generation
                .fetch_max(generation + 1, std::sync::atomic::Ordering::AcqRel);
            // An older generation belongs to a database dropped before: the newest file is the
            // database, the older goes now.
            let older = match newest.get(&stored) {
                Some((seen, _)) if *seen > generation => Some(path.clone()),
                _ => newest
                    .insert(stored, (generation, path.clone()))
                    .map(|(_, older)| older),
            };
            if let Some(older) = older {
                tracing::info!(file = %older.display(), "removing an older file of a database");
                remove_database_file(&older);
            }
        }
        let root = self.root();
        for (stored, (_, file)) in newest {
            root.execute_batch(&format!(
                "ATTACH {} AS {}",
                quote_literal(&file.to_string_lossy()),
                quote(&stored)
            ))
            .map_err(from_duckdb)?;
        }
        Ok(())
    }

    /// Whether the state lives in a volume directory (`Storage::Directory`) rather than in
    /// memory only.
    pub fn is_persistent(&self) -> bool {
        matches!(self.storage, Storage::Directory(_))
    }

    /// How many databases have been dropped since the engine opened.
    pub fn drop_count(&self) -> u64 {
        self.drops.load(std::sync::atomic::Ordering::Acquire)
    }

    fn root(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.root
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new connection for a session, with Snowglobe's settings.
    pub fn connect(self: &Arc<Self>) -> Result<EngineSession> {
        let conn = self.root().try_clone().map_err(from_duckdb)?;
        conn.execute_batch(SETTINGS).map_err(from_duckdb)?;
        Ok(EngineSession {
            conn,
            engine: Arc::clone(self),
            written: std::cell::RefCell::new(None),
            began_with: std::cell::RefCell::new(Vec::new()),
            columns: std::cell::RefCell::new(ColumnsCache::default()),
        })
    }

    fn database_sql(&self, name: &str) -> String {
        let stored = mangle(name);
        match &self.storage {
            Storage::Memory => format!("ATTACH ':memory:' AS {}", quote(&stored)),
            Storage::Directory(dir) => {
                let generation = self
                    .generation
                    .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                let path = dir.join(database_file_name(&stored, generation));
                format!(
                    "ATTACH {} AS {}",
                    quote_literal(&path.to_string_lossy()),
                    quote(&stored)
                )
            }
        }
    }

    /// Hold this while writing an account file under the stage root (see `account_files`).
    pub fn account_files_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.account_files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The directory holding internal stages' files (created on first use).
    pub fn stage_root(&self) -> &std::path::Path {
        &self.stage_root
    }

    /// The directory of one database's stages and file formats.
    pub fn database_stage_dir(&self, name: &str) -> PathBuf {
        self.stage_root.join(encode_file_name(name))
    }
}

/// The file of one generation of a database: a database dropped while a transaction still
/// uses it stays attached inside DuckDB until that transaction ends, so the database created
/// again under its name needs a file of its own. `~` never occurs in an encoded name.
fn database_file_name(stored: &str, generation: u64) -> String {
    format!("{}~{generation}.duckdb", encode_file_name(stored))
}

/// Remove a database file and its write-ahead log (best effort: a file left is not attached).
fn remove_database_file(path: &std::path::Path) {
    if let Err(e) = std::fs::remove_file(path) {
        tracing::warn!(file = %path.display(), error = %e, "could not remove an older database file");
    }
    let mut wal = path.as_os_str().to_owned();
    wal.push(".wal");
    let _ = std::fs::remove_file(std::path::PathBuf::from(wal));
}

/// The stored database name and generation of a database file name; files written before
/// generations existed (`NAME.duckdb`) are generation 0.
fn parse_database_file_name(file: &str) -> Option<(String, u64)> {
    let stem = file.strip_suffix(".duckdb")?;
    match stem.rsplit_once('~') {
        Some((name, generation)) => Some((decode_file_name(name), generation.parse().ok()?)),
        None => Some((decode_file_name(stem), 0)),
    }
}

/// Whether DuckDB SQL names a database (as the first part of a qualified name, `"DB".`).
fn names_database(sql: &str, stored: &str) -> bool {
    let needle = format!("{}.", quote(stored));
    let mut from = 0;
    while let Some(at) = sql[from..].find(&needle) {
        let start = from + at;
        if !sql[..start].ends_with('.') {
            return true;
        }
        from = start + needle.len();
    }
    false
}

/// The error of a transaction whose work in a database was lost: another session dropped it.
fn dropped_under_transaction(database: &str) -> SnowflakeError {
    SnowflakeError::new(
        snowglobe_error::ErrorCode::InvalidState,
        format!(
            "Transaction aborted: database '{database}' was dropped by another session while this transaction was writing to it; the transaction was rolled back."
        ),
    )
}

/// Database names may hold any character; file names get a reversible hex escape for anything
/// outside `[A-Za-z0-9_-]`.
pub fn encode_file_name(stored: &str) -> String {
    let mut out = String::new();
    for b in stored.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`encode_file_name`].
pub fn decode_file_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let Ok(b) = u8::from_str_radix(&name[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The DuckDB catalog name of a Snowflake database (or of [`TEMP_DATABASE`]).
fn stored_database(name: &str) -> String {
    if name == TEMP_DATABASE {
        "temp".into()
    } else {
        mangle(name)
    }
}

/// The DuckDB schema name of a Snowflake schema in `database`.
fn stored_schema(database: &str, schema: &str) -> String {
    if database == TEMP_DATABASE {
        DUCKDB_MAIN.into()
    } else {
        mangle(schema)
    }
}

/// The Arrow extension name a JSON result field carries (see [`describe::implied_type`]).
pub const JSON_EXTENSION: &str = "arrow.json";

/// DuckDB exports a JSON column to Arrow as plain text (its `arrow.json` extension comes only
/// with `arrow_lossless_conversion`, which would also change how HUGEINT and UUID travel). The
/// statement's logical types still say JSON, through subqueries and CTEs too: mark those
/// fields, so a semi-structured value computed anywhere in a query is described as one.
fn mark_json_fields(stmt: &duckdb::Statement<'_>, schema: SchemaRef) -> SchemaRef {
    let json: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| {
            stmt.column_logical_type(i)
                .get_alias()
                .is_some_and(|a| a.eq_ignore_ascii_case("JSON"))
        })
        .collect();
    if json.is_empty() {
        return schema;
    }
    let fields: Vec<duckdb::arrow::datatypes::Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = f.as_ref().clone();
            if json.contains(&i) {
                let mut metadata = f.metadata().clone();
                metadata.insert(
                    "ARROW:extension:name".to_string(),
                    JSON_EXTENSION.to_string(),
                );
                f.with_metadata(metadata)
            } else {
                f
            }
        })
        .collect();
    Arc::new(duckdb::arrow::datatypes::Schema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    ))
}

/// One DuckDB connection, owned by one client session.
pub struct EngineSession {
    conn: Connection,
    engine: Arc<Engine>,
    /// While the client has a transaction open (BEGIN, or AUTOCOMMIT off): the statements run in
    /// it that may have written, in order (see [`EngineSession::undo_failed_statement`]).
    written: std::cell::RefCell<Option<Vec<String>>>,
    /// The databases attached when the client's transaction began, with DuckDB's id of each: a
    /// database dropped (and perhaps created again) since is not the one the transaction wrote
    /// to.
    began_with: std::cell::RefCell<Vec<(String, i64)>>,
    /// Table columns looked up, valid while the engine's catalog epoch is unchanged.
    columns: std::cell::RefCell<ColumnsCache>,
}

/// Columns of tables by (database, schema, table), as of one catalog epoch.
#[derive(Default)]
struct ColumnsCache {
    epoch: u64,
    tables: std::collections::HashMap<(String, String, String), Vec<TableColumn>>,
}

/// Statements whose result took more memory than this are not kept for reuse (a kept statement
/// holds its last result until it runs again).
const REUSE_MAX_BYTES: usize = 256 * 1024;

/// Whether a statement's prepared form may be kept and run again when the same text comes back:
/// queries that read no files (a file's schema and a glob's matches are fixed when bound).
fn reusable(sql: &str) -> bool {
    let head = sql.trim_start().get(..6).unwrap_or("").to_ascii_uppercase();
    ["SELECT", "WITH", "FROM"]
        .iter()
        .any(|k| head.starts_with(k))
        && !["read_", "glob(", "sniff_"].iter().any(|f| sql.contains(f))
}

/// Whether a statement may change the catalog or what a prepared statement was bound under
/// (USE, SET, a transaction's end...): anything but a query or DML. DuckDB itself binds a
/// prepared statement again when a catalog it read changed, but not after USE or SET.
fn may_change_catalog(sql: &str) -> bool {
    let head = sql.trim_start().get(..7).unwrap_or("").to_ascii_uppercase();
    ![
        "SELECT", "WITH", "FROM", "INSERT", "UPDATE", "DELETE", "MERGE",
    ]
    .iter()
    .any(|k| head.starts_with(k))
}

/// Run a prepared statement and collect its whole result.
fn collect(stmt: &mut duckdb::Statement<'_>) -> Result<QueryResult> {
    let arrow = stmt.query_arrow([]).map_err(from_duckdb)?;
    let schema = arrow.get_schema();
    let batches: Vec<RecordBatch> = arrow.collect();
    let schema = mark_json_fields(stmt, schema);
    Ok(QueryResult { schema, batches })
}

/// Whether a statement may change anything (reads are not replayed).
fn may_write(sql: &str) -> bool {
    let head = sql.trim_start().get(..9).unwrap_or("").to_ascii_uppercase();
    !["SELECT", "DESCRIBE", "SUMMARIZE", "EXPLAIN", "FROM "]
        .iter()
        .any(|k| head.starts_with(k))
}

impl EngineSession {
    /// Run one statement and collect its result.
    pub fn query(&self, sql: &str) -> Result<QueryResult> {
        tracing::debug!(sql, "duckdb");
        self.note_timestamp_tz(sql);
        let changes = may_change_catalog(sql);
        let result = (|| {
            if !reusable(sql) {
                if changes {
                    self.conn.flush_prepared_statement_cache();
                }
                let mut stmt = self.conn.prepare(sql).map_err(from_duckdb)?;
                return collect(&mut stmt);
            }
            let mut stmt = self.conn.prepare_cached(sql).map_err(from_duckdb)?;
            let result = collect(&mut stmt)?;
            // A cached statement keeps its last result: only small ones stay.
            let size: usize = result
                .batches
                .iter()
                .map(|b| b.get_array_memory_size())
                .sum();
            if size > REUSE_MAX_BYTES {
                stmt.discard();
            }
            Ok(result)
        })();
        if changes {
            self.catalog_changed();
        }
        self.settle(sql, result)
    }

    /// After a statement that may have changed the catalog: other sessions' column lookups
    /// are stale.
    fn catalog_changed(&self) {
        self.engine
            .catalog_epoch
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Run statements that return nothing of interest.
    pub fn execute(&self, sql: &str) -> Result<()> {
        tracing::debug!(sql, "duckdb");
        self.note_timestamp_tz(sql);
        let changes = may_change_catalog(sql);
        if changes {
            self.conn.flush_prepared_statement_cache();
        }
        let result = self.conn.execute_batch(sql).map_err(from_duckdb);
        if changes {
            self.catalog_changed();
        }
        self.settle(sql, result)
    }

    /// Open the client's transaction: from here on, a statement that fails is undone alone.
    pub fn begin_transaction(&self) -> Result<()> {
        self.execute("BEGIN TRANSACTION")?;
        *self.began_with.borrow_mut() = self.database_ids().unwrap_or_default();
        *self.written.borrow_mut() = Some(Vec::new());
        Ok(())
    }

    /// Commit the client's transaction; if a database it wrote to was dropped meanwhile (by
    /// another session), its work there is gone: it is rolled back and the commit fails.
    pub fn commit(&self) -> Result<()> {
        // None: a failed statement ended the transaction (see `undo_failed_statement`).
        let Some(log) = self.written.borrow_mut().take() else {
            return Ok(());
        };
        if let Some(gone) = self.dropped_since_begin(&log) {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(dropped_under_transaction(&gone));
        }
        self.execute("COMMIT")
    }

    /// DuckDB's id of each attached database (its name as stored), as attached now: asked on
    /// the engine's own connection, outside this session's transaction (which sees the
    /// databases as they were when it began).
    fn database_ids(&self) -> Result<Vec<(String, i64)>> {
        let root = self.engine.root();
        let mut stmt = root
            .prepare(
                "SELECT database_name, database_oid FROM duckdb_databases() WHERE NOT internal",
            )
            .map_err(from_duckdb)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(from_duckdb)?;
        rows.map(|r| r.map_err(from_duckdb)).collect()
    }

    /// A database (Snowflake name) that the statements `log` ran in this transaction name, and
    /// that was dropped or replaced since the transaction began.
    fn dropped_since_begin(&self, log: &[String]) -> Option<String> {
        let began = self.began_with.borrow();
        if began.is_empty() || log.is_empty() {
            return None;
        }
        let now = self.database_ids().ok()?;
        began
            .iter()
            .filter(|(name, oid)| !now.contains(&(name.clone(), *oid)))
            .find(|(name, _)| log.iter().any(|sql| names_database(sql, name)))
            .map(|(name, _)| demangle(name).to_string())
    }

    /// Roll the client's transaction back.
    pub fn rollback(&self) -> Result<()> {
        if self.written.borrow_mut().take().is_none() {
            return Ok(());
        }
        self.execute("ROLLBACK")
    }

    /// Note a statement's outcome in the client's transaction: a success that may have written
    /// is remembered, a failure is undone.
    fn settle<T>(&self, sql: &str, result: Result<T>) -> Result<T> {
        match &result {
            Ok(_) => {
                if let Some(log) = self.written.borrow_mut().as_mut() {
                    if may_write(sql) {
                        log.push(sql.to_string());
                    }
                }
            }
            Err(e) => {
                if let Some(e) = self.undo_failed_statement(e) {
                    return Err(e);
                }
            }
        }
        result
    }

    /// Snowflake undoes only the statement that failed and keeps the transaction open with the
    /// work before it; a DuckDB error aborts the whole transaction (every later statement
    /// fails, COMMIT rolls back). So the transaction is rolled back, begun again and the
    /// statements that succeeded in it are run again. If that replay fails the transaction is
    /// left rolled back, and no longer tracked.
    /// Returns the error to answer with instead of `failed` when the transaction is lost.
    fn undo_failed_statement(&self, failed: &SnowflakeError) -> Option<SnowflakeError> {
        let log = self.written.borrow().clone()?;
        self.conn.flush_prepared_statement_cache();
        self.catalog_changed();
        let _ = self.conn.execute_batch("ROLLBACK");
        // Work done in a database dropped since is not replayed into a new one of its name.
        let gone = self.dropped_since_begin(&log);
        let replayed = gone.is_none()
            && self.conn.execute_batch("BEGIN TRANSACTION").is_ok()
            && log.iter().all(|sql| self.conn.execute_batch(sql).is_ok());
        if replayed {
            return None;
        }
        tracing::warn!("a failed statement's transaction could not be restored");
        let _ = self.conn.execute_batch("ROLLBACK");
        *self.written.borrow_mut() = None;
        // The client must learn that its earlier work in the transaction is gone too.
        Some(match gone {
            Some(name) => dropped_under_transaction(&name),
            None => SnowflakeError::new(
                failed.code,
                format!(
                    "{}\nThe transaction could not be kept and was rolled back.",
                    failed.message
                ),
            ),
        })
    }

    /// Whether the client's transaction is still open (a failure may have rolled it back).
    pub fn transaction_open(&self) -> bool {
        self.written.borrow().is_some()
    }

    /// Run a statement and return the row count DuckDB reports (INSERT/UPDATE/DELETE).
    pub fn execute_count(&self, sql: &str) -> Result<u64> {
        let result = self.query(sql)?;
        let mut total = 0u64;
        for batch in &result.batches {
            if batch.num_columns() == 0 {
                continue;
            }
            let col = duckdb::arrow::compute::cast(
                batch.column(0),
                &duckdb::arrow::datatypes::DataType::Int64,
            )
            .map_err(SnowflakeError::internal)?;
            if let Some(ints) = col
                .as_any()
                .downcast_ref::<duckdb::arrow::array::Int64Array>()
            {
                total += ints.iter().flatten().map(|v| v.max(0) as u64).sum::<u64>();
            }
        }
        Ok(total)
    }

    fn note_timestamp_tz(&self, sql: &str) {
        if may_create_timestamp_tz(sql) {
            self.engine
                .timestamp_tz
                .store(TZ_SOME, std::sync::atomic::Ordering::Release);
        }
    }

    /// Whether any table may hold a TIMESTAMP_TZ column: known once the catalog was looked at,
    /// and true from the first statement that may have created one.
    pub fn may_hold_timestamp_tz(&self) -> bool {
        use std::sync::atomic::Ordering;
        match self.engine.timestamp_tz.load(Ordering::Acquire) {
            TZ_NONE => false,
            TZ_SOME => true,
            _ => {
                let found = self
                    .conn
                    .query_row(
                        "SELECT count(*) FROM duckdb_columns() WHERE data_type LIKE 'STRUCT(instant TIMESTAMP WITH TIME ZONE%'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .map(|n| n > 0)
                    .unwrap_or(true);
                let state = if found { TZ_SOME } else { TZ_NONE };
                let _ = self.engine.timestamp_tz.compare_exchange(
                    TZ_UNKNOWN,
                    state,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                found
            }
        }
    }

    /// Switch DuckDB's default catalog and schema (unqualified names resolve there).
    pub fn use_context(&self, database: Option<&str>, schema: Option<&str>) -> Result<()> {
        match (database, schema) {
            // DuckDB has no per-database information_schema to switch to.
            (Some(db), Some(s)) if s == INFORMATION_SCHEMA => {
                self.execute(&format!("USE {}", quote(&mangle(db))))
            }
            (Some(db), Some(s)) => {
                self.execute(&format!("USE {}.{}", quote(&mangle(db)), quote(&mangle(s))))
            }
            (Some(db), None) => self.execute(&format!("USE {}", quote(&mangle(db)))),
            _ => self.execute("USE memory.main"),
        }
    }

    // ---- databases and schemas -------------------------------------------------------------

    /// Snowflake databases, in name order.
    pub fn databases(&self) -> Result<Vec<String>> {
        let r = self.strings(
            "SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY database_name",
        )?;
        Ok(r.into_iter()
            .filter(|d| !SYSTEM_CATALOGS.contains(&d.as_str()))
            .map(|d| demangle(&d).to_string())
            .collect())
    }

    pub fn database_exists(&self, name: &str) -> Result<bool> {
        Ok(self.databases()?.iter().any(|d| d == name))
    }

    /// Create a database with its PUBLIC schema.
    pub fn create_database(&self, name: &str) -> Result<()> {
        self.execute(&self.engine.database_sql(name))?;
        self.execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}.{}",
            quote(&mangle(name)),
            quote(PUBLIC)
        ))
    }

    /// Detach a database and remove its file.
    pub fn drop_database(&self, name: &str) -> Result<()> {
        // A connection cannot detach its own default database: step out first.
        self.execute("USE memory.main")?;
        let persistent = self.engine.is_persistent();
        let file = self
            .strings(&format!(
                "SELECT path FROM duckdb_databases() WHERE database_name = {} AND path IS NOT NULL",
                quote_literal(&mangle(name))
            ))?
            .into_iter()
            .next()
            .filter(|_| persistent)
            .map(PathBuf::from);
        self.execute(&format!("DETACH {}", quote(&mangle(name))))?;
        self.engine
            .drops
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let stages = self.engine.database_stage_dir(name);
        if stages.exists() {
            std::fs::remove_dir_all(&stages).map_err(|e| {
                SnowflakeError::internal(format!("cannot remove {}: {e}", stages.display()))
            })?;
        }
        if let Some(file) = file {
            let wal = PathBuf::from(format!("{}.wal", file.display()));
            for f in [file, wal] {
                if f.exists() {
                    std::fs::remove_file(&f).map_err(|e| {
                        SnowflakeError::internal(format!("cannot remove {}: {e}", f.display()))
                    })?;
                }
            }
        }
        Ok(())
    }

    /// Schemas of a database (Snowflake names), DuckDB's own hidden.
    pub fn schemas(&self, database: &str) -> Result<Vec<String>> {
        let r = self.strings(&format!(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = {} ORDER BY schema_name",
            quote_literal(&mangle(database))
        ))?;
        Ok(r.into_iter()
            .filter(|s| {
                s != DUCKDB_MAIN
                    && !s.eq_ignore_ascii_case("information_schema")
                    && s != "pg_catalog"
            })
            .map(|s| demangle(&s).to_string())
            .collect())
    }

    /// Whether a schema exists; every database has INFORMATION_SCHEMA.
    pub fn schema_exists(&self, database: &str, schema: &str) -> Result<bool> {
        if schema == INFORMATION_SCHEMA {
            return self.database_exists(database);
        }
        Ok(self.schemas(database)?.iter().any(|s| s == schema))
    }

    pub fn table_exists(&self, database: &str, schema: &str, table: &str) -> Result<bool> {
        let r = self.strings(&format!(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = {} AND schema_name = {} AND table_name = {} \
             UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = {} AND schema_name = {} AND view_name = {}",
            quote_literal(&stored_database(database)),
            quote_literal(&stored_schema(database, schema)),
            quote_literal(&mangle(table)),
            quote_literal(&stored_database(database)),
            quote_literal(&stored_schema(database, schema)),
            quote_literal(&mangle(table)),
        ))?;
        Ok(r.iter().any(|t| demangle(t) == table))
    }

    /// DuckDB's catalog id of a table: a table created anew (CREATE OR REPLACE, DROP and
    /// CREATE) gets a new one. `None` if there is no such table.
    pub fn table_oid(&self, database: &str, schema: &str, table: &str) -> Result<Option<i64>> {
        let rows = self.text_rows(&format!(
            "SELECT table_oid::VARCHAR, table_name FROM duckdb_tables() WHERE database_name = {} AND schema_name = {} AND table_name = {}",
            quote_literal(&stored_database(database)),
            quote_literal(&stored_schema(database, schema)),
            quote_literal(&mangle(table)),
        ))?;
        Ok(rows.into_iter().find_map(|row| match row.as_slice() {
            [Some(oid), Some(name)] if demangle(name) == table => oid.parse().ok(),
            _ => None,
        }))
    }

    /// The exact number of rows of a table (DuckDB's estimate counts deleted rows until a
    /// checkpoint).
    pub fn row_count(&self, database: &str, schema: &str, table: &str) -> Result<i64> {
        let rows = self.strings(&format!(
            "SELECT count(*)::VARCHAR FROM {}.{}.{}",
            quote(&stored_database(database)),
            quote(&stored_schema(database, schema)),
            quote(&mangle(table)),
        ))?;
        Ok(rows.first().and_then(|n| n.parse().ok()).unwrap_or(0))
    }

    /// Tables and views of a schema: (Snowflake name, is_view, estimated rows, temporary).
    pub fn relations(&self, database: &str, schema: &str) -> Result<Vec<(String, bool, i64)>> {
        let sql = format!(
            "SELECT table_name, false, coalesce(estimated_size, 0)::BIGINT FROM duckdb_tables() \
             WHERE database_name = {db} AND schema_name = {s} \
             UNION ALL SELECT view_name, true, 0::BIGINT FROM duckdb_views() \
             WHERE database_name = {db} AND schema_name = {s} AND NOT internal",
            db = quote_literal(&stored_database(database)),
            s = quote_literal(&stored_schema(database, schema)),
        );
        let mut stmt = self.conn.prepare(&sql).map_err(from_duckdb)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(from_duckdb)?;
        let mut out = Vec::new();
        for row in rows {
            let (name, view, n) = row.map_err(from_duckdb)?;
            out.push((demangle(&name).to_string(), view, n));
        }
        out.sort();
        Ok(out)
    }

    /// The user's comments of the tables and views of a schema, by Snowflake name.
    pub fn relation_comments(
        &self,
        database: &str,
        schema: &str,
    ) -> Result<std::collections::HashMap<String, String>> {
        Ok(self
            .stored_relation_comments(database, schema)?
            .into_iter()
            .filter_map(|(name, stored)| {
                snowglobe_catalog::meta::user_comment(&stored).map(|c| (name, c))
            })
            .collect())
    }

    /// What Snowglobe recorded about a view (its definition as written), if anything.
    pub fn view_meta(
        &self,
        database: &str,
        schema: &str,
        view: &str,
    ) -> Result<Option<snowglobe_catalog::ViewMeta>> {
        Ok(self
            .stored_relation_comments(database, schema)?
            .get(view)
            .and_then(|stored| snowglobe_catalog::ViewMeta::from_comment(stored)))
    }

    /// DuckDB's comments of the tables and views of a schema as stored (a view's holds its
    /// [`snowglobe_catalog::ViewMeta`]), by Snowflake name.
    pub fn stored_relation_comments(
        &self,
        database: &str,
        schema: &str,
    ) -> Result<std::collections::HashMap<String, String>> {
        let sql = format!(
            "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = {db} AND schema_name = {s} AND comment IS NOT NULL \
             UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE database_name = {db} AND schema_name = {s} AND comment IS NOT NULL",
            db = quote_literal(&stored_database(database)),
            s = quote_literal(&stored_schema(database, schema)),
        );
        let mut out = std::collections::HashMap::new();
        for row in self.text_rows(&sql)? {
            if let [Some(name), Some(comment)] = row.as_slice() {
                out.insert(demangle(name).to_string(), comment.clone());
            }
        }
        Ok(out)
    }

    /// Columns of a table: (Snowflake name, declared metadata if recorded, DuckDB type).
    pub fn columns(&self, database: &str, schema: &str, table: &str) -> Result<Vec<TableColumn>> {
        let epoch = self
            .engine
            .catalog_epoch
            .load(std::sync::atomic::Ordering::Acquire);
        let key = (database.to_string(), schema.to_string(), table.to_string());
        {
            let mut cache = self.columns.borrow_mut();
            if cache.epoch != epoch {
                cache.epoch = epoch;
                cache.tables.clear();
            }
            if let Some(found) = cache.tables.get(&key) {
                return Ok(found.clone());
            }
        }
        // Kept under the epoch read before the lookup: a change made meanwhile invalidates it.
        let columns = self.lookup_columns(database, schema, table)?;
        self.columns
            .borrow_mut()
            .tables
            .insert(key, columns.clone());
        Ok(columns)
    }

    fn lookup_columns(
        &self,
        database: &str,
        schema: &str,
        table: &str,
    ) -> Result<Vec<TableColumn>> {
        let sql = format!(
            "SELECT column_name, coalesce(comment, ''), data_type, is_nullable, column_default FROM duckdb_columns() \
             WHERE database_name = {} AND schema_name = {} AND table_name = {} ORDER BY column_index",
            quote_literal(&stored_database(database)),
            quote_literal(&stored_schema(database, schema)),
            quote_literal(&mangle(table)),
        );
        let mut stmt = self.conn.prepare(&sql).map_err(from_duckdb)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(from_duckdb)?;
        let mut out = Vec::new();
        for row in rows {
            let (name, comment, data_type, nullable, default) = row.map_err(from_duckdb)?;
            out.push(TableColumn {
                name: demangle(&name).to_string(),
                meta: ColumnMeta::from_comment(&comment),
                data_type,
                nullable,
                default,
            });
        }
        // A view's columns carry no comments: their types are in the view's own metadata,
        // recorded when it was created (used while it still has the same column names).
        if !out.is_empty() && out.iter().all(|c| c.meta.is_none()) {
            if let Some(view) = self.view_meta(database, schema, table)? {
                let same_names = view.columns.len() == out.len()
                    && view.columns.iter().zip(&out).all(|(v, c)| v.name == c.name);
                if same_names {
                    for (column, recorded) in out.iter_mut().zip(view.columns) {
                        column.meta = Some(ColumnMeta::new(recorded.sf_type));
                        column.nullable = recorded.nullable;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Record a column's declared Snowflake type (in DuckDB's column comment).
    pub fn set_column_meta(
        &self,
        storage_table: &str,
        column: &str,
        meta: &ColumnMeta,
    ) -> Result<()> {
        self.execute(&format!(
            "COMMENT ON COLUMN {storage_table}.{} IS {}",
            quote(&mangle(column)),
            quote_literal(&meta.to_comment())
        ))
    }

    /// (Re)create the temporary table `temp.main.<name>` with one VARCHAR column per entry of
    /// `columns` (named by `column_name`) and append their values row by row through DuckDB's
    /// appender. Columns are given column-major and must have equal lengths.
    pub fn load_text_table(
        &self,
        name: &str,
        columns: &[Vec<Option<String>>],
        column_name: impl Fn(usize) -> String,
    ) -> Result<()> {
        let definitions: Vec<String> = (0..columns.len())
            .map(|i| format!("{} VARCHAR", quote(&column_name(i))))
            .collect();
        self.execute(&format!(
            "CREATE OR REPLACE TEMP TABLE {} ({})",
            quote(name),
            definitions.join(", ")
        ))?;
        let mut appender = self
            .conn
            .appender_to_catalog_and_db(name, "temp", "main")
            .map_err(from_duckdb)?;
        let rows = columns.first().map(Vec::len).unwrap_or(0);
        for row in 0..rows {
            let cells: Vec<Option<&str>> = columns
                .iter()
                .map(|c| c.get(row).and_then(|v| v.as_deref()))
                .collect();
            let params: Vec<&dyn duckdb::ToSql> =
                cells.iter().map(|c| c as &dyn duckdb::ToSql).collect();
            appender
                .append_row(params.as_slice())
                .map_err(from_duckdb)?;
        }
        appender.flush().map_err(from_duckdb)
    }

    /// Every row of a query as text cells (NULL as `None`), for metadata queries of state tools.
    pub fn text_rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let result = (|| {
            let mut stmt = self.conn.prepare(sql).map_err(from_duckdb)?;
            let mut rows = stmt.query([]).map_err(from_duckdb)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(from_duckdb)? {
                let n = row.as_ref().column_count();
                let mut cells = Vec::with_capacity(n);
                for i in 0..n {
                    cells.push(row.get::<_, Option<String>>(i).map_err(from_duckdb)?);
                }
                out.push(cells);
            }
            Ok(out)
        })();
        self.settle(sql, result)
    }

    fn strings(&self, sql: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(sql).map_err(from_duckdb)?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(from_duckdb)?;
        rows.map(|r| r.map_err(from_duckdb)).collect()
    }

    /// Interrupt the statement running on this connection (from another thread).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    pub fn interrupt_handle(&self) -> Arc<InterruptHandle> {
        self.conn.interrupt_handle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_are_named_as_qualifiers_only() {
        let sql = r#"INSERT INTO "DB"."T"."X" SELECT * FROM "T"."PUBLIC"."Y""#;
        assert!(names_database(sql, "DB"));
        assert!(names_database(sql, "T"));
        assert!(!names_database(
            r#"INSERT INTO "DB"."T"."X" VALUES (1)"#,
            "T"
        ));
        assert!(!names_database(
            r#"INSERT INTO "DB"."S"."T" VALUES (1)"#,
            "T"
        ));
    }

    #[test]
    fn file_names_round_trip() {
        for name in ["PLAIN", "with space", "a\u{1f}l", "x/y"] {
            let encoded = encode_file_name(name);
            assert!(!encoded.contains('/'));
            assert_eq!(decode_file_name(&encoded), name);
        }
    }

    #[test]
    fn an_older_file_of_a_database_is_removed_at_open() {
        let dir = std::env::temp_dir().join(format!("sg-gen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let engine = Engine::open(Storage::Directory(dir.clone())).unwrap();
            let conn = engine.connect().unwrap();
            conn.create_database("KEPT").unwrap();
            conn.execute(r#"CREATE TABLE "KEPT"."main"."T" AS SELECT 42 AS x"#)
                .unwrap();
        }
        // A stale generation below the live one (a crash between DROP and its file's removal).
        let live = dir.join(database_file_name("KEPT", 1));
        assert!(live.exists());
        let stale = dir.join(database_file_name("KEPT", 0));
        std::fs::copy(&live, &stale).unwrap();
        let engine = Engine::open(Storage::Directory(dir.clone())).unwrap();
        assert!(!stale.exists());
        assert!(live.exists());
        let conn = engine.connect().unwrap();
        assert_eq!(
            conn.strings(r#"SELECT x::VARCHAR FROM "KEPT"."main"."T""#)
                .unwrap(),
            vec!["42".to_string()]
        );
        drop(conn);
        drop(engine);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn database_file_names_carry_a_generation() {
        for name in ["PLAIN", "a~b", "x.y"] {
            let file = database_file_name(name, 12);
            assert_eq!(file.matches('~').count(), 1, "{file}");
            assert_eq!(
                parse_database_file_name(&file),
                Some((name.to_string(), 12))
            );
        }
        assert_eq!(
            parse_database_file_name("OLD.duckdb"),
            Some(("OLD".into(), 0))
        );
        assert_eq!(parse_database_file_name("X~z.duckdb"), None);
        assert_eq!(parse_database_file_name("X.duckdb.wal"), None);
    }
}
