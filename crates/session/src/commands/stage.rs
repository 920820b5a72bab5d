//! `CREATE/DROP STAGE`, `CREATE/DROP FILE FORMAT`, `DESCRIBE STAGE`, and the file commands
//! `PUT`, `GET`, `LIST`, `REMOVE` on internal stages. PUT and GET answer with transfer
//! instructions for a `LOCAL_FS` stage (PROTOCOL.md §7): the client copies the files itself.

use serde_json::json;
use snowglobe_catalog::SfType;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::stages::{option, FileFormat, OptionValue, Options, StageRef};
use snowglobe_translate::ObjectRef;

use super::format_properties::{properties, Kind};
use super::sequence::schema_must_exist;
use super::show::text;
use crate::results::Cell;
use crate::stages::{
    display_prefix, io_error, now_micros, read_definition, select_files, stored_options,
    write_definition, Definition,
};
use crate::{ResultSet, Session, StatementType};

/// CREATE of an object that exists: IF NOT EXISTS answers, OR REPLACE removes the old one
/// (`remove`), anything else is "already exists". `None` when creation goes ahead.
pub(crate) fn existing(
    name: &str,
    found: Option<std::path::PathBuf>,
    if_not_exists: bool,
    or_replace: bool,
    remove: fn(&std::path::Path) -> std::io::Result<()>,
) -> Result<Option<ResultSet>> {
    let Some(found) = found else { return Ok(None) };
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
    remove(&found).map_err(|e| io_error("remove", &found, e))?;
    Ok(None)
}

pub fn create_stage(
    session: &mut Session,
    name: ObjectRef,
    or_replace: bool,
    if_not_exists: bool,
    temporary: bool,
    file_format: FileFormat,
    comment: Option<String>,
) -> Result<ResultSet> {
    schema_must_exist(session, &name)?;
    let found = session.named_stage_dir(&name);
    if let Some(answer) = existing(&name.name, found, if_not_exists, or_replace, |p| {
        std::fs::remove_dir_all(p)
    })? {
        return Ok(answer);
    }
    let mut def = Definition {
        comment,
        created_on: now_micros(),
        ..Definition::default()
    };
    match file_format {
        FileFormat::Default => {}
        FileFormat::Inline(options) => def.format = stored_options(&options),
        FileFormat::Named(format) => {
            if session.format_file(&format).is_none() {
                return Err(format_missing(&format));
            }
            def.format_name = Some((format.database, format.schema, format.name));
        }
    }
    let dir = session
        .object_dir(&name, temporary, "stages")
        .join(snowglobe_engine::encode_file_name(&name.name));
    std::fs::create_dir_all(dir.join("files")).map_err(|e| io_error("create", &dir, e))?;
    write_definition(&dir.join("stage.json"), &def)?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Stage area {} successfully created.", name.name),
    )
}

/// DROP of a stage or file format found at `found` (removed by `remove`), or the IF EXISTS
/// answer, or `missing`.
pub(crate) fn drop_object(
    name: &str,
    found: Option<std::path::PathBuf>,
    if_exists: bool,
    remove: fn(&std::path::Path) -> std::io::Result<()>,
    missing: SnowflakeError,
) -> Result<ResultSet> {
    match found {
        Some(path) => {
            remove(&path).map_err(|e| io_error("remove", &path, e))?;
            ResultSet::status(StatementType::Ddl, format!("{name} successfully dropped."))
        }
        None if if_exists => ResultSet::status(
            StatementType::Ddl,
            format!("Drop statement executed successfully ({name} already dropped)."),
        ),
        None => Err(missing),
    }
}

pub fn drop_stage(session: &mut Session, name: ObjectRef, if_exists: bool) -> Result<ResultSet> {
    let found = session.named_stage_dir(&name);
    drop_object(
        &name.name,
        found,
        if_exists,
        |p| std::fs::remove_dir_all(p),
        crate::stages::stage_missing(&name),
    )
}

pub fn create_file_format(
    session: &mut Session,
    name: ObjectRef,
    or_replace: bool,
    if_not_exists: bool,
    temporary: bool,
    options: Options,
    comment: Option<String>,
) -> Result<ResultSet> {
    schema_must_exist(session, &name)?;
    let found = session.format_file(&name);
    if let Some(answer) = existing(&name.name, found, if_not_exists, or_replace, |p| {
        std::fs::remove_file(p)
    })? {
        return Ok(answer);
    }
    let mut format = stored_options(&options);
    if !format.iter().any(|(k, _)| k == "TYPE") {
        format.insert(0, ("TYPE".into(), json!("CSV")));
    }
    let def = Definition {
        format,
        comment,
        created_on: now_micros(),
        ..Definition::default()
    };
    let file = session
        .object_dir(&name, temporary, "formats")
        .join(format!(
            "{}.json",
            snowglobe_engine::encode_file_name(&name.name)
        ));
    write_definition(&file, &def)?;
    ResultSet::status(
        StatementType::Ddl,
        format!("File format {} successfully created.", name.name),
    )
}

pub fn drop_file_format(
    session: &mut Session,
    name: ObjectRef,
    if_exists: bool,
) -> Result<ResultSet> {
    let found = session.format_file(&name);
    let missing = format_missing(&name);
    drop_object(
        &name.name,
        found,
        if_exists,
        |p| std::fs::remove_file(p),
        missing,
    )
}

/// `File format 'DB.SCHEMA.NAME' does not exist or not authorized.`
fn format_missing(name: &ObjectRef) -> SnowflakeError {
    SnowflakeError::does_not_exist(
        "File format",
        &format!("{}.{}.{}", name.database, name.schema, name.name),
    )
}

/// `DESCRIBE FILE FORMAT`: every property of the format's type, its value and its default.
pub fn describe_file_format(session: &mut Session, name: ObjectRef) -> Result<ResultSet> {
    let file = session
        .format_file(&name)
        .ok_or_else(|| format_missing(&name))?;
    let format = read_definition(&file)?.format;
    let rows = properties(&format)
        .into_iter()
        .map(|p| {
            vec![
                text(p.name),
                text(p.kind.name()),
                text(&p.value),
                text(&p.default),
            ]
        })
        .collect();
    let t = SfType::TEXT;
    ResultSet::table(
        StatementType::Select,
        &[
            ("property", t),
            ("property_type", t),
            ("property_value", t),
            ("property_default", t),
        ],
        rows,
    )
}

/// `DESCRIBE STAGE`: the properties of the stage's file format (its own or the named one it
/// uses), its copy options (the defaults: a stage keeps none) and its location (none: internal).
pub fn describe_stage(session: &mut Session, name: ObjectRef) -> Result<ResultSet> {
    let dir = session
        .named_stage_dir(&name)
        .ok_or_else(|| crate::stages::stage_missing(&name))?;
    let def = read_definition(&dir.join("stage.json"))?;
    let format = match &def.format_name {
        Some((d, s, n)) => {
            let format = ObjectRef {
                database: d.clone(),
                schema: s.clone(),
                name: n.clone(),
            };
            session
                .format_file(&format)
                .map(|f| read_definition(&f).map(|d| d.format))
                .transpose()?
                .unwrap_or_default()
        }
        None => def.format.clone(),
    };
    // DESCRIBE STAGE prints booleans in lower case.
    let shown = |kind: Kind, v: &str| {
        if kind == Kind::Boolean {
            v.to_ascii_lowercase()
        } else {
            v.to_string()
        }
    };
    let mut rows: Vec<Vec<Cell>> = properties(&format)
        .into_iter()
        .map(|p| {
            vec![
                text("STAGE_FILE_FORMAT"),
                text(p.name),
                text(p.kind.name()),
                text(&shown(p.kind, &p.value)),
                text(&shown(p.kind, &p.default)),
            ]
        })
        .collect();
    for (option, kind, value) in [
        ("ON_ERROR", "String", "ABORT_STATEMENT"),
        ("SIZE_LIMIT", "Long", ""),
        ("PURGE", "Boolean", "false"),
        ("RETURN_FAILED_ONLY", "Boolean", "false"),
        ("ENFORCE_LENGTH", "Boolean", "true"),
        ("TRUNCATECOLUMNS", "Boolean", "false"),
        ("FORCE", "Boolean", "false"),
    ] {
        rows.push(vec![
            text("STAGE_COPY_OPTIONS"),
            text(option),
            text(kind),
            text(value),
            text(value),
        ]);
    }
    rows.push(vec![
        text("STAGE_LOCATION"),
        text("URL"),
        text("String"),
        text(""),
        text(""),
    ]);
    let t = SfType::TEXT;
    ResultSet::table(
        StatementType::Select,
        &[
            ("parent_property", t),
            ("property", t),
            ("property_type", t),
            ("property_value", t),
            ("property_default", t),
        ],
        rows,
    )
}

/// The transfer answer of PUT and GET: no rows, instructions in the response's `data`.
fn transfer(data: serde_json::Value) -> Result<ResultSet> {
    Ok(ResultSet {
        query_id: crate::new_query_id(),
        statement_type: StatementType::FileTransfer,
        columns: vec![],
        batches: vec![],
        child_ids: vec![],
        transfer: Some(data),
    })
}

fn stage_info(location: &std::path::Path, stage: &StageRef) -> serde_json::Value {
    json!({
        "locationType": "LOCAL_FS",
        "location": location.to_string_lossy(),
        "path": format!("{}{}", display_prefix(stage), stage.path),
        "region": null,
        "storageAccount": null,
        "isClientSideEncrypted": false,
        "creds": {},
        "endPoint": null,
    })
}

pub fn put(
    session: &mut Session,
    local: String,
    stage: StageRef,
    options: Options,
) -> Result<ResultSet> {
    let base = session.stage_files_dir(&stage)?;
    let location = base.join(stage.path.trim_end_matches('/'));
    std::fs::create_dir_all(&location).map_err(|e| io_error("create", &location, e))?;
    let text_option = |name: &str| option(&options, name).and_then(OptionValue::text);
    let flag = |name: &str, default: bool| {
        option(&options, name)
            .and_then(OptionValue::flag)
            .unwrap_or(default)
    };
    let parallel: u64 = text_option("PARALLEL")
        .and_then(|p| p.parse().ok())
        .unwrap_or(4);
    transfer(json!({
        "command": "UPLOAD",
        "src_locations": [local],
        "autoCompress": flag("AUTO_COMPRESS", true),
        "sourceCompression": text_option("SOURCE_COMPRESSION")
            .unwrap_or_else(|| "AUTO_DETECT".into())
            .to_lowercase(),
        "parallel": parallel,
        "overwrite": flag("OVERWRITE", false),
        "threshold": 209_715_200,
        "encryptionMaterial": null,
        "stageInfo": stage_info(&location, &stage),
        "rowtype": [],
        "rowset": [],
    }))
}

pub fn get(
    session: &mut Session,
    stage: StageRef,
    local: String,
    pattern: Option<String>,
) -> Result<ResultSet> {
    let base = session.stage_files_dir(&stage)?;
    let files = select_files(&base, &stage.path, pattern.as_deref())?;
    let sources: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let local_dir = std::path::Path::new(&local);
    if !local_dir.is_dir() {
        std::fs::create_dir_all(local_dir).map_err(|e| io_error("create", local_dir, e))?;
    }
    transfer(json!({
        "command": "DOWNLOAD",
        "src_locations": sources,
        "localLocation": local,
        "parallel": 10,
        "encryptionMaterial": [],
        "stageInfo": stage_info(&base, &stage),
        "rowtype": [],
        "rowset": [],
    }))
}

/// `LIST @stage`: name, size, md5, last_modified.
pub fn list(session: &mut Session, stage: StageRef, pattern: Option<String>) -> Result<ResultSet> {
    use md5::{Digest, Md5};
    let base = session.stage_files_dir(&stage)?;
    let prefix = display_prefix(&stage);
    let mut rows = Vec::new();
    for f in select_files(&base, &stage.path, pattern.as_deref())? {
        let bytes = std::fs::read(&f.disk).map_err(|e| io_error("read", &f.disk, e))?;
        let md5 = format!("{:x}", Md5::digest(&bytes));
        let modified = chrono::DateTime::<chrono::Utc>::from(f.modified)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        rows.push(vec![
            text(&format!("{prefix}{}", f.path)),
            Cell::Int(f.size as i64),
            text(&md5),
            text(&modified),
        ]);
    }
    ResultSet::table(
        StatementType::Select,
        &[
            ("name", SfType::TEXT),
            ("size", SfType::INTEGER),
            ("md5", SfType::TEXT),
            ("last_modified", SfType::TEXT),
        ],
        rows,
    )
}

/// `REMOVE @stage`: name, result.
pub fn remove(
    session: &mut Session,
    stage: StageRef,
    pattern: Option<String>,
) -> Result<ResultSet> {
    let base = session.stage_files_dir(&stage)?;
    let prefix = display_prefix(&stage);
    let mut rows = Vec::new();
    for f in select_files(&base, &stage.path, pattern.as_deref())? {
        std::fs::remove_file(&f.disk).map_err(|e| io_error("remove", &f.disk, e))?;
        rows.push(vec![text(&format!("{prefix}{}", f.path)), text("removed")]);
    }
    ResultSet::table(
        StatementType::Select,
        &[("name", SfType::TEXT), ("result", SfType::TEXT)],
        rows,
    )
}

/// SHOW STAGES / SHOW FILE FORMATS rows for one schema.
pub(crate) fn show_rows(
    session: &Session,
    database: &str,
    schema: &str,
    stages: bool,
    role: &str,
) -> Vec<(String, Vec<Cell>)> {
    let kind = if stages { "stages" } else { "formats" };
    session
        .definitions(database, schema, kind)
        .into_iter()
        .map(|(name, temporary, def)| {
            let comment = text(def.comment.as_deref().unwrap_or(""));
            let row = if stages {
                vec![
                    Cell::Timestamp(def.created_on),
                    text(&name),
                    text(database),
                    text(schema),
                    text(""),
                    text("N"),
                    text("N"),
                    text(role),
                    comment,
                    Cell::Null,
                    text(if temporary {
                        "INTERNAL TEMPORARY"
                    } else {
                        "INTERNAL"
                    }),
                    Cell::Null,
                    Cell::Null,
                    text("ROLE"),
                    text("N"),
                ]
            } else {
                let format_type =
                    crate::stages::format_text(&def.format, "TYPE").unwrap_or_else(|| "CSV".into());
                let options: serde_json::Map<String, serde_json::Value> =
                    def.format.iter().cloned().collect();
                vec![
                    Cell::Timestamp(def.created_on),
                    text(&name),
                    text(database),
                    text(schema),
                    text(&format_type),
                    text(role),
                    comment,
                    text("ROLE"),
                    text(&serde_json::Value::Object(options).to_string()),
                ]
            };
            (name, row)
        })
        .collect()
}

/// The columns of SHOW STAGES / SHOW FILE FORMATS.
pub(crate) fn show_columns(stages: bool) -> Vec<(&'static str, SfType)> {
    let t = SfType::TEXT;
    let ts = SfType::TimestampLtz { scale: 3 };
    if stages {
        vec![
            ("created_on", ts),
            ("name", t),
            ("database_name", t),
            ("schema_name", t),
            ("url", t),
            ("has_credentials", t),
            ("has_encryption_key", t),
            ("owner", t),
            ("comment", t),
            ("region", t),
            ("type", t),
            ("cloud", t),
            ("notification_channel", t),
            ("owner_role_type", t),
            ("directory_enabled", t),
        ]
    } else {
        vec![
            ("created_on", ts),
            ("name", t),
            ("database_name", t),
            ("schema_name", t),
            ("type", t),
            ("owner", t),
            ("comment", t),
            ("owner_role_type", t),
            ("format_options", t),
        ]
    }
}
