//! `COMMENT [IF EXISTS] ON TABLE | VIEW | COLUMN ... IS '...'`.

use snowglobe_catalog::names::quote_literal;
use snowglobe_catalog::{TableMeta, ViewMeta};
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::{CommentTarget, ObjectRef};

use crate::{ResultSet, Session, StatementType};

pub fn run(
    session: &mut Session,
    target: CommentTarget,
    comment: Option<String>,
    if_exists: bool,
) -> Result<ResultSet> {
    let done = || ResultSet::status(StatementType::Ddl, "Statement executed successfully.");
    let text = comment
        .as_deref()
        .map(quote_literal)
        .unwrap_or_else(|| "NULL".into());
    match target {
        CommentTarget::Relation(object) => {
            let (db, schema) = session.storage_of(&object);
            let relation = session
                .conn()
                .relations(&db, &schema)
                .unwrap_or_default()
                .into_iter()
                .find(|(name, _, _)| *name == object.name);
            let Some((_, is_view, _)) = relation else {
                if if_exists {
                    return done();
                }
                return Err(SnowflakeError::does_not_exist("Table", &object.name));
            };
            let kind = if is_view { "VIEW" } else { "TABLE" };
            // A view's comment also holds its definition as written: keep it.
            let meta = if is_view {
                session.conn().view_meta(&db, &schema, &object.name)?
            } else {
                None
            };
            // A transient table's comment holds that it is transient: keep it too.
            let transient = !is_view
                && session
                    .conn()
                    .stored_relation_comments(&db, &schema)?
                    .get(&object.name)
                    .is_some_and(|stored| snowglobe_catalog::meta::is_transient(stored));
            let text = match meta {
                Some(meta) => quote_literal(&ViewMeta { comment, ..meta }.to_comment()),
                None if transient => TableMeta::stored(true, comment)
                    .map(|c| quote_literal(&c))
                    .unwrap_or(text),
                None => text,
            };
            session.conn().execute(&format!(
                "COMMENT ON {kind} {} IS {text}",
                session.storage_path(&object)
            ))?;
            done()
        }
        CommentTarget::Column(object, column) => {
            if if_exists && super::describe::table_columns(session, &object).is_err() {
                return done();
            }
            super::alter_table::update_meta(session, &object, &column, |m| m.comment = comment)?;
            done()
        }
        CommentTarget::Schema(database, schema) => {
            if !(session.conn().database_exists(&database)?
                && session.conn().schema_exists(&database, &schema)?)
            {
                if if_exists {
                    return done();
                }
                return Err(SnowflakeError::does_not_exist("Schema", &schema));
            }
            session.set_container_comment(&database, Some(&schema), comment.as_deref())?;
            done()
        }
        CommentTarget::Database(database) => {
            if !session.conn().database_exists(&database)? {
                if if_exists {
                    return done();
                }
                return Err(SnowflakeError::does_not_exist("Database", &database));
            }
            session.set_container_comment(&database, None, comment.as_deref())?;
            done()
        }
    }
}

/// Whether `view` names a view (not a table, not nothing).
fn is_view(session: &Session, view: &ObjectRef) -> bool {
    let (db, schema) = session.storage_of(view);
    session
        .conn()
        .relations(&db, &schema)
        .unwrap_or_default()
        .into_iter()
        .any(|(name, is_view, _)| is_view && name == view.name)
}

/// `ALTER VIEW [IF EXISTS] v SET SECURE | UNSET SECURE`: recorded in the view's metadata, which
/// SHOW VIEWS, INFORMATION_SCHEMA.VIEWS and GET_DDL read.
pub fn set_view_secure(
    session: &mut Session,
    view: &ObjectRef,
    secure: bool,
    if_exists: bool,
) -> Result<ResultSet> {
    let done = || ResultSet::status(StatementType::Ddl, "Statement executed successfully.");
    let (db, schema) = session.storage_of(view);
    let meta = if is_view(session, view) {
        session.conn().view_meta(&db, &schema, &view.name)?
    } else {
        None
    };
    let Some(meta) = meta else {
        if if_exists {
            return done();
        }
        return Err(SnowflakeError::does_not_exist("View", &view.name));
    };
    session.conn().execute(&format!(
        "COMMENT ON VIEW {} IS {}",
        session.storage_path(view),
        quote_literal(&ViewMeta { secure, ..meta }.to_comment())
    ))?;
    done()
}

/// `ALTER VIEW [IF EXISTS] v RENAME TO w` (within its schema: a view's definition names its
/// tables relative to the schema it was created in).
pub fn rename_view(
    session: &mut Session,
    view: &ObjectRef,
    target: &ObjectRef,
    if_exists: bool,
) -> Result<ResultSet> {
    if !is_view(session, view) {
        if if_exists {
            return ResultSet::status(StatementType::Ddl, "Statement executed successfully.");
        }
        return Err(SnowflakeError::does_not_exist("View", &view.name));
    }
    if view.database != target.database || view.schema != target.schema {
        return Err(SnowflakeError::unsupported(
            "ALTER VIEW ... RENAME TO a view of another schema",
        ));
    }
    let (tdb, tschema) = session.storage_of(target);
    if session.conn().table_exists(&tdb, &tschema, &target.name)? {
        return Err(SnowflakeError::already_exists("Object", &target.name));
    }
    session.conn().execute(&format!(
        "ALTER VIEW {} RENAME TO {}",
        session.storage_path(view),
        snowglobe_catalog::names::quote(&snowglobe_catalog::names::mangle(&target.name))
    ))?;
    ResultSet::status(StatementType::Ddl, "Statement executed successfully.")
}
