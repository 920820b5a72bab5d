//! INFORMATION_SCHEMA views, answered from the catalog: the translated SQL names each view it
//! reads as a placeholder, replaced here by a subquery over the view's rows (a VALUES list,
//! so reading the catalog never writes anything, even inside a transaction).

use snowglobe_catalog::names::quote_literal;
use snowglobe_catalog::SfType;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::plan::information_schema_placeholder;

use crate::commands::{column_type, sequence_rows};
use crate::results::Cell;
use crate::Session;

const TEXT: &str = "VARCHAR";
const NUMBER: &str = "BIGINT";
const TIMESTAMP: &str = "TIMESTAMPTZ";

/// Replace each INFORMATION_SCHEMA placeholder of `sql` with its rows.
pub fn fill(session: &Session, sql: &str, views: &[(String, String)]) -> Result<String> {
    let mut out = sql.to_string();
    for (db, view) in views {
        if !session.conn().database_exists(db)? {
            return Err(SnowflakeError::does_not_exist("Database", db));
        }
        let (columns, rows) = match view.as_str() {
            "TABLES" => tables(session, db)?,
            "COLUMNS" => columns(session, db)?,
            "SCHEMATA" => schemata(session, db)?,
            "VIEWS" => views_of(session, db)?,
            "DATABASES" => databases(session)?,
            "SEQUENCES" => sequences(session, db)?,
            "LOAD_HISTORY" => load_history(session, db)?,
            // Read by the COPY_HISTORY table function (see `snowglobe_translate::copy_history`).
            "COPY_HISTORY" => copy_history(session, db)?,
            _ => {
                return Err(SnowflakeError::does_not_exist(
                    "Object",
                    &format!("{db}.INFORMATION_SCHEMA.{view}"),
                ))
            }
        };
        out = out.replace(
            &information_schema_placeholder(db, view),
            &format!("({})", subquery(&columns, &rows)),
        );
    }
    Ok(out)
}

type View = (Vec<(&'static str, &'static str)>, Vec<Vec<Cell>>);

fn literal(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => quote_literal(s),
        Cell::Int(i) => i.to_string(),
        Cell::Timestamp(us) => format!("to_timestamp({us}::DOUBLE / 1000000)"),
        Cell::Null => "NULL".into(),
    }
}

fn subquery(columns: &[(&str, &str)], rows: &[Vec<Cell>]) -> String {
    let columns: Vec<(String, String)> = columns
        .iter()
        .map(|(n, t)| (format!("\"{n}\""), t.to_string()))
        .collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(literal).collect())
        .collect();
    values_subquery(&columns, &rows)
}

/// `SELECT CAST(c0 AS t0) AS n0, ... FROM (VALUES ...)`: rows of SQL literals as a relation
/// with the given (quoted) column names and DuckDB types.
pub(crate) fn values_subquery(columns: &[(String, String)], rows: &[Vec<String>]) -> String {
    let select = columns
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| format!("CAST(c{i} AS {ty}) AS {name}"))
        .collect::<Vec<_>>()
        .join(", ");
    let names = (0..columns.len())
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    if rows.is_empty() {
        let nulls = vec!["NULL"; columns.len()].join(", ");
        return format!("SELECT {select} FROM (SELECT {nulls}) v({names}) WHERE false");
    }
    let values = rows
        .iter()
        .map(|r| format!("({})", r.join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT {select} FROM (VALUES {values}) v({names})")
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn yes_no(b: bool) -> Cell {
    text(if b { "YES" } else { "NO" })
}

fn opt(s: Option<&str>) -> Cell {
    s.map(text).unwrap_or(Cell::Null)
}

fn now() -> Cell {
    Cell::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0),
    )
}

fn role(session: &Session) -> String {
    session
        .role
        .clone()
        .unwrap_or_else(|| "ACCOUNTADMIN".into())
}

/// A table's row count as SHOW and INFORMATION_SCHEMA report it: exact (0 for a view).
pub(crate) fn exact_rows(session: &Session, db: &str, schema: &str, name: &str, view: bool) -> i64 {
    if view {
        return 0;
    }
    session.conn().row_count(db, schema, name).unwrap_or(0)
}

fn tables(session: &Session, db: &str) -> Result<View> {
    let mut rows = Vec::new();
    // The session's own temporary tables.
    for table in session.temporary_tables_in(db, None) {
        rows.push(vec![
            text(db),
            text(&table.schema),
            text(&table.name),
            text(&role(session)),
            text("LOCAL TEMPORARY"),
            yes_no(false),
            Cell::Null,
            Cell::Int(session.temporary_row_count(&table)),
            Cell::Int(0),
            Cell::Int(0),
            now(),
            now(),
            now(),
            Cell::Null,
            yes_no(false),
            Cell::Null,
            yes_no(true),
            yes_no(false),
            yes_no(false),
        ]);
    }
    for schema in session.conn().schemas(db)? {
        let comments = session.conn().relation_comments(db, &schema)?;
        let stored = session.conn().stored_relation_comments(db, &schema)?;
        for (name, is_view, _) in session.conn().relations(db, &schema)? {
            let estimated = exact_rows(session, db, &schema, &name, is_view);
            let transient = stored
                .get(&name)
                .is_some_and(|c| snowglobe_catalog::meta::is_transient(c));
            rows.push(vec![
                text(db),
                text(&schema),
                text(&name),
                text(&role(session)),
                text(if is_view { "VIEW" } else { "BASE TABLE" }),
                if is_view {
                    Cell::Null
                } else {
                    yes_no(transient)
                },
                Cell::Null,
                if is_view {
                    Cell::Null
                } else {
                    Cell::Int(estimated)
                },
                if is_view { Cell::Null } else { Cell::Int(0) },
                if is_view { Cell::Null } else { Cell::Int(1) },
                now(),
                now(),
                now(),
                Cell::Null,
                if is_view { Cell::Null } else { yes_no(false) },
                opt(comments.get(&name).map(String::as_str)),
                yes_no(false),
                yes_no(false),
                yes_no(false),
            ]);
        }
    }
    Ok((
        vec![
            ("TABLE_CATALOG", TEXT),
            ("TABLE_SCHEMA", TEXT),
            ("TABLE_NAME", TEXT),
            ("TABLE_OWNER", TEXT),
            ("TABLE_TYPE", TEXT),
            ("IS_TRANSIENT", TEXT),
            ("CLUSTERING_KEY", TEXT),
            ("ROW_COUNT", NUMBER),
            ("BYTES", NUMBER),
            ("RETENTION_TIME", NUMBER),
            ("CREATED", TIMESTAMP),
            ("LAST_ALTERED", TIMESTAMP),
            ("LAST_DDL", TIMESTAMP),
            ("LAST_DDL_BY", TEXT),
            ("AUTO_CLUSTERING_ON", TEXT),
            ("COMMENT", TEXT),
            ("IS_TEMPORARY", TEXT),
            ("IS_ICEBERG", TEXT),
            ("IS_DYNAMIC", TEXT),
        ],
        rows,
    ))
}

/// INFORMATION_SCHEMA's type name of a Snowflake type.
fn type_name(t: &SfType) -> &'static str {
    match t {
        SfType::Number { .. } => "NUMBER",
        SfType::Float => "FLOAT",
        SfType::Text { .. } => "TEXT",
        SfType::Binary { .. } => "BINARY",
        SfType::Boolean => "BOOLEAN",
        SfType::Date => "DATE",
        SfType::Time { .. } => "TIME",
        SfType::TimestampNtz { .. } => "TIMESTAMP_NTZ",
        SfType::TimestampLtz { .. } => "TIMESTAMP_LTZ",
        SfType::TimestampTz { .. } => "TIMESTAMP_TZ",
        SfType::Variant => "VARIANT",
        SfType::Object => "OBJECT",
        SfType::Array => "ARRAY",
    }
}

/// The column comments a view's column list gave (see `ViewMeta::column_comments`).
pub(crate) fn view_column_comments(
    session: &Session,
    db: &str,
    schema: &str,
    view: &str,
) -> Vec<(String, String)> {
    session
        .conn()
        .view_meta(db, schema, view)
        .ok()
        .flatten()
        .map(|m| m.column_comments)
        .unwrap_or_default()
}

pub(crate) fn comment_of<'a>(comments: &'a [(String, String)], column: &str) -> Option<&'a str> {
    comments
        .iter()
        .find(|(name, _)| name == column)
        .map(|(_, text)| text.as_str())
}

fn columns(session: &Session, db: &str) -> Result<View> {
    let mut rows = Vec::new();
    for schema in session.conn().schemas(db)? {
        for (table, is_view, _) in session.conn().relations(db, &schema)? {
            let view_comments = if is_view {
                view_column_comments(session, db, &schema, &table)
            } else {
                vec![]
            };
            for (i, c) in session
                .conn()
                .columns(db, &schema, &table)?
                .into_iter()
                .enumerate()
            {
                let t = column_type(&c);
                let meta = c.meta.as_ref();
                let identity = meta
                    .and_then(|m| m.default.as_deref())
                    .is_some_and(|d| d.starts_with("IDENTITY"));
                let (chars, octets) = match t {
                    SfType::Text { length } => (
                        Cell::Int(length as i64),
                        Cell::Int((length * 4).min(16_777_216) as i64),
                    ),
                    SfType::Binary { length } => {
                        (Cell::Int(length as i64), Cell::Int(length as i64))
                    }
                    _ => (Cell::Null, Cell::Null),
                };
                let (precision, radix, scale) = match t {
                    SfType::Number { precision, scale } => (
                        Cell::Int(precision as i64),
                        Cell::Int(10),
                        Cell::Int(scale as i64),
                    ),
                    _ => (Cell::Null, Cell::Null, Cell::Null),
                };
                let datetime = match t {
                    SfType::Time { scale }
                    | SfType::TimestampNtz { scale }
                    | SfType::TimestampLtz { scale }
                    | SfType::TimestampTz { scale } => Cell::Int(scale as i64),
                    _ => Cell::Null,
                };
                let mut row = vec![
                    text(db),
                    text(&schema),
                    text(&table),
                    text(&c.name),
                    Cell::Int(i as i64 + 1),
                    if identity {
                        Cell::Null
                    } else {
                        opt(meta.and_then(|m| m.default.as_deref()))
                    },
                    yes_no(c.nullable),
                    text(type_name(&t)),
                    chars,
                    octets,
                    precision,
                    radix,
                    scale,
                    datetime,
                ];
                // INTERVAL_TYPE ... DTD_IDENTIFIER do not apply to Snowflake.
                row.extend(std::iter::repeat_n(Cell::Null, 19));
                row.push(text("NO"));
                row.push(yes_no(identity));
                let (start, increment) = match meta.and_then(|m| m.default.as_deref()) {
                    Some(d) if identity => identity_parameters(d),
                    _ => (None, None),
                };
                let when_identity = |v: &str| if identity { text(v) } else { Cell::Null };
                let ordered = meta
                    .and_then(|m| m.default.as_deref())
                    .is_some_and(|d| d.ends_with(" ORDER"));
                row.extend([
                    when_identity("BY DEFAULT"),
                    opt(start.as_deref()),
                    opt(increment.as_deref()),
                    Cell::Null,
                    Cell::Null,
                    when_identity("NO"),
                    when_identity(if ordered { "YES" } else { "NO" }),
                    Cell::Null,
                    opt(meta
                        .and_then(|m| m.comment.as_deref())
                        .or_else(|| comment_of(&view_comments, &c.name))),
                    text(type_name(&t)),
                ]);
                rows.push(row);
            }
        }
    }
    Ok((
        vec![
            ("TABLE_CATALOG", TEXT),
            ("TABLE_SCHEMA", TEXT),
            ("TABLE_NAME", TEXT),
            ("COLUMN_NAME", TEXT),
            ("ORDINAL_POSITION", NUMBER),
            ("COLUMN_DEFAULT", TEXT),
            ("IS_NULLABLE", TEXT),
            ("DATA_TYPE", TEXT),
            ("CHARACTER_MAXIMUM_LENGTH", NUMBER),
            ("CHARACTER_OCTET_LENGTH", NUMBER),
            ("NUMERIC_PRECISION", NUMBER),
            ("NUMERIC_PRECISION_RADIX", NUMBER),
            ("NUMERIC_SCALE", NUMBER),
            ("DATETIME_PRECISION", NUMBER),
            ("INTERVAL_TYPE", TEXT),
            ("INTERVAL_PRECISION", NUMBER),
            ("CHARACTER_SET_CATALOG", TEXT),
            ("CHARACTER_SET_SCHEMA", TEXT),
            ("CHARACTER_SET_NAME", TEXT),
            ("COLLATION_CATALOG", TEXT),
            ("COLLATION_SCHEMA", TEXT),
            ("COLLATION_NAME", TEXT),
            ("DOMAIN_CATALOG", TEXT),
            ("DOMAIN_SCHEMA", TEXT),
            ("DOMAIN_NAME", TEXT),
            ("UDT_CATALOG", TEXT),
            ("UDT_SCHEMA", TEXT),
            ("UDT_NAME", TEXT),
            ("SCOPE_CATALOG", TEXT),
            ("SCOPE_SCHEMA", TEXT),
            ("SCOPE_NAME", TEXT),
            ("MAXIMUM_CARDINALITY", NUMBER),
            ("DTD_IDENTIFIER", TEXT),
            ("IS_SELF_REFERENCING", TEXT),
            ("IS_IDENTITY", TEXT),
            ("IDENTITY_GENERATION", TEXT),
            ("IDENTITY_START", TEXT),
            ("IDENTITY_INCREMENT", TEXT),
            ("IDENTITY_MAXIMUM", TEXT),
            ("IDENTITY_MINIMUM", TEXT),
            ("IDENTITY_CYCLE", TEXT),
            ("IDENTITY_ORDERED", TEXT),
            ("SCHEMA_EVOLUTION_RECORD", TEXT),
            ("COMMENT", TEXT),
            ("DATA_TYPE_ALIAS", TEXT),
        ],
        rows,
    ))
}

/// START and INCREMENT of an identity column's recorded default (`IDENTITY START s INCREMENT i
/// [NO]ORDER`).
fn identity_parameters(default: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = default.split_whitespace().collect();
    let after = |key: &str| {
        words
            .iter()
            .position(|w| w.eq_ignore_ascii_case(key))
            .and_then(|i| words.get(i + 1))
            .map(|w| w.to_string())
    };
    (after("START"), after("INCREMENT"))
}

fn schemata(session: &Session, db: &str) -> Result<View> {
    let mut schemas = session.conn().schemas(db)?;
    schemas.push("INFORMATION_SCHEMA".into());
    schemas.sort();
    let rows = schemas
        .iter()
        .map(|s| {
            let system = s == "INFORMATION_SCHEMA";
            vec![
                text(db),
                text(s),
                if system {
                    Cell::Null
                } else {
                    text(&role(session))
                },
                yes_no(false),
                yes_no(false),
                Cell::Int(1),
                now(),
                now(),
                if system {
                    text("Views describing the contents of schemas in this database")
                } else {
                    opt(session.container_comment(db, Some(s)).as_deref())
                },
            ]
        })
        .collect();
    Ok((
        vec![
            ("CATALOG_NAME", TEXT),
            ("SCHEMA_NAME", TEXT),
            ("SCHEMA_OWNER", TEXT),
            ("IS_TRANSIENT", TEXT),
            ("IS_MANAGED_ACCESS", TEXT),
            ("RETENTION_TIME", NUMBER),
            ("CREATED", TIMESTAMP),
            ("LAST_ALTERED", TIMESTAMP),
            ("COMMENT", TEXT),
        ],
        rows,
    ))
}

fn views_of(session: &Session, db: &str) -> Result<View> {
    let mut rows = Vec::new();
    for schema in session.conn().schemas(db)? {
        let comments = session.conn().relation_comments(db, &schema)?;
        for (name, is_view, _) in session.conn().relations(db, &schema)? {
            if !is_view {
                continue;
            }
            let meta = session.conn().view_meta(db, &schema, &name)?;
            rows.push(vec![
                text(db),
                text(&schema),
                text(&name),
                text(&role(session)),
                opt(meta.as_ref().map(|m| m.text.as_str())),
                text("NONE"),
                yes_no(false),
                yes_no(false),
                yes_no(meta.as_ref().is_some_and(|m| m.secure)),
                now(),
                now(),
                opt(comments.get(&name).map(String::as_str)),
            ]);
        }
    }
    Ok((
        vec![
            ("TABLE_CATALOG", TEXT),
            ("TABLE_SCHEMA", TEXT),
            ("TABLE_NAME", TEXT),
            ("TABLE_OWNER", TEXT),
            ("VIEW_DEFINITION", TEXT),
            ("CHECK_OPTION", TEXT),
            ("IS_UPDATABLE", TEXT),
            ("INSERTABLE_INTO", TEXT),
            ("IS_SECURE", TEXT),
            ("CREATED", TIMESTAMP),
            ("LAST_ALTERED", TIMESTAMP),
            ("COMMENT", TEXT),
        ],
        rows,
    ))
}

fn databases(session: &Session) -> Result<View> {
    let rows = session
        .conn()
        .databases()?
        .into_iter()
        .map(|d| {
            vec![
                text(&d),
                text(&role(session)),
                yes_no(false),
                opt(session.container_comment(&d, None).as_deref()),
                now(),
                now(),
                Cell::Int(1),
                text("STANDARD"),
            ]
        })
        .collect();
    Ok((
        vec![
            ("DATABASE_NAME", TEXT),
            ("DATABASE_OWNER", TEXT),
            ("IS_TRANSIENT", TEXT),
            ("COMMENT", TEXT),
            ("CREATED", TIMESTAMP),
            ("LAST_ALTERED", TIMESTAMP),
            ("RETENTION_TIME", NUMBER),
            ("TYPE", TEXT),
        ],
        rows,
    ))
}

fn sequences(session: &Session, db: &str) -> Result<View> {
    let mut rows = Vec::new();
    for schema in session.conn().schemas(db)? {
        for row in sequence_rows(session, db, &schema)? {
            rows.push(vec![
                text(db),
                text(&schema),
                text(&row.name),
                text(&role(session)),
                text("NUMBER"),
                Cell::Int(38),
                Cell::Int(10),
                Cell::Int(0),
                text(&row.start.to_string()),
                Cell::Null,
                Cell::Null,
                text(&row.next.to_string()),
                text(&row.increment.to_string()),
                Cell::Null,
                now(),
                now(),
                text("NO"),
                if row.comment.is_empty() {
                    Cell::Null
                } else {
                    text(&row.comment)
                },
            ]);
        }
    }
    Ok((
        vec![
            ("SEQUENCE_CATALOG", TEXT),
            ("SEQUENCE_SCHEMA", TEXT),
            ("SEQUENCE_NAME", TEXT),
            ("SEQUENCE_OWNER", TEXT),
            ("DATA_TYPE", TEXT),
            ("NUMERIC_PRECISION", NUMBER),
            ("NUMERIC_PRECISION_RADIX", NUMBER),
            ("NUMERIC_SCALE", NUMBER),
            ("START_VALUE", TEXT),
            ("MINIMUM_VALUE", TEXT),
            ("MAXIMUM_VALUE", TEXT),
            ("NEXT_VALUE", TEXT),
            ("INCREMENT", TEXT),
            ("CYCLE_OPTION", TEXT),
            ("CREATED", TIMESTAMP),
            ("LAST_ALTERED", TIMESTAMP),
            ("ORDERED", TEXT),
            ("COMMENT", TEXT),
        ],
        rows,
    ))
}

/// The load records of the database's tables (since each table's last TRUNCATE; none for
/// tables dropped since) of the last 14 days, oldest first.
fn loads_in(session: &Session, db: &str) -> Result<Vec<crate::load_history::LoadRecord>> {
    const FOURTEEN_DAYS_US: i64 = 14 * 24 * 3600 * 1_000_000;
    let since = chrono::Utc::now().timestamp_micros() - FOURTEEN_DAYS_US;
    let history = session
        .shared
        .load_history
        .lock()
        .map_err(|_| SnowflakeError::internal("load history lock poisoned"))?;
    let mut loads = Vec::new();
    for (oid, load) in history.loads() {
        if load.database != db || load.time_us < since {
            continue;
        }
        let table = snowglobe_translate::ObjectRef {
            database: load.database.clone(),
            schema: load.schema.clone(),
            name: load.table.clone(),
        };
        let current = session.table_oid(&table)?;
        if current >= 0 && oid.is_none_or(|o| o == current) {
            loads.push(load.clone());
        }
    }
    loads.sort_by_key(|l| l.time_us);
    Ok(loads)
}

/// A load record's first error (message, line, character, column) and its error count and
/// limit, as LOAD_HISTORY and COPY_HISTORY show them.
fn error_figures(l: &crate::load_history::LoadRecord) -> [Cell; 6] {
    [
        opt(l.first_error.as_deref()),
        l.first_error_line.map_or(Cell::Null, Cell::Int),
        Cell::Null,
        Cell::Null,
        Cell::Int(l.errors_seen),
        Cell::Int(l.error_limit),
    ]
}

/// INFORMATION_SCHEMA.LOAD_HISTORY: a row per file COPY INTO loaded.
fn load_history(session: &Session, db: &str) -> Result<View> {
    let rows = loads_in(session, db)?
        .into_iter()
        .map(|l| {
            vec![
                text(&l.schema),
                text(&l.file),
                text(&l.table),
                Cell::Timestamp(l.time_us),
                text(&l.status.replace('_', " ")),
                Cell::Int(l.rows_loaded),
                Cell::Int(l.rows_parsed),
            ]
            .into_iter()
            .chain(error_figures(&l))
            .collect()
        })
        .collect();
    Ok((
        vec![
            ("SCHEMA_NAME", TEXT),
            ("FILE_NAME", TEXT),
            ("TABLE_NAME", TEXT),
            ("LAST_LOAD_TIME", TIMESTAMP),
            ("STATUS", TEXT),
            ("ROW_COUNT", NUMBER),
            ("ROW_PARSED", NUMBER),
            ("FIRST_ERROR_MESSAGE", TEXT),
            ("FIRST_ERROR_LINE_NUMBER", NUMBER),
            ("FIRST_ERROR_CHARACTER_POSITION", NUMBER),
            ("FIRST_ERROR_COL_NAME", TEXT),
            ("ERROR_COUNT", NUMBER),
            ("ERROR_LIMIT", NUMBER),
        ],
        rows,
    ))
}

/// The rows of the COPY_HISTORY table function, for every table of the database.
fn copy_history(session: &Session, db: &str) -> Result<View> {
    let rows = loads_in(session, db)?
        .into_iter()
        .map(|l| {
            let status = match l.status.as_str() {
                "LOADED" => "Loaded",
                "PARTIALLY_LOADED" => "Partially loaded",
                _ => "Load failed",
            };
            let file = l.file.split_once('/').map_or(l.file.as_str(), |(_, f)| f);
            vec![
                text(if l.stage_location.starts_with("@~") {
                    &l.file
                } else {
                    file
                }),
                text(&l.stage_location),
                Cell::Timestamp(l.time_us),
                Cell::Int(l.rows_loaded),
                Cell::Int(l.rows_parsed),
                Cell::Int(l.file_size),
            ]
            .into_iter()
            .chain(error_figures(&l))
            .chain([
                text(status),
                text(&l.database),
                text(&l.schema),
                text(&l.table),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
            ])
            .collect()
        })
        .collect();
    Ok((
        vec![
            ("FILE_NAME", TEXT),
            ("STAGE_LOCATION", TEXT),
            ("LAST_LOAD_TIME", TIMESTAMP),
            ("ROW_COUNT", NUMBER),
            ("ROW_PARSED", NUMBER),
            ("FILE_SIZE", NUMBER),
            ("FIRST_ERROR_MESSAGE", TEXT),
            ("FIRST_ERROR_LINE_NUMBER", NUMBER),
            ("FIRST_ERROR_CHARACTER_POS", NUMBER),
            ("FIRST_ERROR_COLUMN_NAME", TEXT),
            ("ERROR_COUNT", NUMBER),
            ("ERROR_LIMIT", NUMBER),
            ("STATUS", TEXT),
            ("TABLE_CATALOG_NAME", TEXT),
            ("TABLE_SCHEMA_NAME", TEXT),
            ("TABLE_NAME", TEXT),
            ("PIPE_CATALOG_NAME", TEXT),
            ("PIPE_SCHEMA_NAME", TEXT),
            ("PIPE_NAME", TEXT),
            ("PIPE_RECEIVED_TIME", TIMESTAMP),
            ("BYTES_BILLED", NUMBER),
        ],
        rows,
    ))
}
