//! Parsing with sqlparser's Snowflake dialect; its errors become Snowflake syntax errors.

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::Statement;
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::{Parser, ParserError};

/// Parse one request's SQL text into statements.
pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    Parser::parse_sql(&SnowflakeDialect, sql).map_err(|e| syntax_error(sql, &e))
}

/// Turn sqlparser's `Expected: X, found: Y at Line: L, Column: C` into Snowflake's
/// `syntax error line L at position C-1 unexpected 'Y'.`
fn syntax_error(sql: &str, error: &ParserError) -> SnowflakeError {
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
}
