//! Result column names as Snowflake gives them.

use snowglobe_catalog::SfType;
use sqlparser::ast::{Expr, Ident, Query, SelectItem, SetExpr, Spanned, Statement};
use sqlparser::tokenizer::Location;

/// Snowflake names an unaliased expression column by the expression's text as written, upper
/// case (`select count(*)` → `COUNT(*)`, `select 1` → `1`); DuckDB names it by its own
/// rendering. A plain column reference keeps DuckDB's naming (the column's own name, which the
/// identifier rule spells Snowflake's way). This rule gives every other unaliased item of the
/// outermost projection a quoted alias with Snowflake's name.
pub fn name_projection_columns(statement: &mut Statement, sql: &str) {
    name_inner_queries(statement, sql);
    let query = match statement {
        Statement::Query(q) => q,
        Statement::CreateTable(c) => match c.query.as_mut() {
            Some(q) => q,
            None => return,
        },
        Statement::CreateView(v) => &mut v.query,
        _ => return,
    };
    name_query(query, sql);
}

/// The columns of a derived table or a CTE take the same names, and an outer query may refer to
/// them by those names (`select "COUNT(*)" from (select count(*) from t)`).
fn name_inner_queries(statement: &mut Statement, sql: &str) {
    use sqlparser::ast::{TableFactor, VisitMut, VisitorMut};
    use std::ops::ControlFlow;
    struct Namer<'a>(&'a str);
    impl VisitorMut for Namer<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
            if let Some(with) = &mut query.with {
                for cte in &mut with.cte_tables {
                    name_query(&mut cte.query, self.0);
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Derived { subquery, .. } = factor {
                name_query(subquery, self.0);
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Namer(sql));
}

/// The outermost projection's items with the names Snowflake gives their columns.
fn named_items<'a>(statement: &'a Statement, sql: &str) -> Vec<(String, &'a Expr)> {
    match statement {
        Statement::Query(query) => query_items(query, Some(sql)),
        _ => vec![],
    }
}

/// A query's projection items with their column names; without the statement's text, only the
/// aliased ones.
fn query_items<'a>(query: &'a Query, sql: Option<&str>) -> Vec<(String, &'a Expr)> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return vec![];
    };
    select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::UnnamedExpr(e) => Some((source_text(e, sql?).to_uppercase(), e)),
            SelectItem::ExprWithAlias { expr, alias } => Some((
                if alias.quote_style.is_some() {
                    alias.value.clone()
                } else {
                    alias.value.to_uppercase()
                },
                expr,
            )),
            _ => None,
        })
        .collect()
}

/// The names of the outermost projection's columns that are non-NULL literals (`select 1`,
/// `select 'a' as x`) or counts: Snowflake describes them as not nullable.
pub fn literal_columns(statement: &Statement, sql: &str) -> Vec<String> {
    named_items(statement, sql)
        .into_iter()
        .filter(|(_, e)| is_non_null_literal(e))
        .map(|(name, _)| name)
        .collect()
}

/// The semi-structured type of a projection column computed by a Snowflake constructor or cast
/// (`parse_json(..)` is VARIANT, `object_construct(..)` OBJECT, `array_agg(..)` ARRAY): DuckDB
/// stores all three as JSON text, so the result's storage alone cannot tell them apart.
pub fn semi_structured_columns(statement: &Statement, sql: &str) -> Vec<(String, SfType)> {
    named_items(statement, sql)
        .into_iter()
        .filter_map(|(name, e)| semi_structured_type(e).map(|t| (name, t)))
        .collect()
}

/// The declared types of a CTAS query's aliased columns that DuckDB's storage type cannot tell
/// (see [`semi_structured_columns`]): a CREATE TABLE ... AS SELECT declares them so.
pub fn projection_types(query: &Query) -> Vec<(String, SfType)> {
    query_items(query, None)
        .into_iter()
        .filter_map(|(name, e)| semi_structured_type(e).map(|t| (name, t)))
        .collect()
}

fn semi_structured_type(e: &Expr) -> Option<SfType> {
    match e {
        Expr::Nested(inner) => semi_structured_type(inner),
        // A cast also gives a text or binary column its length (`x::VARCHAR(5)`), which
        // DuckDB's VARCHAR and BLOB do not keep.
        Expr::Cast { data_type, .. } => match crate::types::sf_type(data_type).ok()? {
            t @ (SfType::Variant | SfType::Object | SfType::Array) => Some(t),
            t @ SfType::Text { length } if length < snowglobe_catalog::types::MAX_TEXT_LENGTH => {
                Some(t)
            }
            t @ SfType::Binary { length }
                if length < snowglobe_catalog::types::MAX_BINARY_LENGTH =>
            {
                Some(t)
            }
            // and a time or timestamp its precision (`x::TIMESTAMP_NTZ(3)`)
            t @ (SfType::Time { scale }
            | SfType::TimestampNtz { scale }
            | SfType::TimestampLtz { scale }
            | SfType::TimestampTz { scale })
                if scale < 9 =>
            {
                Some(t)
            }
            _ => None,
        },
        Expr::Function(f) => match f.name.to_string().to_ascii_uppercase().as_str() {
            "PARSE_JSON" | "TRY_PARSE_JSON" | "TO_VARIANT" | "ARRAY_MIN" | "ARRAY_MAX" => {
                Some(SfType::Variant)
            }
            "OBJECT_CONSTRUCT"
            | "OBJECT_CONSTRUCT_KEEP_NULL"
            | "OBJECT_AGG"
            | "OBJECTAGG"
            | "AS_OBJECT"
            | "OBJECT_INSERT"
            | "OBJECT_DELETE"
            | "OBJECT_PICK"
            | "ARRAYS_TO_OBJECT"
            | "PARSE_URL"
            | "PARSE_IP"
            | "TO_OBJECT" => Some(SfType::Object),
            "ARRAY_CONSTRUCT"
            | "ARRAY_CONSTRUCT_COMPACT"
            | "ARRAY_AGG"
            | "SPLIT"
            | "STRTOK_TO_ARRAY"
            | "ARRAY_APPEND"
            | "ARRAY_PREPEND"
            | "ARRAY_CAT"
            | "ARRAY_SLICE"
            | "ARRAY_COMPACT"
            | "ARRAY_DISTINCT"
            | "ARRAY_EXCEPT"
            | "ARRAY_INTERSECTION"
            | "ARRAY_INSERT"
            | "ARRAY_REMOVE"
            | "ARRAY_REMOVE_AT"
            | "ARRAY_GENERATE_RANGE"
            | "ARRAY_REPEAT"
            | "FILTER"
            | "TRANSFORM"
            | "ARRAY_SORT"
            | "ARRAY_REVERSE"
            | "REGEXP_SUBSTR_ALL"
            | "ARRAY_FLATTEN"
            | "ARRAYS_ZIP"
            | "ARRAYAGG"
            | "AS_ARRAY"
            | "ARRAY_UNION_AGG"
            | "ARRAY_UNIQUE_AGG"
            | "OBJECT_KEYS"
            | "TO_ARRAY" => Some(SfType::Array),
            _ => None,
        },
        // The constants `[1, 2]` and `{'a': 1}`.
        Expr::Array(_) => Some(SfType::Array),
        Expr::Dictionary(_) => Some(SfType::Object),
        _ => None,
    }
}

fn is_non_null_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => !matches!(
            v.value,
            sqlparser::ast::Value::Null | sqlparser::ast::Value::Placeholder(_)
        ),
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => is_non_null_literal(expr),
        // COUNT and COUNT_IF never give NULL (Snowflake describes them as not nullable).
        Expr::Function(f) => {
            let name = f.name.to_string();
            name.eq_ignore_ascii_case("count") || name.eq_ignore_ascii_case("count_if")
        }
        _ => false,
    }
}

fn name_query(query: &mut Query, sql: &str) {
    let mut body = query.body.as_mut();
    loop {
        match body {
            SetExpr::Select(select) => {
                for item in &mut select.projection {
                    if let SelectItem::UnnamedExpr(expr) = item {
                        let keyword = matches!(expr, Expr::Identifier(i) if i.quote_style.is_none()
                            && crate::rules::functions::USER_KEYWORDS
                                .iter()
                                .any(|k| i.value.eq_ignore_ascii_case(k)));
                        if !keyword
                            && matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
                        {
                            continue;
                        }
                        let name = source_text(expr, sql).to_uppercase();
                        *item = SelectItem::ExprWithAlias {
                            expr: expr.clone(),
                            alias: Ident::with_quote('"', name),
                        };
                    }
                }
                return;
            }
            SetExpr::SetOperation { left, .. } => body = left.as_mut(),
            SetExpr::Query(q) => body = q.body.as_mut(),
            _ => return,
        }
    }
}

/// The text of `expr` as written in `sql`, or its rendering when the span is unknown.
///
/// Spans of some nodes are partial (`*` in `count(*)` has none), so the text runs from the
/// expression's start to the end of its select item: the next comma or clause keyword outside
/// quotes and parentheses.
fn source_text(expr: &Expr, sql: &str) -> String {
    let Some(mut start) = offset(sql, expr.span().start) else {
        return expr.to_string();
    };
    // Some expressions' spans start inside their own parentheses (`CAST(` x AS t `)`,
    // `POSITION(` a IN b `)`), also as the left operand of a larger item: take the keyword and
    // the parenthesis back in.
    const OPENERS: &[&str] = &[
        "TRY_CAST",
        "CAST",
        "POSITION",
        "EXTRACT",
        "SUBSTRING",
        "TRIM",
        "CEIL",
        "FLOOR",
    ];
    // Prefix operators and parentheses (`-5`, `NOT x`, `(1 + 2) * 3`) are outside the span too:
    // whatever stands between the item's span and the `SELECT` or `,` before it is the item's.
    let word_alone = |text: &str, at: usize| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    };
    loop {
        let before = sql[..start].trim_end();
        if let Some(open) = before.strip_suffix('(') {
            let open = open.trim_end();
            let upper = open.to_ascii_uppercase();
            if let Some(word) = OPENERS.iter().find(|w| upper.ends_with(*w)) {
                let at = open.len() - word.len();
                // The keyword must be a word of its own (not the end of `MYCAST(`).
                if word_alone(open, at) {
                    start = at;
                    continue;
                }
            }
            if open.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '"')
                && !open.to_ascii_uppercase().ends_with("SELECT")
                && !open.to_ascii_uppercase().ends_with("DISTINCT")
                && !open.to_ascii_uppercase().ends_with("NOT")
            {
                // A call's own parenthesis (`count(` x `)`): not the item's.
                break;
            }
            start = before.len() - 1;
        } else if before.ends_with(['-', '+', '~']) {
            start = before.len() - 1;
        } else if before.ends_with('[') && matches!(expr, Expr::Array(_)) {
            // An ARRAY constant's span starts at its first element.
            start = before.len() - 1;
        } else if before.to_ascii_uppercase().ends_with("NOT")
            && word_alone(before, before.len() - 3)
        {
            start = before.len() - 3;
        } else {
            break;
        }
    }
    if let Some(opener) = keyword_call_start(expr, sql, start) {
        start = opener;
    }
    let rest = &sql[start..];
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut end = rest.len();
    let mut iter = rest.char_indices().peekable();
    let mut prev_is_word = false;
    while let Some((i, c)) = iter.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            prev_is_word = false;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' => depth += 1,
            ')' | ']' if depth == 0 => {
                end = i;
                break;
            }
            ')' | ']' => depth -= 1,
            ',' | ';' if depth == 0 => {
                end = i;
                break;
            }
            c if depth == 0 && !prev_is_word && c.is_ascii_alphabetic() => {
                let word: String = rest[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let upper = word.to_ascii_uppercase();
                // `WITHIN GROUP (ORDER BY ...)` belongs to the item.
                let within_group = upper == "GROUP"
                    && rest[..i]
                        .trim_end()
                        .to_ascii_uppercase()
                        .ends_with("WITHIN");
                // `IS [NOT] DISTINCT FROM` belongs to the item too.
                let distinct_from = upper == "FROM"
                    && rest[..i]
                        .trim_end()
                        .to_ascii_uppercase()
                        .ends_with("DISTINCT");
                if CLAUSE_KEYWORDS.contains(&upper.as_str()) && !within_group && !distinct_from {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
        prev_is_word = c.is_alphanumeric() || c == '_' || c == '$';
        let _ = iter.peek();
    }
    let text = rest[..end].trim();
    if text.is_empty() {
        expr.to_string()
    } else {
        text.to_string()
    }
}

/// Where a keyword call (`EXTRACT(HOUR FROM ts)`, `SUBSTRING(s FROM 2)`, `TRIM(BOTH FROM s)`)
/// starts when its span begins at an inner operand: the keyword before the nearest unclosed
/// `(` to the left of `start`.
fn keyword_call_start(expr: &Expr, sql: &str, start: usize) -> Option<usize> {
    let keywords: &[&str] = match expr {
        Expr::Extract { .. } => &["EXTRACT"],
        // `SUBSTR(s, 2)` parses as SUBSTRING too.
        Expr::Substring { .. } => &["SUBSTRING", "SUBSTR"],
        Expr::Trim { .. } => &["TRIM"],
        Expr::Position { .. } => &["POSITION"],
        _ => return None,
    };
    let upper = sql[start..].to_ascii_uppercase();
    if keywords.iter().any(|k| upper.starts_with(k)) {
        return None;
    }
    let mut depth = 0i32;
    let before = &sql[..start];
    let open = before.char_indices().rev().find_map(|(i, c)| {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some(i),
            '(' => depth -= 1,
            _ => {}
        }
        None
    })?;
    let head = before[..open].trim_end();
    keywords.iter().find_map(|keyword| {
        let at = head.len().checked_sub(keyword.len())?;
        let word_alone = !head[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        (head.get(at..)?.eq_ignore_ascii_case(keyword) && word_alone).then_some(at)
    })
}

/// Keywords that end a select item.
const CLAUSE_KEYWORDS: &[&str] = &[
    "FROM",
    "WHERE",
    "GROUP",
    "HAVING",
    "QUALIFY",
    "ORDER",
    "LIMIT",
    "UNION",
    "EXCEPT",
    "MINUS",
    "INTERSECT",
    "INTO",
    "WINDOW",
    "FETCH",
    "OFFSET",
];

/// The text of a query as written in `sql`, from its first token to the end of the statement
/// (without a trailing `;`); `None` when its position is unknown.
pub fn text_from(query: &Query, sql: &str) -> Option<String> {
    let mut start = offset(sql, query.span().start)?;
    // A parenthesised query's span starts inside its parentheses.
    while let Some(open) = sql.get(..start)?.trim_end().strip_suffix('(') {
        start = open.len();
    }
    let text = sql.get(start..)?.trim_end();
    Some(
        text.strip_suffix(';')
            .unwrap_or(text)
            .trim_end()
            .to_string(),
    )
}

/// Byte offset in `sql` of a 1-based line/column location.
fn offset(sql: &str, loc: Location) -> Option<usize> {
    if loc.line == 0 || loc.column == 0 {
        return None;
    }
    let line_start = if loc.line == 1 {
        0
    } else {
        sql.match_indices('\n')
            .nth(loc.line as usize - 2)
            .map(|(i, _)| i + 1)?
    };
    let line = &sql[line_start..];
    let col = loc.column as usize - 1;
    match line.char_indices().nth(col) {
        Some((i, _)) => Some(line_start + i),
        None if line.chars().count() == col => Some(line_start + line.len()),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn semi_structured_columns_are_typed() {
        let sql = "select parse_json(s), object_construct('a', 1) as o, split(s, ',') a, s from t";
        let st = crate::parse::parse(sql).unwrap().remove(0);
        assert_eq!(
            super::semi_structured_columns(&st, sql),
            vec![
                (
                    "PARSE_JSON(S)".to_string(),
                    snowglobe_catalog::SfType::Variant
                ),
                ("O".to_string(), snowglobe_catalog::SfType::Object),
                ("A".to_string(), snowglobe_catalog::SfType::Array),
            ]
        );
    }

    #[test]
    fn literal_columns_are_named() {
        let sql = "select 1, 'a' as x, null, c, count(*) n, count_if(c > 1), sum(c) from t";
        let s = crate::parse::parse(sql).unwrap().remove(0);
        assert_eq!(
            super::literal_columns(&s, sql),
            vec![
                "1".to_string(),
                "X".to_string(),
                "N".to_string(),
                "COUNT_IF(C > 1)".to_string()
            ]
        );
    }

    use crate::parse::parse;

    fn names(sql: &str) -> String {
        let mut s = parse(sql).unwrap().remove(0);
        super::name_projection_columns(&mut s, sql);
        s.to_string()
    }

    #[test]
    fn derived_tables_and_ctes_name_their_columns() {
        let named = names(
            "with c as (select max(a) from t) select \"COUNT(*)\" from (select count(*), b from t) join c on true",
        );
        assert!(
            named.contains("SELECT max(a) AS \"MAX(A)\" FROM t"),
            "{named}"
        );
        assert!(
            named.contains("SELECT count(*) AS \"COUNT(*)\", b FROM t"),
            "{named}"
        );
    }

    #[test]
    fn keyword_calls_and_within_group_are_named_in_full() {
        let named = names(
            "select cast(a as int) / 3, try_cast(b as date), position('c' in s), \
             extract(hour from ts), substring(s from 2 for 3), \
             percentile_cont(0.5) within group (order by x) from t group by 1",
        );
        for label in [
            "AS \"CAST(A AS INT) / 3\"",
            "AS \"TRY_CAST(B AS DATE)\"",
            "AS \"POSITION('C' IN S)\"",
            "AS \"EXTRACT(HOUR FROM TS)\"",
            "AS \"SUBSTRING(S FROM 2 FOR 3)\"",
            "AS \"PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY X)\"",
        ] {
            assert!(named.contains(label), "{label} not in {named}");
        }
    }

    #[test]
    fn unaliased_expressions_are_named_by_their_upper_case_text() {
        assert_eq!(names("select 1"), "SELECT 1 AS \"1\"");
        assert_eq!(
            names("select count(*) from t"),
            "SELECT count(*) AS \"COUNT(*)\" FROM t"
        );
        assert_eq!(
            names("select a+1, b from t"),
            "SELECT a + 1 AS \"A+1\", b FROM t"
        );
        assert_eq!(names("select 'abc'"), "SELECT 'abc' AS \"'ABC'\"");
    }

    #[test]
    fn prefix_operators_and_parentheses_are_part_of_the_name() {
        let named =
            names("select -5, - x, not (true), (1+2)*3, -(1+2), count(-x), cast(-1 as int), [1, 2] from t");
        for label in [
            "AS \"[1, 2]\"",
            "AS \"-5\"",
            "AS \"- X\"",
            "AS \"NOT (TRUE)\"",
            "AS \"(1+2)*3\"",
            "AS \"-(1+2)\"",
            "AS \"COUNT(-X)\"",
            "AS \"CAST(-1 AS INT)\"",
        ] {
            assert!(named.contains(label), "{label} not in {named}");
        }
        let named = names("select substr('abc', 2), a is not distinct from b from t");
        for label in ["AS \"SUBSTR('ABC', 2)\"", "AS \"A IS NOT DISTINCT FROM B\""] {
            assert!(named.contains(label), "{label} not in {named}");
        }
    }

    #[test]
    fn aliases_and_plain_columns_are_left_alone() {
        assert_eq!(
            names("select a as x, t.b from t"),
            "SELECT a AS x, t.b FROM t"
        );
    }
}
