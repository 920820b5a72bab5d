//! SHOW OBJECTS | COLUMNS | SEQUENCES | PRIMARY KEYS | WAREHOUSES | PARAMETERS | [USER]
//! FUNCTIONS | STAGES | FILE FORMATS, with Snowflake's output columns in Snowflake's order.

use snowglobe_catalog::names::{demangle, mangle, quote_literal};
use snowglobe_catalog::SfType;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::{ObjectRef, Show, ShowObjects};

use super::describe::{column_type, data_type_json};
use super::show::{keep, schemas, text, yes_no};
use crate::results::Cell;
use crate::{ResultSet, Session};

const TEXT: SfType = SfType::TEXT;
const NUMBER: SfType = SfType::INTEGER;
const TIMESTAMP: SfType = SfType::TimestampLtz { scale: 3 };

type Listing = (Vec<(&'static str, SfType)>, Vec<Vec<Cell>>);

pub fn listing(session: &Session, show: &Show, now: i64, role: &str) -> Result<Listing> {
    match show.objects {
        ShowObjects::Objects => objects(session, show, now, role),
        ShowObjects::Columns => columns(session, show),
        ShowObjects::Sequences => sequences(session, show, now, role),
        ShowObjects::PrimaryKeys => primary_keys(session, show, now),
        ShowObjects::UniqueKeys => unique_keys(session, show, now),
        ShowObjects::ImportedKeys => foreign_keys(session, show, now, false),
        ShowObjects::ExportedKeys => foreign_keys(session, show, now, true),
        ShowObjects::Warehouses => Ok(warehouses(session, show, role)),
        ShowObjects::Parameters => Ok(parameters(session, show)),
        ShowObjects::Variables => Ok(variables(session, show, now)),
        ShowObjects::Unmodelled(kind) => {
            if !show.account {
                // The named database or schema must exist (002043 otherwise).
                schemas(session, show)?;
            }
            Ok((unmodelled_columns(kind), Vec::new()))
        }
        ShowObjects::Stages | ShowObjects::FileFormats => {
            let stages = show.objects == ShowObjects::Stages;
            let mut rows = Vec::new();
            for (db, schema) in schemas(session, show)? {
                rows.extend(
                    super::stage::show_rows(session, &db, &schema, stages, role)
                        .into_iter()
                        .filter(|(name, _)| keep(show, name))
                        .map(|(_, row)| row),
                );
            }
            Ok((super::stage::show_columns(stages), rows))
        }
        _ => functions(session, show, now),
    }
}

/// The output columns of the SHOW commands of objects Snowglobe cannot create, as Snowflake's
/// pages for them list them: `@` marks a timestamp, `#` a number, the rest is text.
const UNMODELLED_COLUMNS: [(&str, &str); 16] = [
    (
        "TASKS",
        "@created_on name id database_name schema_name owner comment warehouse schedule \
        scheduling_mode target_completion_interval predecessors state definition condition \
        allow_overlapping_execution error_integration success_integration @last_committed_on \
        @last_suspended_on owner_role_type config last_suspended_reason task_relations \
        execute_as_user",
    ),
    (
        "STREAMS",
        "@created_on name database_name schema_name owner comment table_name \
        source_type base_tables type stale mode @stale_after invalid_reason owner_role_type",
    ),
    (
        "PIPES",
        "@created_on name database_name schema_name definition owner \
        notification_channel comment integration pattern error_integration owner_role_type \
        invalid_reason kind",
    ),
    (
        "MATERIALIZED VIEWS",
        "@created_on name reserved database_name schema_name cluster_by \
        #rows #bytes source_database_name source_schema_name source_table_name @refreshed_on \
        @compacted_on owner invalid invalid_reason behind_by comment text is_secure \
        automatic_clustering owner_role_type",
    ),
    (
        "EXTERNAL TABLES",
        "@created_on name database_name schema_name invalid invalid_reason \
        owner comment stage location file_format_name file_format_type cloud region \
        notification_channel @last_refreshed_on table_format last_refresh_details \
        owner_role_type",
    ),
    (
        "DYNAMIC TABLES",
        "@created_on name database_name schema_name cluster_by #rows #bytes \
        owner target_lag scheduler refresh_mode refresh_mode_reason warehouse comment text \
        automatic_clustering scheduling_state @last_suspended_on is_clone is_replica \
        is_iceberg @data_timestamp owner_role_type immutable_where execute_as_user",
    ),
    (
        "ICEBERG TABLES",
        "@created_on name database_name schema_name owner \
        external_volume_name catalog_name iceberg_table_type catalog_table_name \
        catalog_namespace base_location can_write_metadata comment name_mapping \
        owner_role_type catalog_sync_name auto_refresh_status partition_specs \
        #current_partition_spec_id",
    ),
    (
        "EVENT TABLES",
        "@created_on name database_name schema_name owner comment owner_role_type",
    ),
    (
        "TAGS",
        "@created_on name database_name schema_name owner comment allowed_values \
        owner_role_type",
    ),
    (
        "ALERTS",
        "@created_on name database_name schema_name owner comment warehouse schedule \
        state condition action owner_role_type runbook config was_auto_suspended",
    ),
    (
        "MASKING POLICIES",
        "@created_on name database_name schema_name kind owner comment \
        options owner_role_type",
    ),
    (
        "ROW ACCESS POLICIES",
        "@created_on name database_name schema_name kind owner comment \
        options owner_role_type",
    ),
    (
        "STREAMLITS",
        "@created_on name database_name schema_name title comment owner \
        query_warehouse url_id owner_role_type",
    ),
    (
        "INTEGRATIONS",
        "name type category enabled comment @created_on",
    ),
    (
        "NETWORK POLICIES",
        "@created_on name comment #entries_in_allowed_ip_list \
        #entries_in_blocked_ip_list #entries_in_allowed_network_rules \
        #entries_in_blocked_network_rules",
    ),
    (
        "SHARES",
        "@created_on kind owner_account name database_name to owner comment \
        listing_global_name",
    ),
];

fn unmodelled_columns(kind: &str) -> Vec<(&'static str, SfType)> {
    let spec = UNMODELLED_COLUMNS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("@created_on name", |(_, spec)| spec);
    spec.split_whitespace()
        .map(|c| {
            if let Some(name) = c.strip_prefix('@') {
                (name, TIMESTAMP)
            } else if let Some(name) = c.strip_prefix('#') {
                (name, NUMBER)
            } else {
                (c, TEXT)
            }
        })
        .collect()
}

/// A relation a SHOW lists: database, schema, name, is a view, estimated rows.
type Relation = (String, String, String, bool, i64);

/// The relations a SHOW covers, `IN TABLE t` naming one.
fn relations(session: &Session, show: &Show) -> Result<Vec<Relation>> {
    let mut out = Vec::new();
    for (db, schema) in schemas(session, show)? {
        for (name, is_view, rows) in session.conn().relations(&db, &schema)? {
            if show.table.as_ref().is_none_or(|t| *t == name) {
                out.push((db.clone(), schema.clone(), name, is_view, rows));
            }
        }
    }
    if let Some(t) = &show.table {
        if out.is_empty() {
            return Err(snowglobe_error::SnowflakeError::does_not_exist("Table", t));
        }
    }
    Ok(out)
}

fn objects(session: &Session, show: &Show, now: i64, role: &str) -> Result<Listing> {
    let mut rows = Vec::new();
    for (db, schema) in schemas(session, show)? {
        let comments = session.conn().relation_comments(&db, &schema)?;
        for (name, is_view, _) in session.conn().relations(&db, &schema)? {
            if !keep(show, &name) {
                continue;
            }
            let estimated =
                crate::information_schema::exact_rows(session, &db, &schema, &name, is_view);
            rows.push(vec![
                Cell::Timestamp(now),
                text(&name),
                text(&db),
                text(&schema),
                text(if is_view { "VIEW" } else { "TABLE" }),
                text(comments.get(&name).map(String::as_str).unwrap_or("")),
                text(""),
                Cell::Int(if is_view { 0 } else { estimated }),
                Cell::Int(0),
                text(role),
                text("1"),
                text("ROLE"),
                yes_no(false),
                yes_no(false),
                yes_no(false),
            ]);
        }
    }
    Ok((
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
            ("owner_role_type", TEXT),
            ("is_hybrid", TEXT),
            ("is_dynamic", TEXT),
            ("is_iceberg", TEXT),
        ],
        rows,
    ))
}

fn columns(session: &Session, show: &Show) -> Result<Listing> {
    let mut rows = Vec::new();
    for (db, schema, table, _, _) in relations(session, show)? {
        for c in session.conn().columns(&db, &schema, &table)? {
            if !keep(show, &c.name) {
                continue;
            }
            let meta = c.meta.as_ref();
            let autoincrement = meta
                .and_then(|m| m.default.as_deref())
                .filter(|d| d.starts_with("IDENTITY"))
                .unwrap_or("");
            let default = meta
                .and_then(|m| m.default.as_deref())
                .filter(|d| !d.starts_with("IDENTITY"))
                .unwrap_or("");
            rows.push(vec![
                text(&table),
                text(&schema),
                text(&c.name),
                text(&data_type_json(&column_type(&c), c.nullable)),
                text(if c.nullable { "true" } else { "false" }),
                text(default),
                text("COLUMN"),
                text(""),
                text(meta.and_then(|m| m.comment.as_deref()).unwrap_or("")),
                text(&db),
                text(autoincrement),
                Cell::Null,
            ]);
        }
    }
    Ok((
        vec![
            ("table_name", TEXT),
            ("schema_name", TEXT),
            ("column_name", TEXT),
            ("data_type", TEXT),
            ("null?", TEXT),
            ("default", TEXT),
            ("kind", TEXT),
            ("expression", TEXT),
            ("comment", TEXT),
            ("database_name", TEXT),
            ("autoincrement", TEXT),
            ("schema_evolution_record", TEXT),
        ],
        rows,
    ))
}

/// Sequences of a schema: (name, next value, increment, comment); identity columns' own
/// sequences are not listed.
/// A sequence as the SHOW and INFORMATION_SCHEMA listings and GET_DDL read it.
pub(crate) struct SequenceRow {
    pub name: String,
    pub next: i64,
    pub increment: i64,
    pub comment: String,
    /// The value it was created to start from.
    pub start: i64,
}

pub(crate) fn sequence_rows(session: &Session, db: &str, schema: &str) -> Result<Vec<SequenceRow>> {
    let rows = session.conn().text_rows(&format!(
        "SELECT sequence_name, coalesce(last_value + increment_by, start_value)::VARCHAR, \
         increment_by::VARCHAR, coalesce(comment, ''), start_value::VARCHAR \
         FROM duckdb_sequences() \
         WHERE database_name = {} AND schema_name = {} ORDER BY sequence_name",
        quote_literal(&mangle(db)),
        quote_literal(&mangle(schema)),
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match r.as_slice() {
            [Some(name), Some(next), Some(inc), comment, start] if !name.starts_with('\u{1}') => {
                Some(SequenceRow {
                    name: demangle(name).to_string(),
                    next: next.parse().unwrap_or(1),
                    increment: inc.parse().unwrap_or(1),
                    comment: comment.clone().unwrap_or_default(),
                    start: start.as_deref().and_then(|s| s.parse().ok()).unwrap_or(1),
                })
            }
            _ => None,
        })
        .collect())
}

/// `DESCRIBE SEQUENCE s`: the sequence's SHOW SEQUENCES row; an error if there is none.
pub fn describe_sequence(session: &mut Session, object: &ObjectRef) -> Result<ResultSet> {
    let exists = session.conn().database_exists(&object.database)?
        && sequence_rows(session, &object.database, &object.schema)?
            .iter()
            .any(|r| r.name == object.name);
    if !exists {
        return Err(SnowflakeError::does_not_exist("Sequence", &object.name));
    }
    let exact = object
        .name
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    super::show::run(
        session,
        Show {
            objects: ShowObjects::Sequences,
            terse: false,
            like: Some(exact),
            starts_with: None,
            limit: None,
            limit_from: None,
            database: Some(object.database.clone()),
            schema: Some(object.schema.clone()),
            account: false,
            table: None,
            unscoped: false,
        },
    )
}

fn sequences(session: &Session, show: &Show, now: i64, role: &str) -> Result<Listing> {
    let mut rows = Vec::new();
    for (db, schema) in schemas(session, show)? {
        for row in sequence_rows(session, &db, &schema)? {
            if !keep(show, &row.name) {
                continue;
            }
            rows.push(vec![
                text(&row.name),
                text(&db),
                text(&schema),
                Cell::Int(row.next),
                Cell::Int(row.increment),
                Cell::Timestamp(now),
                text(role),
                text(&row.comment),
                text("ROLE"),
                text("N"),
            ]);
        }
    }
    Ok((
        vec![
            ("name", TEXT),
            ("database_name", TEXT),
            ("schema_name", TEXT),
            ("next_value", NUMBER),
            ("interval", NUMBER),
            ("created_on", TIMESTAMP),
            ("owner", TEXT),
            ("comment", TEXT),
            ("owner_role_type", TEXT),
            ("ordered", TEXT),
        ],
        rows,
    ))
}

fn primary_keys(session: &Session, show: &Show, now: i64) -> Result<Listing> {
    let mut rows = Vec::new();
    for (db, schema, table, is_view, _) in relations(session, show)? {
        if is_view {
            continue;
        }
        let keys: Vec<String> = session
            .conn()
            .columns(&db, &schema, &table)?
            .into_iter()
            .filter(|c| c.meta.as_ref().is_some_and(|m| m.primary_key))
            .map(|c| c.name)
            .collect();
        for (i, column) in keys.iter().enumerate() {
            rows.push(vec![
                Cell::Timestamp(now),
                text(&db),
                text(&schema),
                text(&table),
                text(column),
                Cell::Int(i as i64 + 1),
                text(&primary_key_name(&db, &schema, &table)),
                text("false"),
                Cell::Null,
            ]);
        }
    }
    Ok((key_columns(), rows))
}

/// The name Snowglobe gives a table's primary key.
fn primary_key_name(db: &str, schema: &str, table: &str) -> String {
    format!("SYS_CONSTRAINT_{db}_{schema}_{table}")
}

/// The columns of a table with their metadata.
fn metas(
    session: &Session,
    db: &str,
    schema: &str,
    table: &str,
) -> Result<Vec<(String, snowglobe_catalog::ColumnMeta)>> {
    Ok(session
        .conn()
        .columns(db, schema, table)?
        .into_iter()
        .filter_map(|c| c.meta.map(|m| (c.name, m)))
        .collect())
}

fn unique_keys(session: &Session, show: &Show, now: i64) -> Result<Listing> {
    let mut rows = Vec::new();
    for (db, schema, table, is_view, _) in relations(session, show)? {
        if is_view {
            continue;
        }
        let mut keys: Vec<(String, u32, String)> = metas(session, &db, &schema, &table)?
            .into_iter()
            .filter_map(|(column, m)| m.unique.map(|k| (k.name, k.sequence, column)))
            .collect();
        keys.sort();
        for (name, sequence, column) in keys {
            rows.push(vec![
                Cell::Timestamp(now),
                text(&db),
                text(&schema),
                text(&table),
                text(&column),
                Cell::Int(i64::from(sequence)),
                text(&name),
                text("false"),
                Cell::Null,
            ]);
        }
    }
    Ok((key_columns(), rows))
}

/// SHOW IMPORTED KEYS (the foreign keys of the tables in scope) or SHOW EXPORTED KEYS (the
/// foreign keys, anywhere in the account, that reference the tables in scope). A key that
/// names no referenced columns references the primary key, column by column.
fn foreign_keys(session: &Session, show: &Show, now: i64, exported: bool) -> Result<Listing> {
    let in_scope: Vec<(String, String, String)> = relations(session, show)?
        .into_iter()
        .filter(|r| !r.3)
        .map(|(db, schema, table, _, _)| (db, schema, table))
        .collect();
    let referencing = if exported {
        let mut all = Vec::new();
        for db in session.conn().databases()? {
            for schema in session.conn().schemas(&db)? {
                for (table, is_view, _) in session.conn().relations(&db, &schema)? {
                    if !is_view {
                        all.push((db.clone(), schema.clone(), table));
                    }
                }
            }
        }
        all
    } else {
        in_scope.clone()
    };
    let mut keys = Vec::new();
    for (db, schema, table) in referencing {
        for (column, meta) in metas(session, &db, &schema, &table)? {
            let Some(fk) = meta.references else { continue };
            let target = (fk.database.clone(), fk.schema.clone(), fk.table.clone());
            if exported && !in_scope.contains(&target) {
                continue;
            }
            keys.push((fk, (db.clone(), schema.clone(), table.clone(), column)));
        }
    }
    keys.sort_by(|a, b| (&a.0.key.name, a.0.key.sequence).cmp(&(&b.0.key.name, b.0.key.sequence)));
    let mut rows = Vec::new();
    for (fk, (db, schema, table, column)) in keys {
        let referenced = metas(session, &fk.database, &fk.schema, &fk.table).unwrap_or_default();
        let pk_column = fk.column.clone().or_else(|| {
            referenced
                .iter()
                .filter(|(_, m)| m.primary_key)
                .nth(fk.key.sequence as usize - 1)
                .map(|(c, _)| c.clone())
        });
        // The referenced key: a UNIQUE constraint on the referenced column, or the primary key.
        let pk_name = referenced
            .iter()
            .find(|(c, m)| Some(c) == pk_column.as_ref() && !m.primary_key && m.unique.is_some())
            .and_then(|(_, m)| m.unique.as_ref().map(|k| k.name.clone()))
            .unwrap_or_else(|| primary_key_name(&fk.database, &fk.schema, &fk.table));
        rows.push(vec![
            Cell::Timestamp(now),
            text(&fk.database),
            text(&fk.schema),
            text(&fk.table),
            pk_column.as_deref().map(text).unwrap_or(Cell::Null),
            text(&db),
            text(&schema),
            text(&table),
            text(&column),
            Cell::Int(i64::from(fk.key.sequence)),
            text("NO ACTION"),
            text("NO ACTION"),
            text(&fk.key.name),
            text(&pk_name),
            text("NOT DEFERRABLE"),
            text("false"),
            Cell::Null,
        ]);
    }
    Ok((foreign_key_columns(), rows))
}

/// The columns of SHOW PRIMARY KEYS and SHOW UNIQUE KEYS.
fn key_columns() -> Vec<(&'static str, SfType)> {
    vec![
        ("created_on", TIMESTAMP),
        ("database_name", TEXT),
        ("schema_name", TEXT),
        ("table_name", TEXT),
        ("column_name", TEXT),
        ("key_sequence", NUMBER),
        ("constraint_name", TEXT),
        ("rely", TEXT),
        ("comment", TEXT),
    ]
}

/// The columns of SHOW IMPORTED KEYS and SHOW EXPORTED KEYS.
fn foreign_key_columns() -> Vec<(&'static str, SfType)> {
    vec![
        ("created_on", TIMESTAMP),
        ("pk_database_name", TEXT),
        ("pk_schema_name", TEXT),
        ("pk_table_name", TEXT),
        ("pk_column_name", TEXT),
        ("fk_database_name", TEXT),
        ("fk_schema_name", TEXT),
        ("fk_table_name", TEXT),
        ("fk_column_name", TEXT),
        ("key_sequence", NUMBER),
        ("update_rule", TEXT),
        ("delete_rule", TEXT),
        ("fk_name", TEXT),
        ("pk_name", TEXT),
        ("deferrability", TEXT),
        ("rely", TEXT),
        ("comment", TEXT),
    ]
}

fn warehouses(session: &Session, show: &Show, role: &str) -> Listing {
    let warehouses: Vec<(String, crate::commands::Warehouse)> = session
        .shared()
        .warehouses
        .lock()
        .map(|mut w| {
            w.current()
                .iter()
                .map(|(n, w)| (n.clone(), w.clone()))
                .collect()
        })
        .unwrap_or_default();
    let rows = warehouses
        .iter()
        .filter(|(n, _)| keep(show, n))
        .map(|(name, w)| {
            let current = session.warehouse.as_deref() == Some(name.as_str());
            let number = |p: &str| match w.property(p).parse::<i64>() {
                Ok(n) => Cell::Int(n),
                Err(_) => Cell::Null,
            };
            let clusters = if w.suspended { 0 } else { 1 };
            vec![
                text(name),
                text(if w.suspended { "SUSPENDED" } else { "STARTED" }),
                text(&w.property("WAREHOUSE_TYPE")),
                text(&w.property("WAREHOUSE_SIZE")),
                number("MIN_CLUSTER_COUNT"),
                number("MAX_CLUSTER_COUNT"),
                Cell::Int(clusters),
                Cell::Int(0),
                Cell::Int(0),
                yes_no(false),
                yes_no(current),
                number("AUTO_SUSPEND"),
                text(&w.property("AUTO_RESUME")),
                text(if w.suspended { "" } else { "100" }),
                text(if w.suspended { "" } else { "0" }),
                text(if w.suspended { "" } else { "0" }),
                text(if w.suspended { "" } else { "0" }),
                Cell::Timestamp(w.created_on),
                Cell::Timestamp(w.resumed_on),
                Cell::Timestamp(w.updated_on),
                text(role),
                text(&w.property("COMMENT")),
                text(&w.property("ENABLE_QUERY_ACCELERATION")),
                number("QUERY_ACCELERATION_MAX_SCALE_FACTOR"),
                text(&w.property("RESOURCE_MONITOR")),
                Cell::Int(clusters),
                Cell::Int(0),
                Cell::Int(0),
                Cell::Int(1 - clusters),
                text(""),
                text(&w.property("SCALING_POLICY")),
                Cell::Null,
                text("ROLE"),
                Cell::Null,
            ]
        })
        .collect();
    (
        vec![
            ("name", TEXT),
            ("state", TEXT),
            ("type", TEXT),
            ("size", TEXT),
            ("min_cluster_count", NUMBER),
            ("max_cluster_count", NUMBER),
            ("started_clusters", NUMBER),
            ("running", NUMBER),
            ("queued", NUMBER),
            ("is_default", TEXT),
            ("is_current", TEXT),
            ("auto_suspend", NUMBER),
            ("auto_resume", TEXT),
            ("available", TEXT),
            ("provisioning", TEXT),
            ("quiescing", TEXT),
            ("other", TEXT),
            ("created_on", TIMESTAMP),
            ("resumed_on", TIMESTAMP),
            ("updated_on", TIMESTAMP),
            ("owner", TEXT),
            ("comment", TEXT),
            ("enable_query_acceleration", TEXT),
            ("query_acceleration_max_scale_factor", NUMBER),
            ("resource_monitor", TEXT),
            ("actives", NUMBER),
            ("pendings", NUMBER),
            ("failed", NUMBER),
            ("suspended", NUMBER),
            ("uuid", TEXT),
            ("scaling_policy", TEXT),
            ("budget", TEXT),
            ("owner_role_type", TEXT),
            ("resource_constraint", TEXT),
        ],
        rows,
    )
}

fn parameters(session: &Session, show: &Show) -> Listing {
    let rows = session
        .params
        .listing()
        .into_iter()
        .filter(|(k, ..)| keep(show, k))
        .map(|(key, value, default, kind)| {
            let level = if value == default { "" } else { "SESSION" };
            vec![
                text(&key),
                text(&value),
                text(&default),
                text(level),
                text(""),
                text(kind),
            ]
        })
        .collect();
    (
        vec![
            ("key", TEXT),
            ("value", TEXT),
            ("default", TEXT),
            ("level", TEXT),
            ("description", TEXT),
            ("type", TEXT),
        ],
        rows,
    )
}

/// SHOW VARIABLES: the session's variables, by name, with their values as text and their types
/// in the words of Snowflake's variable types. Snowglobe does not keep when a variable was
/// set: `created_on` and `updated_on` are the time of the SHOW.
fn variables(session: &Session, show: &Show, now: i64) -> Listing {
    let rows = session
        .variables
        .iter()
        .filter(|(name, _)| keep(show, name))
        .map(|(name, literal)| {
            let (value, kind) = super::variables::value_and_type(literal);
            vec![
                Cell::Int(i64::try_from(session.id).unwrap_or(i64::MAX)),
                Cell::Timestamp(now),
                Cell::Timestamp(now),
                text(name),
                value.map_or(Cell::Null, |v| text(&v)),
                text(kind),
                text(""),
            ]
        })
        .collect();
    (
        vec![
            ("session_id", SfType::INTEGER),
            ("created_on", TIMESTAMP),
            ("updated_on", TIMESTAMP),
            ("name", TEXT),
            ("value", TEXT),
            ("type", TEXT),
            ("comment", TEXT),
        ],
        rows,
    )
}

/// Built-in functions Snowglobe translates (SHOW FUNCTIONS); there are no user functions.
const BUILTINS: &[&str] = &[
    "ABS",
    "ANY_VALUE",
    "APPROX_COUNT_DISTINCT",
    "ARRAY_AGG",
    "ARRAY_APPEND",
    "ARRAY_CAT",
    "ARRAY_COMPACT",
    "ARRAY_CONSTRUCT",
    "ARRAY_CONTAINS",
    "ARRAY_DISTINCT",
    "ARRAY_SIZE",
    "ARRAY_SLICE",
    "ARRAY_TO_STRING",
    "AVG",
    "BOOLAND_AGG",
    "BOOLOR_AGG",
    "CEIL",
    "CHARINDEX",
    "COALESCE",
    "CONCAT",
    "CONCAT_WS",
    "CONTAINS",
    "CONVERT_TIMEZONE",
    "COUNT",
    "COUNT_IF",
    "CURRENT_DATABASE",
    "CURRENT_DATE",
    "CURRENT_SCHEMA",
    "CURRENT_TIMESTAMP",
    "DATEADD",
    "DATEDIFF",
    "DATE_TRUNC",
    "DECODE",
    "DIV0",
    "DIV0NULL",
    "ENDSWITH",
    "EQUAL_NULL",
    "FLATTEN",
    "FLOOR",
    "GENERATOR",
    "GET",
    "GET_PATH",
    "HASH",
    "IFF",
    "IFNULL",
    "ILIKE",
    "INITCAP",
    "LAST_DAY",
    "LEFT",
    "LENGTH",
    "LISTAGG",
    "LOWER",
    "LPAD",
    "LTRIM",
    "MAX",
    "MAX_BY",
    "MD5",
    "MEDIAN",
    "MIN",
    "MIN_BY",
    "MOD",
    "MODE",
    "NEXT_DAY",
    "NULLIFZERO",
    "NVL",
    "NVL2",
    "OBJECT_AGG",
    "OBJECT_CONSTRUCT",
    "OBJECT_KEYS",
    "PARSE_JSON",
    "PERCENTILE_CONT",
    "RANDOM",
    "REGEXP_REPLACE",
    "REGEXP_SUBSTR",
    "REPLACE",
    "REVERSE",
    "RIGHT",
    "ROUND",
    "RPAD",
    "RTRIM",
    "SEQ4",
    "SHA1",
    "SHA2",
    "SPLIT",
    "SPLIT_PART",
    "STARTSWITH",
    "STDDEV",
    "STRTOK",
    "SUBSTR",
    "SUM",
    "SYSDATE",
    "TO_BOOLEAN",
    "TO_CHAR",
    "TO_DATE",
    "TO_NUMBER",
    "TO_TIMESTAMP",
    "TO_VARCHAR",
    "TO_VARIANT",
    "TRANSLATE",
    "TRIM",
    "TRUNC",
    "TRY_CAST",
    "TRY_PARSE_JSON",
    "TRY_TO_DATE",
    "TRY_TO_NUMBER",
    "TYPEOF",
    "UNIFORM",
    "UPPER",
    "UUID_STRING",
    "VARIANCE",
    "ZEROIFNULL",
];

/// A type as a function signature shows it: upper-case, without precision, scale or length
/// (`number(10, 2)` is `NUMBER`; `table (a int)` is `TABLE (A INT)`).
fn signature_type(written: &str) -> String {
    let mut out = String::new();
    let mut rest = written.trim();
    while let Some(open) = rest.find('(') {
        let close = rest[open..].find(')').map_or(rest.len(), |c| open + c + 1);
        let inside = &rest[open + 1..close.saturating_sub(1).max(open + 1)];
        out.push_str(&rest[..open]);
        if !inside
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c.is_whitespace())
        {
            // A column list (`TABLE (a INT, b NUMBER(5, 0))`): keep it, its types shortened.
            let end = matching_paren(rest, open);
            out.push('(');
            out.push_str(&signature_type(&rest[open + 1..end]));
            out.push(')');
            rest = &rest[(end + 1).min(rest.len())..];
            continue;
        }
        rest = &rest[close.min(rest.len())..];
    }
    out.push_str(rest);
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
        .to_uppercase()
}

/// The index of the `)` that closes the `(` at `open`.
fn matching_paren(text: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// A SHOW FUNCTIONS row: `texts` are the name, schema, arguments, description and catalog.
fn function_row(
    now: i64,
    texts: [&str; 5],
    builtin: bool,
    arguments: i64,
    table: bool,
) -> Vec<Cell> {
    let [name, schema, signature, description, catalog] = texts;
    vec![
        Cell::Timestamp(now),
        text(name),
        text(schema),
        yes_no(builtin),
        yes_no(false),
        yes_no(false),
        Cell::Int(arguments),
        Cell::Int(arguments),
        text(signature),
        text(description),
        text(catalog),
        yes_no(table),
        yes_no(false),
        yes_no(false),
        text(""),
        text(""),
        yes_no(false),
        text("SQL"),
        yes_no(false),
        yes_no(false),
    ]
}

/// SHOW [USER] FUNCTIONS: the SQL functions users created (in the current database, or the
/// scope named), and for SHOW FUNCTIONS the built-in ones too.
fn functions(session: &Session, show: &Show, now: i64) -> Result<Listing> {
    let scope = if show.account {
        let databases = match &session.database {
            Some(db) => vec![db.clone()],
            None => session.conn().databases()?,
        };
        let mut out = Vec::new();
        for db in databases {
            for s in session.conn().schemas(&db)? {
                out.push((db.clone(), s));
            }
        }
        out
    } else {
        schemas(session, show)?
    };
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for (db, schema) in scope {
        let procedures = show.objects == ShowObjects::Procedures;
        for (f, comment) in super::procedure::user_functions(session, &db, &schema, !procedures) {
            if !keep(show, &f.name.name) {
                continue;
            }
            // Argument types as Snowflake lists them: INT is NUMBER, STRING is VARCHAR.
            let types: Vec<String> = f
                .args
                .iter()
                .map(|(_, t)| match super::procedure::signature_kind(t) {
                    "OTHER" => signature_type(t),
                    kind => kind.to_string(),
                })
                .collect();
            let table = f
                .returns
                .trim_start()
                .to_ascii_uppercase()
                .starts_with("TABLE");
            let arguments = format!(
                "{}({}) RETURN {}",
                f.name.name,
                types.join(", "),
                signature_type(&f.returns)
            );
            let description = comment.as_deref().unwrap_or(if procedures {
                "user-defined procedure"
            } else {
                "user-defined function"
            });
            let count = f.args.len() as i64;
            rows.push(function_row(
                now,
                [&f.name.name, &schema, &arguments, description, &db],
                false,
                count,
                table,
            ));
        }
    }
    if show.objects == ShowObjects::Functions {
        rows.extend(BUILTINS.iter().filter(|n| keep(show, n)).map(|name| {
            let arguments = format!("{name}() RETURN VARIANT");
            let table = *name == "FLATTEN" || *name == "GENERATOR";
            function_row(now, [name, "", &arguments, "", ""], true, 0, table)
        }));
    }
    Ok((
        vec![
            ("created_on", TIMESTAMP),
            ("name", TEXT),
            ("schema_name", TEXT),
            ("is_builtin", TEXT),
            ("is_aggregate", TEXT),
            ("is_ansi", TEXT),
            ("min_num_arguments", NUMBER),
            ("max_num_arguments", NUMBER),
            ("arguments", TEXT),
            ("description", TEXT),
            ("catalog_name", TEXT),
            ("is_table_function", TEXT),
            ("valid_for_clustering", TEXT),
            ("is_secure", TEXT),
            ("secrets", TEXT),
            ("external_access_integrations", TEXT),
            ("is_external_function", TEXT),
            ("language", TEXT),
            ("is_memoizable", TEXT),
            ("is_data_metric", TEXT),
        ],
        rows,
    ))
}
