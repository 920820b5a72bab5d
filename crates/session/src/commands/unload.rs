//! `COPY INTO @stage[/path] FROM <table> | (<query>)`: unloading rows into files of an internal
//! stage, as CSV, JSON (NDJSON) or Parquet, named as Snowflake names them (`data_0_0_0.csv.gz`,
//! `<prefix>_0_0_0.csv.gz`, the path itself with `SINGLE = TRUE`).
//!
//! CSV and JSON text is made by Snowflake SQL (`TO_VARCHAR` of each column, in the file format's
//! DATE/TIME/TIMESTAMP formats; `TO_JSON` of semi-structured values) through the whole
//! translation, then delimited, escaped and compressed here. Parquet goes through a temporary
//! table that DuckDB writes with its own Parquet writer.

use std::io::Write;
use std::path::{Path, PathBuf};

use snowglobe_catalog::names::{demangle, quote, quote_literal};
use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::{Array, StringArray};
use snowglobe_engine::arrow::datatypes::DataType;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::stages::Unload;
use snowglobe_translate::ObjectRef;

use crate::results::Cell;
use crate::stages::{copy_option, files_under, format_list, format_text};
use crate::{ResultSet, Session, StatementType};

/// MAX_FILE_SIZE's default: 16 MB.
const DEFAULT_MAX_FILE_SIZE: u64 = 16_777_216;
/// The temporary table a Parquet unload writes from.
const PARQUET_ROWS: &str = "SG_UNLOAD_ROWS";

/// One file written: its path in the stage, rows, bytes before and after compression.
struct Written {
    path: String,
    rows: u64,
    input_bytes: u64,
    output_bytes: u64,
}

/// How the unloaded files are named and written.
struct Target {
    /// The stage's files directory.
    base: PathBuf,
    /// The name every file starts with (`unload/data_`, `out_`), or the file itself (SINGLE).
    stem: String,
    single: bool,
    /// The extension after `_0_0_<n>` (`.csv.gz`); none for SINGLE files.
    extension: String,
    overwrite: bool,
    max_file_size: u64,
    compression: Compression,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Deflate,
    RawDeflate,
}

impl Compression {
    fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Deflate => ".deflate",
            Compression::RawDeflate => ".raw_deflate",
        }
    }

    fn compress(self, bytes: &[u8]) -> Result<Vec<u8>> {
        let io = |e: std::io::Error| SnowflakeError::internal(format!("compressing a file: {e}"));
        let level = flate2::Compression::default();
        Ok(match self {
            Compression::None => bytes.to_vec(),
            Compression::Gzip => {
                let mut w = flate2::write::GzEncoder::new(Vec::new(), level);
                w.write_all(bytes).map_err(io)?;
                w.finish().map_err(io)?
            }
            Compression::Deflate => {
                let mut w = flate2::write::ZlibEncoder::new(Vec::new(), level);
                w.write_all(bytes).map_err(io)?;
                w.finish().map_err(io)?
            }
            Compression::RawDeflate => {
                let mut w = flate2::write::DeflateEncoder::new(Vec::new(), level);
                w.write_all(bytes).map_err(io)?;
                w.finish().map_err(io)?
            }
        })
    }
}

impl Target {
    /// The name of the `part`th file.
    fn file_name(&self, part: usize) -> String {
        if self.single {
            self.stem.clone()
        } else {
            format!("{}0_0_{part}{}", self.stem, self.extension)
        }
    }

    /// Fails when files of this unload's names are there already and OVERWRITE is not set.
    fn check_destination(&self, location: &str) -> Result<()> {
        if self.overwrite {
            return Ok(());
        }
        let taken = files_under(&self.base).into_iter().any(|f| {
            if self.single {
                f.path == self.stem
            } else {
                f.path.starts_with(&self.stem)
            }
        });
        if taken {
            return Err(SnowflakeError::new(
                ErrorCode::CannotPerform,
                format!(
                    "Files already existing at the unload destination: {location}. Use overwrite option to force unloading."
                ),
            ));
        }
        Ok(())
    }

    /// Write one file's bytes (compressed as the target says).
    fn write(&self, part: usize, rows: u64, data: &[u8]) -> Result<Written> {
        let name = self.file_name(part);
        let disk = self.base.join(&name);
        if let Some(dir) = disk.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        }
        let bytes = self.compression.compress(data)?;
        std::fs::write(&disk, &bytes).map_err(|e| io_error(&disk, e))?;
        Ok(Written {
            path: name,
            rows,
            input_bytes: data.len() as u64,
            output_bytes: bytes.len() as u64,
        })
    }
}

fn io_error(path: &Path, e: std::io::Error) -> SnowflakeError {
    SnowflakeError::internal(format!("writing {}: {e}", path.display()))
}

fn flag(unload: &Unload, name: &str) -> bool {
    copy_option(&unload.options, name).is_some_and(|v| v.eq_ignore_ascii_case("TRUE"))
}

pub fn unload(session: &mut Session, unload: Unload) -> Result<ResultSet> {
    let base = session.stage_files_dir(&unload.stage)?;
    let format = session.format_options(&unload.file_format, &unload.stage)?;
    let kind = format_text(&format, "TYPE")
        .unwrap_or_else(|| "CSV".into())
        .to_uppercase();
    if let Some(mode) = copy_option(&unload.options, "VALIDATION_MODE") {
        if !mode.eq_ignore_ascii_case("RETURN_ROWS") {
            return Err(SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!("invalid value '{mode}' for property 'VALIDATION_MODE'"),
            ));
        }
        // The query's rows, and no file.
        return session.query(&unload.query);
    }
    let single = flag(&unload, "SINGLE");
    let overwrite = flag(&unload, "OVERWRITE");
    let query_id = flag(&unload, "INCLUDE_QUERY_ID");
    if query_id && (single || overwrite) {
        return Err(SnowflakeError::unsupported(
            "INCLUDE_QUERY_ID = TRUE with SINGLE = TRUE or OVERWRITE = TRUE",
        ));
    }
    let max_file_size = match copy_option(&unload.options, "MAX_FILE_SIZE") {
        None => DEFAULT_MAX_FILE_SIZE,
        Some(n) => n.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!("invalid value '{n}' for property 'MAX_FILE_SIZE'"),
            )
        })?,
    };
    let compression_name = format_text(&format, "COMPRESSION")
        .unwrap_or_else(|| "AUTO".into())
        .to_uppercase();
    let (compression, type_extension) = match (kind.as_str(), compression_name.as_str()) {
        ("CSV" | "JSON", "AUTO" | "GZIP") => (Compression::Gzip, kind.to_lowercase()),
        ("CSV" | "JSON", "NONE") => (Compression::None, kind.to_lowercase()),
        ("CSV" | "JSON", "DEFLATE") => (Compression::Deflate, kind.to_lowercase()),
        ("CSV" | "JSON", "RAW_DEFLATE") => (Compression::RawDeflate, kind.to_lowercase()),
        ("PARQUET", "AUTO" | "SNAPPY") => (Compression::None, "snappy.parquet".into()),
        ("PARQUET", "NONE") => (Compression::None, "parquet".into()),
        (_, other) => {
            return Err(SnowflakeError::unsupported(format!(
                "unloading {kind} files with COMPRESSION = {other}"
            )))
        }
    };
    let extension = match format_text(&format, "FILE_EXTENSION").filter(|_| kind != "PARQUET") {
        Some(e) if !e.is_empty() && !e.eq_ignore_ascii_case("NONE") => {
            format!(".{}", e.trim_start_matches('.'))
        }
        _ => format!(".{type_extension}{}", compression.suffix()),
    };
    // `@s/dir/` and `@s` name files `data_...`; `@s/dir/out` names them `out_...`.
    let path = unload.stage.path.clone();
    let folder = path.is_empty() || path.ends_with('/');
    let stem = if single {
        if folder {
            format!("{path}data")
        } else {
            path
        }
    } else {
        let id = if query_id {
            format!("{}_", uuid::Uuid::new_v4())
        } else {
            String::new()
        };
        if folder {
            format!("{path}data_{id}")
        } else {
            format!("{path}_{id}")
        }
    };
    let target = Target {
        base,
        stem,
        single,
        extension,
        overwrite,
        max_file_size,
        compression,
    };
    target.check_destination(&unload.location)?;
    let header = flag(&unload, "HEADER");
    let written = match kind.as_str() {
        "CSV" => unload_text(session, &unload.query, &format, header, &target, false)?,
        "JSON" => unload_text(session, &unload.query, &format, false, &target, true)?,
        "PARQUET" => unload_parquet(session, &unload.query, header, &target)?,
        other => {
            return Err(SnowflakeError::unsupported(format!(
                "unloading to file format TYPE = {other}"
            )))
        }
    };
    answer(&written, flag(&unload, "DETAILED_OUTPUT"))
}

/// The statement's answer: totals, or a row per file with DETAILED_OUTPUT = TRUE.
fn answer(written: &[Written], detailed: bool) -> Result<ResultSet> {
    let int = |n: u64| Cell::Int(i64::try_from(n).unwrap_or(i64::MAX));
    if detailed {
        let rows = written
            .iter()
            .map(|w| vec![Cell::Text(w.path.clone()), int(w.output_bytes), int(w.rows)])
            .collect();
        return ResultSet::table(
            StatementType::Select,
            &[
                ("FILE_NAME", SfType::TEXT),
                ("FILE_SIZE", SfType::INTEGER),
                ("ROW_COUNT", SfType::INTEGER),
            ],
            rows,
        );
    }
    let sum = |f: fn(&Written) -> u64| int(written.iter().map(f).sum());
    ResultSet::table(
        StatementType::Select,
        &[
            ("rows_unloaded", SfType::INTEGER),
            ("input_bytes", SfType::INTEGER),
            ("output_bytes", SfType::INTEGER),
        ],
        vec![vec![
            sum(|w| w.rows),
            sum(|w| w.input_bytes),
            sum(|w| w.output_bytes),
        ]],
    )
}

/// Quote a Snowflake name for Snowflake SQL (case kept).
fn sf_quote(name: &str) -> String {
    quote(name)
}

/// The query's columns: (name, type).
fn query_columns(session: &mut Session, query: &str) -> Result<Vec<(String, SfType)>> {
    let probe = session.query(&format!("SELECT * FROM ({query}) LIMIT 0"))?;
    Ok(probe
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.sf_type))
        .collect())
}

/// A delimiter option as the characters it means: `NONE` is none, `0x..` a byte by its code.
fn delimiter(format: &[(String, serde_json::Value)], name: &str, default: &str) -> String {
    match format_text(format, name) {
        None => default.to_string(),
        Some(d) if d.eq_ignore_ascii_case("NONE") => String::new(),
        Some(d) => match d.strip_prefix("0x").or_else(|| d.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16)
                .ok()
                .and_then(char::from_u32)
                .map_or(d.clone(), String::from),
            None => d,
        },
    }
}

/// A one-character option (`FIELD_OPTIONALLY_ENCLOSED_BY`, `ESCAPE`), `None` for NONE or unset.
fn character(format: &[(String, serde_json::Value)], name: &str) -> Option<String> {
    let text = delimiter(format, name, "");
    (!text.is_empty()).then_some(text)
}

/// How CSV fields are written.
struct CsvStyle {
    field: String,
    record: String,
    enclosure: Option<String>,
    escape: Option<String>,
    null: String,
}

impl CsvStyle {
    fn of(format: &[(String, serde_json::Value)]) -> CsvStyle {
        let escape = match character(format, "ESCAPE") {
            Some(e) => Some(e),
            None => match format_text(format, "ESCAPE_UNENCLOSED_FIELD") {
                None => Some("\\".into()),
                Some(_) => character(format, "ESCAPE_UNENCLOSED_FIELD"),
            },
        };
        CsvStyle {
            field: delimiter(format, "FIELD_DELIMITER", ","),
            record: delimiter(format, "RECORD_DELIMITER", "\n"),
            enclosure: character(format, "FIELD_OPTIONALLY_ENCLOSED_BY"),
            escape,
            // SQL NULL is the first NULL_IF value (`\N` unless the format says otherwise).
            null: format_list(format, "NULL_IF")
                .map(|l| l.into_iter().next().unwrap_or_default())
                .unwrap_or_else(|| "\\N".into()),
        }
    }

    /// One field: strings enclosed (their quote characters doubled) when the format encloses,
    /// other text with delimiters and the escape character escaped.
    fn push(&self, out: &mut String, value: Option<&str>, is_text: bool) {
        let enclosure = self.enclosure.as_deref().filter(|_| is_text);
        let Some(value) = value else {
            match enclosure {
                Some(q) => {
                    out.push_str(q);
                    out.push_str(&self.null);
                    out.push_str(q);
                }
                None => out.push_str(&self.null),
            }
            return;
        };
        if let Some(q) = enclosure {
            out.push_str(q);
            out.push_str(&value.replace(q, &format!("{q}{q}")));
            out.push_str(q);
            return;
        }
        let Some(escape) = self.escape.as_deref() else {
            out.push_str(value);
            return;
        };
        let specials = [escape, self.field.as_str(), self.record.as_str()];
        let mut rest = value;
        'outer: while !rest.is_empty() {
            for s in specials.iter().filter(|s| !s.is_empty()) {
                if let Some(after) = rest.strip_prefix(*s) {
                    out.push_str(escape);
                    out.push_str(s);
                    rest = after;
                    continue 'outer;
                }
            }
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
}

/// CSV (`json == false`) or NDJSON files of the query's rows.
fn unload_text(
    session: &mut Session,
    query: &str,
    format: &[(String, serde_json::Value)],
    header: bool,
    target: &Target,
    json: bool,
) -> Result<Vec<Written>> {
    let columns = query_columns(session, query)?;
    let semi = |t: &SfType| matches!(t, SfType::Variant | SfType::Object | SfType::Array);
    if json && (columns.len() != 1 || !semi(&columns[0].1)) {
        return Err(SnowflakeError::compilation(
            ErrorCode::CannotPerform,
            "JSON file format can unload one and only one column of type variant, object, or array. Use OBJECT_CONSTRUCT to unload the columns of a row as one object.",
        ));
    }
    let formatted = |option: &str| {
        format_text(format, option)
            .filter(|f| !f.eq_ignore_ascii_case("AUTO"))
            .map(|f| format!(", {}", quote_literal(&f)))
            .unwrap_or_default()
    };
    // Columns are referred to by the names the query gives them (which keeps what the
    // translation knows of them, a TIMESTAMP_TZ's offsets); a query naming two columns alike
    // (`a.id, b.id`) or an expression column the engine names otherwise has them renamed by
    // position instead.
    let text_query = |renamed: bool| {
        let items: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (name, t))| {
                let c = if renamed {
                    format!("\"SG_C{}\"", i + 1)
                } else {
                    sf_quote(name)
                };
                let text = match t {
                    t if semi(t) => format!("TO_JSON({c})"),
                    SfType::Date => format!("TO_VARCHAR({c}{})", formatted("DATE_FORMAT")),
                    SfType::Time { .. } => {
                        format!("TO_VARCHAR({c}{})", formatted("TIME_FORMAT"))
                    }
                    SfType::TimestampNtz { .. }
                    | SfType::TimestampLtz { .. }
                    | SfType::TimestampTz { .. } => {
                        format!("TO_VARCHAR({c}{})", formatted("TIMESTAMP_FORMAT"))
                    }
                    _ => format!("TO_VARCHAR({c})"),
                };
                format!("{text} AS {c}")
            })
            .collect();
        let alias_list = if renamed {
            let list: Vec<String> = (1..=columns.len())
                .map(|i| format!("\"SG_C{i}\""))
                .collect();
            format!("({})", list.join(", "))
        } else {
            String::new()
        };
        format!(
            "SELECT {} FROM ({query}) AS \"SG_UNLOADED\"{alias_list}",
            items.join(", ")
        )
    };
    let mut names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    let alike = names.windows(2).any(|p| p[0] == p[1]);
    let text = match session.query(&text_query(alike)) {
        // (The query itself ran in `query_columns`: a failure here is a name.)
        Err(_) if !alike => session.query(&text_query(true))?,
        other => other?,
    };
    let style = CsvStyle::of(format);
    let is_text: Vec<bool> = columns
        .iter()
        .map(|(_, t)| matches!(t, SfType::Text { .. }))
        .collect();
    let header_line = header.then(|| {
        let mut line = columns
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(&style.field);
        line.push_str(&style.record);
        line
    });
    let start = || header_line.clone().unwrap_or_default();
    let mut written = Vec::new();
    let mut buffer = start();
    let mut rows = 0u64;
    for batch in &text.batches {
        let arrays: Vec<StringArray> = batch
            .columns()
            .iter()
            .map(|a| {
                let cast = snowglobe_engine::arrow::compute::cast(a, &DataType::Utf8)
                    .map_err(SnowflakeError::internal)?;
                cast.as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .ok_or_else(|| SnowflakeError::internal("unloaded text is not text"))
            })
            .collect::<Result<_>>()?;
        for row in 0..batch.num_rows() {
            let value = |i: usize| (!arrays[i].is_null(row)).then(|| arrays[i].value(row));
            if json {
                // NDJSON: one value per line; a NULL row has none.
                let Some(v) = value(0) else { continue };
                buffer.push_str(v);
                buffer.push('\n');
            } else {
                for (i, text) in is_text.iter().enumerate() {
                    if i > 0 {
                        buffer.push_str(&style.field);
                    }
                    style.push(&mut buffer, value(i), *text);
                }
                buffer.push_str(&style.record);
            }
            rows += 1;
            if !target.single && buffer.len() as u64 >= target.max_file_size {
                written.push(target.write(written.len(), rows, buffer.as_bytes())?);
                buffer = start();
                rows = 0;
            }
        }
    }
    // No rows, no file.
    if rows > 0 {
        written.push(target.write(written.len(), rows, buffer.as_bytes())?);
    }
    Ok(written)
}

/// A Parquet file of the query's rows, columns named as the query names them with HEADER =
/// TRUE and `_COL_0`, `_COL_1`, ... otherwise; VARIANT values as JSON text.
fn unload_parquet(
    session: &mut Session,
    query: &str,
    header: bool,
    target: &Target,
) -> Result<Vec<Written>> {
    let columns = query_columns(session, query)?;
    if let Some((name, _)) = columns
        .iter()
        .find(|(_, t)| matches!(t, SfType::TimestampTz { .. } | SfType::TimestampLtz { .. }))
    {
        return Err(SnowflakeError::unsupported(format!(
            "unloading TIMESTAMP_TZ or TIMESTAMP_LTZ data (column {name}) to Parquet"
        )));
    }
    let (database, schema) = match (&session.database, &session.schema) {
        (Some(d), Some(s)) => (d.clone(), s.clone()),
        _ => {
            return Err(SnowflakeError::new(
                ErrorCode::NoCurrentDatabase,
                "Cannot unload to Parquet. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.",
            ))
        }
    };
    let scratch = ObjectRef {
        database,
        schema,
        name: PARQUET_ROWS.into(),
    };
    let scratch_name = format!(
        "{}.{}.{}",
        sf_quote(&scratch.database),
        sf_quote(&scratch.schema),
        sf_quote(&scratch.name)
    );
    session.query(&format!(
        "CREATE OR REPLACE TEMPORARY TABLE {scratch_name} AS {query}"
    ))?;
    let result = (|| {
        let (db, schema) = session.storage_of(&scratch);
        let stored = session.conn().columns(&db, &schema, &scratch.name)?;
        let items: Vec<String> = stored
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let alias = if header {
                    demangle(&c.name).to_string()
                } else {
                    format!("_COL_{i}")
                };
                let value = if c.data_type.eq_ignore_ascii_case("JSON") {
                    format!("CAST({} AS VARCHAR)", quote(&c.name))
                } else {
                    quote(&c.name)
                };
                format!("{value} AS {}", quote(&alias))
            })
            .collect();
        let rows = session.conn().row_count(&db, &schema, &scratch.name)?;
        if rows == 0 {
            return Ok(vec![]);
        }
        let name = target.file_name(0);
        let disk = target.base.join(&name);
        if let Some(dir) = disk.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        }
        let codec = if target.extension.starts_with(".snappy") {
            "snappy"
        } else {
            "uncompressed"
        };
        session.conn().execute(&format!(
            "COPY (SELECT {} FROM {}) TO {} (FORMAT parquet, COMPRESSION {codec})",
            items.join(", "),
            session.storage_path(&scratch),
            quote_literal(&disk.to_string_lossy())
        ))?;
        let size = std::fs::metadata(&disk)
            .map_err(|e| io_error(&disk, e))?
            .len();
        Ok(vec![Written {
            path: name,
            rows: u64::try_from(rows).unwrap_or(0),
            input_bytes: size,
            output_bytes: size,
        }])
    })();
    let _ = session.query(&format!("DROP TABLE IF EXISTS {scratch_name}"));
    result
}
