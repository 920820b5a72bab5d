//! `CREATE [OR REPLACE] SEQUENCE [IF NOT EXISTS]`, `ALTER SEQUENCE`, `DROP SEQUENCE [IF EXISTS]`
//! on DuckDB sequences.
//!
//! A Snowflake column default names its sequence and finds it when a row is inserted: replacing
//! the sequence feeds the column from the new one, dropping it makes such inserts fail. DuckDB
//! instead ties the default to the sequence and refuses to drop it, so each change here first
//! detaches the defaults that draw from the sequence and then sets them again: to the new
//! sequence, or to an expression failing with Snowflake's error when the sequence is gone (which
//! a sequence created later under that name takes over).

use snowglobe_catalog::names::{mangle, quote, quote_literal};
use snowglobe_engine::errors::SEQUENCE_GONE;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::{ObjectRef, SequenceChange, SequenceDef};

use crate::{ResultSet, Session, StatementType};

/// Whether a sequence exists.
pub(crate) fn exists(session: &Session, object: &ObjectRef) -> Result<bool> {
    let rows = session.conn().text_rows(&format!(
        "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = {} AND schema_name = {} AND sequence_name = {}",
        quote_literal(&mangle(&object.database)),
        quote_literal(&mangle(&object.schema)),
        quote_literal(&mangle(&object.name)),
    ))?;
    Ok(!rows.is_empty())
}

/// The database and schema an object is created in must exist.
pub(crate) fn schema_must_exist(session: &Session, object: &ObjectRef) -> Result<()> {
    if !session.conn().database_exists(&object.database)? {
        return Err(SnowflakeError::does_not_exist("Database", &object.database));
    }
    if !session
        .conn()
        .schema_exists(&object.database, &object.schema)?
    {
        return Err(SnowflakeError::does_not_exist("Schema", &object.schema));
    }
    Ok(())
}

/// A table column, as quoted DuckDB paths: the table's and the column's.
type Column = (String, String);

/// The DuckDB default of a column drawing from the sequence at `path`, as DuckDB prints it.
fn draws(path: &str) -> String {
    format!("nextval({})", quote_literal(path))
}

/// The DuckDB default of a column whose sequence (at `path`) is gone, as DuckDB prints it.
fn gone(path: &str) -> String {
    format!(
        "\"error\"({})",
        quote_literal(&format!("{SEQUENCE_GONE} {path}"))
    )
}

/// The columns whose DuckDB default is `default`.
fn defaulting_to(session: &Session, default: &str) -> Result<Vec<Column>> {
    let rows = session.conn().text_rows(&format!(
        "SELECT database_name, schema_name, table_name, column_name FROM duckdb_columns() \
         WHERE column_default = {}",
        quote_literal(default)
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [Some(db), Some(schema), Some(table), Some(column)] => Some((
                format!("{}.{}.{}", quote(db), quote(schema), quote(table)),
                quote(column),
            )),
            _ => None,
        })
        .collect())
}

/// Drop the defaults drawing from the sequence at `path` (so that DuckDB lets it be dropped);
/// the columns they were on.
fn detach(session: &Session, path: &str) -> Result<Vec<Column>> {
    let columns = defaulting_to(session, &draws(path))?;
    for (table, column) in &columns {
        session.conn().execute(&format!(
            "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
        ))?;
    }
    Ok(columns)
}

fn set_defaults(session: &Session, columns: &[Column], default: &str) -> Result<()> {
    for (table, column) in columns {
        session.conn().execute(&format!(
            "ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}"
        ))?;
    }
    Ok(())
}

/// Feed the columns whose sequence at `path` was gone from the sequence now there.
fn adopt_orphans(session: &Session, path: &str) -> Result<()> {
    let orphans = defaulting_to(session, &gone(path))?;
    for (table, column) in &orphans {
        session.conn().execute(&format!(
            "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
        ))?;
    }
    set_defaults(session, &orphans, &draws(path))
}

/// A sequence's value drawn next, its step and its comment.
fn state(session: &Session, object: &ObjectRef) -> Result<(i64, i64, Option<String>)> {
    let rows = session.conn().text_rows(&format!(
        "SELECT coalesce(last_value + increment_by, start_value)::VARCHAR, increment_by::VARCHAR, comment \
         FROM duckdb_sequences() WHERE database_name = {} AND schema_name = {} AND sequence_name = {}",
        quote_literal(&mangle(&object.database)),
        quote_literal(&mangle(&object.schema)),
        quote_literal(&mangle(&object.name)),
    ))?;
    let number = |v: &Option<String>| v.as_deref().and_then(|v| v.parse::<i64>().ok());
    match rows.first().map(Vec::as_slice) {
        Some([next, step, comment]) => match (number(next), number(step)) {
            (Some(next), Some(step)) => Ok((next, step, comment.clone())),
            _ => Err(SnowflakeError::internal("unreadable sequence state")),
        },
        _ => Err(SnowflakeError::does_not_exist("Sequence", &object.name)),
    }
}

/// Create (or replace) the DuckDB sequence at `path`; `comment` on it.
fn build(
    session: &Session,
    path: &str,
    start: i64,
    step: i64,
    comment: Option<&str>,
) -> Result<()> {
    session
        .conn()
        .execute(&snowglobe_translate::statements::sequence_sql(
            path, start, step,
        ))?;
    if let Some(comment) = comment {
        session.conn().execute(&format!(
            "COMMENT ON SEQUENCE {path} IS {}",
            quote_literal(comment)
        ))?;
    }
    Ok(())
}

pub fn create(session: &mut Session, def: SequenceDef) -> Result<ResultSet> {
    let object = &def.object;
    schema_must_exist(session, object)?;
    if exists(session, object)? {
        if def.if_not_exists {
            return ResultSet::status(
                StatementType::Ddl,
                format!("{} already exists, statement succeeded.", object.name),
            );
        }
        if !def.or_replace {
            return Err(SnowflakeError::already_exists("Object", &object.name));
        }
    }
    let path = object.storage();
    session.in_own_transaction(|session| {
        let columns = detach(session, &path)?;
        build(
            session,
            &path,
            def.start,
            def.increment,
            def.comment.as_deref(),
        )?;
        set_defaults(session, &columns, &draws(&path))?;
        adopt_orphans(session, &path)
    })?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Sequence {} successfully created.", object.name),
    )
}

pub fn alter(
    session: &mut Session,
    object: ObjectRef,
    if_exists: bool,
    change: SequenceChange,
) -> Result<ResultSet> {
    if !session.conn().database_exists(&object.database)? || !exists(session, &object)? {
        if if_exists {
            return ResultSet::status(StatementType::Ddl, "Statement executed successfully.");
        }
        return Err(SnowflakeError::does_not_exist("Sequence", &object.name));
    }
    let path = object.storage();
    let (next, step, comment) = state(session, &object)?;
    match change {
        SequenceChange::Nothing => {}
        SequenceChange::Comment(comment) => session.conn().execute(&format!(
            "COMMENT ON SEQUENCE {path} IS {}",
            comment.as_deref().map_or("NULL".into(), quote_literal)
        ))?,
        // The value already drawn next keeps the old step, as in Snowflake.
        SequenceChange::Increment(step) => session.in_own_transaction(|session| {
            let columns = detach(session, &path)?;
            build(session, &path, next, step, comment.as_deref())?;
            set_defaults(session, &columns, &draws(&path))
        })?,
        SequenceChange::RenameTo(target) => {
            schema_must_exist(session, &target)?;
            if target != object {
                if exists(session, &target)? {
                    return Err(SnowflakeError::already_exists("Object", &target.name));
                }
                let to = target.storage();
                session.in_own_transaction(|session| {
                    let columns = detach(session, &path)?;
                    build(session, &to, next, step, comment.as_deref())?;
                    session.conn().execute(&format!("DROP SEQUENCE {path}"))?;
                    set_defaults(session, &columns, &gone(&path))?;
                    adopt_orphans(session, &to)
                })?;
            }
        }
    }
    ResultSet::status(StatementType::Ddl, "Statement executed successfully.")
}

pub fn drop(session: &mut Session, object: ObjectRef, if_exists: bool) -> Result<ResultSet> {
    if !session.conn().database_exists(&object.database)? || !exists(session, &object)? {
        if if_exists {
            return ResultSet::status(
                StatementType::Ddl,
                format!(
                    "Drop statement executed successfully ({} already dropped).",
                    object.name
                ),
            );
        }
        return Err(SnowflakeError::does_not_exist("Sequence", &object.name));
    }
    let path = object.storage();
    session.in_own_transaction(|session| {
        let columns = detach(session, &path)?;
        session.conn().execute(&format!("DROP SEQUENCE {path}"))?;
        set_defaults(session, &columns, &gone(&path))
    })?;
    ResultSet::status(
        StatementType::Ddl,
        format!("{} successfully dropped.", object.name),
    )
}
