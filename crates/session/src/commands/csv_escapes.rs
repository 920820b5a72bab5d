//! ESCAPE_UNENCLOSED_FIELD (default `\`) on CSV loads: in a field that is not enclosed in
//! quotes, the escape character makes the field delimiter, a line break or the escape
//! character itself part of the value (`a\,b` is the one field `a,b`; a line ending in `\`
//! continues on the next). Any other character after it is kept as written (`\N` stays the
//! NULL marker).
//!
//! DuckDB's CSV reader knows escapes inside quotes only, so a staged file holding such escapes
//! is read through a copy in which each escaped character is a private-use placeholder; the
//! rows view turns the placeholders back into the characters ([`restore`]). Files without an
//! escaped character are read as they are.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use snowglobe_error::{Result, SnowflakeError};

use crate::stages::{format_text, StagedFile};

/// The format option the copies are marked with (read by [`restore`]'s caller).
pub(super) const UNESCAPED: &str = "\u{1}UNESCAPED";

/// Placeholders (Unicode private use area) and the text each one stands for, once the field
/// delimiter is known (`None`: the delimiter).
const PLACEHOLDERS: [(char, Option<&str>); 5] = [
    ('\u{E000}', None),
    ('\u{E001}', Some("\n")),
    ('\u{E002}', Some("\r")),
    ('\u{E003}', Some("\r\n")),
    ('\u{E004}', Some("\\")),
];

/// The unenclosed-field escape character of a CSV format (`None` for NONE).
fn escape_character(format: &[(String, serde_json::Value)]) -> Option<u8> {
    let Some(text) = format_text(format, "ESCAPE_UNENCLOSED_FIELD") else {
        return Some(b'\\');
    };
    if text.eq_ignore_ascii_case("NONE") || text.is_empty() {
        return None;
    }
    if text.len() == 1 {
        return text.bytes().next();
    }
    if text == "\\\\" {
        return Some(b'\\');
    }
    let code = if let Some(hex) = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .or_else(|| text.strip_prefix("\\x"))
    {
        u8::from_str_radix(hex, 16).ok()
    } else {
        text.strip_prefix('\\')
            .and_then(|octal| u8::from_str_radix(octal, 8).ok())
    };
    code.filter(u8::is_ascii)
}

/// Copies of staged files with their escapes resolved, removed when dropped.
pub(super) struct Unescaped {
    /// The root the copies are under, by their paths inside the stage.
    pub root: PathBuf,
    /// The files to read: copies where a file had escapes, the files themselves otherwise.
    pub files: Vec<StagedFile>,
}

impl Drop for Unescaped {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The files a CSV load reads, with their escapes resolved (`None`: nothing to resolve, read
/// the files themselves). Gzip files are copied gzip-compressed, so their names still say so.
pub(super) fn prepare(
    kind: &str,
    format: &[(String, serde_json::Value)],
    files: &[StagedFile],
) -> Result<Option<Unescaped>> {
    if kind != "CSV" {
        return Ok(None);
    }
    let Some(escape) = escape_character(format) else {
        return Ok(None);
    };
    let delimiter = format_text(format, "FIELD_DELIMITER").unwrap_or_else(|| ",".into());
    let quote = format_text(format, "FIELD_OPTIONALLY_ENCLOSED_BY")
        .filter(|q| q.len() == 1 && !q.eq_ignore_ascii_case("NONE"))
        .and_then(|q| q.bytes().next());
    let mut resolved = Vec::with_capacity(files.len());
    for file in files {
        let raw = std::fs::read(&file.disk).map_err(|e| io_error("read", &file.disk, e))?;
        let gzipped = raw.starts_with(&[0x1f, 0x8b]);
        let text = if gzipped {
            let mut out = Vec::new();
            if flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .is_err()
            {
                // Not readable here: the reader reports it.
                resolved.push(None);
                continue;
            }
            out
        } else {
            raw
        };
        resolved.push(unescape(&text, escape, delimiter.as_bytes(), quote).map(|r| (r, gzipped)));
    }
    if resolved.iter().all(Option::is_none) {
        return Ok(None);
    }
    // Every file is read from the copies' root (its METADATA$FILENAME is its path there).
    let mut copies = Unescaped {
        root: std::env::temp_dir().join(format!(
            "snowglobe-unescaped-{}",
            uuid::Uuid::new_v4().simple()
        )),
        files: files.to_vec(),
    };
    for (file, resolved) in copies.files.iter_mut().zip(resolved) {
        let disk = copies.root.join(&file.path);
        if let Some(parent) = disk.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
        }
        match resolved {
            Some((text, gzipped)) => {
                let bytes = if gzipped {
                    let mut encoder =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    encoder
                        .write_all(&text)
                        .and_then(|_| encoder.finish())
                        .map_err(|e| io_error("compress", &disk, e))?
                } else {
                    text
                };
                std::fs::write(&disk, bytes).map_err(|e| io_error("write", &disk, e))?;
            }
            None => {
                std::fs::copy(&file.disk, &disk).map_err(|e| io_error("copy", &file.disk, e))?;
            }
        }
        file.disk = disk;
    }
    Ok(Some(copies))
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> SnowflakeError {
    crate::stages::io_error(what, path, e)
}

/// `data` with each escaped delimiter, line break and escape character in an unenclosed field
/// replaced by its placeholder; `None` when there is none.
fn unescape(data: &[u8], escape: u8, delimiter: &[u8], quote: Option<u8>) -> Option<Vec<u8>> {
    if !data.contains(&escape) {
        return None;
    }
    let placeholder = |i: usize| PLACEHOLDERS[i].0.to_string().into_bytes();
    let mut out = Vec::with_capacity(data.len());
    let mut changed = false;
    let mut field_start = true;
    let mut enclosed = false;
    let mut i = 0;
    while i < data.len() {
        let byte = data[i];
        if enclosed {
            if Some(byte) == quote {
                if data.get(i + 1) == quote.as_ref() {
                    out.extend_from_slice(&data[i..i + 2]);
                    i += 2;
                    continue;
                }
                enclosed = false;
            }
            out.push(byte);
            i += 1;
            continue;
        }
        if field_start && Some(byte) == quote {
            enclosed = true;
            field_start = false;
            out.push(byte);
            i += 1;
            continue;
        }
        if !delimiter.is_empty() && data[i..].starts_with(delimiter) {
            out.extend_from_slice(delimiter);
            i += delimiter.len();
            field_start = true;
            continue;
        }
        if byte == b'\n' {
            out.push(byte);
            i += 1;
            field_start = true;
            continue;
        }
        field_start = false;
        if byte != escape || i + 1 >= data.len() {
            out.push(byte);
            i += 1;
            continue;
        }
        let rest = &data[i + 1..];
        let (which, len) = if !delimiter.is_empty() && rest.starts_with(delimiter) {
            (0, delimiter.len())
        } else if rest.starts_with(b"\r\n") {
            (3, 2)
        } else if rest[0] == b'\n' {
            (1, 1)
        } else if rest[0] == b'\r' {
            (2, 1)
        } else if rest[0] == escape {
            (4, 1)
        } else {
            out.push(byte);
            i += 1;
            continue;
        };
        out.extend_from_slice(&placeholder(which));
        changed = true;
        i += 1 + len;
    }
    changed.then_some(out)
}

/// A rows-view column of an unescaped copy (SQL text) with its placeholders turned back into
/// the characters they stand for.
pub(super) fn restore(column: &str, format: &[(String, serde_json::Value)]) -> String {
    let delimiter = format_text(format, "FIELD_DELIMITER").unwrap_or_else(|| ",".into());
    let escape = escape_character(format).map_or_else(String::new, |e| (e as char).to_string());
    PLACEHOLDERS
        .iter()
        .fold(column.to_string(), |sql, (mark, text)| {
            let text = match (mark, text) {
                (_, None) => delimiter.as_str(),
                ('\u{E004}', _) => escape.as_str(),
                (_, Some(t)) => t,
            };
            format!(
                "replace({sql}, '{mark}', {})",
                snowglobe_catalog::names::quote_literal(text)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(data: &str, quote: Option<u8>) -> Option<String> {
        unescape(data.as_bytes(), b'\\', b",", quote).map(|b| {
            String::from_utf8(b)
                .unwrap_or_default()
                .replace('\u{E000}', "<D>")
                .replace('\u{E001}', "<LF>")
                .replace('\u{E004}', "<E>")
        })
    }

    #[test]
    fn escaped_delimiters_line_breaks_and_escapes_become_placeholders() {
        assert_eq!(
            resolved("a\\,b,c\\\\d\n", None).as_deref(),
            Some("a<D>b,c<E>d\n")
        );
        assert_eq!(
            resolved("one\\\ntwo,3\n", None).as_deref(),
            Some("one<LF>two,3\n")
        );
    }

    #[test]
    fn other_escapes_and_enclosed_fields_are_left_alone() {
        assert_eq!(resolved("\\N,C:\\temp\n", None), None);
        assert_eq!(resolved("\"a\\,b\",c\n", Some(b'"')), None);
        assert_eq!(
            resolved("\"x\"\"\\,\",a\\,b\n", Some(b'"')).as_deref(),
            Some("\"x\"\"\\,\",a<D>b\n")
        );
    }

    #[test]
    fn the_escape_character_option_reads_like_snowflake() {
        let with = |v: &str| vec![("ESCAPE_UNENCLOSED_FIELD".to_string(), serde_json::json!(v))];
        assert_eq!(escape_character(&[]), Some(b'\\'));
        assert_eq!(escape_character(&with("NONE")), None);
        assert_eq!(escape_character(&with("\\134")), Some(b'\\'));
        assert_eq!(escape_character(&with("0x5c")), Some(b'\\'));
        assert_eq!(escape_character(&with("^")), Some(b'^'));
    }
}
