//! Import: apply a verified bundle to the engine.
//!
//! What can be checked fails before the first change: the bundle's manifest and checksums are
//! verified when it is opened ([`BundleDir::open`]), and here every table file is read once
//! (row count against the manifest) and every staged file located before any database is
//! touched. Only then are the databases replaced — after the ones replaced or dropped are
//! exported to a scratch bundle, which is put back if anything fails part way.

use std::sync::Arc;

use serde::Serialize;
use snowglobe_catalog::names::{quote, quote_literal};
use snowglobe_catalog::{mangle, SfType};
use snowglobe_engine::{Engine, EngineSession};

use crate::bundle::{safe_join, BundleDir, Manifest};
use crate::export::meta_of;
use crate::{Progress, StateError};

/// How an import treats what the running state holds and the bundle does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Replace the bundle's databases, keep every other database (LocalStack's
    /// `account-region-merge`, its default).
    #[default]
    Merge,
    /// Merge object by object (LocalStack's `service-merge`): the bundle's schemas, tables,
    /// views, sequences, stages, file formats and functions are added to the databases already
    /// present, replacing the objects of the same name; every other object is kept.
    ServiceMerge,
    /// Replace everything: databases not in the bundle are dropped.
    Overwrite,
}

impl std::str::FromStr for Strategy {
    type Err = StateError;
    fn from_str(s: &str) -> Result<Strategy, StateError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "merge" | "account-region-merge" | "" => Ok(Strategy::Merge),
            "service-merge" => Ok(Strategy::ServiceMerge),
            "overwrite" => Ok(Strategy::Overwrite),
            other => Err(StateError::Invalid(format!(
                "unknown strategy '{other}' (expected overwrite, merge or service-merge)"
            ))),
        }
    }
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Databases created (not present before).
    pub added: Vec<String>,
    /// Databases replaced by the bundle's version.
    pub replaced: Vec<String>,
    /// Databases dropped (overwrite only).
    pub dropped: Vec<String>,
    /// service-merge: databases present before, into which the bundle's objects are merged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<String>,
    /// service-merge: the tables, views and stages (`DB.SCHEMA.NAME`) the import adds to the
    /// merged databases, and those it replaces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects_added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects_replaced: Vec<String>,
    pub tables: usize,
    pub rows: u64,
    /// Views not created because they read tables or views that do not exist (in the file or
    /// the running state): views left behind by a DROP of what they read, which Snowflake (and
    /// a running Snowglobe) keeps but DuckDB cannot create again. `db.schema.view` names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub views_left_out: Vec<String>,
    /// Dry run only: databases of the bundle identical to the running ones (their definitions,
    /// data and stage files), which loading it would leave as they are. Not in `replaced`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unchanged: Vec<String>,
    /// What the import does to the files of the user stages (`@~`), by `USER/path`.
    #[serde(skip_serializing_if = "UserStageChanges::is_empty")]
    pub user_stage: UserStageChanges,
}

/// The files of the user stages (`@~`) an import adds, replaces (other content) or removes
/// (overwrite only), each named `USER/path`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UserStageChanges {
    pub added: Vec<String>,
    pub replaced: Vec<String>,
    pub removed: Vec<String>,
}

impl UserStageChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.replaced.is_empty() && self.removed.is_empty()
    }
}

/// Compare the bundle's user stage files with the running ones, content by checksum.
fn user_stage_changes(
    engine: &Engine,
    bundle: &BundleDir,
    strategy: Strategy,
) -> Result<UserStageChanges, StateError> {
    let running: std::collections::BTreeMap<String, std::path::PathBuf> =
        crate::export::files_under(&crate::export::user_stage_root(engine))
            .into_iter()
            .collect();
    let mut changes = UserStageChanges::default();
    for staged in &bundle.manifest.user_stage_files {
        let Some(disk) = running.get(&staged.path) else {
            changes.added.push(user_file_name(&staged.path));
            continue;
        };
        let incoming = bundle.manifest.files.iter().find(|f| f.path == staged.file);
        let (sha256, _) = crate::bundle::digest_file(disk)?;
        if incoming.is_none_or(|f| f.sha256 != sha256) {
            changes.replaced.push(user_file_name(&staged.path));
        }
    }
    if strategy == Strategy::Overwrite {
        changes.removed = running
            .into_keys()
            .filter(|path| {
                !bundle
                    .manifest
                    .user_stage_files
                    .iter()
                    .any(|f| &f.path == path)
            })
            .map(|path| user_file_name(&path))
            .collect();
    }
    Ok(changes)
}

/// A user stage file as its user sees it: `@~/path (user NAME)`, from the stored
/// `ENCODED_USER/files/path`.
fn user_file_name(stored: &str) -> String {
    match stored.split_once('/') {
        Some((user, rest)) => {
            let user = snowglobe_engine::decode_file_name(user);
            let path = rest.strip_prefix("files/").unwrap_or(rest);
            format!("@~/{path} (user {user})")
        }
        None => stored.to_string(),
    }
}

/// Apply `bundle`; with `dry_run` only report what would change.
pub fn apply(
    engine: &Arc<Engine>,
    bundle: &BundleDir,
    strategy: Strategy,
    dry_run: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, StateError> {
    let conn = engine.connect()?;
    let manifest = &bundle.manifest;
    verify_tables(&conn, bundle)?;
    check_sql(manifest)?;
    let existing = conn.databases()?;
    let incoming = manifest.database_names();
    let present: Vec<String> = incoming
        .iter()
        .filter(|d| existing.contains(d))
        .cloned()
        .collect();
    let (replaced, merged) = match strategy {
        Strategy::ServiceMerge => (vec![], present),
        _ => (present, vec![]),
    };
    let (objects_added, objects_replaced) = merged_objects(engine, &conn, manifest, &merged)?;
    let summary = ImportSummary {
        added: incoming
            .iter()
            .filter(|d| !existing.contains(d))
            .cloned()
            .collect(),
        replaced,
        dropped: match strategy {
            Strategy::Overwrite => existing
                .iter()
                .filter(|d| !incoming.contains(d))
                .cloned()
                .collect(),
            Strategy::Merge | Strategy::ServiceMerge => vec![],
        },
        merged,
        objects_added,
        objects_replaced,
        tables: manifest.table_count(),
        rows: manifest.row_count(),
        views_left_out: vec![],
        unchanged: vec![],
        user_stage: user_stage_changes(engine, bundle, strategy)?,
    };
    if dry_run {
        return unchanged_databases(engine, bundle, summary);
    }
    check_files(engine, bundle)?;
    // What the import replaces or drops is exported first: a failure part way (a view that
    // no longer compiles, a default DuckDB refuses) puts it back, so the running state is
    // exactly as it was.
    let affected: Vec<String> = summary
        .replaced
        .iter()
        .chain(&summary.dropped)
        .chain(&summary.merged)
        .cloned()
        .collect();
    let backup = scratch_dir(engine, ".import-backup")?;
    if !affected.is_empty() {
        crate::export::export_to_dir(engine, Some(&affected), backup.path(), &mut |_| {})?;
    }
    match build(engine, &conn, bundle, &summary, progress, true)
        .and_then(|left_out| user_stages(engine, bundle, strategy).map(|()| left_out))
        .and_then(|left_out| account_files(engine, bundle, strategy).map(|()| left_out))
    {
        Ok(left_out) => {
            if !left_out.is_empty() {
                tracing::warn!(views = ?left_out, "views reading missing objects were not created");
            }
            Ok(ImportSummary {
                views_left_out: left_out,
                ..summary
            })
        }
        Err(e) => {
            let restored = restore(engine, &conn, &incoming, &affected, backup.path());
            // What the engine refused (a view reading a missing table, a default it cannot
            // parse) is the file's fault: a bad input, not a server failure.
            let e = match e {
                StateError::Engine(err) => StateError::Invalid(format!(
                    "the state file cannot be applied: {}",
                    err.message
                )),
                other => other,
            };
            match restored {
                Ok(()) => Err(e),
                // The backup is kept for the user to import by hand.
                Err(r) => Err(StateError::Internal(format!(
                    "{e}; restoring the previous state also failed: {r} (the previous state is \
                     kept in {})",
                    backup.keep().display()
                ))),
            }
        }
    }
}

/// Inputs a bundle names that `BundleDir::open` does not check: each database once, staged
/// files inside their stage directory and present in the bundle.
fn check_files(engine: &Arc<Engine>, bundle: &BundleDir) -> Result<(), StateError> {
    let names = bundle.manifest.database_names();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(StateError::Invalid(format!(
                "the manifest lists database {name} twice"
            )));
        }
    }
    let users = crate::export::user_stage_root(engine);
    let all_staged = bundle
        .manifest
        .databases
        .iter()
        .map(|db| (engine.database_stage_dir(&db.name), &db.stage_files))
        .chain(std::iter::once((users, &bundle.manifest.user_stage_files)));
    for file in &bundle.manifest.account_files {
        if !crate::bundle::ACCOUNT_FILES.contains(&file.path.as_str()) {
            return Err(StateError::Invalid(format!(
                "unknown account file '{}' in the bundle",
                file.path
            )));
        }
        if !bundle.path_of(&file.file)?.is_file() {
            return Err(StateError::Invalid(format!(
                "account file {} is missing from the bundle",
                file.path
            )));
        }
    }
    for (stage_root, stage_files) in all_staged {
        for staged in stage_files {
            safe_join(&stage_root, &staged.path)?;
            let source = bundle.path_of(&staged.file)?;
            if !source.is_file() {
                return Err(StateError::Invalid(format!(
                    "staged file {} is missing from the bundle",
                    staged.path
                )));
            }
        }
    }
    Ok(())
}

/// The users' stage files of the bundle: added (merge), or in place of every user's files
/// (overwrite).
fn user_stages(
    engine: &Arc<Engine>,
    bundle: &BundleDir,
    strategy: Strategy,
) -> Result<(), StateError> {
    let root = crate::export::user_stage_root(engine);
    if strategy == Strategy::Overwrite && root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| StateError::io(&root, e))?;
    }
    for staged in &bundle.manifest.user_stage_files {
        staged.place(
            &bundle.path_of(&staged.file)?,
            &safe_join(&root, &staged.path)?,
        )?;
    }
    Ok(())
}

/// Move the databases the running state already holds exactly as the bundle has them from
/// `replaced` to `unchanged`: the running ones are exported and compared, file contents by
/// checksum.
fn unchanged_databases(
    engine: &Arc<Engine>,
    bundle: &BundleDir,
    mut summary: ImportSummary,
) -> Result<ImportSummary, StateError> {
    if summary.replaced.is_empty() {
        return Ok(summary);
    }
    let scratch = scratch_dir(engine, ".dry-run")?;
    let running =
        crate::export::export_to_dir(engine, Some(&summary.replaced), scratch.path(), &mut |_| {})?;
    let (same, changed): (Vec<String>, Vec<String>) =
        summary.replaced.into_iter().partition(|name| {
            let of = |m: &Manifest| {
                m.databases
                    .iter()
                    .find(|d| &d.name == name)
                    .map(|d| content(m, d))
            };
            of(&running).is_some() && of(&running) == of(&bundle.manifest)
        });
    summary.replaced = changed;
    summary.unchanged = same;
    Ok(summary)
}

/// A database's description with every bundle file name replaced by its content's checksum:
/// equal for equal content, wherever the files sit in their bundles.
fn content(manifest: &Manifest, database: &crate::bundle::Database) -> serde_json::Value {
    fn swap(value: &mut serde_json::Value, manifest: &Manifest) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    match v {
                        serde_json::Value::String(path) if key == "file" => {
                            if let Some(f) = manifest.files.iter().find(|f| &f.path == path) {
                                *v = serde_json::Value::String(f.sha256.clone());
                            }
                        }
                        _ => swap(v, manifest),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| swap(v, manifest)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(database).unwrap_or_default();
    swap(&mut value, manifest);
    value
}

/// The SQL text the file carries (view definitions, column defaults), which the import runs:
/// one CREATE VIEW statement, one expression, nothing else.
fn check_sql(manifest: &Manifest) -> Result<(), StateError> {
    for db in &manifest.databases {
        for schema in &db.schemas {
            for view in &schema.views {
                crate::sql_shape::check_view(&view.name, &view.sql)?;
            }
            for table in &schema.tables {
                for c in &table.columns {
                    if let Some(default) = &c.default {
                        crate::sql_shape::check_default(&c.name, default)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The account's warehouses, roles and users of the bundle: in place of the running ones
/// (overwrite: none when the bundle has none), or added to them (merge: the bundle's win by
/// name). The sessions pick the files up on their next use (they watch them).
fn account_files(
    engine: &Arc<Engine>,
    bundle: &BundleDir,
    strategy: Strategy,
) -> Result<(), StateError> {
    let root = engine.stage_root();
    let _writing = engine.account_files_lock();
    for name in crate::bundle::ACCOUNT_FILES {
        let target = root.join(name);
        let incoming = bundle
            .manifest
            .account_files
            .iter()
            .find(|f| f.path == *name);
        match (incoming, strategy) {
            (None, Strategy::Merge | Strategy::ServiceMerge) => {}
            (None, Strategy::Overwrite) => remove_account_file(&target)?,
            (Some(file), Strategy::Overwrite) => {
                file.place(&bundle.path_of(&file.file)?, &target)?
            }
            (Some(file), Strategy::Merge | Strategy::ServiceMerge) => {
                let source = bundle.path_of(&file.file)?;
                let read = |p: &std::path::Path| -> Result<serde_json::Value, StateError> {
                    let bytes = std::fs::read(p).map_err(|e| StateError::io(p, e))?;
                    serde_json::from_slice(&bytes).map_err(|e| {
                        StateError::Invalid(format!("{name} in the file is unreadable: {e}"))
                    })
                };
                let incoming = read(&source)?;
                let merged = match read(&target) {
                    Ok(existing) if target.exists() => merge_account(existing, incoming),
                    _ => incoming,
                };
                let text =
                    serde_json::to_vec(&merged).map_err(|e| StateError::Internal(e.to_string()))?;
                std::fs::create_dir_all(root).map_err(|e| StateError::io(root, e))?;
                let tmp = target.with_extension("json.tmp");
                std::fs::write(&tmp, text).map_err(|e| StateError::io(&tmp, e))?;
                std::fs::rename(&tmp, &target).map_err(|e| StateError::io(&target, e))?;
            }
        }
    }
    Ok(())
}

/// One account file merged into another: objects by key (a map of warehouses, the roles and
/// users maps; the incoming entry wins), lists as a union (role grants).
fn merge_account(existing: serde_json::Value, incoming: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match (existing, incoming) {
        (Value::Object(mut mine), Value::Object(theirs)) => {
            for (key, value) in theirs {
                let merged = match (mine.remove(&key), value) {
                    (Some(Value::Object(mut a)), Value::Object(b)) => {
                        a.extend(b);
                        Value::Object(a)
                    }
                    (Some(Value::Array(mut a)), Value::Array(b)) => {
                        // One grant of a role to a grantee, whenever and by whom it was made.
                        let same = |x: &Value, y: &Value| {
                            ["role", "to", "grantee"]
                                .iter()
                                .all(|k| x.get(k) == y.get(k))
                        };
                        for item in b {
                            if !a.iter().any(|kept| same(kept, &item)) {
                                a.push(item);
                            }
                        }
                        Value::Array(a)
                    }
                    (_, value) => value,
                };
                mine.insert(key, merged);
            }
            Value::Object(mine)
        }
        (_, incoming) => incoming,
    }
}

/// Undo a failed import: drop what it created, bring back what it replaced or dropped.
fn restore(
    engine: &Arc<Engine>,
    conn: &EngineSession,
    incoming: &[String],
    affected: &[String],
    backup: &std::path::Path,
) -> Result<(), StateError> {
    for db in incoming.iter().chain(affected) {
        if conn.database_exists(db)? {
            conn.drop_database(db)?;
        }
    }
    if affected.is_empty() {
        return Ok(());
    }
    let saved = BundleDir::open(backup)?;
    let summary = ImportSummary::default();
    build(engine, conn, &saved, &summary, &mut |_| {}, false).map(|_| ())
}

/// Replace the summary's databases with the bundle's; with `strict_views`, a view that cannot
/// be created fails the import (else it is left out), unless it reads an object that does not
/// exist. Returns the views left out.
fn build(
    engine: &Arc<Engine>,
    conn: &EngineSession,
    bundle: &BundleDir,
    summary: &ImportSummary,
    progress: &mut dyn FnMut(Progress),
    strict_views: bool,
) -> Result<Vec<String>, StateError> {
    let manifest = &bundle.manifest;
    for db in summary.dropped.iter().chain(&summary.replaced) {
        conn.drop_database(db)?;
    }
    let total = manifest.table_count() as u64;
    let mut done = 0;
    for db in &manifest.databases {
        if summary.merged.contains(&db.name) {
            clear_merged_objects(engine, conn, db)?;
        } else {
            conn.create_database(&db.name)?;
        }
        for schema in &db.schemas {
            let schema_path = format!(
                "{}.{}",
                quote(&mangle(&db.name)),
                quote(&mangle(&schema.name))
            );
            conn.execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema_path}"))?;
            for sequence in &schema.sequences {
                let path = format!("{schema_path}.{}", quote(&sequence.storage_name));
                let bound = if sequence.increment > 0 {
                    format!("MINVALUE {}", sequence.next.min(1))
                } else {
                    format!("MAXVALUE {}", sequence.next.max(-1))
                };
                conn.execute(&format!(
                    "CREATE OR REPLACE SEQUENCE {path} START {} INCREMENT {} {bound}",
                    sequence.next, sequence.increment
                ))
                .map_err(|e| {
                    // Only a merge into a database present can meet a sequence in use.
                    if summary.merged.contains(&db.name) && e.message.contains("depend") {
                        StateError::Invalid(format!(
                            "service-merge cannot replace sequence {}.{}.{}: a table the file \
                             does not replace uses it (merge or overwrite replace the whole \
                             database)",
                            db.name,
                            schema.name,
                            snowglobe_catalog::names::demangle(&sequence.storage_name)
                        ))
                    } else {
                        e.into()
                    }
                })?;
                if let Some(comment) = &sequence.comment {
                    conn.execute(&format!(
                        "COMMENT ON SEQUENCE {path} IS {}",
                        quote_literal(comment)
                    ))?;
                }
            }
            for table in &schema.tables {
                let path = format!("{schema_path}.{}", quote(&mangle(&table.name)));
                let columns: Vec<String> = table
                    .columns
                    .iter()
                    .map(|c| {
                        let ty = c
                            .sf_type
                            .map(|t| t.duckdb_type())
                            .unwrap_or_else(|| c.storage_type.clone());
                        format!(
                            "{} {ty}{}{}",
                            quote(&mangle(&c.name)),
                            c.default
                                .as_ref()
                                .map(|d| format!(" DEFAULT {d}"))
                                .unwrap_or_default(),
                            if c.nullable { "" } else { " NOT NULL" }
                        )
                    })
                    .collect();
                conn.execute(&format!("CREATE TABLE {path} ({})", columns.join(", ")))?;
                let file = bundle.path_of(&table.file)?;
                conn.execute(&format!(
                    "INSERT INTO {path} SELECT {} FROM read_parquet({})",
                    stored_values(&table.columns),
                    quote_literal(&file.to_string_lossy())
                ))?;
                for c in &table.columns {
                    if let Some(meta) = meta_of(c) {
                        conn.set_column_meta(&path, &c.name, &meta)?;
                    }
                }
                if let Some(comment) = &table.comment {
                    conn.execute(&format!(
                        "COMMENT ON TABLE {path} IS {}",
                        quote_literal(comment)
                    ))?;
                }
                done += 1;
                progress(Progress {
                    done,
                    total,
                    item: format!("{}.{}.{}", db.name, schema.name, table.name),
                    bytes: 0,
                });
            }
        }
        // Stages, file formats and staged files.
        let stage_root = engine.database_stage_dir(&db.name);
        for staged in &db.stage_files {
            staged.place(
                &bundle.path_of(&staged.file)?,
                &safe_join(&stage_root, &staged.path)?,
            )?;
        }
    }
    // Views last, once every table of the bundle exists: a view may read tables (and views)
    // of any database. A view's stored definition names its tables relative to the database
    // and schema it was created in. Views reading other views are created once those exist:
    // each round creates what it can, until none is left (or a round makes no progress: then
    // the first error is the answer).
    let mut pending: Vec<(&str, &str, &crate::bundle::View)> = manifest
        .databases
        .iter()
        .flat_map(|d| {
            d.schemas.iter().flat_map(move |s| {
                s.views
                    .iter()
                    .map(move |v| (d.name.as_str(), s.name.as_str(), v))
            })
        })
        .collect();
    let mut left_out = Vec::new();
    while !pending.is_empty() {
        let mut failed = Vec::new();
        let mut first_error = None;
        for (db, schema, view) in pending.iter().copied() {
            match create_view(conn, db, schema, view) {
                Ok(()) => {}
                Err(e) => {
                    // A view reading what does not exist is not the file's fault: Snowflake
                    // keeps such a view when its table is dropped, and so did the state the
                    // file was made from.
                    // (or a column that is gone: DuckDB binds views when they are read)
                    let dangling = matches!(
                        &e,
                        StateError::Engine(err) if matches!(
                            err.code,
                            snowglobe_error::ErrorCode::DoesNotExist
                                | snowglobe_error::ErrorCode::InvalidIdentifier
                        )
                    );
                    if !dangling {
                        first_error.get_or_insert(e);
                    }
                    failed.push((db, schema, view, dangling));
                }
            }
        }
        if failed.len() == pending.len() {
            if let Some(e) = first_error {
                // Putting a backup back, a view that no longer compiles (it read a table
                // dropped since) is left out rather than failing the restore.
                if !strict_views {
                    tracing::warn!(error = %e, "views left out of the restored state");
                    break;
                }
                return Err(e);
            }
            left_out.extend(
                failed
                    .iter()
                    .map(|(db, schema, view, _)| format!("{db}.{schema}.{}", view.name)),
            );
            break;
        }
        pending = failed
            .into_iter()
            .map(|(db, schema, view, _)| (db, schema, view))
            .collect();
    }
    Ok(left_out)
}

/// The tables and views of a schema, by storage name, each with whether it is a view.
fn schema_objects(
    conn: &EngineSession,
    db: &str,
    schema: &str,
) -> Result<Vec<(String, bool)>, StateError> {
    let filter = format!(
        "database_name = {} AND schema_name = {}",
        quote_literal(&mangle(db)),
        quote_literal(&mangle(schema))
    );
    let rows = conn.text_rows(&format!(
        "SELECT table_name, 'T' FROM duckdb_tables() WHERE {filter} \
         UNION ALL SELECT view_name, 'V' FROM duckdb_views() WHERE NOT internal AND {filter}"
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [Some(name), Some(kind)] => Some((name.clone(), kind == "V")),
            _ => None,
        })
        .collect())
}

/// The names of a bundle schema's tables and views.
fn table_and_view_names(schema: &crate::bundle::Schema) -> impl Iterator<Item = &String> {
    schema
        .tables
        .iter()
        .map(|t| &t.name)
        .chain(schema.views.iter().map(|v| &v.name))
}

/// The stage directories of a database's stage files that stand for one object each: a
/// named stage (`<SCHEMA>/stages/<STAGE>`) or a table's stage (`<SCHEMA>/tables/<TABLE>`).
fn stage_object_dirs(db: &crate::bundle::Database) -> Vec<String> {
    let mut dirs: Vec<String> = db
        .stage_files
        .iter()
        .filter_map(|f| {
            let mut parts = f.path.splitn(4, '/');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(schema), Some(kind @ ("stages" | "tables")), Some(name), Some(_)) => {
                    Some(format!("{schema}/{kind}/{name}"))
                }
                _ => None,
            }
        })
        .collect();
    for schema in &db.schemas {
        for table in &schema.tables {
            dirs.push(format!(
                "{}/tables/{}",
                snowglobe_engine::encode_file_name(&schema.name),
                snowglobe_engine::encode_file_name(&table.name)
            ));
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// service-merge: the objects of the bundle (`DB.SCHEMA.NAME`) the merged databases do not
/// hold yet, and those they hold (which the bundle's replace).
fn merged_objects(
    engine: &Engine,
    conn: &EngineSession,
    manifest: &Manifest,
    merged: &[String],
) -> Result<(Vec<String>, Vec<String>), StateError> {
    let (mut added, mut replaced) = (vec![], vec![]);
    for db in manifest
        .databases
        .iter()
        .filter(|d| merged.contains(&d.name))
    {
        for schema in &db.schemas {
            let present = schema_objects(conn, &db.name, &schema.name)?;
            for name in table_and_view_names(schema) {
                let full = format!("{}.{}.{name}", db.name, schema.name);
                if present.iter().any(|(stored, _)| *stored == mangle(name)) {
                    replaced.push(full);
                } else {
                    added.push(full);
                }
            }
        }
        let stage_root = engine.database_stage_dir(&db.name);
        for dir in stage_object_dirs(db) {
            let mut parts = dir.split('/');
            let (Some(schema), Some("stages"), Some(stage)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let full = format!(
                "{}.{}.{}",
                db.name,
                snowglobe_engine::decode_file_name(schema),
                snowglobe_engine::decode_file_name(stage)
            );
            if stage_root.join(&dir).exists() {
                replaced.push(full);
            } else {
                added.push(full);
            }
        }
    }
    Ok((added, replaced))
}

/// service-merge: make room in a database already present for the bundle's objects: drop the
/// tables and views bearing the names of the bundle's, and remove the stages (named stages,
/// and the stages of the bundle's tables) whose files the bundle brings.
fn clear_merged_objects(
    engine: &Engine,
    conn: &EngineSession,
    db: &crate::bundle::Database,
) -> Result<(), StateError> {
    for schema in &db.schemas {
        let present = schema_objects(conn, &db.name, &schema.name)?;
        for name in table_and_view_names(schema) {
            let stored = mangle(name);
            if let Some((_, is_view)) = present.iter().find(|(s, _)| *s == stored) {
                conn.execute(&format!(
                    "DROP {} {}.{}.{}",
                    if *is_view { "VIEW" } else { "TABLE" },
                    quote(&mangle(&db.name)),
                    quote(&mangle(&schema.name)),
                    quote(&stored)
                ))?;
            }
        }
    }
    let stage_root = engine.database_stage_dir(&db.name);
    for dir in stage_object_dirs(db) {
        let path = safe_join(&stage_root, &dir)?;
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(|e| StateError::io(&path, e))?;
        }
    }
    Ok(())
}

fn create_view(
    conn: &EngineSession,
    db: &str,
    schema: &str,
    view: &crate::bundle::View,
) -> Result<(), StateError> {
    conn.use_context(Some(db), Some(schema))?;
    conn.execute(&view.sql)?;
    if let Some(comment) = &view.comment {
        conn.execute(&format!(
            "COMMENT ON VIEW {}.{}.{} IS {}",
            quote(&mangle(db)),
            quote(&mangle(schema)),
            quote(&mangle(&view.name)),
            quote_literal(comment)
        ))?;
    }
    Ok(())
}

/// Read every table file once: it must be Parquet with the manifest's row count.
fn verify_tables(conn: &EngineSession, bundle: &BundleDir) -> Result<(), StateError> {
    for (db, schema, table) in bundle.manifest.tables() {
        let file = bundle.path_of(&table.file)?;
        let rows = conn
            .text_rows(&format!(
                "SELECT count(*)::VARCHAR FROM read_parquet({})",
                quote_literal(&file.to_string_lossy())
            ))
            .map_err(|e| {
                StateError::Invalid(format!(
                    "table {db}.{schema}.{} cannot be read: {e}",
                    table.name
                ))
            })?;
        let n: u64 = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|n| n.parse().ok())
            .unwrap_or(u64::MAX);
        if n != table.rows {
            return Err(StateError::Invalid(format!(
                "table {db}.{schema}.{} has {n} rows in the file, {} in the manifest",
                table.name, table.rows
            )));
        }
    }
    Ok(())
}

/// Drop every database and the users' stage files.
pub fn reset(engine: &Arc<Engine>) -> Result<Vec<String>, StateError> {
    let conn = engine.connect()?;
    let dbs = conn.databases()?;
    for db in &dbs {
        conn.drop_database(db)?;
    }
    let users = crate::export::user_stage_root(engine);
    if users.exists() {
        std::fs::remove_dir_all(&users).map_err(|e| StateError::io(&users, e))?;
    }
    // Warehouses, roles and users go back to a new account's.
    let _writing = engine.account_files_lock();
    for name in crate::bundle::ACCOUNT_FILES {
        remove_account_file(&engine.stage_root().join(name))?;
    }
    Ok(dbs)
}

fn remove_account_file(file: &std::path::Path) -> Result<(), StateError> {
    if file.exists() {
        std::fs::remove_file(file).map_err(|e| StateError::io(file, e))?;
    }
    Ok(())
}

/// A temporary directory beside the state (not in the system's temporary directory: what an
/// import exports into it may be large), removed when dropped.
fn scratch_dir(engine: &Engine, prefix: &str) -> Result<tempfile::TempDir, StateError> {
    std::fs::create_dir_all(engine.stage_root())
        .map_err(|e| StateError::io(engine.stage_root(), e))?;
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(engine.stage_root())
        .map_err(|e| StateError::Internal(format!("cannot create a scratch directory: {e}")))
}

/// The SELECT list that reads a table's Parquet file into its columns: `*`, except that a
/// TIMESTAMP_TZ written by an older version, which stored it as a bare instant (`storage_type`
/// TIMESTAMPTZ), becomes that instant with offset +00:00 (the offset was not kept then).
fn stored_values(columns: &[crate::bundle::Column]) -> String {
    let old_tz = |c: &crate::bundle::Column| {
        matches!(c.sf_type, Some(SfType::TimestampTz { .. }))
            && !snowglobe_catalog::types::is_timestamp_tz_storage(&c.storage_type)
    };
    if !columns.iter().any(old_tz) {
        return "*".into();
    }
    columns
        .iter()
        .map(|c| {
            let name = quote(&mangle(&c.name));
            if old_tz(c) {
                format!("sg_tz({name}, 'UTC') AS {name}")
            } else {
                name
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Column;

    fn column(name: &str, sf_type: SfType, storage_type: &str) -> Column {
        Column {
            name: name.into(),
            sf_type: Some(sf_type),
            storage_type: storage_type.into(),
            nullable: true,
            comment: None,
            default: None,
            declared_default: None,
            primary_key: false,
            unique: None,
            references: None,
        }
    }

    #[test]
    fn old_timestamp_tz_columns_gain_an_offset() {
        let tz = SfType::TimestampTz { scale: 9 };
        let current = vec![
            column("ID", SfType::INTEGER, "DECIMAL(38,0)"),
            column("TS", tz, snowglobe_catalog::types::TIMESTAMP_TZ_STORAGE),
        ];
        assert_eq!(stored_values(&current), "*");
        let old = vec![
            column("ID", SfType::INTEGER, "DECIMAL(38,0)"),
            column("TS", tz, "TIMESTAMP WITH TIME ZONE"),
        ];
        assert_eq!(
            stored_values(&old),
            "\"ID\", sg_tz(\"TS\", 'UTC') AS \"TS\""
        );
    }
}
