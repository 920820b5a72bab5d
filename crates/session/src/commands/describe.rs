//! `DESCRIBE TABLE | VIEW` and `SHOW COLUMNS`, from the declared column types.

use snowglobe_catalog::SfType;
use snowglobe_engine::TableColumn;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::ObjectRef;

use crate::results::Cell;
use crate::{ResultSet, Session, StatementType};

const TEXT: SfType = SfType::TEXT;

/// The columns of a table or view, failing with Snowflake's error when it does not exist.
pub(crate) fn table_columns(session: &Session, object: &ObjectRef) -> Result<Vec<TableColumn>> {
    let (db, schema) = session.storage_of(object);
    if !session.conn().table_exists(&db, &schema, &object.name)? {
        return Err(SnowflakeError::does_not_exist("Table", &object.name));
    }
    session.conn().columns(&db, &schema, &object.name)
}

/// The Snowflake type of a column: its declared type, else the type its storage implies.
pub(crate) fn column_type(c: &TableColumn) -> SfType {
    c.meta
        .as_ref()
        .map(|m| m.sf_type)
        .unwrap_or_else(|| SfType::of_duckdb_type(&c.data_type))
}

fn opt_text(s: Option<&str>) -> Cell {
    match s {
        Some(s) => Cell::Text(s.to_string()),
        None => Cell::Null,
    }
}

pub fn describe(session: &mut Session, object: ObjectRef) -> Result<ResultSet> {
    let columns = table_columns(session, &object)?;
    let (db, schema) = session.storage_of(&object);
    let view_comments =
        crate::information_schema::view_column_comments(session, &db, &schema, &object.name);
    let rows = columns
        .iter()
        .map(|c| {
            let meta = c.meta.as_ref();
            vec![
                Cell::Text(c.name.clone()),
                Cell::Text(column_type(c).sql_name()),
                Cell::Text("COLUMN".into()),
                Cell::Text(if c.nullable { "Y" } else { "N" }.into()),
                opt_text(meta.and_then(|m| m.default.as_deref())),
                Cell::Text(
                    if meta.is_some_and(|m| m.primary_key) {
                        "Y"
                    } else {
                        "N"
                    }
                    .into(),
                ),
                Cell::Text(
                    if meta.is_some_and(|m| m.unique.is_some()) {
                        "Y"
                    } else {
                        "N"
                    }
                    .into(),
                ),
                Cell::Null,
                Cell::Null,
                opt_text(
                    meta.and_then(|m| m.comment.as_deref())
                        .or_else(|| crate::information_schema::comment_of(&view_comments, &c.name)),
                ),
                Cell::Null,
                Cell::Null,
            ]
        })
        .collect();
    ResultSet::table(
        StatementType::Scl,
        &[
            ("name", TEXT),
            ("type", TEXT),
            ("kind", TEXT),
            ("null?", TEXT),
            ("default", TEXT),
            ("primary key", TEXT),
            ("unique key", TEXT),
            ("check", TEXT),
            ("expression", TEXT),
            ("comment", TEXT),
            ("policy name", TEXT),
            ("privacy domain", TEXT),
        ],
        rows,
    )
}

/// SHOW COLUMNS' `data_type`: the type as JSON, in Snowflake's key order.
/// Semi-structured types carry `"fixed":false` (the 2024_08 bundle's SHOW COLUMNS example).
pub(crate) fn data_type_json(t: &SfType, nullable: bool) -> String {
    let n = nullable;
    match t {
        SfType::Number { precision, scale } => {
            format!(r#"{{"type":"FIXED","precision":{precision},"scale":{scale},"nullable":{n}}}"#)
        }
        SfType::Float => format!(r#"{{"type":"REAL","nullable":{n}}}"#),
        SfType::Text { length } => format!(
            r#"{{"type":"TEXT","length":{length},"byteLength":{},"nullable":{n},"fixed":false}}"#,
            (length * 4).min(16_777_216)
        ),
        SfType::Binary { length } => format!(
            r#"{{"type":"BINARY","length":{length},"byteLength":{length},"nullable":{n},"fixed":true}}"#
        ),
        SfType::Boolean => format!(r#"{{"type":"BOOLEAN","nullable":{n}}}"#),
        SfType::Date => format!(r#"{{"type":"DATE","nullable":{n}}}"#),
        SfType::Time { scale } => {
            format!(r#"{{"type":"TIME","precision":0,"scale":{scale},"nullable":{n}}}"#)
        }
        SfType::TimestampNtz { scale } => {
            format!(r#"{{"type":"TIMESTAMP_NTZ","precision":0,"scale":{scale},"nullable":{n}}}"#)
        }
        SfType::TimestampLtz { scale } => {
            format!(r#"{{"type":"TIMESTAMP_LTZ","precision":0,"scale":{scale},"nullable":{n}}}"#)
        }
        SfType::TimestampTz { scale } => {
            format!(r#"{{"type":"TIMESTAMP_TZ","precision":0,"scale":{scale},"nullable":{n}}}"#)
        }
        SfType::Variant => format!(r#"{{"type":"VARIANT","nullable":{n},"fixed":false}}"#),
        SfType::Object => format!(r#"{{"type":"OBJECT","nullable":{n},"fixed":false}}"#),
        SfType::Array => format!(r#"{{"type":"ARRAY","nullable":{n},"fixed":false}}"#),
    }
}
