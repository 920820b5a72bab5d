//! Export: write the engine's databases into a bundle directory.
//!
//! One DuckDB transaction reads every table, so the bundle is one consistent snapshot (DuckDB's
//! MVCC), and writers on other connections keep committing while it runs: they are neither
//! blocked nor included.

use std::path::Path;
use std::sync::Arc;

use snowglobe_catalog::names::{quote, quote_literal};
use snowglobe_catalog::{mangle, ColumnMeta};
use snowglobe_engine::{Engine, EngineSession};

use crate::bundle::{
    digest_file, Column, Database, FileEntry, Manifest, Schema, Sequence, StageFile, Table, View,
    MANIFEST,
};
use crate::{Progress, StateError};

/// Export `databases` (all when `None`) into `dir` (created if needed); returns the manifest,
/// also written to `dir/manifest.json`.
pub fn export_to_dir(
    engine: &Arc<Engine>,
    databases: Option<&[String]>,
    dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest, StateError> {
    std::fs::create_dir_all(dir.join("tables")).map_err(|e| StateError::io(dir, e))?;
    let conn = engine.connect()?;
    conn.execute("BEGIN TRANSACTION")?;
    let result = export_in_transaction(&conn, databases, dir, progress);
    // Read-only: nothing to keep, and a failed export must not leave the transaction open.
    let _ = conn.execute("ROLLBACK");
    let manifest = result?;
    let text = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| StateError::Internal(format!("cannot write the manifest: {e}")))?;
    std::fs::write(dir.join(MANIFEST), text).map_err(|e| StateError::io(dir, e))?;
    Ok(manifest)
}

fn export_in_transaction(
    conn: &EngineSession,
    only: Option<&[String]>,
    dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest, StateError> {
    let all = conn.databases()?;
    // A name as given, else as an unquoted Snowflake name (upper case).
    let only: Option<Vec<String>> = match only {
        Some(only) => Some(
            only.iter()
                .map(|d| {
                    [d.clone(), d.to_uppercase()]
                        .into_iter()
                        .find(|n| all.contains(n))
                        .ok_or_else(|| {
                            StateError::NotFound(format!("Database '{d}' does not exist."))
                        })
                })
                .collect::<Result<_, _>>()?,
        ),
        None => None,
    };
    let names: Vec<String> = all
        .into_iter()
        .filter(|d| only.as_ref().is_none_or(|o| o.contains(d)))
        .collect();
    // Plan first, so progress has a total.
    let mut plan = Vec::new();
    for db in &names {
        for schema in conn.schemas(db)? {
            let relations = conn.relations(db, &schema)?;
            plan.push((db.clone(), schema, relations));
        }
    }
    let total = plan
        .iter()
        .map(|(_, _, r)| r.iter().filter(|(_, view, _)| !view).count() as u64)
        .sum();
    let mut done = 0u64;
    let mut databases: Vec<Database> = names
        .iter()
        .map(|n| Database {
            name: n.clone(),
            schemas: vec![],
            stage_files: vec![],
        })
        .collect();
    let mut files = Vec::new();
    for (db, schema, relations) in plan {
        let mut out = Schema {
            name: schema.clone(),
            tables: vec![],
            views: vec![],
            sequences: sequences(conn, &db, &schema)?,
        };
        let mut comments = conn.stored_relation_comments(&db, &schema)?;
        for (name, is_view, _) in relations {
            let comment = comments.remove(&name);
            if is_view {
                out.views.push(View {
                    sql: view_sql(conn, &db, &schema, &name)?,
                    name,
                    comment,
                });
                continue;
            }
            let path = format!(
                "{}.{}.{}",
                quote(&mangle(&db)),
                quote(&mangle(&schema)),
                quote(&mangle(&name))
            );
            let columns = conn
                .columns(&db, &schema, &name)?
                .into_iter()
                .map(|c| Column {
                    sf_type: c.meta.as_ref().map(|m| m.sf_type),
                    declared_default: c.meta.as_ref().and_then(|m| m.default.clone()),
                    primary_key: c.meta.as_ref().is_some_and(|m| m.primary_key),
                    unique: c.meta.as_ref().and_then(|m| m.unique.clone()),
                    references: c.meta.as_ref().and_then(|m| m.references.clone()),
                    comment: c.meta.and_then(|m| m.comment),
                    name: c.name,
                    storage_type: c.data_type,
                    nullable: c.nullable,
                    default: c.default,
                })
                .collect();
            let rows = count(conn, &path)?;
            let file = format!("tables/{:06}.parquet", files.len() + 1);
            let target = dir.join(&file);
            conn.execute(&format!(
                "COPY (SELECT * FROM {path}) TO {} (FORMAT parquet, COMPRESSION zstd)",
                quote_literal(&target.to_string_lossy())
            ))?;
            let (sha256, size) = digest_file(&target)?;
            files.push(FileEntry {
                path: file.clone(),
                sha256,
                size,
            });
            done += 1;
            progress(Progress {
                done,
                total,
                item: format!("{db}.{schema}.{name}"),
                bytes: size,
            });
            out.tables.push(Table {
                name,
                columns,
                rows,
                file,
                comment,
            });
        }
        if let Some(d) = databases.iter_mut().find(|d| d.name == db) {
            d.schemas.push(out);
        }
    }
    // Stages, file formats and staged files: the files under each database's stage directory.
    for d in &mut databases {
        let root = conn.engine().database_stage_dir(&d.name);
        d.stage_files = copy_files(&root, dir, &mut files)?;
    }
    let mut manifest = Manifest::new(databases, vec![]);
    // The users' stages belong to no database: a whole export carries them.
    if only.is_none() {
        manifest.user_stage_files = copy_files(&user_stage_root(conn.engine()), dir, &mut files)?;
        let root = conn.engine().stage_root();
        let account = crate::bundle::ACCOUNT_FILES
            .iter()
            .map(|name| (name.to_string(), root.join(name)))
            .filter(|(_, disk)| disk.is_file())
            .collect();
        manifest.account_files = copy_listed(account, dir, &mut files)?;
    }
    manifest.files = files;
    Ok(manifest)
}

/// Where the users' stages (`@~`) keep their files.
pub fn user_stage_root(engine: &Engine) -> std::path::PathBuf {
    engine.stage_root().join(".users")
}

/// Copy every file under `root` into the bundle at `dir` (as `stages/NNNNNN`), listing it in
/// `files`; the staged files, by path under `root`.
fn copy_files(
    root: &Path,
    dir: &Path,
    files: &mut Vec<FileEntry>,
) -> Result<Vec<StageFile>, StateError> {
    copy_listed(files_under(root), dir, files)
}

/// Copy the files listed (path to record, file on disk) into the bundle at `dir`.
fn copy_listed(
    listed: Vec<(String, std::path::PathBuf)>,
    dir: &Path,
    files: &mut Vec<FileEntry>,
) -> Result<Vec<StageFile>, StateError> {
    let mut staged = Vec::new();
    for (relative, disk) in listed {
        let file = format!("stages/{:06}", files.len() + 1);
        let target = dir.join(&file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StateError::io(parent, e))?;
        }
        std::fs::copy(&disk, &target).map_err(|e| StateError::io(&disk, e))?;
        let (sha256, size) = digest_file(&target)?;
        files.push(FileEntry {
            path: file.clone(),
            sha256,
            size,
        });
        let modified_ms = std::fs::metadata(&disk)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_millis()).ok());
        staged.push(StageFile {
            path: relative,
            file,
            modified_ms,
        });
    }
    Ok(staged)
}

/// Every file under `root` (recursively), with its '/'-separated path relative to `root`.
pub(crate) fn files_under(root: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().to_string())
                    .collect();
                out.push((rel.join("/"), path.clone()));
            }
        }
    }
    out.sort();
    out
}

fn count(conn: &EngineSession, path: &str) -> Result<u64, StateError> {
    let rows = conn.text_rows(&format!("SELECT count(*)::VARCHAR FROM {path}"))?;
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0))
}

fn view_sql(
    conn: &EngineSession,
    db: &str,
    schema: &str,
    view: &str,
) -> Result<String, StateError> {
    let rows = conn.text_rows(&format!(
        "SELECT sql FROM duckdb_views() WHERE database_name = {} AND schema_name = {} AND view_name = {}",
        quote_literal(&mangle(db)),
        quote_literal(&mangle(schema)),
        quote_literal(&mangle(view)),
    ))?;
    rows.first()
        .and_then(|r| r.first().cloned().flatten())
        .ok_or_else(|| StateError::Internal(format!("no definition for view {db}.{schema}.{view}")))
}

/// The column metadata to restore on import.
pub(crate) fn meta_of(c: &Column) -> Option<ColumnMeta> {
    c.sf_type.map(|sf_type| ColumnMeta {
        comment: c.comment.clone(),
        default: c.declared_default.clone(),
        primary_key: c.primary_key,
        unique: c.unique.clone(),
        references: c.references.clone(),
        ..ColumnMeta::new(sf_type)
    })
}

/// The sequences of a schema with the value each gives next.
fn sequences(conn: &EngineSession, db: &str, schema: &str) -> Result<Vec<Sequence>, StateError> {
    let rows = conn.text_rows(&format!(
        "SELECT sequence_name, coalesce(last_value + increment_by, start_value)::VARCHAR, \
         increment_by::VARCHAR, comment FROM duckdb_sequences() \
         WHERE database_name = {} AND schema_name = {} ORDER BY sequence_name",
        quote_literal(&mangle(db)),
        quote_literal(&mangle(schema)),
    ))?;
    let mut out = Vec::new();
    for row in rows {
        let [Some(name), Some(next), Some(increment), comment] = row.as_slice() else {
            continue;
        };
        let number = |s: &str| {
            s.parse::<i64>().map_err(|_| {
                StateError::Internal(format!("sequence {db}.{schema}.{name}: bad value {s}"))
            })
        };
        out.push(Sequence {
            storage_name: name.clone(),
            next: number(next)?,
            increment: number(increment)?,
            comment: comment.clone(),
        });
    }
    Ok(out)
}
