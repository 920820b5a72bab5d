//! Parsing with sqlparser's Snowflake dialect; its errors become Snowflake syntax errors.

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::Statement;
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::{Parser, ParserError};

/// Parse one request's SQL text into statements.
///
/// sqlparser's Snowflake dialect reads some statements past their `;` (`create database d;
/// create table ...` fails in 0.64), so when the whole text does not parse, each
/// `;`-separated statement is parsed on its own (`;` found by the tokenizer, so semicolons in
/// strings and comments do not split).
pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    // sqlparser reads some SHOW commands as bare word lists (dropping their LIKE pattern):
    // those, like the statements it cannot read at all, go through `parse_special`.
    let whole = match Parser::parse_sql(&SnowflakeDialect, sql) {
        Ok(statements)
            if !statements.iter().any(|s| {
                matches!(
                    s,
                    Statement::ShowVariable { .. } | Statement::CreateSequence { .. }
                )
            }) =>
        {
            return Ok(statements)
        }
        Ok(_) => ParserError::ParserError("SHOW".into()),
        Err(e) => e,
    };
    let pieces = split_statements(sql);
    if pieces.len() <= 1 {
        if let Some(special) = crate::statements::parse_special(sql) {
            return Ok(vec![special?]);
        }
        return Err(syntax_error(sql, &whole));
    }
    let mut out = Vec::new();
    for piece in pieces {
        if let Some(special) = crate::statements::parse_special(piece) {
            out.push(special?);
            continue;
        }
        out.extend(
            Parser::parse_sql(&SnowflakeDialect, piece).map_err(|e| syntax_error(piece, &e))?,
        );
    }
    Ok(out)
}

/// The non-empty statements of `sql`, split at top-level `;` tokens.
fn split_statements(sql: &str) -> Vec<&str> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let Ok(tokens) = Tokenizer::new(&SnowflakeDialect, sql).tokenize_with_location() else {
        return vec![sql];
    };
    // Byte offset of each line start, to turn (line, column) into offsets.
    let mut line_starts = vec![0usize];
    line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *line_starts.get((line as usize).checked_sub(1)?)?;
        let rest = &sql[start..];
        Some(
            start
                + rest
                    .char_indices()
                    .nth((column as usize).checked_sub(1)?)?
                    .0,
        )
    };
    let mut pieces = Vec::new();
    let mut from = 0;
    for t in &tokens {
        if t.token == Token::SemiColon {
            if let Some(at) = offset(t.span.start.line, t.span.start.column) {
                pieces.push(&sql[from..at]);
                from = at + 1;
            }
        }
    }
    pieces.push(&sql[from..]);
    pieces.retain(|p| {
        !p.trim().is_empty()
            && Parser::parse_sql(&SnowflakeDialect, p).map_or(true, |s| !s.is_empty())
    });
    pieces
}

/// Turn sqlparser's `Expected: X, found: Y at Line: L, Column: C` into Snowflake's
/// `syntax error line L at position C-1 unexpected 'Y'.`
fn syntax_error(sql: &str, error: &ParserError) -> SnowflakeError {
    if let Some(feature) = unsupported_statement(sql) {
        return SnowflakeError::unsupported(feature);
    }
    let text = match error {
        ParserError::TokenizerError(t) | ParserError::ParserError(t) => t.as_str(),
        ParserError::RecursionLimitExceeded => "statement too deeply nested",
    };
    let (line, column) = position(text).unwrap_or((1, 1));
    let found = text
        .split("found: ")
        .nth(1)
        .and_then(|rest| {
            rest.rsplit_once(" at Line:")
                .map(|(tok, _)| tok)
                .or(Some(rest))
        })
        .map(str::trim)
        .unwrap_or("");
    let unexpected = if found.is_empty() || found == "EOF" {
        "<EOF>".to_string()
    } else {
        found.to_string()
    };
    if text.contains("found: EOF") || sql.trim().is_empty() {
        return SnowflakeError::syntax(line, column.saturating_sub(1), "<EOF>");
    }
    SnowflakeError::syntax(line, column.saturating_sub(1), &unexpected)
}

/// Statements Snowflake has and Snowglobe does not (objects DuckDB has no counterpart for):
/// `CREATE DYNAMIC TABLE`, `CREATE STREAM`, `UNDROP TABLE` and the like, named so the error
/// says what is unsupported rather than where the parser stopped.
fn unsupported_statement(sql: &str) -> Option<String> {
    const MODIFIERS: &[&str] = &[
        "OR",
        "REPLACE",
        "ALTER",
        "IF",
        "NOT",
        "EXISTS",
        "TRANSIENT",
        "SECURE",
        "TEMPORARY",
        "TEMP",
        "LOCAL",
        "GLOBAL",
        "VOLATILE",
    ];
    const OBJECTS: &[&[&str]] = &[
        &["DYNAMIC", "TABLE"],
        &["EXTERNAL", "TABLE"],
        &["HYBRID", "TABLE"],
        &["EVENT", "TABLE"],
        &["ICEBERG", "TABLE"],
        &["INTERACTIVE", "TABLE"],
        &["MATERIALIZED", "VIEW"],
        &["RECURSIVE", "VIEW"],
        &["STREAM"],
        &["TASK"],
        &["PIPE"],
        &["ALERT"],
        &["NOTIFICATION", "INTEGRATION"],
        &["STORAGE", "INTEGRATION"],
        &["API", "INTEGRATION"],
        &["SECURITY", "INTEGRATION"],
        &["EXTERNAL", "ACCESS", "INTEGRATION"],
        &["NETWORK", "RULE"],
        &["NETWORK", "POLICY"],
        &["MASKING", "POLICY"],
        &["ROW", "ACCESS", "POLICY"],
        &["TAG"],
        &["SHARE"],
    ];
    let words: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_ascii_uppercase)
        .collect();
    let (verb, rest) = words.split_first()?;
    match verb.as_str() {
        "UNDROP" => Some(format!("UNDROP {}", rest.first()?)),
        "CREATE" | "ALTER" | "DROP" | "DESCRIBE" | "DESC" => {
            let rest: Vec<&str> = rest
                .iter()
                .map(String::as_str)
                .skip_while(|w| MODIFIERS.contains(w))
                .collect();
            let object = OBJECTS.iter().find(|o| rest.starts_with(o))?;
            Some(format!("{verb} {}", object.join(" ")))
        }
        _ => None,
    }
}

fn position(text: &str) -> Option<(u64, u64)> {
    let (_, rest) = text.rsplit_once("Line: ")?;
    let (line, rest) = rest.split_once(", Column: ")?;
    let column: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_objects_are_named() {
        let e = parse("CREATE STREAM s ON TABLE t").unwrap_err();
        assert!(e.message.contains("Unsupported feature 'CREATE STREAM'"));
        let e = parse("create or replace task t warehouse = w as select 1").unwrap_err();
        assert!(e.message.contains("'CREATE TASK'"));
        let e = parse("undrop table t").unwrap_err();
        assert!(e.message.contains("'UNDROP TABLE'"));
        let e = parse("create table t (a int,").unwrap_err();
        assert!(e.message.contains("syntax error"));
    }

    #[test]
    fn syntax_error_in_snowflake_words() {
        let e = parse("select * frm t").unwrap_err();
        assert_eq!(e.code(), "001003");
        assert!(e.message.contains("unexpected 'frm'"), "{}", e.message);
        assert!(e.message.contains("line 1 at position"), "{}", e.message);
    }

    #[test]
    fn parses_several_statements() {
        assert_eq!(parse("select 1; select 2").unwrap().len(), 2);
    }

    #[test]
    fn create_database_then_more_statements() {
        let sql = "create database d;\n-- a comment; with a semicolon\ncreate table d.public.t (s varchar default ';')";
        assert_eq!(parse(sql).unwrap().len(), 2);
    }
}
