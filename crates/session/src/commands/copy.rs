//! `COPY INTO <table> FROM @stage` (CSV, JSON, Parquet; with or without a transformation
//! `SELECT`). The staged files become a temporary DuckDB view read by DuckDB's own readers
//! (`read_csv` with every field as text, `read_json_objects`, `read_parquet`); the load itself is
//! a Snowflake `INSERT ... SELECT` over that view, run through the whole translation, so values
//! convert the way Snowflake converts them. Files loaded into a table are remembered (Snowflake's
//! load metadata) and skipped by later loads unless `FORCE = TRUE`.

use snowglobe_catalog::names::{mangle, quote, quote_literal};
use snowglobe_catalog::SfType;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::stages::{rewrite_staged_columns, split_items, CopyInto};
use snowglobe_translate::ObjectRef;

use super::csv_escapes;
use super::show::text;
use crate::results::Cell;
use crate::stages::{copy_option, display_prefix, format_list, format_text, select_files};
use crate::{ResultSet, Session, StatementType};

/// The view the staged rows are read through (a temporary table to the translator).
const ROWS_VIEW: &str = "SG_STAGED_ROWS";
/// The rows view's row-number column (ON_ERROR = CONTINUE loads ranges of rows).
const ROW_NUMBER: &str = "SG_ROW";

/// One file's outcome.
struct Loaded {
    file: String,
    rows: u64,
    error: Option<String>,
    /// ON_ERROR = CONTINUE: rows read, rows that failed, and the first failure's line.
    partial: Option<Partial>,
}

struct Partial {
    parsed: u64,
    /// The errors the file may have (its rows for CONTINUE).
    limit: u64,
    errors: u64,
    first_error: Option<(String, u64)>,
    /// Every row that failed (its number among the data rows, from 1) and why.
    failures: Vec<(u64, SnowflakeError)>,
}

/// COPY's ON_ERROR option.
#[derive(Clone, Copy, PartialEq, Debug)]
enum OnError {
    Abort,
    Continue,
    /// SKIP_FILE (1) or SKIP_FILE_<n>: skip a file with at least `n` failing rows.
    Skip(u64),
    /// 'SKIP_FILE_<n>%': skip a file when more than `n` percent of its rows fail.
    SkipPercent(f64),
}

impl OnError {
    fn parse(text: Option<&str>) -> Result<OnError> {
        let upper = text
            .unwrap_or("ABORT_STATEMENT")
            .trim()
            .to_ascii_uppercase();
        let skip = upper.strip_prefix("SKIP_FILE_");
        let parsed = match upper.as_str() {
            "ABORT_STATEMENT" => Some(OnError::Abort),
            "CONTINUE" => Some(OnError::Continue),
            "SKIP_FILE" => Some(OnError::Skip(1)),
            _ => match skip.and_then(|n| n.strip_suffix('%')) {
                Some(percent) => percent
                    .parse::<f64>()
                    .ok()
                    .filter(|p| p.is_finite() && *p >= 0.0)
                    .map(OnError::SkipPercent),
                None => skip
                    .and_then(|n| n.parse::<u64>().ok())
                    .filter(|n| *n > 0)
                    .map(OnError::Skip),
            },
        };
        parsed.ok_or_else(|| {
            SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!(
                    "invalid value '{}' for property 'ON_ERROR'",
                    text.unwrap_or_default()
                ),
            )
        })
    }

    /// Whether a file with these failures is skipped.
    fn skips(&self, partial: &Partial) -> bool {
        match *self {
            OnError::Abort => partial.errors > 0,
            OnError::Continue => false,
            OnError::Skip(n) => partial.errors >= n,
            OnError::SkipPercent(p) => {
                partial.parsed > 0 && partial.errors as f64 * 100.0 / partial.parsed as f64 > p
            }
        }
    }

    /// The ERROR_LIMIT a load reports for a file.
    fn limit(&self, partial: &Partial) -> u64 {
        match *self {
            OnError::Abort => 1,
            OnError::Continue => partial.parsed,
            OnError::Skip(n) => n,
            OnError::SkipPercent(p) => (partial.parsed as f64 * p / 100.0).ceil() as u64,
        }
    }
}

fn sql_text(s: &str) -> String {
    quote_literal(s)
}

/// Quote a Snowflake name for Snowflake SQL (case kept).
fn sf_quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The DuckDB reader over `files` for a file format (CSV fields as text).
fn reader(
    kind: &str,
    format: &[(String, serde_json::Value)],
    files: &[String],
    match_by_name: bool,
) -> Result<String> {
    typed_reader(kind, format, files, match_by_name, false)
}

/// [`reader`], with CSV fields typed by DuckDB's sniffer when `typed_csv`.
fn typed_reader(
    kind: &str,
    format: &[(String, serde_json::Value)],
    files: &[String],
    match_by_name: bool,
    typed_csv: bool,
) -> Result<String> {
    let list = format!(
        "[{}]",
        files
            .iter()
            .map(|f| sql_text(f))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let compression = match format_text(format, "COMPRESSION").as_deref() {
        Some("GZIP") => "'gzip'",
        Some("ZSTD") => "'zstd'",
        Some("NONE") => "'none'",
        _ => "'auto'",
    };
    match kind {
        "CSV" => {
            let delimiter = format_text(format, "FIELD_DELIMITER").unwrap_or_else(|| ",".into());
            let enclosed = format_text(format, "FIELD_OPTIONALLY_ENCLOSED_BY")
                .filter(|q| q != "NONE" && !q.is_empty());
            let skip: u64 = format_text(format, "SKIP_HEADER")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let header = format_text(format, "PARSE_HEADER").as_deref() == Some("TRUE");
            let padding = format_text(format, STRICT_WIDTH).as_deref() != Some("TRUE");
            let mut nulls = format_list(format, "NULL_IF").unwrap_or_else(|| vec!["\\N".into()]);
            if format_text(format, "EMPTY_FIELD_AS_NULL").as_deref() != Some("FALSE") {
                nulls.push(String::new());
            }
            let quote_option = match &enclosed {
                Some(q) => format!(
                    "quote = {0}, escape = {0}, allow_quoted_nulls = false",
                    sql_text(q)
                ),
                // Strict mode is what refuses a record wider than the others.
                None => format!("quote = '', escape = '', strict_mode = {}", !padding),
            };
            Ok(format!(
                "read_csv({list}, header = {header}, all_varchar = {}, delim = {}, {quote_option}, \
                 skip = {skip}, nullstr = [{}], null_padding = {padding}, compression = {compression}, \
                 filename = 'SG_FILE')",
                !typed_csv,
                sql_text(&delimiter),
                nulls.iter().map(|n| sql_text(n)).collect::<Vec<_>>().join(", ")
            ))
        }
        "JSON" if match_by_name => Ok(format!(
            "read_json({list}, format = 'auto', compression = {compression}, filename = 'SG_FILE')"
        )),
        "JSON" => {
            let strip = format_text(format, "STRIP_OUTER_ARRAY").as_deref() == Some("TRUE");
            Ok(format!(
                "read_json_objects({list}, format = '{}', compression = {compression}, filename = 'SG_FILE')",
                if strip { "auto" } else { "unstructured" }
            ))
        }
        "PARQUET" => Ok(format!("read_parquet({list}, filename = 'SG_FILE')")),
        other => Err(SnowflakeError::unsupported(format!(
            "file format TYPE = {other}"
        ))),
    }
}

/// A CSV reader over `files` (`source`, as [`reader`] wrote it) with no sniffing: as many text
/// columns as the widest line has fields (counted by delimiters, so a quoted delimiter only
/// widens it), shorter rows padded with NULLs. `None` for files read with their header's
/// names (PARSE_HEADER).
fn fixed_width_reader(
    session: &Session,
    format: &[(String, serde_json::Value)],
    files: &[String],
    source: &str,
) -> Result<Option<String>> {
    if format_text(format, "PARSE_HEADER").as_deref() == Some("TRUE") {
        return Ok(None);
    }
    let delimiter = format_text(format, "FIELD_DELIMITER").unwrap_or_else(|| ",".into());
    let skip: u64 = format_text(format, "SKIP_HEADER")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let list = files
        .iter()
        .map(|f| sql_text(f))
        .collect::<Vec<_>>()
        .join(", ");
    let width: usize = session
        .conn()
        .text_rows(&format!(
            "SELECT max(len(string_split(line, {})))::VARCHAR FROM read_csv([{list}], \
             auto_detect = false, header = false, columns = {{'line': 'VARCHAR'}}, \
             delim = '\u{1e}', quote = '', escape = '', strict_mode = false, skip = {skip})",
            sql_text(&delimiter)
        ))?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if width == 0 {
        return Ok(None);
    }
    let columns = (0..width)
        .map(|i| format!("'column{i}': 'VARCHAR'"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(open) = source.rfind(", filename = 'SG_FILE')") else {
        return Ok(None);
    };
    let strict = if source.contains("strict_mode") {
        ""
    } else {
        ", strict_mode = false"
    };
    Ok(Some(format!(
        "{}, auto_detect = false{strict}, columns = {{{columns}}}{}",
        &source[..open],
        &source[open..]
    )))
}

pub fn copy_into(session: &mut Session, copy: CopyInto) -> Result<ResultSet> {
    let table = copy.table.clone();
    let (db, schema) = session.storage_of(&table);
    if !session.conn().table_exists(&db, &schema, &table.name)? {
        return Err(SnowflakeError::does_not_exist(
            "Table",
            &format!("{}.{}.{}", table.database, table.schema, table.name),
        ));
    }
    let table_columns = session.conn().columns(&db, &schema, &table.name)?;
    let base = session.stage_files_dir(&copy.stage)?;
    let format = session.format_options(&copy.file_format, &copy.stage)?;
    let kind = format_text(&format, "TYPE").unwrap_or_else(|| "CSV".into());
    let force = copy_option(&copy.options, "FORCE").as_deref() == Some("TRUE");
    let purge = copy_option(&copy.options, "PURGE").as_deref() == Some("TRUE");
    let on_error = OnError::parse(copy_option(&copy.options, "ON_ERROR").as_deref())?;
    let match_by_name = copy_option(&copy.options, "MATCH_BY_COLUMN_NAME")
        .map(|m| m.to_uppercase())
        .filter(|m| m != "NONE");

    // The files: FILES = (...) relative to the FROM path, else everything under it.
    let prefix = copy.stage.path.clone();
    let mut files = match &copy.files {
        Some(names) => {
            let all = select_files(&base, "", None)?;
            let wanted: Vec<String> = names
                .iter()
                .map(|n| {
                    if prefix.is_empty() {
                        n.clone()
                    } else {
                        format!("{}/{n}", prefix.trim_end_matches('/'))
                    }
                })
                .collect();
            all.into_iter()
                .filter(|f| wanted.contains(&f.path))
                .collect()
        }
        None => select_files(&base, &prefix, copy.pattern.as_deref())?,
    };
    if copy.files.is_some() {
        if let Some(p) = &copy.pattern {
            let keep = select_files(&base, &prefix, Some(p))?;
            files.retain(|f| keep.iter().any(|k| k.path == f.path));
        }
    }
    let table_path = session.storage_path(&table);
    let table_oid = session.table_oid(&table)?;
    let history_key = |path: &str, size: u64, modified: std::time::SystemTime| {
        let stamp = modified
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("{}\u{0}{path}\u{0}{size}\u{0}{stamp}", base.display())
    };
    if !force {
        let mut history = session
            .shared
            .load_history
            .lock()
            .map_err(|_| SnowflakeError::internal("load history lock poisoned"))?;
        let loaded = history.loaded(&table_path, table_oid);
        files.retain(|f| !loaded.contains(&history_key(&f.path, f.size, f.modified)));
    }
    if files.is_empty() {
        return ResultSet::status(
            StatementType::Select,
            "Copy executed with 0 files processed.",
        );
    }
    // What is read: the files, or copies with their escapes resolved.
    let unescaped = csv_escapes::prepare(&kind, &format, &files)?;
    let (read_base, reading, format) = match &unescaped {
        Some(copies) => (copies.root.clone(), &copies.files, marked(format)),
        None => (base.clone(), &files, format),
    };
    if let Some(mode) = copy_option(&copy.options, "VALIDATION_MODE") {
        let disk: Vec<(String, String)> = reading
            .iter()
            .map(|f| (f.path.clone(), f.disk.to_string_lossy().to_string()))
            .collect();
        let shown = display_prefix(&copy.stage);
        return validate(
            session,
            &copy,
            &kind,
            &format,
            &read_base,
            match_by_name.as_deref(),
            &disk,
            &shown,
            &mode.to_uppercase(),
        );
    }

    let per_file = on_error != OnError::Abort && files.len() > 1;
    let groups: Vec<Vec<&crate::stages::StagedFile>> = if per_file {
        reading.iter().map(|f| vec![f]).collect()
    } else {
        vec![reading.iter().collect()]
    };
    let mut outcomes: Vec<Loaded> = Vec::new();
    let job = Load {
        copy: &copy,
        table: &table,
        table_columns: &table_columns,
        kind: &kind,
        format: &format,
        base: &read_base,
        match_by_name: match_by_name.as_deref(),
    };
    for group in groups {
        let disk: Vec<String> = group
            .iter()
            .map(|f| f.disk.to_string_lossy().to_string())
            .collect();
        match job.run(session, &disk, Rows::All) {
            Ok(counts) => {
                for f in &group {
                    let rows = counts
                        .iter()
                        .find(|(p, _)| p == &f.disk.to_string_lossy())
                        .map_or(0, |(_, n)| *n);
                    outcomes.push(Loaded {
                        file: f.path.clone(),
                        rows,
                        error: None,
                        partial: None,
                    });
                }
            }
            Err(e) if on_error == OnError::Abort || !e.code.is_data_error() => return Err(e),
            Err(e) if on_error != OnError::Skip(1) => {
                // One file per group here: load what loads, count what fails (SKIP_FILE_<n>
                // tries the file on a scratch table first and loads nothing past its limit).
                let first_line_offset = header_lines(&kind, &format);
                let (loaded, partial, skipped) = if on_error == OnError::Continue {
                    let (loaded, partial) = job.run_continuing(session, &disk, e)?;
                    (loaded, partial, None)
                } else {
                    let (_, partial) = with_scratch(session, &job, |session, trial| {
                        trial.run_continuing(session, &disk, e)
                    })?;
                    if on_error.skips(&partial) {
                        let message = partial.first_error.as_ref().map(|(m, _)| m.clone());
                        (0, partial, message)
                    } else {
                        let bad: Vec<u64> = partial.failures.iter().map(|(row, _)| *row).collect();
                        let loaded = job.run(session, &disk, Rows::Except(&bad))?;
                        (loaded.iter().map(|(_, n)| n).sum(), partial, None)
                    }
                };
                let limit = on_error.limit(&partial);
                outcomes.push(Loaded {
                    file: group[0].path.clone(),
                    rows: loaded,
                    error: skipped,
                    partial: Some(Partial {
                        first_error: partial
                            .first_error
                            .map(|(m, row)| (m, row + first_line_offset)),
                        limit,
                        ..partial
                    }),
                });
            }
            Err(e) => {
                for f in &group {
                    outcomes.push(Loaded {
                        file: f.path.clone(),
                        rows: 0,
                        error: Some(e.message.clone()),
                        partial: None,
                    });
                }
            }
        }
    }
    // The answer: a row per file.
    let shown = display_prefix(&copy.stage);
    let answers: Vec<FileAnswer> = outcomes
        .into_iter()
        .map(|o| FileAnswer::of(o, &shown))
        .collect();
    // Remember what loaded; purge it if asked.
    let loaded: Vec<&crate::stages::StagedFile> = files
        .iter()
        .filter(|f| answers.iter().any(|a| a.path == f.path && !a.aborted))
        .collect();
    let time_us = chrono::Utc::now().timestamp_micros();
    let records = answers
        .iter()
        .map(|a| crate::load_history::LoadRecord {
            database: table.database.clone(),
            schema: table.schema.clone(),
            table: table.name.clone(),
            file: a.file.clone(),
            time_us,
            status: a.status.to_string(),
            rows_loaded: a.loaded,
            rows_parsed: a.parsed,
            first_error: a.first_error.clone(),
            first_error_line: a.first_error_line,
            errors_seen: a.errors,
            error_limit: a.limit,
            stage_location: stage_location(&copy.stage),
            file_size: files
                .iter()
                .find(|f| f.path == a.path)
                .map_or(0, |f| f.size as i64),
        })
        .collect();
    session
        .shared
        .load_history
        .lock()
        .map_err(|_| SnowflakeError::internal("load history lock poisoned"))?
        .record(
            &table_path,
            table_oid,
            loaded
                .iter()
                .map(|f| history_key(&f.path, f.size, f.modified)),
            records,
        )?;
    if purge {
        for f in &loaded {
            let _ = std::fs::remove_file(&f.disk);
        }
    }
    let rows = answers.into_iter().map(FileAnswer::row).collect();
    let t = SfType::TEXT;
    let n = SfType::INTEGER;
    ResultSet::table(
        StatementType::Select,
        &[
            ("file", t),
            ("status", t),
            ("rows_parsed", n),
            ("rows_loaded", n),
            ("error_limit", n),
            ("errors_seen", n),
            ("first_error", t),
            ("first_error_line", n),
            ("first_error_character", n),
            ("first_error_column_name", t),
        ],
        rows,
    )
}

/// Where a COPY read its files, as COPY_HISTORY names it (`@DB.SCHEMA.STAGE/path/`).
fn stage_location(stage: &snowglobe_translate::stages::StageRef) -> String {
    use snowglobe_translate::stages::StageKind;
    let path = stage.path.trim_end_matches('/');
    let root = match &stage.kind {
        StageKind::Named(o) => format!("@{}.{}.{}", o.database, o.schema, o.name),
        StageKind::Table(o) => format!("@{}.{}.%{}", o.database, o.schema, o.name),
        StageKind::User => "@~".into(),
    };
    if path.is_empty() {
        format!("{root}/")
    } else {
        format!("{root}/{path}/")
    }
}

/// One file's row of a COPY INTO <table> answer.
struct FileAnswer {
    /// The file's path in the stage, and as the answer shows it.
    path: String,
    file: String,
    status: &'static str,
    /// The file failed or was skipped as a whole (it is not remembered as loaded).
    aborted: bool,
    parsed: i64,
    loaded: i64,
    limit: i64,
    errors: i64,
    first_error: Option<String>,
    first_error_line: Option<i64>,
}

impl FileAnswer {
    fn of(o: Loaded, shown: &str) -> FileAnswer {
        let file = format!("{shown}{}", o.file);
        let rows = o.rows as i64;
        if let Some(p) = o.partial {
            let status = match (p.errors, o.rows) {
                _ if o.error.is_some() => "LOAD_FAILED",
                (0, _) => "LOADED",
                (_, 0) => "LOAD_FAILED",
                _ => "PARTIALLY_LOADED",
            };
            let (first_error, first_error_line) = match p.first_error {
                Some((m, line)) => (Some(m), Some(line as i64)),
                None => (None, None),
            };
            return FileAnswer {
                aborted: o.error.is_some(),
                path: o.file,
                file,
                status,
                parsed: p.parsed as i64,
                loaded: rows,
                limit: p.limit as i64,
                errors: p.errors as i64,
                first_error,
                first_error_line,
            };
        }
        let failed = o.error.is_some();
        FileAnswer {
            aborted: failed,
            path: o.file,
            file,
            status: if failed { "LOAD_FAILED" } else { "LOADED" },
            parsed: rows,
            loaded: rows,
            limit: 1,
            errors: i64::from(failed),
            first_error: o.error,
            first_error_line: None,
        }
    }

    fn row(self) -> Vec<Cell> {
        vec![
            text(&self.file),
            text(self.status),
            Cell::Int(self.parsed),
            Cell::Int(self.loaded),
            Cell::Int(self.limit),
            Cell::Int(self.errors),
            self.first_error.map_or(Cell::Null, |e| text(&e)),
            self.first_error_line.map_or(Cell::Null, Cell::Int),
            Cell::Null,
            Cell::Null,
        ]
    }
}

/// A format marked as read from copies with their escapes resolved.
fn marked(mut format: Vec<(String, serde_json::Value)>) -> Vec<(String, serde_json::Value)> {
    format.push((csv_escapes::UNESCAPED.into(), serde_json::json!("TRUE")));
    format
}

/// The temporary table a validation loads into (dropped after it).
const VALIDATION_TABLE: &str = "SG_COPY_VALIDATION";

/// `VALIDATION_MODE = RETURN_<n>_ROWS | RETURN_ERRORS | RETURN_ALL_ERRORS`: the files are read
/// and converted as a load would, into a temporary copy of the table, and nothing is loaded
/// (nor remembered as loaded). RETURN_<n>_ROWS answers the first `n` rows or fails at the first
/// error; the error modes answer one row per failing row (none when every row converts).
#[allow(clippy::too_many_arguments)]
fn validate(
    session: &mut Session,
    copy: &CopyInto,
    kind: &str,
    format: &[(String, serde_json::Value)],
    base: &std::path::Path,
    match_by_name: Option<&str>,
    files: &[(String, String)],
    shown: &str,
    mode: &str,
) -> Result<ResultSet> {
    let rows: Option<u64> = mode
        .strip_prefix("RETURN_")
        .and_then(|m| m.strip_suffix("_ROWS"))
        .and_then(|n| n.parse().ok());
    if rows.is_none() && mode != "RETURN_ERRORS" && mode != "RETURN_ALL_ERRORS" {
        return Err(SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("invalid value '{mode}' for property 'VALIDATION_MODE'"),
        ));
    }
    let template = Load {
        copy,
        table: &copy.table,
        table_columns: &[],
        kind,
        format,
        base,
        match_by_name,
    };
    with_scratch(session, &template, |session, job| {
        if let Some(n) = rows {
            // Only the first n rows are validated (a record of another width among them fails).
            let disk: Vec<String> = files.iter().map(|(_, d)| d.clone()).collect();
            if let Some((row, found)) = job.mismatched_rows(session, &disk, Some(1))?.first() {
                if *row <= n {
                    return Err(column_count_error(*found, job.target_count()));
                }
            }
            job.run(session, &disk, Rows::Range(1, n))?;
            return session.query(&format!("SELECT * FROM {} LIMIT {n}", full_name(job.table)));
        }
        let offset = header_lines(kind, format);
        let mut out = vec![];
        for (path, disk) in files {
            let disk = [disk.clone()];
            let failure = match job.run(session, &disk, Rows::All) {
                Ok(_) => continue,
                Err(e) if e.code.is_data_error() => e,
                Err(e) => return Err(e),
            };
            let (_, partial) = job.run_continuing(session, &disk, failure)?;
            for (row, e) in partial.failures {
                out.push(vec![
                    text(&e.message),
                    text(&format!("{shown}{path}")),
                    Cell::Int((row + offset) as i64),
                    Cell::Null,
                    Cell::Null,
                    text("conversion"),
                    Cell::Int(e.code.code().parse().unwrap_or(0)),
                    text(e.sqlstate()),
                    Cell::Null,
                    Cell::Int(row as i64),
                    Cell::Int((row + offset) as i64),
                ]);
            }
        }
        let (t, n) = (SfType::TEXT, SfType::INTEGER);
        ResultSet::table(
            StatementType::Select,
            &[
                ("ERROR", t),
                ("FILE", t),
                ("LINE", n),
                ("CHARACTER", n),
                ("BYTE_OFFSET", n),
                ("CATEGORY", t),
                ("CODE", n),
                ("SQL_STATE", t),
                ("COLUMN_NAME", t),
                ("ROW_NUMBER", n),
                ("ROW_START_LINE", n),
            ],
            out,
        )
    })
}

/// A table's Snowflake name, quoted.
fn full_name(o: &ObjectRef) -> String {
    format!(
        "{}.{}.{}",
        sf_quote(&o.database),
        sf_quote(&o.schema),
        sf_quote(&o.name)
    )
}

/// Run `f` with a load like `job` into a temporary copy of its table (dropped after): a
/// validation's or a trial's rows go nowhere.
fn with_scratch<T>(
    session: &mut Session,
    job: &Load,
    f: impl FnOnce(&mut Session, &Load) -> Result<T>,
) -> Result<T> {
    let scratch = ObjectRef {
        name: VALIDATION_TABLE.into(),
        ..job.table.clone()
    };
    session.query(&format!(
        "CREATE OR REPLACE TEMPORARY TABLE {} AS SELECT * FROM {} LIMIT 0",
        full_name(&scratch),
        full_name(job.table)
    ))?;
    let result = (|| {
        // CTAS keeps no NOT NULL: the scratch table gets the table's, so rows fail as they would.
        let (db, schema) = session.storage_of(job.table);
        for c in session.conn().columns(&db, &schema, &job.table.name)? {
            if !c.nullable {
                session.query(&format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
                    full_name(&scratch),
                    sf_quote(&c.name)
                ))?;
            }
        }
        let (db, schema) = session.storage_of(&scratch);
        let columns = session.conn().columns(&db, &schema, &scratch.name)?;
        let copy = CopyInto {
            table: scratch.clone(),
            ..job.copy.clone()
        };
        let trial = Load {
            copy: &copy,
            table: &scratch,
            table_columns: &columns,
            ..*job
        };
        f(session, &trial)
    })();
    let dropped = session.query(&format!("DROP TABLE IF EXISTS {}", full_name(&scratch)));
    let result = result?;
    dropped?;
    Ok(result)
}

/// What one COPY INTO loads: the statement, its table and the files' format.
struct Load<'a> {
    copy: &'a CopyInto,
    table: &'a ObjectRef,
    table_columns: &'a [snowglobe_engine::TableColumn],
    kind: &'a str,
    format: &'a [(String, serde_json::Value)],
    base: &'a std::path::Path,
    match_by_name: Option<&'a str>,
}

impl Load<'_> {
    /// ON_ERROR = CONTINUE after a load of one file failed on `failure`: load the rows that load
    /// and count the rows that fail, by halving the failing ranges (each range is one statement
    /// through the same conversions, so a row fails exactly as it would on its own). Returns the
    /// rows loaded and what failed (the first failure's row number counts data rows from 1).
    fn run_continuing(
        &self,
        session: &mut Session,
        files: &[String],
        failure: SnowflakeError,
    ) -> Result<(u64, Partial)> {
        staged_view(
            session,
            self.kind,
            self.format,
            files,
            self.base,
            self.match_by_name.is_some(),
            false,
            false,
        )?;
        let view_path = format!("temp.main.{}", quote(ROWS_VIEW));
        let total: u64 = session
            .conn()
            .text_rows(&format!("SELECT count(*)::VARCHAR FROM {view_path}"))?
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        session
            .conn()
            .execute(&format!("DROP VIEW IF EXISTS {view_path}"))?;
        let mut loaded = 0;
        // Records of the wrong width fail first; the rows between them load or are halved.
        let mismatched = self.mismatched_rows(session, files, None)?;
        let mut failed: Vec<(u64, SnowflakeError)> = mismatched
            .iter()
            .map(|(row, found)| (*row, column_count_error(*found, self.target_count())))
            .collect();
        let mut pending = Vec::new();
        let mut next = 1;
        for (row, _) in &mismatched {
            pending.push((next, row - 1));
            next = row + 1;
        }
        pending.push((next, total));
        if mismatched.is_empty() && total <= 1 {
            failed.push((1, failure.clone()));
            pending.clear();
        }
        while let Some((first, last)) = pending.pop() {
            if first > last {
                continue;
            }
            let range = if mismatched.is_empty() && (first, last) == (1, total) {
                // The whole file failed already: start from its halves.
                Err(failure.clone())
            } else {
                self.run(session, files, Rows::Range(first, last))
            };
            match range {
                Ok(counts) => loaded += counts.iter().map(|(_, n)| n).sum::<u64>(),
                Err(e) if e.code.is_data_error() && first == last => failed.push((first, e)),
                Err(e) if e.code.is_data_error() => {
                    let middle = first + (last - first) / 2;
                    pending.push((middle + 1, last));
                    pending.push((first, middle));
                }
                Err(e) => return Err(e),
            }
        }
        failed.sort_by_key(|(row, _)| *row);
        Ok((
            loaded,
            Partial {
                parsed: total,
                limit: total,
                errors: failed.len() as u64,
                first_error: failed.first().map(|(row, e)| (e.message.clone(), *row)),
                failures: failed,
            },
        ))
    }
}

/// Lines before a file's first data row (a CSV header), for the line numbers of errors.
fn header_lines(kind: &str, format: &[(String, serde_json::Value)]) -> u64 {
    if kind != "CSV" {
        return 0;
    }
    let skip: u64 = format_text(format, "SKIP_HEADER")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    skip + u64::from(format_text(format, "PARSE_HEADER").as_deref() == Some("TRUE"))
}

/// Which rows of the staged files a load reads (numbered from 1 across them).
#[derive(Clone, Copy)]
enum Rows<'a> {
    All,
    /// The rows numbered `first..=last`.
    Range(u64, u64),
    /// Every row but these.
    Except(&'a [u64]),
}

impl Rows<'_> {
    /// The condition on the staged view's row numbers (empty for every row).
    fn filter(&self) -> String {
        let column = sf_quote(ROW_NUMBER);
        match self {
            Rows::All | Rows::Except([]) => String::new(),
            Rows::Range(first, last) => format!(" WHERE {column} BETWEEN {first} AND {last}"),
            Rows::Except(rows) => format!(
                " WHERE {column} NOT IN ({})",
                rows.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Snowflake's error for a CSV record with `found` fields loaded into `expected` columns.
fn column_count_error(found: usize, expected: usize) -> SnowflakeError {
    SnowflakeError::new(
        ErrorCode::ColumnCountMismatch,
        format!(
            "Number of columns in file ({found}) does not match that of the corresponding table ({expected}), use file format option error_on_column_count_mismatch=false to ignore this error"
        ),
    )
}

/// A private format option: read CSV records without padding short ones (see [`Load::run`]).
const STRICT_WIDTH: &str = "\u{1}STRICT_WIDTH";

/// Whether an error is DuckDB's CSV reader failing on the file's shape (a record of another
/// width, or a sample it cannot make a dialect of), not a value's conversion.
fn is_csv_read_error(e: &SnowflakeError) -> bool {
    e.message.contains("CSV Error") || e.message.contains("sniffing")
}

/// A text no CSV field holds: read as NULL instead of the format's NULL_IF texts, it leaves
/// NULL only the fields a short record lacks.
const NO_NULL: &str = "\u{1}SG\u{1}";

impl Load<'_> {
    /// How many table columns a plain load fills.
    fn target_count(&self) -> usize {
        if self.copy.columns.is_empty() {
            self.table_columns.len()
        } else {
            self.copy.columns.len()
        }
    }

    /// Whether the load checks each CSV record's field count against the table (Snowflake
    /// ignores ERROR_ON_COLUMN_COUNT_MISMATCH when the load transforms or matches by name).
    fn checks_width(&self) -> bool {
        self.kind == "CSV"
            && self.copy.select.is_none()
            && self.match_by_name.is_none()
            && format_text(self.format, "ERROR_ON_COLUMN_COUNT_MISMATCH").as_deref()
                != Some("FALSE")
    }

    /// The CSV records (their numbers among the data rows, from 1) whose field count differs
    /// from the table's column count, with that count, in order (at most `limit` of them).
    /// None when the format's ERROR_ON_COLUMN_COUNT_MISMATCH is FALSE or the load transforms
    /// or matches by name (Snowflake ignores the option then).
    fn mismatched_rows(
        &self,
        session: &Session,
        files: &[String],
        limit: Option<u64>,
    ) -> Result<Vec<(u64, usize)>> {
        if !self.checks_width() {
            return Ok(vec![]);
        }
        let mut format = self.format.to_vec();
        format.push(("NULL_IF".into(), serde_json::json!([NO_NULL])));
        format.push(("EMPTY_FIELD_AS_NULL".into(), serde_json::json!("FALSE")));
        let (mut source, mut columns) = described_reader(session, "CSV", &format, files, false)?;
        // As wide as the widest line, so a record wider than the reader's sample counts all
        // its fields (a quoted delimiter only adds a column no record fills).
        if !source.contains("auto_detect = false") {
            if let Some(wide) = fixed_width_reader(session, &format, files, &source)? {
                columns = reader_columns(session, &wide)?;
                source = wide;
            }
        }
        if columns.is_empty() {
            return Ok(vec![]);
        }
        let fields = columns
            .iter()
            .map(|(c, _)| format!("({} IS NOT NULL)::INTEGER", quote(c)))
            .collect::<Vec<_>>()
            .join(" + ");
        let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
        let rows = session.conn().text_rows(&format!(
            "SELECT n::VARCHAR, fields::VARCHAR FROM (SELECT row_number() OVER () AS n, \
             {fields} AS fields FROM {source}) WHERE fields <> {} ORDER BY n{limit}",
            self.target_count()
        ))?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let n = r.first().cloned().flatten()?.parse().ok()?;
                let fields = r.get(1).cloned().flatten()?.parse().ok()?;
                Some((n, fields))
            })
            .collect())
    }

    /// Load `files` in one statement (only the `rows` given); the rows loaded per file (disk
    /// path → count). A whole load first checks the CSV records' field counts.
    fn run(
        &self,
        session: &mut Session,
        files: &[String],
        rows: Rows,
    ) -> Result<Vec<(String, u64)>> {
        if !matches!(rows, Rows::All) || !self.checks_width() {
            return self.load(session, files, rows, false);
        }
        // The files read as they must be (every record as wide as the table): DuckDB's reader
        // fails on a record of another width, so a good file costs no second reading. A
        // failure to read is then explained record by record.
        match self.load(session, files, rows, true) {
            Err(e) if e.code == ErrorCode::ColumnCountMismatch || is_csv_read_error(&e) => {
                if let Some((_, found)) = self.mismatched_rows(session, files, Some(1))?.first() {
                    return Err(column_count_error(*found, self.target_count()));
                }
                self.load(session, files, rows, false)
            }
            other => other,
        }
    }

    /// [`Load::run`] without the field count check; with `strict_width`, the reader refuses
    /// records narrower or wider than the others and the files must be as wide as the table.
    fn load(
        &self,
        session: &mut Session,
        files: &[String],
        rows: Rows,
        strict_width: bool,
    ) -> Result<Vec<(String, u64)>> {
        let (copy, table, table_columns, kind, base, match_by_name) = (
            self.copy,
            self.table,
            self.table_columns,
            self.kind,
            self.base,
            self.match_by_name,
        );
        let mut strict_format;
        let format = if strict_width {
            strict_format = self.format.to_vec();
            strict_format.push((STRICT_WIDTH.into(), serde_json::json!("TRUE")));
            &strict_format[..]
        } else {
            self.format
        };
        let file_columns = staged_view(
            session,
            kind,
            format,
            files,
            base,
            match_by_name.is_some(),
            !matches!(rows, Rows::All),
            copy.select.as_deref().is_some_and(reads_file_rows),
        )?;
        if strict_width && file_columns.len() != self.target_count() {
            return Err(column_count_error(file_columns.len(), self.target_count()));
        }
        let view_path = format!("temp.main.{}", quote(ROWS_VIEW));

        // The target columns and the items that fill them.
        let targets: Vec<&snowglobe_engine::TableColumn> = if copy.columns.is_empty() {
            table_columns.iter().collect()
        } else {
            let mut out = Vec::new();
            for name in &copy.columns {
                out.push(
                    table_columns
                        .iter()
                        .find(|c| &c.name == name)
                        .ok_or_else(|| SnowflakeError::invalid_identifier(name, 1, 0))?,
                );
            }
            out
        };
        let declared = |c: &snowglobe_engine::TableColumn| {
            c.meta
                .as_ref()
                .map(|m| m.sf_type)
                .unwrap_or_else(|| SfType::of_duckdb_type(&c.data_type))
        };
        let items: Vec<String> = match (&copy.select, kind, match_by_name) {
            (Some(select), _, _) => {
                // Each value converts to its column's type as Snowflake's load does (a VARIANT
                // string into a VARCHAR column gives the string itself).
                let items = split_items(&rewrite_staged_columns(select, kind == "PARQUET"));
                if items.len() != targets.len() {
                    return Err(SnowflakeError::compilation(
                        ErrorCode::CannotPerform,
                        format!(
                            "Insert value list does not match column list expecting {} but got {}",
                            targets.len(),
                            items.len()
                        ),
                    ));
                }
                items
                    .iter()
                    .zip(&targets)
                    .map(|(item, c)| match declared(c) {
                        SfType::Variant | SfType::Object | SfType::Array => item.clone(),
                        t => format!("({item})::{}", t.sql_name()),
                    })
                    .collect()
            }
            (None, _, Some(mode)) => {
                let mut items = Vec::new();
                let mut matched = 0;
                for c in &targets {
                    let found = file_columns.iter().find(|f| {
                        if mode == "CASE_SENSITIVE" {
                            *f == &c.name
                        } else {
                            f.eq_ignore_ascii_case(&c.name)
                        }
                    });
                    match found {
                        Some(f) => {
                            matched += 1;
                            items.push(converted(&sf_quote(f), declared(c), kind, format))
                        }
                        None => items.push("NULL".into()),
                    }
                }
                if matched == 0 {
                    return Err(SnowflakeError::compilation(
                    ErrorCode::CannotPerform,
                    "None of the columns in the file match the columns of the table (MATCH_BY_COLUMN_NAME).",
                ));
                }
                items
            }
            // Records of another width failed the field count check already (unless the
            // format lets them load: missing fields load NULLs, extra fields are dropped).
            (None, "CSV", None) => targets
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i < file_columns.len() {
                        converted(&format!("\"${}\"", i + 1), declared(c), kind, format)
                    } else {
                        "NULL".into()
                    }
                })
                .collect(),
            (None, _, None) => {
                let semi = |c: &&snowglobe_engine::TableColumn| {
                    matches!(
                        declared(c),
                        SfType::Variant | SfType::Object | SfType::Array
                    )
                };
                if targets.len() != 1 || !semi(&targets[0]) {
                    return Err(SnowflakeError::compilation(
                    ErrorCode::CannotPerform,
                    format!("{kind} file format can produce one and only one column of type variant, object, or array. Load data into separate columns using the MATCH_BY_COLUMN_NAME copy option or copy with transformation."),
                ));
                }
                vec![format!("\"$1\"::{}", declared(targets[0]).sql_name())]
            }
        };
        let column_list = targets
            .iter()
            .map(|c| sf_quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let range = rows.filter();
        let insert = format!(
            "INSERT INTO {}.{}.{} ({column_list}) SELECT {} FROM TEMP.MAIN.{}{range}",
            sf_quote(&table.database),
            sf_quote(&table.schema),
            sf_quote(&table.name),
            items.join(", "),
            sf_quote(ROWS_VIEW),
        );
        let inserted = session.query(&insert);
        let inserted = match inserted {
            Ok(r) => crate::first_count(&r),
            Err(e) => {
                let _ = session
                    .conn()
                    .execute(&format!("DROP VIEW IF EXISTS {view_path}"));
                return Err(e);
            }
        };
        // Rows per file, for the answer.
        let counts = if files.len() == 1 || matches!(rows, Rows::Range(..)) {
            vec![(files[0].clone(), inserted)]
        } else {
            session
                .conn()
                .text_rows(&format!(
                    "SELECT \"SG_FILE\", count(*)::VARCHAR FROM {view_path} GROUP BY 1"
                ))?
                .into_iter()
                .filter_map(|r| {
                    let file = r.first().cloned().flatten()?;
                    let n = r.get(1).cloned().flatten()?.parse().ok()?;
                    Some((file, n))
                })
                .collect()
        };
        session
            .conn()
            .execute(&format!("DROP VIEW IF EXISTS {view_path}"))?;
        Ok(counts)
    }
}

/// A file's field `value` converted to a column of type `target`: text read with the file
/// format's DATE_FORMAT, TIME_FORMAT, TIMESTAMP_FORMAT or BINARY_FORMAT when it names one
/// (CSV and JSON files), a plain cast otherwise.
fn converted(
    value: &str,
    target: SfType,
    kind: &str,
    format: &[(String, serde_json::Value)],
) -> String {
    let plain = format!("{value}::{}", target.sql_name());
    if kind != "CSV" && kind != "JSON" {
        return plain;
    }
    let named = |option: &str| {
        format_text(format, option).filter(|f| !f.is_empty() && !f.eq_ignore_ascii_case("AUTO"))
    };
    let (function, pattern) = match target {
        SfType::Date => ("TO_DATE", named("DATE_FORMAT")),
        SfType::Time { .. } => ("TO_TIME", named("TIME_FORMAT")),
        SfType::TimestampNtz { .. } => ("TO_TIMESTAMP_NTZ", named("TIMESTAMP_FORMAT")),
        SfType::TimestampLtz { .. } => ("TO_TIMESTAMP_LTZ", named("TIMESTAMP_FORMAT")),
        SfType::TimestampTz { .. } => ("TO_TIMESTAMP_TZ", named("TIMESTAMP_FORMAT")),
        SfType::Binary { .. } => (
            "TO_BINARY",
            named("BINARY_FORMAT").filter(|f| !f.eq_ignore_ascii_case("HEX")),
        ),
        _ => return plain,
    };
    match pattern {
        Some(pattern) => format!(
            "({function}({value}::VARCHAR, {}))::{}",
            sql_text(&pattern),
            target.sql_name()
        ),
        None => plain,
    }
}

/// Whether a query of staged files reads METADATA$FILE_ROW_NUMBER (only then is it computed).
fn reads_file_rows(sql: &str) -> bool {
    sql.to_ascii_uppercase()
        .contains("METADATA$FILE_ROW_NUMBER")
}

/// Make the temporary view of staged `files` the load or query reads (`TEMP.MAIN.SG_STAGED_ROWS`):
/// `$n` by position (CSV), the document `$1` (JSON), or the file's own column names (Parquet,
/// JSON matched by name), plus METADATA$FILENAME (and METADATA$FILE_ROW_NUMBER, each row's
/// number in its file from 1, when `file_rows`). Returns the file's column names.
#[allow(clippy::too_many_arguments)]
fn staged_view(
    session: &mut Session,
    kind: &str,
    format: &[(String, serde_json::Value)],
    files: &[String],
    base: &std::path::Path,
    by_name_requested: bool,
    numbered: bool,
    file_rows: bool,
) -> Result<Vec<String>> {
    // Name the relation's columns for the translated SELECT: `$n` by position (CSV), the
    // document `$1` (JSON), or the file's own column names (Parquet, matched JSON), plus
    // METADATA$FILENAME.
    let (source, typed) = described_reader(session, kind, format, files, by_name_requested)?;
    let file_columns: Vec<String> = typed.iter().map(|(c, _)| c.clone()).collect();
    let base_text = format!("{}/", base.display());
    let mut projections: Vec<String> = Vec::new();
    let by_name = kind == "PARQUET" || by_name_requested;
    // TRIM_SPACE = TRUE: CSV fields without their leading and trailing blanks.
    let trimmed = kind == "CSV" && format_text(format, "TRIM_SPACE").as_deref() == Some("TRUE");
    let unescaped = kind == "CSV" && format_text(format, csv_escapes::UNESCAPED).is_some();
    for (i, (c, t)) in typed.iter().enumerate() {
        let alias = if by_name {
            mangle(c)
        } else {
            format!("${}", i + 1)
        };
        let column = instant_column(c, t);
        let column = if unescaped {
            csv_escapes::restore(&column, format)
        } else {
            column
        };
        let column = if trimmed {
            format!("trim({column})")
        } else {
            column
        };
        projections.push(format!("{column} AS {}", quote(&alias)));
    }
    if kind == "PARQUET" && !by_name_requested {
        // `$1`: the whole row as an object
        let fields: Vec<String> = file_columns
            .iter()
            .map(|c| format!("{}: r.{}", sql_text(c), quote(c)))
            .collect();
        projections.push(format!("to_json({{{}}}) AS \"$1\"", fields.join(", ")));
    }
    projections.push(format!(
        "replace(\"SG_FILE\", {}, '') AS \"METADATA$FILENAME\"",
        sql_text(&base_text)
    ));
    if file_rows {
        projections.push(
            "row_number() OVER (PARTITION BY \"SG_FILE\") AS \"METADATA$FILE_ROW_NUMBER\"".into(),
        );
    }
    projections.push("\"SG_FILE\"".into());
    if numbered {
        // Each row's position, so a load can be retried over a range of rows.
        projections.push(format!("row_number() OVER () AS {}", quote(ROW_NUMBER)));
    }
    session.conn().execute(&format!(
        "CREATE OR REPLACE TEMP VIEW {} AS SELECT {} FROM {source} AS r",
        quote(ROWS_VIEW),
        projections.join(", ")
    ))?;

    Ok(file_columns)
}

/// The DuckDB reader over `files` and the columns it reads (name, DuckDB type; the file name
/// column left out). DuckDB's CSV sniffer gives up on rows of different widths (a row with a
/// field more than the others): such files are read as wide as their widest line instead.
fn described_reader(
    session: &Session,
    kind: &str,
    format: &[(String, serde_json::Value)],
    files: &[String],
    by_name_requested: bool,
) -> Result<(String, Vec<(String, String)>)> {
    let mut source = reader(kind, format, files, by_name_requested)?;
    let typed = match reader_columns(session, &source) {
        Ok(typed) => typed,
        Err(e)
            if kind == "CSV"
                && e.message.contains("sniffing")
                && format_text(format, STRICT_WIDTH).as_deref() != Some("TRUE") =>
        {
            source = fixed_width_reader(session, format, files, &source)?.ok_or(e)?;
            reader_columns(session, &source)?
        }
        Err(e) => return Err(e),
    };
    Ok((source, typed))
}

/// The columns a reader over staged files gives (name, DuckDB type), the file name column left
/// out.
fn reader_columns(session: &Session, source: &str) -> Result<Vec<(String, String)>> {
    Ok(session
        .conn()
        .text_rows(&format!("DESCRIBE SELECT * FROM {source}"))?
        .into_iter()
        .filter_map(|r| {
            let name = r.first().cloned().flatten()?;
            Some((name, r.get(1).cloned().flatten().unwrap_or_default()))
        })
        .filter(|(c, _)| c != "SG_FILE")
        .collect())
}

/// A staged file's column as the view shows it: Parquet instants in nanoseconds
/// (`TIMESTAMPTZ_NS`, what pandas writes for tz-aware datetimes) become the instants
/// (`TIMESTAMPTZ`) TIMESTAMP_LTZ/TZ values are made of, so conversions accept them.
fn instant_column(name: &str, duckdb_type: &str) -> String {
    if is_instant(duckdb_type) {
        format!("{}::TIMESTAMPTZ", quote(name))
    } else {
        quote(name)
    }
}

/// Whether a DuckDB column type is an instant (a timestamp with a time zone), at any precision.
fn is_instant(duckdb_type: &str) -> bool {
    let upper = duckdb_type.to_ascii_uppercase();
    upper.starts_with("TIMESTAMP WITH TIME ZONE") || upper.starts_with("TIMESTAMPTZ")
}

/// The Snowflake type INFER_SCHEMA reports for a DuckDB column type of a staged file.
fn inferred_type(duckdb: &str) -> String {
    let upper = duckdb.to_ascii_uppercase();
    match upper.as_str() {
        "TINYINT" | "SMALLINT" | "INTEGER" | "BIGINT" | "HUGEINT" | "UTINYINT" | "USMALLINT"
        | "UINTEGER" | "UBIGINT" => "NUMBER(38, 0)".into(),
        "FLOAT" | "DOUBLE" => "REAL".into(),
        "VARCHAR" => "TEXT".into(),
        "BOOLEAN" => "BOOLEAN".into(),
        "DATE" => "DATE".into(),
        "TIME" => "TIME(9)".into(),
        "BLOB" => "BINARY".into(),
        // Parquet's instants (isAdjustedToUTC) are TIMESTAMP_LTZ, its wall clocks NTZ
        t if is_instant(t) => "TIMESTAMP_LTZ".into(),
        t if t.starts_with("TIMESTAMP") => "TIMESTAMP_NTZ".into(),
        t if t.starts_with("DECIMAL") => t.replacen("DECIMAL", "NUMBER", 1).replace(',', ", "),
        _ => "VARIANT".into(),
    }
}

/// INFER_SCHEMA's columns of CSV files (name, Snowflake type, expression): named by the header
/// (PARSE_HEADER = TRUE) or `c1`, `c2`, ...; typed by DuckDB's sniffer, numbers as the
/// NUMBER(precision, scale) their digits need (REAL for exponents or over 38 digits).
fn csv_columns(
    session: &Session,
    format: &[(String, serde_json::Value)],
    files: &[String],
) -> Result<Vec<(String, String, String)>> {
    let header = format_text(format, "PARSE_HEADER").as_deref() == Some("TRUE");
    let typed = typed_reader("CSV", format, files, false, true)?;
    let sniffed = reader_columns(session, &typed)?;
    let numeric = |t: &str| {
        let t = t.to_ascii_uppercase();
        t.ends_with("INT") || t == "INTEGER" || t == "DOUBLE" || t.starts_with("DECIMAL")
    };
    // Digits before and after the point of every numeric column, read as text.
    let text = reader("CSV", format, files, false)?;
    let digits: Vec<String> = sniffed
        .iter()
        .filter(|(_, t)| numeric(t))
        .map(|(name, _)| {
            let c = quote(name);
            format!(
                "max(length(regexp_extract({c}, '^[+-]?0*([0-9]*)', 1)))::VARCHAR, \
                 max(length(regexp_extract({c}, '\\.([0-9]*)$', 1)))::VARCHAR, \
                 bool_or(NOT regexp_full_match({c}, '[+-]?[0-9]*\\.?[0-9]*'))::VARCHAR"
            )
        })
        .collect();
    let measured: Vec<Option<String>> = if digits.is_empty() {
        vec![]
    } else {
        session
            .conn()
            .text_rows(&format!("SELECT {} FROM {text}", digits.join(", ")))?
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let mut measures = measured.chunks(3);
    Ok(sniffed
        .iter()
        .enumerate()
        .map(|(i, (name, t))| {
            let sf = if numeric(t) {
                let m = measures.next().unwrap_or_default();
                let n = |k: usize| {
                    m.get(k)
                        .cloned()
                        .flatten()
                        .and_then(|v| v.parse::<u32>().ok())
                        .unwrap_or(0)
                };
                let (whole, scale) = (n(0), n(1));
                let exponent = m.get(2).cloned().flatten().as_deref() == Some("true");
                if exponent || whole + scale > 38 {
                    "REAL".to_string()
                } else {
                    format!("NUMBER({}, {scale})", (whole + scale).max(1))
                }
            } else {
                match t.to_ascii_uppercase().as_str() {
                    "BOOLEAN" => "BOOLEAN".into(),
                    "DATE" => "DATE".into(),
                    "TIME" => "TIME(9)".into(),
                    "TIMESTAMP WITH TIME ZONE" => "TIMESTAMP_TZ".into(),
                    u if u.starts_with("TIMESTAMP") => "TIMESTAMP_NTZ".into(),
                    _ => "TEXT".into(),
                }
            };
            let column = if header {
                name.clone()
            } else {
                format!("c{}", i + 1)
            };
            let expression = format!("${}::{sf}", i + 1);
            (column, sf, expression)
        })
        .collect())
}

/// `TABLE(INFER_SCHEMA(...))` as a Snowflake `VALUES` subquery with INFER_SCHEMA's columns.
pub fn infer_schema_rows(
    session: &mut Session,
    call: &snowglobe_translate::stages::InferSchema,
) -> Result<String> {
    let base = session.stage_files_dir(&call.stage)?;
    let given = match &call.file_format {
        Some(f) => snowglobe_translate::stages::FileFormat::Named(f.clone()),
        None => snowglobe_translate::stages::FileFormat::Default,
    };
    let format = session.format_options(&given, &call.stage)?;
    let kind = format_text(&format, "TYPE").unwrap_or_else(|| "CSV".into());
    if kind != "PARQUET" && kind != "JSON" && kind != "CSV" {
        return Err(SnowflakeError::unsupported(format!(
            "INFER_SCHEMA for {kind} files"
        )));
    }
    let mut files = select_files(&base, &call.stage.path, None)?;
    if let Some(names) = &call.files {
        files.retain(|f| names.iter().any(|n| f.path.ends_with(n.as_str())));
    }
    if files.is_empty() {
        return Err(SnowflakeError::compilation(
            ErrorCode::CannotPerform,
            "Cannot infer schema: no files found at the given location.",
        ));
    }
    let disk: Vec<String> = files
        .iter()
        .map(|f| f.disk.to_string_lossy().to_string())
        .collect();
    let names = files
        .iter()
        .map(|f| f.path.clone())
        .collect::<Vec<_>>()
        .join(",");
    let ignore_case = call.ignore_case;
    let columns: Vec<(String, String, String)> = if kind == "CSV" {
        csv_columns(session, &format, &disk)?
    } else {
        let source = reader(&kind, &format, &disk, true)?;
        reader_columns(session, &source)?
            .into_iter()
            .map(|(name, t)| {
                let sf = inferred_type(&t);
                // IGNORE_CASE: the upper-cased name finds the field whatever its case.
                let expression = if ignore_case {
                    format!(
                        "GET_IGNORE_CASE ($1, {})::{sf}",
                        quote_literal(&name.to_uppercase())
                    )
                } else {
                    format!("$1:{}::{sf}", sf_quote(&name))
                };
                (name, sf, expression)
            })
            .collect()
    };
    let quote_sf = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
    let rows: Vec<String> = columns
        .into_iter()
        .enumerate()
        .map(|(i, (name, sf, expression))| {
            let name = if ignore_case {
                name.to_uppercase()
            } else {
                name
            };
            format!(
                "({}, {}, TRUE, {}, {}, {i})",
                quote_sf(&name),
                quote_sf(&sf),
                quote_sf(&expression),
                quote_sf(&names)
            )
        })
        .collect();
    Ok(format!(
        "(SELECT * FROM (VALUES {}) AS infer_schema(COLUMN_NAME, TYPE, NULLABLE, EXPRESSION, FILENAMES, ORDER_ID))",
        rows.join(", ")
    ))
}

/// Run a query that reads staged files (`SELECT $1, $2 FROM @stage ...`): the reference becomes
/// the staged-rows view and `$n` its columns (`$1:name` a path into the row object `$1` of a
/// Parquet or JSON file); the rest runs as any query.
pub fn query_staged(
    session: &mut Session,
    sql: &str,
    found: &snowglobe_translate::stages::StagedQuery,
    request: &crate::Request,
) -> Result<Vec<ResultSet>> {
    let base = session.stage_files_dir(&found.stage)?;
    let format = session.format_options(&found.file_format, &found.stage)?;
    let kind = format_text(&format, "TYPE").unwrap_or_else(|| "CSV".into());
    let staged = select_files(&base, &found.stage.path, found.pattern.as_deref())?;
    let unescaped = csv_escapes::prepare(&kind, &format, &staged)?;
    let (base, reading, format) = match &unescaped {
        Some(copies) => (copies.root.clone(), &copies.files, marked(format)),
        None => (base, &staged, format),
    };
    let files: Vec<String> = reading
        .iter()
        .map(|f| f.disk.to_string_lossy().to_string())
        .collect();
    if files.is_empty() {
        return Err(SnowflakeError::unsupported(
            "a query on a stage location with no files",
        ));
    }
    staged_view(
        session,
        &kind,
        &format,
        &files,
        &base,
        false,
        false,
        reads_file_rows(sql),
    )?;
    // `$1:name` reads the row object `$1`, so it is a VARIANT as in Snowflake (a COPY
    // transformation reads the typed column instead: its value is cast to the target column).
    let rewritten = format!(
        "{}TEMP.MAIN.{}{}",
        rewrite_staged_columns(&sql[..found.span.0], false),
        sf_quote(ROWS_VIEW),
        rewrite_staged_columns(&sql[found.span.1..], false),
    );
    let result = session.run(&crate::Request {
        sql: rewritten,
        bindings: Default::default(),
        ..request.clone()
    });
    let _ = session.conn().execute(&format!(
        "DROP VIEW IF EXISTS temp.main.{}",
        quote(ROWS_VIEW)
    ));
    result
}
