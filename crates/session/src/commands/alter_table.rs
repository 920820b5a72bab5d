//! `ALTER TABLE`: columns (add, drop, rename, type, default, NOT NULL, comment), RENAME TO,
//! SWAP WITH and the table comment. Declared types follow every change.

use snowglobe_catalog::names::{mangle, quote, quote_literal};
use snowglobe_catalog::{ColumnMeta, SfType};
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::{AlterAction, DeclaredColumn, KeyChange, ObjectRef};

use crate::{ResultSet, Session, StatementType};

/// Change one column's recorded metadata (its declared type when none was recorded).
pub(crate) fn update_meta(
    session: &mut Session,
    table: &ObjectRef,
    column: &str,
    change: impl FnOnce(&mut ColumnMeta),
) -> Result<()> {
    let columns = super::describe::table_columns(session, table)?;
    let c = columns
        .iter()
        .find(|c| c.name == column)
        .ok_or_else(|| SnowflakeError::invalid_identifier(column, 1, 0))?;
    let mut meta = c
        .meta
        .clone()
        .unwrap_or_else(|| ColumnMeta::new(super::describe::column_type(c)));
    change(&mut meta);
    let path = session.storage_path(table);
    session.conn().set_column_meta(&path, column, &meta)
}

fn column_ident(name: &str) -> String {
    quote(&mangle(name))
}

/// Snowflake's rules for `ALTER COLUMN c SET DATA TYPE t`: a VARCHAR may grow, a NUMBER may
/// change its precision (down only as far as its values allow) but not its scale, and nothing
/// changes kind. Refusals read `cannot change column C from type A to B[ because ...]`.
fn check_type_change(
    session: &Session,
    path: &str,
    column: &str,
    before: SfType,
    after: SfType,
) -> Result<()> {
    let refuse = |code: ErrorCode, reason: &str| {
        Err(SnowflakeError::new(
            code,
            format!(
                "SQL compilation error: cannot change column {column} from type {} to {}{reason}",
                before.sql_name(),
                after.sql_name()
            ),
        ))
    };
    match (before, after) {
        (SfType::Text { length: a }, SfType::Text { length: b }) => {
            if b < a {
                return refuse(
                    ErrorCode::ColumnTypeNarrowed,
                    " because reducing the byte-length of a varchar is not supported.",
                );
            }
            Ok(())
        }
        (
            SfType::Number {
                precision: p1,
                scale: s1,
            },
            SfType::Number {
                precision: p2,
                scale: s2,
            },
        ) => {
            if s1 != s2 {
                return refuse(
                    ErrorCode::ColumnTypeNarrowed,
                    " because changing the scale of a number is not supported.",
                );
            }
            if p2 < p1 {
                let limit = format!("1e{}", p2 - s2);
                let sql = format!(
                    "SELECT count(*) FROM {path} WHERE abs({}) >= {limit}",
                    column_ident(column)
                );
                if session.conn().execute_count(&sql)? > 0 {
                    return refuse(
                        ErrorCode::ColumnTypeNarrowed,
                        &format!(
                            " because some existing values cannot be represented using precision \
                             {p2} instead of precision {p1}."
                        ),
                    );
                }
            }
            Ok(())
        }
        (a, b) if std::mem::discriminant(&a) == std::mem::discriminant(&b) => Ok(()),
        _ => refuse(ErrorCode::ColumnTypeIncompatible, ""),
    }
}

pub fn run(
    session: &mut Session,
    table: ObjectRef,
    if_exists: bool,
    action: AlterAction,
) -> Result<ResultSet> {
    let done = || ResultSet::status(StatementType::Ddl, "Statement executed successfully.");
    let (db, schema) = session.storage_of(&table);
    if !session.conn().database_exists(&table.database)?
        || !session.conn().table_exists(&db, &schema, &table.name)?
    {
        if if_exists {
            return done();
        }
        return Err(SnowflakeError::does_not_exist("Table", &table.name));
    }
    let path = session.storage_path(&table);
    match action {
        AlterAction::Clustering => {}
        AlterAction::Several(actions) => {
            for action in actions {
                run(session, table.clone(), if_exists, action)?;
            }
        }
        AlterAction::AddColumn {
            column,
            if_not_exists,
        } => {
            let columns = session.conn().columns(&db, &schema, &table.name)?;
            if columns.iter().any(|c| c.name == column.name) {
                if if_not_exists {
                    return done();
                }
                return Err(SnowflakeError::compilation(
                    ErrorCode::AlreadyExists,
                    format!(
                        "column '{}' already exists",
                        column.name.replace('\'', "''")
                    ),
                ));
            }
            session.in_own_transaction(|s| {
                s.conn().execute(&format!(
                    "ALTER TABLE {path} ADD COLUMN {}",
                    column.definition
                ))?;
                s.conn().set_column_meta(&path, &column.name, &column.meta)
            })?;
        }
        AlterAction::DropColumns { names, if_exists } => {
            let columns = session.conn().columns(&db, &schema, &table.name)?;
            let exists = |name: &String| columns.iter().any(|c| c.name == *name);
            if let Some(missing) = names.iter().find(|n| !exists(n)).filter(|_| !if_exists) {
                return Err(SnowflakeError::invalid_identifier(missing, 0, 0));
            }
            if columns.iter().all(|c| names.contains(&c.name)) {
                return Err(SnowflakeError::compilation(
                    ErrorCode::Unsupported,
                    format!(
                        "Cannot drop column '{}'. A table must have at least one column.",
                        columns.last().map(|c| c.name.as_str()).unwrap_or_default()
                    ),
                ));
            }
            session.in_own_transaction(|s| {
                for name in &names {
                    s.conn().execute(&format!(
                        "ALTER TABLE {path} DROP COLUMN {}{}",
                        if if_exists { "IF EXISTS " } else { "" },
                        column_ident(name)
                    ))?;
                }
                Ok(())
            })?;
        }
        AlterAction::RenameColumn { from, to } => {
            session.conn().execute(&format!(
                "ALTER TABLE {path} RENAME COLUMN {} TO {}",
                column_ident(&from),
                column_ident(&to)
            ))?;
        }
        AlterAction::RenameTo(target) => rename(session, &table, &target)?,
        AlterAction::SwapWith(other) => swap(session, &table, &other)?,
        AlterAction::SetType {
            column,
            meta,
            duckdb_type,
        } => {
            let existing = session
                .conn()
                .columns(&db, &schema, &table.name)?
                .into_iter()
                .find(|c| c.name == column)
                .ok_or_else(|| SnowflakeError::invalid_identifier(&column, 1, 0))?;
            let before = super::describe::column_type(&existing);
            check_type_change(session, &path, &column, before, meta.sf_type)?;
            let old = existing.meta;
            session.in_own_transaction(|s| {
                s.conn().execute(&format!(
                    "ALTER TABLE {path} ALTER COLUMN {} SET DATA TYPE {duckdb_type}",
                    column_ident(&column)
                ))?;
                let meta = match old {
                    Some(old) => ColumnMeta {
                        sf_type: meta.sf_type,
                        ..old
                    },
                    None => meta,
                };
                s.conn().set_column_meta(&path, &column, &meta)
            })?;
        }
        AlterAction::SetDefault {
            column,
            expr,
            written,
        } => {
            session.conn().execute(&format!(
                "ALTER TABLE {path} ALTER COLUMN {} SET DEFAULT {expr}",
                column_ident(&column)
            ))?;
            update_meta(session, &table, &column, |m| m.default = Some(written))?;
        }
        AlterAction::DropDefault(column) => {
            session.conn().execute(&format!(
                "ALTER TABLE {path} ALTER COLUMN {} DROP DEFAULT",
                column_ident(&column)
            ))?;
            update_meta(session, &table, &column, |m| m.default = None)?;
        }
        AlterAction::SetNotNull(column) => {
            session.conn().execute(&format!(
                "ALTER TABLE {path} ALTER COLUMN {} SET NOT NULL",
                column_ident(&column)
            ))?;
        }
        AlterAction::DropNotNull(column) => {
            session.conn().execute(&format!(
                "ALTER TABLE {path} ALTER COLUMN {} DROP NOT NULL",
                column_ident(&column)
            ))?;
        }
        AlterAction::SetComment(comment) => {
            // A transient table's comment also says it is transient: keep that.
            let (db, schema) = session.storage_of(&table);
            let transient = session
                .conn()
                .stored_relation_comments(&db, &schema)?
                .get(&table.name)
                .is_some_and(|c| snowglobe_catalog::meta::is_transient(c));
            session.conn().execute(&format!(
                "COMMENT ON TABLE {path} IS {}",
                snowglobe_catalog::TableMeta::stored(transient, comment)
                    .as_deref()
                    .map(quote_literal)
                    .unwrap_or_else(|| "NULL".into())
            ))?;
        }
        AlterAction::ColumnComment { column, comment } => {
            update_meta(session, &table, &column, |m| m.comment = comment)?;
        }
        AlterAction::AddKey(keys) => {
            for (column, change) in keys {
                update_meta(session, &table, &column, |m| match change {
                    KeyChange::Primary => m.primary_key = true,
                    KeyChange::Unique(part) => m.unique = Some(part),
                    KeyChange::Foreign(part) => m.references = Some(part),
                })?;
            }
        }
        AlterAction::DropPrimaryKey => drop_keys(session, &table, "PRIMARY KEY", |m| {
            std::mem::take(&mut m.primary_key)
        })?,
        AlterAction::DropConstraint(name) => drop_keys(session, &table, &name, |m| {
            let unique = m.unique.take_if(|k| k.name == name).is_some();
            let foreign = m.references.take_if(|k| k.key.name == name).is_some();
            unique || foreign
        })?,
    }
    done()
}

/// Take a key off every column `drop` changes (it says whether it did); an error when none
/// had it.
fn drop_keys(
    session: &mut Session,
    table: &ObjectRef,
    key: &str,
    mut drop: impl FnMut(&mut ColumnMeta) -> bool,
) -> Result<()> {
    let mut found = false;
    for column in super::describe::table_columns(session, table)? {
        let Some(mut meta) = column.meta else {
            continue;
        };
        if drop(&mut meta) {
            found = true;
            let path = session.storage_path(table);
            session.conn().set_column_meta(&path, &column.name, &meta)?;
        }
    }
    if found {
        return Ok(());
    }
    Err(SnowflakeError::compilation(
        ErrorCode::DoesNotExist,
        format!("Constraint '{key}' does not exist."),
    ))
}

fn must_not_exist(session: &Session, object: &ObjectRef) -> Result<()> {
    let (db, schema) = session.storage_of(object);
    if session.conn().table_exists(&db, &schema, &object.name)? {
        return Err(SnowflakeError::already_exists("Object", &object.name));
    }
    Ok(())
}

/// RENAME TO: in place within a schema; into another schema or database, a copy then a drop.
fn rename(session: &mut Session, table: &ObjectRef, target: &ObjectRef) -> Result<()> {
    must_not_exist(session, target)?;
    if session.is_temporary(table) {
        return Err(SnowflakeError::unsupported(
            "ALTER TABLE ... RENAME of a temporary table",
        ));
    }
    if table.database == target.database && table.schema == target.schema {
        return session.conn().execute(&format!(
            "ALTER TABLE {} RENAME TO {}",
            table.storage(),
            column_ident(&target.name)
        ));
    }
    if !session
        .conn()
        .schema_exists(&target.database, &target.schema)?
    {
        return Err(SnowflakeError::does_not_exist("Schema", &target.schema));
    }
    super::clone::table(session, table, target, true, None)?;
    session
        .conn()
        .execute(&format!("DROP TABLE {}", table.storage()))
}

/// SWAP WITH: three renames in one transaction.
fn swap(session: &mut Session, table: &ObjectRef, other: &ObjectRef) -> Result<()> {
    let (db, schema) = session.storage_of(other);
    if !session.conn().table_exists(&db, &schema, &other.name)? {
        return Err(SnowflakeError::does_not_exist("Table", &other.name));
    }
    if table.database != other.database || table.schema != other.schema {
        return Err(SnowflakeError::unsupported(
            "ALTER TABLE ... SWAP WITH a table of another schema",
        ));
    }
    let parking = format!("\u{1}swap.{}", table.name);
    let (a, b) = (table.storage(), other.storage());
    let parked = ObjectRef {
        name: parking.clone(),
        ..table.clone()
    }
    .storage();
    session.in_own_transaction(|s| {
        s.conn().execute(&format!(
            "ALTER TABLE {a} RENAME TO {}",
            column_ident(&parking)
        ))?;
        s.conn().execute(&format!(
            "ALTER TABLE {b} RENAME TO {}",
            column_ident(&table.name)
        ))?;
        s.conn().execute(&format!(
            "ALTER TABLE {parked} RENAME TO {}",
            column_ident(&other.name)
        ))
    })
}

/// `CREATE OR ALTER TABLE`: a missing table is created (by the plain CREATE TABLE text);
/// an existing one is altered into the declared one: columns it lacks are added, columns the
/// declaration lacks are dropped, and each kept column takes the declared type, nullability,
/// default and comment; the table takes the declared comment. As in Snowflake, the changes
/// are applied one by one (a failing one leaves those before it applied), and a column is
/// never renamed or moved.
pub fn create_or_alter(
    session: &mut Session,
    table: ObjectRef,
    columns: Vec<DeclaredColumn>,
    comment: Option<String>,
    create_sql: String,
) -> Result<ResultSet> {
    let (db, schema) = session.storage_of(&table);
    let exists = session.conn().database_exists(&table.database)?
        && session.conn().table_exists(&db, &schema, &table.name)?;
    if !exists {
        let request = crate::Request {
            sql: create_sql,
            ..Default::default()
        };
        return session
            .run(&request)?
            .pop()
            .ok_or_else(|| SnowflakeError::internal("no result"));
    }
    let is_view = session
        .conn()
        .relations(&db, &schema)?
        .iter()
        .any(|(name, is_view, _)| *name == table.name && *is_view);
    if is_view {
        return Err(SnowflakeError::already_exists("Object", &table.name));
    }
    let existing = session.conn().columns(&db, &schema, &table.name)?;
    // Type changes (the likeliest to be refused) first, then NOT NULL, drops, additions,
    // defaults and comments.
    let (mut types, mut nulls, mut actions, mut others) = (vec![], vec![], vec![], vec![]);
    let dropped: Vec<String> = existing
        .iter()
        .filter(|c| !columns.iter().any(|d| d.change.name == c.name))
        .map(|c| c.name.clone())
        .collect();
    if !dropped.is_empty() {
        actions.push(AlterAction::DropColumns {
            names: dropped,
            if_exists: false,
        });
    }
    for declared in columns {
        let name = declared.change.name.clone();
        let Some(current) = existing.iter().find(|c| c.name == name) else {
            actions.push(AlterAction::AddColumn {
                column: declared.change,
                if_not_exists: false,
            });
            continue;
        };
        let meta = &declared.change.meta;
        let old = current.meta.clone();
        if old.as_ref().map(|m| &m.sf_type) != Some(&meta.sf_type) {
            types.push(AlterAction::SetType {
                column: name.clone(),
                meta: ColumnMeta::new(meta.sf_type),
                duckdb_type: meta.sf_type.duckdb_type(),
            });
        }
        if current.nullable == declared.not_null {
            nulls.push(if declared.not_null {
                AlterAction::SetNotNull(name.clone())
            } else {
                AlterAction::DropNotNull(name.clone())
            });
        }
        let old_default = old.as_ref().and_then(|m| m.default.clone());
        match declared.default {
            None if old_default.is_some() => others.push(AlterAction::DropDefault(name.clone())),
            Some((expr, written)) if old_default.as_deref() != Some(written.as_str()) => others
                .push(AlterAction::SetDefault {
                    column: name.clone(),
                    expr,
                    written,
                }),
            _ => {}
        }
        if old.and_then(|m| m.comment) != meta.comment {
            others.push(AlterAction::ColumnComment {
                column: name,
                comment: meta.comment.clone(),
            });
        }
    }
    others.push(AlterAction::SetComment(comment));
    let all = [types, nulls, actions, others].concat();
    run(session, table, false, AlterAction::Several(all))
}
