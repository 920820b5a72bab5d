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
    let mut statements = parse_with(sql, true)?;
    canonical_function_names(&mut statements);
    Ok(statements)
}

/// sqlparser's reading of `sql`, with string constants unescaped as Snowflake does: sqlparser
/// reads `\n`, `\t` and the like, but not `\xhh`, `\uhhhh` or octal `\ooo` (it keeps only the
/// letter or digits). Text with such an escape is tokenized raw and its strings unescaped here.
fn parse_sql(sql: &str) -> std::result::Result<Vec<Statement>, ParserError> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let bytes = sql.as_bytes();
    let numeric_escape = bytes
        .windows(2)
        .any(|w| w[0] == b'\\' && matches!(w[1], b'x' | b'u' | b'0'..=b'7'));
    if !numeric_escape {
        return Parser::parse_sql(&SnowflakeDialect, sql);
    }
    let mut tokens = Tokenizer::new(&SnowflakeDialect, sql)
        .with_unescape(false)
        .tokenize_with_location()?;
    for t in &mut tokens {
        match &mut t.token {
            Token::SingleQuotedString(s) | Token::NationalStringLiteral(s) => {
                *s = unescape_string(s);
            }
            // Raw tokens keep a quoted identifier's doubled quotes.
            Token::Word(w) if w.quote_style == Some('"') => w.value = w.value.replace("\"\"", "\""),
            _ => {}
        }
    }
    Parser::new(&SnowflakeDialect)
        .with_tokens_with_locations(tokens)
        .parse_statements()
}

/// A single-quoted string constant's raw text as Snowflake reads it: `''` is a quote; `\b`,
/// `\f`, `\n`, `\r`, `\t` the control characters; `\ooo` an octal, `\xhh` a hexadecimal and
/// `\uhhhh` a Unicode code point; a backslash before any other character is that character.
fn unescape_string(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    // Up to `max` digits of `radix` as a character (`None` without digits or for no character).
    let code = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, radix: u32, max| {
        let mut value = None::<u32>;
        for _ in 0..max {
            let Some(d) = chars.peek().and_then(|c| c.to_digit(radix)) else {
                break;
            };
            chars.next();
            value = Some(value.unwrap_or(0) * radix + d);
        }
        value.and_then(char::from_u32)
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\\' => match chars.peek().copied() {
                None => out.push('\\'),
                Some('0'..='7') => out.extend(code(&mut chars, 8, 3)),
                Some(kind @ ('x' | 'u')) => {
                    chars.next();
                    let (digits, letter) = if kind == 'x' { (2, 'x') } else { (4, 'u') };
                    match code(&mut chars, 16, digits) {
                        Some(c) => out.push(c),
                        None => out.push(letter),
                    }
                }
                Some(next) => {
                    chars.next();
                    out.push(match next {
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        other => other,
                    });
                }
            },
            c => out.push(c),
        }
    }
    out
}

/// Snowflake's other names of functions as the names the rules know: `REGEXP_EXTRACT_ALL` is
/// `REGEXP_SUBSTR_ALL`, `BIT_SHIFTLEFT` is `BITSHIFTLEFT`, `BIT_AND(a, b)` is `BITAND(a, b)`
/// (with one argument BIT_AND stays the aggregate). The name keeps its place in the source
/// text, so a result column keeps the name as written.
fn canonical_function_names(statements: &mut Vec<Statement>) {
    use sqlparser::ast::{Expr, FunctionArguments, ObjectNamePart};
    let _ = sqlparser::ast::visit_expressions_mut(statements, |e| {
        if let Expr::Function(f) = e {
            let arguments = match &f.args {
                FunctionArguments::List(list) => list.args.len(),
                _ => 0,
            };
            let [ObjectNamePart::Identifier(name)] = f.name.0.as_mut_slice() else {
                return std::ops::ControlFlow::<()>::Continue(());
            };
            let canonical = match name.value.to_ascii_uppercase().as_str() {
                "REGEXP_EXTRACT_ALL" => "REGEXP_SUBSTR_ALL",
                "BIT_SHIFTLEFT" => "BITSHIFTLEFT",
                "BIT_SHIFTRIGHT" => "BITSHIFTRIGHT",
                "BIT_NOT" => "BITNOT",
                "BIT_AND" if arguments > 1 => "BITAND",
                "BIT_OR" if arguments > 1 => "BITOR",
                "BIT_XOR" if arguments > 1 => "BITXOR",
                _ => return std::ops::ControlFlow::Continue(()),
            };
            if name.quote_style.is_none() {
                name.value = canonical.to_string();
            }
        }
        std::ops::ControlFlow::Continue(())
    });
}

/// [`parse`]; with `rewrite`, text that does not parse is tried once more as
/// [`lenient_rewrite`] writes it (the rewritten text is not rewritten again).
fn parse_with(sql: &str, rewrite: bool) -> Result<Vec<Statement>> {
    // sqlparser reads some SHOW commands as bare word lists (dropping their LIKE pattern):
    // those, like the statements it cannot read at all, go through `parse_special`.
    // Roles and users: sqlparser reads some forms, each its own way (see `crate::access`).
    let access = crate::access::may_be_access(sql);
    let whole = match parse_sql(sql) {
        Ok(statements)
            if !access
                && !statements.iter().any(|s| {
                    matches!(
                        s,
                        Statement::ShowVariable { .. } | Statement::CreateSequence { .. }
                    )
                }) =>
        {
            return Ok(statements)
        }
        Ok(_) => ParserError::ParserError("SHOW".into()),
        Err(e) => {
            let rewritten = lenient_rewrite(sql).or_else(|| ctas_column_names(sql));
            if let Some(rewritten) = rewritten.filter(|_| rewrite) {
                if let Ok(statements) = parse_with(&rewritten, false) {
                    return Ok(statements);
                }
            }
            e
        }
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
        out.extend(parse_sql(piece).map_err(|e| syntax_error(piece, &e))?);
    }
    Ok(out)
}

/// Snowflake syntax sqlparser does not read, rewritten to the equivalent it does: a
/// `$$dollar-quoted$$` string as a quoted one (`COMMENT ON ... IS $$...$$`, what dbt sends);
/// `COPY GRANTS` dropped (grants are not modelled); `ALTER TABLE t ADD [COLUMN] a INT, b INT`
/// with `ADD COLUMN` before each further column, and likewise `ALTER | MODIFY [(] c1 ..., c2
/// ... [)]`. `None` when nothing applies.
fn lenient_rewrite(sql: &str) -> Option<String> {
    use sqlparser::tokenizer::Token;
    let (tokens, offsets) = tokens_with_offsets(sql)?;
    // Each token with its source text.
    let pieces: Vec<(&Token, &str)> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let end = offsets.get(i + 1).copied().unwrap_or(sql.len());
            (&t.token, &sql[offsets[i]..end])
        })
        .collect();
    let word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.value.eq_ignore_ascii_case(w));
    let significant: Vec<usize> = (0..pieces.len())
        .filter(|&i| !matches!(pieces[i].0, Token::Whitespace(_)))
        .collect();
    let next_word = |i: usize| significant.iter().find(|&&j| j > i).map(|&j| pieces[j].0);
    // The significant token `back` places before token `i`.
    let before = |i: usize, back: usize| {
        let at = significant.iter().position(|&j| j == i)?;
        at.checked_sub(back).map(|k| pieces[significant[k]].0)
    };
    // `NTH_VALUE(...) FROM FIRST | FROM LAST`: FROM FIRST (the default) dropped, FROM LAST
    // as `SG_NTHLST(...)`, reversed by the aggregates rule. Same lengths, for column names.
    let mut replaced: std::collections::HashMap<usize, String> = Default::default();
    // The significant position of the parenthesis closing the one at significant position `k`.
    let closing = |k: usize| {
        let mut nesting = 0usize;
        for (m, &j) in significant.iter().enumerate().skip(k) {
            match pieces[j].0 {
                Token::LParen => nesting += 1,
                Token::RParen if nesting == 1 => return Some(m),
                Token::RParen => nesting = nesting.saturating_sub(1),
                _ => {}
            }
        }
        None
    };
    let opens = |k: usize| significant.get(k + 1).map(|&j| pieces[j].0) == Some(&Token::LParen);
    let show = significant
        .first()
        .is_some_and(|&j| word(pieces[j].0, "SHOW"));
    for (k, &at) in significant.iter().enumerate() {
        // `SHOW ... IN ACCOUNT LIMIT n`: sqlparser takes LIMIT for the name after ACCOUNT;
        // one is given (the account's is never read).
        if show
            && word(pieces[at].0, "ACCOUNT")
            && before(at, 1).is_some_and(|t| word(t, "IN"))
            && next_word(at).is_some_and(|t| word(t, "LIMIT"))
        {
            replaced.insert(at, format!("{} SG_ACCOUNT", pieces[at].1));
            continue;
        }
        // `ALTER TABLE t ALTER | MODIFY ( c1 ..., c2 ... )`: the parentheses blanked, leaving
        // the comma-separated actions the ALTER arm below reads.
        if (word(pieces[at].0, "ALTER") || word(pieces[at].0, "MODIFY")) && k > 0 && opens(k) {
            if let Some(m) = closing(k + 1) {
                for j in [significant[k + 1], significant[m]] {
                    replaced.insert(j, " ".to_string());
                }
            }
            continue;
        }
        if !word(pieces[at].0, "NTH_VALUE") || !opens(k) {
            continue;
        }
        let Some(m) = closing(k + 1) else { continue };
        let (Some(&from), Some(&which)) = (significant.get(m + 1), significant.get(m + 2)) else {
            continue;
        };
        let last = word(pieces[which].0, "LAST");
        if !word(pieces[from].0, "FROM") || !(last || word(pieces[which].0, "FIRST")) {
            continue;
        }
        if last {
            replaced.insert(at, "SG_NTHLST".into());
        }
        for j in [from, which] {
            replaced.insert(j, " ".repeat(pieces[j].1.len()));
        }
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut changed = !replaced.is_empty();
    // Per statement: its first two words (ALTER TABLE?), paren depth, inside an ADD action.
    let mut first_words: Vec<&Token> = Vec::new();
    let mut depth = 0usize;
    let mut adding = false;
    // Inside an `ALTER | MODIFY [COLUMN] c ...` action: further columns after commas.
    let mut altering = false;
    let mut skip_next_grants = false;
    for (i, (token, text)) in pieces.iter().enumerate() {
        if !matches!(token, Token::Whitespace(_)) && first_words.len() < 2 {
            first_words.push(token);
        }
        if let Some(text) = replaced.get(&i) {
            out.push_str(text);
            continue;
        }
        let alter_table = first_words.len() == 2
            && word(first_words[0], "ALTER")
            && word(first_words[1], "TABLE");
        match token {
            Token::SemiColon => {
                first_words.clear();
                depth = 0;
                adding = false;
                altering = false;
            }
            Token::DollarQuotedString(s) => {
                out.push('\'');
                out.push_str(&s.value.replace('\\', "\\\\").replace('\'', "\\'"));
                out.push('\'');
                changed = true;
                continue;
            }
            Token::Word(w)
                if w.value.eq_ignore_ascii_case("COPY")
                    && next_word(i).is_some_and(|t| word(t, "GRANTS")) =>
            {
                skip_next_grants = true;
                changed = true;
                continue;
            }
            Token::Word(w) if skip_next_grants && w.value.eq_ignore_ascii_case("GRANTS") => {
                skip_next_grants = false;
                continue;
            }
            // `DATE_PART(part FROM x)`, Snowflake's second form, as `DATE_PART(part, x)`.
            Token::Word(w)
                if w.value.eq_ignore_ascii_case("FROM")
                    && before(i, 2) == Some(&Token::LParen)
                    && before(i, 3).is_some_and(|t| word(t, "DATE_PART")) =>
            {
                // Padded to the same length: result column names are cut from the source text.
                out.push_str(",   ");
                changed = true;
                continue;
            }
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Word(w) if alter_table && depth == 0 && w.value.eq_ignore_ascii_case("ADD") => {
                adding = true;
                altering = false;
            }
            // `ALTER c NOT NULL`: SET is optional in Snowflake.
            Token::Word(w)
                if altering
                    && depth == 0
                    && w.value.eq_ignore_ascii_case("NOT")
                    && next_word(i).is_some_and(|t| word(t, "NULL"))
                    && !before(i, 1).is_some_and(|t| word(t, "SET") || word(t, "DROP")) =>
            {
                out.push_str("SET ");
                changed = true;
            }
            Token::Word(w)
                if alter_table
                    && depth == 0
                    && ["DROP", "ALTER", "MODIFY", "RENAME", "SET", "UNSET"]
                        .iter()
                        .any(|k| w.value.eq_ignore_ascii_case(k)) =>
            {
                adding = false;
                // Not the statement's own ALTER, nor `SET DATA TYPE`, `DROP DEFAULT` inside one.
                if ["ALTER", "MODIFY"]
                    .iter()
                    .any(|k| w.value.eq_ignore_ascii_case(k))
                {
                    altering = true;
                }
            }
            // A comma inside an ADD or ALTER action: the next column gets the action's verb.
            Token::Comma if (adding || altering) && depth == 0 => {
                out.push_str(text);
                let verb = if adding { "ADD" } else { "ALTER" };
                match next_word(i) {
                    Some(t) if word(t, "COLUMN") => {
                        out.push_str(&format!(" {verb}"));
                        changed = true;
                    }
                    Some(t)
                        if matches!(t, Token::Word(_))
                            && !["ALTER", "MODIFY", "ADD", "DROP", "RENAME", "SET", "UNSET"]
                                .iter()
                                .any(|k| word(t, k)) =>
                    {
                        out.push_str(&format!(" {verb} COLUMN"));
                        changed = true;
                    }
                    _ => altering = false,
                }
                continue;
            }
            _ => {}
        }
        out.push_str(text);
    }
    changed.then_some(out)
}

/// `CREATE TABLE t (a, b) AS <query>` (column names without types, which sqlparser does not
/// read) as `CREATE TABLE t AS SELECT * FROM (<query>) AS "SG_CTAS_COLUMNS" (a, b)`. `None`
/// for any other text.
fn ctas_column_names(sql: &str) -> Option<String> {
    use sqlparser::tokenizer::Token;
    let (tokens, offsets) = tokens_with_offsets(sql)?;
    let significant: Vec<(usize, &Token)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(i, t)| (i, &t.token))
        .collect();
    let is_word =
        |t: &Token, w: &str| matches!(t, Token::Word(x) if x.value.eq_ignore_ascii_case(w));
    let mut at = 0;
    if !is_word(significant.first()?.1, "CREATE") {
        return None;
    }
    // Up to TABLE: OR REPLACE and the table kinds.
    while !is_word(significant.get(at)?.1, "TABLE") {
        at += 1;
        if at > 5 {
            return None;
        }
    }
    at += 1;
    if is_word(significant.get(at)?.1, "IF") {
        at += 3;
    }
    // The table name: words joined by periods.
    if !matches!(significant.get(at)?.1, Token::Word(_)) {
        return None;
    }
    at += 1;
    while matches!(significant.get(at)?.1, Token::Period) {
        at += 2;
    }
    let (open, Token::LParen) = *significant.get(at)? else {
        return None;
    };
    let mut names = Vec::new();
    loop {
        at += 1;
        let (i, Token::Word(_)) = *significant.get(at)? else {
            return None;
        };
        names.push(&sql[offsets[i]..offsets.get(i + 1).copied().unwrap_or(sql.len())]);
        at += 1;
        match significant.get(at)?.1 {
            Token::Comma => continue,
            Token::RParen => break,
            _ => return None,
        }
    }
    at += 1;
    let (as_index, as_word) = *significant.get(at)?;
    if !is_word(as_word, "AS") {
        return None;
    }
    let query = sql[offsets[as_index] + 2..].trim().trim_end_matches(';');
    Some(format!(
        "{} AS SELECT * FROM ({query}\n) AS \"SG_CTAS_COLUMNS\" ({})",
        &sql[..offsets[open]],
        names
            .iter()
            .map(|n| n.trim())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The tokens of `sql` (without the end marker) and the byte offset where each starts.
fn tokens_with_offsets(
    sql: &str,
) -> Option<(Vec<sqlparser::tokenizer::TokenWithSpan>, Vec<usize>)> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let mut tokens = Tokenizer::new(&SnowflakeDialect, sql)
        .tokenize_with_location()
        .ok()?;
    tokens.retain(|t| t.token != Token::EOF);
    let offsets = token_offsets(sql, &tokens)?;
    Some((tokens, offsets))
}

/// The byte offset in `sql` where each token starts.
fn token_offsets(sql: &str, tokens: &[sqlparser::tokenizer::TokenWithSpan]) -> Option<Vec<usize>> {
    // Tokens come in text order: one forward walk over the characters finds every start.
    let mut chars = sql.char_indices().peekable();
    let (mut line, mut column) = (1u64, 1u64);
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let target = (t.span.start.line, t.span.start.column);
        while (line, column) < target {
            let (_, c) = chars.next()?;
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        out.push(chars.peek().map_or(sql.len(), |(i, _)| *i));
    }
    Some(out)
}

/// The non-empty statements of `sql`, split at top-level `;` tokens.
pub fn split_statements(sql: &str) -> Vec<&str> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let Ok(mut tokens) = Tokenizer::new(&SnowflakeDialect, sql).tokenize_with_location() else {
        return vec![sql];
    };
    tokens.retain(|t| t.token != Token::EOF);
    let Some(offsets) = token_offsets(sql, &tokens) else {
        return vec![sql];
    };
    let mut pieces = Vec::new();
    let mut from = 0;
    for (t, at) in tokens.iter().zip(offsets) {
        if t.token == Token::SemiColon {
            pieces.push(&sql[from..at]);
            from = at + 1;
        }
    }
    pieces.push(&sql[from..]);
    pieces.retain(|p| {
        !p.trim().is_empty()
            && Parser::parse_sql(&SnowflakeDialect, p).map_or(true, |s| !s.is_empty())
    });
    pieces
}

/// One part of a statement in a pipe chain (`a ->> b`): its text, or a reference `$n` in a
/// FROM clause to the result of the statement `n` places before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeSegment {
    Text(String),
    Previous(usize),
}

/// The statements of a pipe chain (`SHOW TABLES ->> SELECT "name" FROM $1`), split at the
/// top-level `->>` operators, each as its segments; `None` when `sql` is no chain.
pub fn pipe_chain(sql: &str) -> Option<Vec<Vec<PipeSegment>>> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let mut tokens = Tokenizer::new(&SnowflakeDialect, sql)
        .tokenize_with_location()
        .ok()?;
    tokens.retain(|t| t.token != Token::EOF);
    if !tokens.iter().any(|t| t.token == Token::LongArrow) {
        return None;
    }
    let offsets = token_offsets(sql, &tokens)?;
    let mut chain = vec![];
    let mut segments = vec![];
    let mut from = 0;
    let mut previous_word = String::new();
    for (t, &at) in tokens.iter().zip(&offsets) {
        match &t.token {
            Token::LongArrow => {
                segments.push(PipeSegment::Text(sql[from..at].to_string()));
                chain.push(std::mem::take(&mut segments));
                from = at + 3;
            }
            Token::Placeholder(p) if matches!(previous_word.as_str(), "FROM" | "JOIN") => {
                if let Ok(n) = p[1..].parse::<usize>() {
                    segments.push(PipeSegment::Text(sql[from..at].to_string()));
                    segments.push(PipeSegment::Previous(n));
                    from = at + p.len();
                }
            }
            _ => {}
        }
        match &t.token {
            Token::Whitespace(_) => {}
            Token::Word(w) => previous_word = w.value.to_ascii_uppercase(),
            _ => previous_word.clear(),
        }
    }
    let rest = sql[from..].trim_end().trim_end_matches(';');
    segments.push(PipeSegment::Text(rest.to_string()));
    chain.push(segments);
    Some(chain)
}

/// Turn sqlparser's `Expected: X, found: Y at Line: L, Column: C` into Snowflake's
/// `syntax error line L at position C-1 unexpected 'Y'.`
fn syntax_error(sql: &str, error: &ParserError) -> SnowflakeError {
    if let Some(feature) =
        unsupported_statement(sql).or_else(|| history_clause(sql).map(Into::into))
    {
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

/// `CREATE OR ALTER [TRANSIENT] TABLE ...` as the plain `CREATE ... TABLE ...` it is when the
/// table does not exist (the two words blanked); `None` for any other text.
pub(crate) fn without_or_alter(sql: &str) -> Option<String> {
    let (tokens, offsets) = tokens_with_offsets(sql)?;
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, sqlparser::tokenizer::Token::Whitespace(_)))
        .collect();
    let word = |k: usize, w: &str| {
        significant.get(k).is_some_and(|&i| {
            matches!(&tokens[i].token, sqlparser::tokenizer::Token::Word(x) if x.value.eq_ignore_ascii_case(w))
        })
    };
    if !(word(0, "CREATE") && word(1, "OR") && word(2, "ALTER")) {
        return None;
    }
    if !(word(3, "TABLE") || (word(3, "TRANSIENT") && word(4, "TABLE"))) {
        return None;
    }
    let (from, to) = (offsets[significant[1]], offsets[significant[3]]);
    Some(format!(
        "{}{}{}",
        &sql[..from],
        " ".repeat(to - from),
        &sql[to..]
    ))
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

/// The Time Travel or change-tracking clause a statement uses (`AT (OFFSET => ...)`,
/// `BEFORE (STATEMENT => ...)`, `CHANGES (INFORMATION => ...)`), found among its tokens:
/// Snowglobe keeps no history of its tables, so these are unsupported rather than answered
/// from the current rows (sqlparser reads some of them, and drops one after `CLONE`).
pub fn history_clause(sql: &str) -> Option<&'static str> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    if !sql.contains("=>") {
        return None;
    }
    let tokens = Tokenizer::new(&SnowflakeDialect, sql).tokenize().ok()?;
    let tokens: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let word = |t: &Token| match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    };
    tokens.windows(4).find_map(|w| {
        if *w[1] != Token::LParen || *w[3] != Token::RArrow {
            return None;
        }
        match (word(w[0])?.as_str(), word(w[2])?.as_str()) {
            ("AT" | "BEFORE", "TIMESTAMP" | "OFFSET" | "STATEMENT" | "STREAM") => {
                Some("Time Travel (AT | BEFORE)")
            }
            ("CHANGES", "INFORMATION") => Some("CHANGES"),
            _ => None,
        }
    })
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
    fn pipe_chains_split_at_the_operator_and_name_earlier_results() {
        use super::PipeSegment::{Previous, Text};
        let chain = super::pipe_chain(
            "show tables ->> select \"name\", $1 from $1 join $2 on x = '->>' ->> select 1;",
        )
        .unwrap();
        assert_eq!(
            chain,
            vec![
                vec![Text("show tables ".into())],
                vec![
                    Text(" select \"name\", $1 from ".into()),
                    Previous(1),
                    Text(" join ".into()),
                    Previous(2),
                    Text(" on x = '->>' ".into()),
                ],
                vec![Text(" select 1".into())],
            ]
        );
        assert_eq!(super::pipe_chain("select '->>' from t"), None);
    }

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
        // sqlparser reads these (plan() refuses them).
        let at = "select * from t at(offset => -60)";
        assert_eq!(history_clause(at), Some("Time Travel (AT | BEFORE)"));
        let changes = "select * from t changes(information => default) at(offset => -1)";
        assert_eq!(history_clause(changes), Some("CHANGES"));
    }

    #[test]
    fn history_clauses_are_found_among_tokens() {
        assert_eq!(
            history_clause("create table c clone t before (statement => '01b')"),
            Some("Time Travel (AT | BEFORE)")
        );
        assert_eq!(
            history_clause("select * from t AT ( TIMESTAMP => current_timestamp() )"),
            Some("Time Travel (AT | BEFORE)")
        );
        assert_eq!(
            history_clause("select 'at(offset => 1)', \"AT\"(offset => 1)"),
            None
        );
        assert_eq!(history_clause("select f(x => 1) from t"), None);
    }

    #[test]
    fn lenient_rewrites_read_what_sqlparser_does_not() {
        assert_eq!(
            lenient_rewrite("comment on view v IS $$it's a\\b$$").as_deref(),
            Some("comment on view v IS 'it\\'s a\\\\b'")
        );
        assert_eq!(
            lenient_rewrite("create or replace view v copy grants as select 1").as_deref(),
            Some("create or replace view v   as select 1")
        );
        assert_eq!(
            lenient_rewrite("alter table t add column a int, b number(10, 2), column c date")
                .as_deref(),
            Some("alter table t add column a int, ADD COLUMN b number(10, 2), ADD column c date")
        );
        assert_eq!(
            lenient_rewrite("select date_part(year from d), date_part('day' FROM d) from t")
                .as_deref(),
            Some("select date_part(year ,    d), date_part('day' ,    d) from t")
        );
        assert_eq!(
            lenient_rewrite(
                "select nth_value(a, 2) from first over (), NTH_VALUE(f(a), 1) FROM LAST ignore nulls over ()"
            )
            .as_deref(),
            Some("select nth_value(a, 2)            over (), SG_NTHLST(f(a), 1)           ignore nulls over ()")
        );
        assert_eq!(
            lenient_rewrite("alter table t alter c1 not null, c2 drop default").as_deref(),
            Some("alter table t alter c1 SET not null, ALTER COLUMN c2 drop default")
        );
        assert_eq!(
            lenient_rewrite(
                "ALTER TABLE t MODIFY c4 SET DATA TYPE VARCHAR(50), COLUMN c4 DROP NOT NULL"
            )
            .as_deref(),
            Some(
                "ALTER TABLE t MODIFY c4 SET DATA TYPE VARCHAR(50), ALTER COLUMN c4 DROP NOT NULL"
            )
        );
        assert!(parse("alter table t alter c1 drop not null, c2 set default 1").is_ok());
        assert_eq!(
            super::unescape_string(r"\x41\u2744\101\0x\q\\''\xzz\n"),
            "A\u{2744}A\0x".to_string() + "q\\'xzz\n"
        );
        assert_eq!(
            lenient_rewrite("alter table t alter (c1 drop not null, c2 set data type varchar(9))")
                .as_deref(),
            Some(
                "alter table t alter  c1 drop not null, ALTER COLUMN c2 set data type varchar(9) "
            )
        );
        assert!(parse("ALTER TABLE t MODIFY (c1 DROP DEFAULT, COLUMN c2 SET NOT NULL)").is_ok());
        assert_eq!(lenient_rewrite("select 1, 2"), None);
        assert_eq!(
            ctas_column_names("create or replace table db.s.t (a, \"b c\") as select 1, 2;")
                .as_deref(),
            Some(
                "create or replace table db.s.t  AS SELECT * FROM (select 1, 2\n) AS \"SG_CTAS_COLUMNS\" (a, \"b c\")"
            )
        );
        assert_eq!(
            ctas_column_names("create table t (a int) as select 1"),
            None
        );
        assert!(parse("create table t (a, b) as select 1, 2").is_ok());
        assert!(parse("create table t (a) as select 1 -- note").is_ok());
        assert!(parse("comment on table t is $$x$$").is_ok());
        assert!(parse("alter table t add column a int, b date").is_ok());
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
