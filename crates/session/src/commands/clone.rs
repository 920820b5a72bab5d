//! `CREATE TABLE ... CLONE | LIKE`, `CREATE SCHEMA ... CLONE`, `CREATE DATABASE ... CLONE`:
//! copies of the columns (types, defaults, NOT NULL, declared types and comments), of the rows
//! for CLONE, and for schemas and databases of every table, view and sequence.

use snowglobe_catalog::names::{mangle, quote, quote_literal};
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::ObjectRef;

use crate::{ResultSet, Session, StatementType};

/// Copy `source`'s definition (and rows when `with_data`) to a new table `target`, replacing
/// any table of that name. `remap` moves sequence references in defaults from one schema path
/// to another (a cloned schema's tables use the cloned sequences, as in Snowflake).
pub(crate) fn table(
    session: &mut Session,
    source: &ObjectRef,
    target: &ObjectRef,
    with_data: bool,
    remap: Option<(&str, &str)>,
) -> Result<()> {
    let columns = super::describe::table_columns(session, source)?;
    let definitions: Vec<String> = columns
        .iter()
        .map(|c| {
            let mut d = format!("{} {}", quote(&mangle(&c.name)), c.data_type);
            if let Some(default) = &c.default {
                let default = match remap {
                    Some((from, to)) => {
                        default.replace(&format!("nextval('{from}."), &format!("nextval('{to}."))
                    }
                    None => default.clone(),
                };
                d.push_str(&format!(" DEFAULT {default}"));
            }
            if !c.nullable {
                d.push_str(" NOT NULL");
            }
            d
        })
        .collect();
    let from = session.storage_path(source);
    let to = target.storage();
    // The table's comment goes with it, and with it whether the table is transient.
    let stored_comment = {
        let (db, schema) = session.storage_of(source);
        session
            .conn()
            .stored_relation_comments(&db, &schema)?
            .remove(&source.name)
    };
    session.in_own_transaction(|s| {
        s.conn().execute(&format!(
            "CREATE OR REPLACE TABLE {to} ({})",
            definitions.join(", ")
        ))?;
        if with_data {
            s.conn()
                .execute(&format!("INSERT INTO {to} SELECT * FROM {from}"))?;
        }
        for c in &columns {
            if let Some(meta) = &c.meta {
                s.conn().set_column_meta(&to, &c.name, meta)?;
            }
        }
        if let Some(comment) = &stored_comment {
            s.conn().execute(&format!(
                "COMMENT ON TABLE {to} IS {}",
                quote_literal(comment)
            ))?;
        }
        Ok(())
    })
}

fn check_target(
    exists: bool,
    name: &str,
    or_replace: bool,
    if_not_exists: bool,
) -> Result<Option<ResultSet>> {
    if !exists {
        return Ok(None);
    }
    if if_not_exists {
        return ResultSet::status(
            StatementType::Ddl,
            format!("{name} already exists, statement succeeded."),
        )
        .map(Some);
    }
    if !or_replace {
        return Err(SnowflakeError::already_exists("Object", name));
    }
    Ok(None)
}

pub fn clone_table(
    session: &mut Session,
    target: ObjectRef,
    source: ObjectRef,
    with_data: bool,
    or_replace: bool,
    if_not_exists: bool,
) -> Result<ResultSet> {
    let (db, schema) = session.storage_of(&source);
    if !session.conn().table_exists(&db, &schema, &source.name)? {
        return Err(SnowflakeError::does_not_exist("Table", &source.name));
    }
    if !session
        .conn()
        .schema_exists(&target.database, &target.schema)?
    {
        return Err(SnowflakeError::does_not_exist("Schema", &target.schema));
    }
    let exists = session
        .conn()
        .table_exists(&target.database, &target.schema, &target.name)?;
    if let Some(r) = check_target(exists, &target.name, or_replace, if_not_exists)? {
        return Ok(r);
    }
    table(session, &source, &target, with_data, None)?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Table {} successfully created.", target.name),
    )
}

fn at((db, schema): &(String, String), name: &str) -> ObjectRef {
    ObjectRef {
        database: db.clone(),
        schema: schema.clone(),
        name: name.to_string(),
    }
}

/// Copy every table, view and sequence of schema `from` into the existing schema `to`.
fn schema_contents(
    session: &mut Session,
    from: &(String, String),
    to: &(String, String),
) -> Result<()> {
    schema_tables(session, from, to)?;
    schema_views(session, from, to)
}

/// Copy the sequences and tables of schema `from` into the existing schema `to`.
fn schema_tables(
    session: &mut Session,
    from: &(String, String),
    to: &(String, String),
) -> Result<()> {
    let sequences = session.conn().text_rows(&format!(
        "SELECT sequence_name, coalesce(last_value + increment_by, start_value)::VARCHAR, increment_by::VARCHAR \
         FROM duckdb_sequences() WHERE database_name = {} AND schema_name = {}",
        quote_literal(&mangle(&from.0)),
        quote_literal(&mangle(&from.1)),
    ))?;
    for row in sequences {
        let [Some(name), Some(next), Some(increment)] = row.as_slice() else {
            continue;
        };
        let target = at(to, snowglobe_catalog::names::demangle(name));
        session
            .conn()
            .execute(&snowglobe_translate::statements::sequence_sql(
                &target.storage(),
                next.parse().unwrap_or(1),
                increment.parse().unwrap_or(1),
            ))?;
    }
    for (name, is_view, _) in session.conn().relations(&from.0, &from.1)? {
        if !is_view {
            let (from_path, to_path) = (schema_path(from), schema_path(to));
            table(
                session,
                &at(from, &name),
                &at(to, &name),
                true,
                Some((&from_path, &to_path)),
            )?;
        }
    }
    Ok(())
}

/// Copy the views of schema `from` into schema `to` (after the tables they may read).
fn schema_views(
    session: &mut Session,
    from: &(String, String),
    to: &(String, String),
) -> Result<()> {
    let views: Vec<String> = session
        .conn()
        .relations(&from.0, &from.1)?
        .into_iter()
        .filter(|(_, is_view, _)| *is_view)
        .map(|(name, _, _)| name)
        .collect();
    for name in views {
        let rows = session.conn().text_rows(&format!(
            "SELECT sql FROM duckdb_views() WHERE database_name = {} AND schema_name = {} AND view_name = {}",
            quote_literal(&mangle(&from.0)),
            quote_literal(&mangle(&from.1)),
            quote_literal(&mangle(&name)),
        ))?;
        let Some(Some(sql)) = rows.into_iter().next().and_then(|r| r.into_iter().next()) else {
            continue;
        };
        // DuckDB keeps `CREATE VIEW <name> AS <query>`; the query names its tables in full.
        let Some((_, body)) = sql.split_once(" AS ") else {
            continue;
        };
        // DuckDB drops the view's own database from the names in its text: bind the copy in
        // the target database, so a cloned database's views read the cloned tables.
        session.conn().use_context(Some(&to.0), Some(&to.1))?;
        let created = session.conn().execute(&format!(
            "CREATE OR REPLACE VIEW {} AS {}",
            at(to, &name).storage(),
            body.trim_end_matches(';')
        ));
        session.sync_context()?;
        created?;
    }
    Ok(())
}

fn schema_path((db, schema): &(String, String)) -> String {
    format!("{}.{}", quote(&mangle(db)), quote(&mangle(schema)))
}

pub fn clone_schema(
    session: &mut Session,
    target: (String, String),
    source: (String, String),
    or_replace: bool,
    if_not_exists: bool,
) -> Result<ResultSet> {
    if !session.conn().database_exists(&source.0)?
        || !session.conn().schema_exists(&source.0, &source.1)?
    {
        return Err(SnowflakeError::does_not_exist("Schema", &source.1));
    }
    if !session.conn().database_exists(&target.0)? {
        return Err(SnowflakeError::does_not_exist("Database", &target.0));
    }
    let exists = session.conn().schema_exists(&target.0, &target.1)?;
    if let Some(r) = check_target(exists, &target.1, or_replace, if_not_exists)? {
        return Ok(r);
    }
    let path = format!(
        "{}.{}",
        quote(&mangle(&target.0)),
        quote(&mangle(&target.1))
    );
    if exists {
        session
            .conn()
            .execute(&format!("DROP SCHEMA {path} CASCADE"))?;
    }
    session.conn().execute(&format!("CREATE SCHEMA {path}"))?;
    schema_contents(session, &source, &target)?;
    session.database = Some(target.0.clone());
    session.schema = Some(target.1.clone());
    session.sync_context()?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Schema {} successfully created.", target.1),
    )
}

pub fn clone_database(
    session: &mut Session,
    target: String,
    source: String,
    or_replace: bool,
    if_not_exists: bool,
) -> Result<ResultSet> {
    if !session.conn().database_exists(&source)? {
        return Err(SnowflakeError::does_not_exist("Database", &source));
    }
    let exists = session.conn().database_exists(&target)?;
    if let Some(r) = check_target(exists, &target, or_replace, if_not_exists)? {
        return Ok(r);
    }
    if exists {
        session.conn().drop_database(&target)?;
    }
    session.conn().create_database(&target)?;
    let schemas = session.conn().schemas(&source)?;
    for schema in &schemas {
        let to = (target.clone(), schema.clone());
        if !session.conn().schema_exists(&target, schema)? {
            session.conn().execute(&format!(
                "CREATE SCHEMA {}.{}",
                quote(&mangle(&target)),
                quote(&mangle(schema))
            ))?;
        }
        schema_tables(session, &(source.clone(), schema.clone()), &to)?;
    }
    for schema in schemas {
        let to = (target.clone(), schema.clone());
        schema_views(session, &(source.clone(), schema), &to)?;
    }
    session.database = Some(target.clone());
    session.schema = Some("PUBLIC".into());
    session.sync_context()?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Database {target} successfully created."),
    )
}
