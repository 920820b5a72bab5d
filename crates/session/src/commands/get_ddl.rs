//! `SELECT GET_DDL('TABLE' | 'VIEW' | 'SEQUENCE' | 'SCHEMA' | 'DATABASE', '<name>' [, TRUE])`:
//! the statement that recreates an object, written as Snowflake writes it (lower-case
//! `create or replace`, upper-case `TABLE`, one tab-indented line per column, standard type
//! names); a schema or database gives its own statement followed by its objects'.

use snowglobe_catalog::SfType;
use snowglobe_engine::errors::display_name;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::names::resolve_parts;
use snowglobe_translate::{DdlObject, GetDdl, ObjectRef};

use crate::results::Cell;
use crate::{ResultSet, Session, StatementType};

pub fn run(session: &mut Session, call: GetDdl) -> Result<ResultSet> {
    let ctx = session.context();
    let ddl = match call.object {
        DdlObject::Table | DdlObject::View | DdlObject::Sequence => {
            let object = resolve_parts(call.name.clone(), &ctx, "GET_DDL")?;
            let namer = Namer::new(&object.database, &object.schema, call.qualified);
            match call.object {
                DdlObject::Table => table(session, &object, &namer)?,
                DdlObject::View => view(session, &object, &namer)?,
                _ => sequence(session, &object, &namer)?,
            }
        }
        DdlObject::Schema => {
            let mut parts = call.name.clone();
            let schema = parts.pop().unwrap_or_default();
            let database = match parts.as_slice() {
                [] => snowglobe_translate::names::current_database(&ctx, "GET_DDL")?,
                [db] => db.clone(),
                _ => {
                    return Err(SnowflakeError::does_not_exist(
                        "Schema",
                        &call.name.join("."),
                    ))
                }
            };
            if !session.conn().schema_exists(&database, &schema)? {
                return Err(SnowflakeError::does_not_exist(
                    "Schema",
                    &format!("{database}.{schema}"),
                ));
            }
            schema_ddl(session, &database, &schema, call.qualified)?
        }
        DdlObject::Database => {
            let [database] = call.name.as_slice() else {
                return Err(SnowflakeError::does_not_exist(
                    "Database",
                    &call.name.join("."),
                ));
            };
            if !session.conn().database_exists(database)? {
                return Err(SnowflakeError::does_not_exist("Database", database));
            }
            let mut out = format!("create or replace database {};\n\n", display_name(database));
            for schema in session.conn().schemas(database)? {
                if schema != "INFORMATION_SCHEMA" {
                    out.push_str(&schema_ddl(session, database, &schema, call.qualified)?);
                }
            }
            out
        }
    };
    ResultSet::table(
        StatementType::Select,
        &[(call.label.as_str(), SfType::TEXT)],
        vec![vec![Cell::Text(ddl)]],
    )
}

/// How recreated objects are named: bare, or `DB.SCHEMA.NAME` with the third argument.
struct Namer {
    prefix: String,
}

impl Namer {
    fn new(database: &str, schema: &str, qualified: bool) -> Namer {
        Namer {
            prefix: if qualified {
                format!("{}.{}.", display_name(database), display_name(schema))
            } else {
                String::new()
            },
        }
    }

    fn name(&self, name: &str) -> String {
        format!("{}{}", self.prefix, display_name(name))
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A schema's statement, then each of its objects' (sequences, then tables and views by name).
fn schema_ddl(session: &Session, database: &str, schema: &str, qualified: bool) -> Result<String> {
    let name = if qualified {
        format!("{}.{}", display_name(database), display_name(schema))
    } else {
        display_name(schema)
    };
    let namer = Namer::new(database, schema, qualified);
    let mut objects = Vec::new();
    for row in super::sequence_rows(session, database, schema)? {
        objects.push(sequence_text(
            &namer.name(&row.name),
            row.next,
            row.increment,
        ));
    }
    let mut relations = session.conn().relations(database, schema)?;
    relations.sort_by(|a, b| a.0.cmp(&b.0));
    for (relation, is_view, _) in relations {
        let object = ObjectRef {
            database: database.to_string(),
            schema: schema.to_string(),
            name: relation,
        };
        objects.push(if is_view {
            view(session, &object, &namer)?
        } else {
            table(session, &object, &namer)?
        });
    }
    let mut out = format!("create or replace schema {name};\n");
    if !objects.is_empty() {
        out.push('\n');
    }
    for object in objects {
        out.push_str(&object);
        out.push('\n');
    }
    Ok(out)
}

fn table(session: &Session, object: &ObjectRef, namer: &Namer) -> Result<String> {
    let (db, schema) = session.storage_of(object);
    let is_table = session
        .conn()
        .relations(&db, &schema)?
        .iter()
        .any(|(name, is_view, _)| *name == object.name && !is_view);
    if !is_table {
        return Err(SnowflakeError::does_not_exist("Table", &object.name));
    }
    let columns = session.conn().columns(&db, &schema, &object.name)?;
    let mut lines = Vec::with_capacity(columns.len() + 1);
    let mut primary_key = Vec::new();
    for c in &columns {
        let meta = c.meta.as_ref();
        let is_key = meta.is_some_and(|m| m.primary_key);
        let mut line = format!(
            "\t{} {}",
            display_name(&c.name),
            super::column_type(c).sql_name()
        );
        if !c.nullable || is_key {
            line.push_str(" NOT NULL");
        }
        match meta.and_then(|m| m.default.as_deref()) {
            Some(identity) if identity.starts_with("IDENTITY ") => {
                line.push(' ');
                line.push_str(
                    &identity
                        .replacen("IDENTITY", "autoincrement", 1)
                        .to_lowercase(),
                );
            }
            Some(default) => {
                line.push_str(" DEFAULT ");
                line.push_str(default);
            }
            None => {}
        }
        if let Some(comment) = meta.and_then(|m| m.comment.as_deref()) {
            line.push_str(" COMMENT ");
            line.push_str(&literal(comment));
        }
        if is_key {
            primary_key.push(display_name(&c.name));
        }
        lines.push(line);
    }
    if !primary_key.is_empty() {
        lines.push(format!("\tprimary key ({})", primary_key.join(", ")));
    }
    lines.extend(constraint_lines(&columns, &db));
    let transient = session
        .conn()
        .stored_relation_comments(&db, &schema)?
        .get(&object.name)
        .is_some_and(|c| snowglobe_catalog::meta::is_transient(c));
    let kind = if session.is_temporary(object) {
        "TEMPORARY TABLE"
    } else if transient {
        "TRANSIENT TABLE"
    } else {
        "TABLE"
    };
    let end = match session
        .conn()
        .relation_comments(&db, &schema)?
        .get(&object.name)
    {
        Some(comment) => format!(")COMMENT={}\n;", literal(comment)),
        None => ");".to_string(),
    };
    Ok(format!(
        "create or replace {kind} {} (\n{}\n{end}",
        namer.name(&object.name),
        lines.join(",\n")
    ))
}

fn view(session: &Session, object: &ObjectRef, namer: &Namer) -> Result<String> {
    let (db, schema) = (&object.database, &object.schema);
    let is_view = session
        .conn()
        .relations(db, schema)?
        .iter()
        .any(|(name, is_view, _)| *name == object.name && *is_view);
    if !is_view {
        return Err(SnowflakeError::does_not_exist("View", &object.name));
    }
    let meta = session.conn().view_meta(db, schema, &object.name)?;
    // A column comment of the view's column list is written back in it.
    let column_comments = meta
        .as_ref()
        .map(|m| m.column_comments.clone())
        .unwrap_or_default();
    let columns: Vec<String> = session
        .conn()
        .columns(db, schema, &object.name)?
        .iter()
        .map(|c| {
            let comment = column_comments
                .iter()
                .find(|(name, _)| *name == c.name)
                .map(|(_, text)| format!(" COMMENT {}", literal(text)))
                .unwrap_or_default();
            format!("\t{}{comment}", display_name(&c.name))
        })
        .collect();
    let (body, secure, comment) = match meta {
        Some(m) => (m.body, m.secure, m.comment),
        // A view Snowglobe did not record (an older state): DuckDB's own definition.
        None => {
            let sql = session
                .conn()
                .text_rows(&format!(
                    "SELECT sql FROM duckdb_views() WHERE database_name = {} AND schema_name = {} AND view_name = {}",
                    snowglobe_catalog::names::quote_literal(&snowglobe_catalog::mangle(db)),
                    snowglobe_catalog::names::quote_literal(&snowglobe_catalog::mangle(schema)),
                    snowglobe_catalog::names::quote_literal(&snowglobe_catalog::mangle(&object.name)),
                ))?
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next().flatten())
                .unwrap_or_default();
            let body = match sql.find(" AS ") {
                Some(at) => sql[at + 4..].trim_end_matches(';').to_string(),
                None => sql,
            };
            (body, false, None)
        }
    };
    let comment = comment
        .map(|c| format!(" COMMENT={}\n", literal(&c)))
        .unwrap_or_default();
    Ok(format!(
        "create or replace {}view {}(\n{}\n){comment} as {body};",
        if secure { "secure " } else { "" },
        namer.name(&object.name),
        columns.join(",\n"),
    ))
}

fn sequence(session: &Session, object: &ObjectRef, namer: &Namer) -> Result<String> {
    super::sequence_rows(session, &object.database, &object.schema)?
        .into_iter()
        .find(|row| row.name == object.name)
        .map(|row| sequence_text(&namer.name(&row.name), row.next, row.increment))
        .ok_or_else(|| SnowflakeError::does_not_exist("Sequence", &object.name))
}

fn sequence_text(name: &str, next: i64, increment: i64) -> String {
    format!("create or replace sequence {name} start with {next} increment by {increment} noorder;")
}

/// The UNIQUE and FOREIGN KEY constraints of a table's columns, one line each, in GET_DDL's
/// form (`unique (A, B)`, `foreign key (A) references DB.S.T(ID)`), grouped by constraint name.
fn constraint_lines(columns: &[snowglobe_engine::TableColumn], db: &str) -> Vec<String> {
    let mut unique: Vec<(String, u32, String)> = Vec::new();
    let mut foreign: Vec<(String, u32, String, String, Option<String>)> = Vec::new();
    for c in columns {
        let Some(meta) = c.meta.as_ref() else {
            continue;
        };
        if let Some(k) = &meta.unique {
            unique.push((k.name.clone(), k.sequence, display_name(&c.name)));
        }
        if let Some(fk) = &meta.references {
            let table = if fk.database == db {
                format!("{}.{}", display_name(&fk.schema), display_name(&fk.table))
            } else {
                format!(
                    "{}.{}.{}",
                    display_name(&fk.database),
                    display_name(&fk.schema),
                    display_name(&fk.table)
                )
            };
            foreign.push((
                fk.key.name.clone(),
                fk.key.sequence,
                display_name(&c.name),
                table,
                fk.column.as_deref().map(display_name),
            ));
        }
    }
    unique.sort();
    foreign.sort();
    let named = |name: &str| {
        if name.starts_with("SYS_CONSTRAINT_") {
            String::new()
        } else {
            format!("constraint {} ", display_name(name))
        }
    };
    let mut lines = Vec::new();
    let mut i = 0;
    while i < unique.len() {
        let group: Vec<&(String, u32, String)> = unique[i..]
            .iter()
            .take_while(|k| k.0 == unique[i].0)
            .collect();
        let cols: Vec<&str> = group.iter().map(|k| k.2.as_str()).collect();
        lines.push(format!(
            "\t{}unique ({})",
            named(&unique[i].0),
            cols.join(", ")
        ));
        i += group.len();
    }
    let mut i = 0;
    while i < foreign.len() {
        let group: Vec<_> = foreign[i..]
            .iter()
            .take_while(|k| k.0 == foreign[i].0)
            .collect();
        let cols: Vec<&str> = group.iter().map(|k| k.2.as_str()).collect();
        let referenced: Vec<&str> = group.iter().filter_map(|k| k.4.as_deref()).collect();
        let referenced = if referenced.is_empty() {
            String::new()
        } else {
            format!("({})", referenced.join(", "))
        };
        lines.push(format!(
            "\t{}foreign key ({}) references {}{}",
            named(&foreign[i].0),
            cols.join(", "),
            foreign[i].3,
            referenced
        ));
        i += group.len();
    }
    lines
}
