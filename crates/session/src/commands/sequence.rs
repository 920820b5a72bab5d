//! `CREATE [OR REPLACE] SEQUENCE [IF NOT EXISTS]`, `DROP SEQUENCE [IF EXISTS]` on DuckDB sequences.

use snowglobe_catalog::names::{mangle, quote_literal};
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::{ObjectRef, SequenceDef};

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
    session
        .conn()
        .execute(&snowglobe_translate::statements::sequence_sql(
            &path,
            def.start,
            def.increment,
        ))?;
    if let Some(comment) = &def.comment {
        session.conn().execute(&format!(
            "COMMENT ON SEQUENCE {path} IS {}",
            quote_literal(comment)
        ))?;
    }
    ResultSet::status(
        StatementType::Ddl,
        format!("Sequence {} successfully created.", object.name),
    )
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
    session
        .conn()
        .execute(&format!("DROP SEQUENCE {}", object.storage()))?;
    ResultSet::status(
        StatementType::Ddl,
        format!("{} successfully dropped.", object.name),
    )
}
