//! `SHOW DATABASES | SCHEMAS | TABLES | VIEWS` with Snowflake's output columns.

use snowglobe_catalog::SfType;
use snowglobe_engine::INFORMATION_SCHEMA;
use snowglobe_error::Result;
use snowglobe_translate::{Show, ShowObjects};

use crate::results::Cell;
use crate::{ResultSet, Session, StatementType};

const TEXT: SfType = SfType::TEXT;
const NUMBER: SfType = SfType::INTEGER;
const TIMESTAMP: SfType = SfType::TimestampLtz { scale: 3 };

/// SQL LIKE, case-insensitive as in SHOW: `%` any run, `_` one character, `\` escapes.
fn like(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('%', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('_', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some(('\\', rest)) if !rest.is_empty() => {
                !n.is_empty() && n[0] == rest[0] && go(&rest[1..], &n[1..])
            }
            Some((c, rest)) => !n.is_empty() && n[0] == *c && go(rest, &n[1..]),
        }
    }
    let p: Vec<char> = pattern.to_uppercase().chars().collect();
    let n: Vec<char> = name.to_uppercase().chars().collect();
    go(&p, &n)
}

pub(crate) fn keep(show: &Show, name: &str) -> bool {
    show.like.as_deref().is_none_or(|p| like(p, name))
        && show
            .starts_with
            .as_deref()
            .is_none_or(|s| name.starts_with(s))
}

pub(crate) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

pub(crate) fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

pub(crate) fn yes_no(b: bool) -> Cell {
    text(if b { "Y" } else { "N" })
}

pub fn run(session: &mut Session, show: Show) -> Result<ResultSet> {
    let now = now_micros();
    let role = session
        .role
        .clone()
        .unwrap_or_else(|| "ACCOUNTADMIN".into());
    let (columns, mut rows): (Vec<(&str, SfType)>, Vec<Vec<Cell>>) = match show.objects {
        ShowObjects::Objects
        | ShowObjects::Columns
        | ShowObjects::Sequences
        | ShowObjects::Warehouses
        | ShowObjects::Parameters
        | ShowObjects::Functions
        | ShowObjects::UserFunctions
        | ShowObjects::Procedures
        | ShowObjects::PrimaryKeys
        | ShowObjects::UniqueKeys
        | ShowObjects::ImportedKeys
        | ShowObjects::ExportedKeys
        | ShowObjects::Stages
        | ShowObjects::FileFormats
        | ShowObjects::Variables
        | ShowObjects::Unmodelled(_) => super::show_more::listing(session, &show, now, &role)?,
        ShowObjects::Users => super::access::users(session, &show, now),
        ShowObjects::Roles => super::access::roles(session, &show, now),
        ShowObjects::Databases => {
            let rows = session
                .conn()
                .databases()?
                .into_iter()
                .filter(|d| keep(&show, d))
                .map(|d| {
                    let current = session.database.as_deref() == Some(d.as_str());
                    let comment = session.container_comment(&d, None).unwrap_or_default();
                    vec![
                        Cell::Timestamp(now),
                        text(&d),
                        yes_no(false),
                        yes_no(current),
                        text(""),
                        text(&role),
                        text(&comment),
                        text(""),
                        text("1"),
                        text("STANDARD"),
                        text("ROLE"),
                        Cell::Null,
                        Cell::Null,
                    ]
                })
                .collect();
            (
                vec![
                    ("created_on", TIMESTAMP),
                    ("name", TEXT),
                    ("is_default", TEXT),
                    ("is_current", TEXT),
                    ("origin", TEXT),
                    ("owner", TEXT),
                    ("comment", TEXT),
                    ("options", TEXT),
                    ("retention_time", TEXT),
                    ("kind", TEXT),
                    ("owner_role_type", TEXT),
                    ("object_visibility", TEXT),
                    ("data_quality_monitoring_settings", TEXT),
                ],
                rows,
            )
        }
        ShowObjects::Schemas => {
            let mut rows = Vec::new();
            for db in databases(session, &show)? {
                let mut schemas = session.conn().schemas(&db)?;
                schemas.push(INFORMATION_SCHEMA.to_string());
                schemas.sort();
                for s in schemas.into_iter().filter(|s| keep(&show, s)) {
                    let current = session.database.as_deref() == Some(db.as_str())
                        && session.schema.as_deref() == Some(s.as_str());
                    let owner = if s == INFORMATION_SCHEMA {
                        ""
                    } else {
                        role.as_str()
                    };
                    let comment = if s == INFORMATION_SCHEMA {
                        "Views describing the contents of schemas in this database".to_string()
                    } else {
                        session.container_comment(&db, Some(&s)).unwrap_or_default()
                    };
                    rows.push(vec![
                        Cell::Timestamp(now),
                        text(&s),
                        yes_no(false),
                        yes_no(current),
                        text(&db),
                        text(owner),
                        text(&comment),
                        text(""),
                        text("1"),
                        text(if owner.is_empty() { "" } else { "ROLE" }),
                    ]);
                }
            }
            (
                vec![
                    ("created_on", TIMESTAMP),
                    ("name", TEXT),
                    ("is_default", TEXT),
                    ("is_current", TEXT),
                    ("database_name", TEXT),
                    ("owner", TEXT),
                    ("comment", TEXT),
                    ("options", TEXT),
                    ("retention_time", TEXT),
                    ("owner_role_type", TEXT),
                ],
                rows,
            )
        }
        ShowObjects::Tables | ShowObjects::Views => {
            let views = show.objects == ShowObjects::Views;
            let mut rows = Vec::new();
            for (db, schema) in schemas(session, &show)? {
                let first = rows.len();
                let stored = session.conn().stored_relation_comments(&db, &schema)?;
                // The session's temporary tables are listed with the schema they were created in.
                if !views {
                    for table in session.temporary_tables_in(&db, Some(&schema)) {
                        if keep(&show, &table.name) {
                            let count = session.temporary_row_count(&table);
                            rows.push(table_row(
                                now,
                                &table.name,
                                &db,
                                &schema,
                                "TEMPORARY",
                                "",
                                count,
                                &role,
                            ));
                        }
                    }
                }
                for (name, is_view, _) in session.conn().relations(&db, &schema)? {
                    let stored = stored.get(&name).map(String::as_str).unwrap_or("");
                    let view = snowglobe_catalog::ViewMeta::from_comment(stored);
                    let transient = snowglobe_catalog::meta::is_transient(stored);
                    let comment = match &view {
                        Some(meta) => meta.comment.clone().unwrap_or_default(),
                        None => snowglobe_catalog::meta::user_comment(stored).unwrap_or_default(),
                    };
                    let comment = comment.as_str();
                    if is_view != views || !keep(&show, &name) {
                        continue;
                    }
                    rows.push(if views {
                        vec![
                            Cell::Timestamp(now),
                            text(&name),
                            text(""),
                            text(&db),
                            text(&schema),
                            text(&role),
                            text(comment),
                            text(view.as_ref().map(|m| m.text.as_str()).unwrap_or("")),
                            text(if view.as_ref().is_some_and(|m| m.secure) {
                                "true"
                            } else {
                                "false"
                            }),
                            text("false"),
                            text("ROLE"),
                            text("OFF"),
                        ]
                    } else {
                        let count = crate::information_schema::exact_rows(
                            session, &db, &schema, &name, is_view,
                        );
                        let kind = if transient { "TRANSIENT" } else { "TABLE" };
                        table_row(now, &name, &db, &schema, kind, comment, count, &role)
                    });
                }
                // A schema's tables (temporary ones among them) in name order.
                rows[first..].sort_by(|a: &Vec<Cell>, b: &Vec<Cell>| match (&a[1], &b[1]) {
                    (Cell::Text(x), Cell::Text(y)) => x.cmp(y),
                    _ => std::cmp::Ordering::Equal,
                });
            }
            if views {
                (
                    vec![
                        ("created_on", TIMESTAMP),
                        ("name", TEXT),
                        ("reserved", TEXT),
                        ("database_name", TEXT),
                        ("schema_name", TEXT),
                        ("owner", TEXT),
                        ("comment", TEXT),
                        ("text", TEXT),
                        ("is_secure", TEXT),
                        ("is_materialized", TEXT),
                        ("owner_role_type", TEXT),
                        ("change_tracking", TEXT),
                    ],
                    rows,
                )
            } else {
                (
                    vec![
                        ("created_on", TIMESTAMP),
                        ("name", TEXT),
                        ("database_name", TEXT),
                        ("schema_name", TEXT),
                        ("kind", TEXT),
                        ("comment", TEXT),
                        ("cluster_by", TEXT),
                        ("rows", NUMBER),
                        ("bytes", NUMBER),
                        ("owner", TEXT),
                        ("retention_time", TEXT),
                        ("automatic_clustering", TEXT),
                        ("change_tracking", TEXT),
                        ("search_optimization", TEXT),
                        ("search_optimization_progress", NUMBER),
                        ("search_optimization_bytes", NUMBER),
                        ("is_external", TEXT),
                        ("enable_schema_evolution", TEXT),
                        ("owner_role_type", TEXT),
                        ("is_event", TEXT),
                        ("is_hybrid", TEXT),
                        ("is_iceberg", TEXT),
                        ("is_immutable", TEXT),
                    ],
                    rows,
                )
            }
        }
    };
    if show.unscoped && show.objects != ShowObjects::Columns {
        rows = once_per_name(&columns, rows, session.schema.as_deref());
    }
    if let (Some(from), Some(name)) = (
        &show.limit_from,
        columns.iter().position(|(n, _)| *n == "name"),
    ) {
        let first = rows
            .iter()
            .position(|r| matches!(&r[name], Cell::Text(t) if t.starts_with(from.as_str())))
            .unwrap_or(rows.len());
        rows.drain(..first);
    }
    if let Some(limit) = show.limit {
        rows.truncate(limit as usize);
    }
    let columns = if show.terse {
        let (columns, terse_rows) = terse(show.objects, &columns, rows);
        rows = terse_rows;
        columns
    } else {
        columns
    };
    ResultSet::table(StatementType::Scl, &columns, rows)
}

/// TERSE output: created_on, name, kind, database_name, schema_name, always these five. A
/// column the full output lacks is NULL (a schema's kind and schema_name, a database's
/// database_name and schema_name), except the kind of a view, which is VIEW; a database's
/// kind is NULL too.
fn terse(
    objects: ShowObjects,
    columns: &[(&'static str, SfType)],
    rows: Vec<Vec<Cell>>,
) -> (Vec<(&'static str, SfType)>, Vec<Vec<Cell>>) {
    let wanted = ["created_on", "name", "kind", "database_name", "schema_name"];
    let index: Vec<Option<usize>> = wanted
        .iter()
        .map(|w| columns.iter().position(|(n, _)| n == w))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            index
                .iter()
                .zip(wanted)
                .map(|(i, w)| match i {
                    // A database's TERSE kind is NULL (SHOW DATABASES: always NULL there).
                    Some(_) if w == "kind" && objects == ShowObjects::Databases => Cell::Null,
                    Some(i) => r[*i].clone(),
                    None if w == "kind" && objects == ShowObjects::Views => text("VIEW"),
                    None => Cell::Null,
                })
                .collect()
        })
        .collect();
    let columns = wanted
        .iter()
        .zip(&index)
        .map(|(w, i)| match i {
            Some(i) => columns[*i],
            None => (*w, TEXT),
        })
        .collect();
    (columns, rows)
}

/// Rows of a SHOW without IN: objects of one name in several schemas of the current database
/// are listed once (Snowflake's documented behaviour), the current schema's one if it has one.
fn once_per_name(
    columns: &[(&str, SfType)],
    rows: Vec<Vec<Cell>>,
    current_schema: Option<&str>,
) -> Vec<Vec<Cell>> {
    let (Some(name), Some(schema)) = (
        columns.iter().position(|(n, _)| *n == "name"),
        columns.iter().position(|(n, _)| *n == "schema_name"),
    ) else {
        return rows;
    };
    let cell_text = |c: &Cell| match c {
        Cell::Text(t) => Some(t.clone()),
        _ => None,
    };
    let mut chosen: std::collections::HashMap<Option<String>, usize> = Default::default();
    for (i, row) in rows.iter().enumerate() {
        let key = cell_text(&row[name]);
        let in_current = cell_text(&row[schema]).as_deref() == current_schema;
        chosen
            .entry(key)
            .and_modify(|c| {
                if in_current {
                    *c = i
                }
            })
            .or_insert(i);
    }
    rows.into_iter()
        .enumerate()
        .filter(|(i, row)| chosen.get(&cell_text(&row[name])) == Some(i))
        .map(|(_, row)| row)
        .collect()
}

/// A row of SHOW TABLES.
#[allow(clippy::too_many_arguments)]
fn table_row(
    now: i64,
    name: &str,
    db: &str,
    schema: &str,
    kind: &str,
    comment: &str,
    count: i64,
    role: &str,
) -> Vec<Cell> {
    vec![
        Cell::Timestamp(now),
        text(name),
        text(db),
        text(schema),
        text(kind),
        text(comment),
        text(""),
        Cell::Int(count),
        Cell::Int(0),
        text(role),
        text(if kind == "TEMPORARY" { "0" } else { "1" }),
        text("OFF"),
        text("OFF"),
        text("OFF"),
        Cell::Null,
        Cell::Null,
        text("N"),
        text("N"),
        text("ROLE"),
        text("N"),
        text("N"),
        text("N"),
        text("N"),
    ]
}

fn databases(session: &Session, show: &Show) -> Result<Vec<String>> {
    match &show.database {
        Some(db) if !show.account => {
            if !session.conn().database_exists(db)? {
                return Err(super::use_context::missing());
            }
            Ok(vec![db.clone()])
        }
        _ => session.conn().databases(),
    }
}

pub(crate) fn schemas(session: &Session, show: &Show) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for db in databases(session, show)? {
        match &show.schema {
            Some(s) => {
                if !session.conn().schema_exists(&db, s)? {
                    return Err(super::use_context::missing());
                }
                out.push((db.clone(), s.clone()));
            }
            None => {
                for s in session.conn().schemas(&db)? {
                    out.push((db.clone(), s));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{like, once_per_name, text, Cell, TEXT};

    #[test]
    fn unscoped_listings_keep_one_object_per_name_preferring_the_current_schema() {
        let columns = [("name", TEXT), ("schema_name", TEXT)];
        let row = |n: &str, s: &str| vec![text(n), text(s)];
        let rows = vec![row("T", "A"), row("U", "A"), row("T", "B"), row("V", "C")];
        let names = |rows: Vec<Vec<Cell>>| -> Vec<String> {
            rows.iter()
                .map(|r| match (&r[0], &r[1]) {
                    (Cell::Text(n), Cell::Text(s)) => format!("{s}.{n}"),
                    _ => String::new(),
                })
                .collect()
        };
        assert_eq!(
            names(once_per_name(&columns, rows.clone(), Some("B"))),
            ["A.U", "B.T", "C.V"]
        );
        assert_eq!(
            names(once_per_name(&columns, rows, None)),
            ["A.T", "A.U", "C.V"]
        );
    }

    #[test]
    fn like_is_case_insensitive_sql_like() {
        assert!(like("t%", "TABLE_1"));
        assert!(like("T_BLE%", "table"));
        assert!(!like("x%", "TABLE"));
        assert!(like("A\\_B", "A_B"));
        assert!(!like("A\\_B", "AXB"));
    }
}
