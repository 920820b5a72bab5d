//! `COMMENT [IF EXISTS] ON TABLE | VIEW | COLUMN ... IS '...'`.

use snowglobe_catalog::names::quote_literal;
use snowglobe_catalog::ViewMeta;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::CommentTarget;

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
            let text = match meta {
                Some(meta) => quote_literal(&ViewMeta { comment, ..meta }.to_comment()),
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
        CommentTarget::Schema(..) => Err(SnowflakeError::unsupported("COMMENT ON SCHEMA")),
        CommentTarget::Database(..) => Err(SnowflakeError::unsupported("COMMENT ON DATABASE")),
    }
}
