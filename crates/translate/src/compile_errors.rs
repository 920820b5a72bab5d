//! Compile errors DuckDB finds, told as Snowflake tells them.
//!
//! The engine maps a DuckDB error to Snowflake's code and the first words of its message
//! (`snowglobe_engine::errors`); what Snowflake adds from the statement — the column's table,
//! the clause it sits in, the branch of a set operation, the position in the user's text — is
//! read here from the statement as the user wrote it. Only failed statements come here: the
//! request's text is parsed again, so no statement pays for it.
//!
//! - `invalid identifier 'T.NOSUCH'` at the line and position of the name in the user's text
//!   (a name DuckDB gives without its qualifier, or the qualifier without its name, is completed
//!   from the text);
//! - `'T.B' in select clause is neither an aggregate nor in the group by clause.` (001104) for
//!   a select-list column a GROUP BY leaves out; `[T.B] is not a valid group by expression`
//!   (000979) in HAVING or without GROUP BY; `[T.B] is not a valid order by expression` in
//!   ORDER BY; `[5] is not a valid order by expression` for a position past the select list;
//! - `Invalid aggregate function in where clause [SUM(T.B)]`;
//! - `invalid number of result columns for set operator input branches, expected 1, got 2 in
//!   branch 2` (001789).

use std::ops::ControlFlow;

use snowglobe_error::{ErrorCode, SnowflakeError};
use sqlparser::ast::{
    Expr, Function, GroupByExpr, Ident, ObjectNamePart, OrderByKind, Query, Select, SelectItem,
    SetExpr, Statement, TableFactor, Value, Visit, VisitMut, Visitor, VisitorMut,
};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::names::ident_name;
use crate::rules::semi_structured::{calls_aggregate, is_aggregate_call};

/// `e` with what Snowflake's message says beyond DuckDB's, when `sql` (one statement) shows it.
pub fn refine(e: SnowflakeError, sql: &str) -> SnowflakeError {
    let refined = match e.code {
        ErrorCode::InvalidIdentifier => return locate_identifier(e, sql),
        ErrorCode::NotGroupByExpression => queries(sql).and_then(|q| grouping(&e.message, &q)),
        ErrorCode::SetOperatorColumns => queries(sql).and_then(|q| set_operation_widths(&q)),
        ErrorCode::SyntaxError if e.message.ends_with(WHERE_AGGREGATE) => {
            queries(sql).and_then(|q| where_aggregate(&q))
        }
        _ => None,
    };
    refined.unwrap_or(e)
}

const WHERE_AGGREGATE: &str = "Invalid aggregate function in where clause";

/// Every query of the one statement in `sql`, outermost first.
fn queries(sql: &str) -> Option<Vec<Query>> {
    let mut statements = Parser::parse_sql(&SnowflakeDialect, sql).ok()?;
    if statements.len() != 1 {
        return None;
    }
    let statement: Statement = statements.pop()?;
    struct Collect(Vec<Query>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            self.0.push(query.clone());
            ControlFlow::Continue(())
        }
    }
    let mut collect = Collect(vec![]);
    let _ = statement.visit(&mut collect);
    Some(collect.0)
}

/// The SELECTs a query's body combines (those of nested queries are queries of their own).
fn selects(body: &SetExpr) -> Vec<&Select> {
    match body {
        SetExpr::Select(s) => vec![s],
        SetExpr::SetOperation { left, right, .. } => {
            let mut out = selects(left);
            out.extend(selects(right));
            out
        }
        _ => vec![],
    }
}

use snowglobe_catalog::names::display_name as display;

/// The name `display` printed, back as a name.
fn undisplay(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_string(),
    }
}

/// The table a SELECT reads when it reads one: its alias, or its name's last part.
fn single_table(select: &Select) -> Option<String> {
    let [from] = select.from.as_slice() else {
        return None;
    };
    if !from.joins.is_empty() {
        return None;
    }
    match &from.relation {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(ident_name(&a.name))
        }
        TableFactor::Table { name, .. } => match name.0.last()? {
            ObjectNamePart::Identifier(ident) => Some(ident_name(ident)),
            ObjectNamePart::Function(_) => None,
        },
        _ => None,
    }
}

/// A column reference found in a clause: its qualifier (as written, or the one table read)
/// and where it starts.
struct Found {
    qualifier: Option<String>,
    line: u64,
    position: u64,
}

impl Found {
    fn name(&self, column: &str) -> String {
        match &self.qualifier {
            Some(q) => format!("{}.{}", display(q), display(column)),
            None => display(column),
        }
    }
}

/// The first reference to `column` in `node` outside aggregate calls and subqueries.
fn find_column<V: Visit>(node: &V, column: &str, select: &Select) -> Option<Found> {
    struct Finder<'a> {
        column: &'a str,
        aggregates: usize,
        subqueries: usize,
        found: Option<(Option<String>, Ident)>,
    }
    impl Visitor for Finder<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subqueries += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subqueries -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            match expr {
                Expr::Function(f) if is_aggregate_call(f) => self.aggregates += 1,
                _ if self.aggregates > 0 || self.subqueries > 0 => {}
                Expr::Identifier(i) if ident_name(i) == self.column => {
                    self.found = Some((None, i.clone()));
                    return ControlFlow::Break(());
                }
                Expr::CompoundIdentifier(parts)
                    if parts.len() >= 2
                        && parts.last().is_some_and(|p| ident_name(p) == self.column) =>
                {
                    let qualifier = ident_name(&parts[parts.len() - 2]);
                    self.found = Some((Some(qualifier), parts[0].clone()));
                    return ControlFlow::Break(());
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if matches!(expr, Expr::Function(f) if is_aggregate_call(f)) {
                self.aggregates -= 1;
            }
            ControlFlow::Continue(())
        }
    }
    let mut finder = Finder {
        column,
        aggregates: 0,
        subqueries: 0,
        found: None,
    };
    let _ = node.visit(&mut finder);
    let (qualifier, at) = finder.found?;
    Some(Found {
        qualifier: qualifier.or_else(|| single_table(select)),
        line: at.span.start.line,
        position: at.span.start.column.saturating_sub(1),
    })
}

/// Whether a SELECT groups its rows: a GROUP BY, or an aggregate call in its select list.
fn grouped_by(select: &Select) -> bool {
    match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(e, _) => !e.is_empty(),
    }
}

/// An integer literal (an ORDER BY or GROUP BY position).
fn position_literal(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The width of a select list without wildcards.
fn width(select: &Select) -> Option<u64> {
    let wildcard = select.projection.iter().any(|i| {
        matches!(
            i,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    (!wildcard).then_some(select.projection.len() as u64)
}

fn not_valid(clause: &str, what: &str) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::NotGroupByExpression,
        format!("[{what}] is not a valid {clause} by expression"),
    )
}

/// A grouping error (000979 / 001104) with its column's table and clause, or a GROUP BY /
/// ORDER BY position past the select list.
fn grouping(message: &str, queries: &[Query]) -> Option<SnowflakeError> {
    if message.contains("ORDER term out of range") {
        return queries.iter().find_map(|q| {
            let [select] = selects(&q.body)[..] else {
                return None;
            };
            let width = width(select)?;
            match &q.order_by.as_ref()?.kind {
                OrderByKind::Expressions(items) => items
                    .iter()
                    .filter_map(|o| position_literal(&o.expr))
                    .find(|n| *n == 0 || *n > width)
                    .map(|n| not_valid("order", &n.to_string())),
                OrderByKind::All(_) => None,
            }
        });
    }
    if message.contains("GROUP BY term out of range") {
        return queries.iter().flat_map(|q| selects(&q.body)).find_map(|s| {
            let width = width(s)?;
            match &s.group_by {
                GroupByExpr::Expressions(keys, _) => keys
                    .iter()
                    .filter_map(position_literal)
                    .find(|n| *n == 0 || *n > width)
                    .map(|n| not_valid("group", &n.to_string())),
                GroupByExpr::All(_) => None,
            }
        });
    }
    let column = undisplay(message.split_once('[')?.1.rsplit_once(']')?.0);
    for query in queries {
        let body = selects(&query.body);
        for select in &body {
            let explicit = grouped_by(select);
            if !explicit && !calls_aggregate(&select.projection) && select.having.is_none() {
                continue;
            }
            // A column the GROUP BY names is not the one left out.
            if let GroupByExpr::Expressions(keys, _) = &select.group_by {
                if keys
                    .iter()
                    .any(|k| find_column(k, &column, select).is_some())
                {
                    continue;
                }
            }
            if let Some(found) = select
                .projection
                .iter()
                .find_map(|item| find_column(item, &column, select))
            {
                let name = found.name(&column);
                if !explicit {
                    return Some(not_valid("group", &name));
                }
                return Some(SnowflakeError::new(
                    ErrorCode::UngroupedSelectColumn,
                    format!(
                        "SQL compilation error: error line {} at position {}\n'{name}' in select \
                         clause is neither an aggregate nor in the group by clause.",
                        found.line, found.position
                    ),
                ));
            }
            if let Some(found) = select
                .having
                .as_ref()
                .and_then(|h| find_column(h, &column, select))
            {
                return Some(not_valid("group", &found.name(&column)));
            }
            if body.len() == 1 {
                if let Some(OrderByKind::Expressions(items)) =
                    query.order_by.as_ref().map(|o| &o.kind)
                {
                    if let Some(found) = items
                        .iter()
                        .find_map(|o| find_column(&o.expr, &column, select))
                    {
                        return Some(not_valid("order", &found.name(&column)));
                    }
                }
            }
        }
    }
    None
}

/// The branch of a set operation whose width differs from the first branch's.
fn set_operation_widths(queries: &[Query]) -> Option<SnowflakeError> {
    fn leaves(body: &SetExpr, out: &mut Vec<Option<u64>>) {
        match body {
            SetExpr::SetOperation { left, right, .. } => {
                leaves(left, out);
                leaves(right, out);
            }
            SetExpr::Select(s) => out.push(width(s)),
            SetExpr::Query(q) => match q.body.as_ref() {
                SetExpr::Select(s) => out.push(width(s)),
                _ => out.push(None),
            },
            SetExpr::Values(v) => out.push(v.rows.first().map(|r| r.len() as u64)),
            _ => out.push(None),
        }
    }
    queries.iter().find_map(|q| {
        if !matches!(q.body.as_ref(), SetExpr::SetOperation { .. }) {
            return None;
        }
        let mut widths = vec![];
        leaves(&q.body, &mut widths);
        let expected = (*widths.first()?)?;
        for (i, w) in widths.iter().enumerate().skip(1) {
            let got = (*w)?;
            if got != expected {
                return Some(SnowflakeError::compilation(
                    ErrorCode::SetOperatorColumns,
                    format!(
                        "invalid number of result columns for set operator input branches, \
                         expected {expected}, got {got} in branch {}",
                        i + 1
                    ),
                ));
            }
        }
        None
    })
}

/// The first aggregate call in a WHERE clause, printed as Snowflake prints it (`SUM(T.B)`).
fn where_aggregate(queries: &[Query]) -> Option<SnowflakeError> {
    struct First(Option<Function>);
    impl Visitor for First {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            ControlFlow::Break(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                if is_aggregate_call(f) {
                    self.0 = Some(f.clone());
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    queries.iter().flat_map(|q| selects(&q.body)).find_map(|s| {
        let mut first = First(None);
        let _ = s.selection.as_ref()?.visit(&mut first);
        let mut call = Expr::Function(first.0?);
        let _ = VisitMut::visit(
            &mut call,
            &mut Canonical {
                qualifier: single_table(s),
            },
        );
        Some(SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("{WHERE_AGGREGATE} [{call}]"),
        ))
    })
}

/// An expression as Snowflake echoes it: unquoted names upper-case, columns qualified.
struct Canonical {
    qualifier: Option<String>,
}

fn upper(ident: &Ident) -> Ident {
    match ident.quote_style {
        None => Ident::new(ident.value.to_uppercase()),
        Some(_) => ident.clone(),
    }
}

impl VisitorMut for Canonical {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(i) => {
                let column = upper(i);
                *expr = match &self.qualifier {
                    Some(q) if display(q) == *q => {
                        Expr::CompoundIdentifier(vec![Ident::new(q.clone()), column])
                    }
                    Some(q) => Expr::CompoundIdentifier(vec![Ident::with_quote('"', q), column]),
                    None => Expr::Identifier(column),
                };
            }
            Expr::CompoundIdentifier(parts) => {
                for part in parts.iter_mut() {
                    *part = upper(part);
                }
            }
            Expr::Function(f) => {
                for part in f.name.0.iter_mut() {
                    if let ObjectNamePart::Identifier(i) = part {
                        *i = upper(i);
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// One part of a name as an invalid-identifier message prints it.
struct Part {
    value: String,
    quoted: bool,
}

/// `T.NOSUCH` / `"a"` / `X` into their parts.
fn name_parts(name: &str) -> Vec<Part> {
    let mut parts = vec![];
    let mut current = String::new();
    let mut quoted = false;
    let mut in_quotes = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => {
                in_quotes = !in_quotes;
                quoted = true;
            }
            '.' if !in_quotes => {
                parts.push(Part {
                    value: std::mem::take(&mut current),
                    quoted,
                });
                quoted = false;
            }
            c => current.push(c),
        }
    }
    parts.push(Part {
        value: current,
        quoted,
    });
    parts
}

fn word_matches(token: &Token, part: &Part) -> bool {
    match token {
        Token::Word(w) => match (w.quote_style.is_some(), part.quoted) {
            (true, true) => w.value == part.value,
            (false, false) => w.value.to_uppercase() == part.value,
            _ => false,
        },
        _ => false,
    }
}

fn word_name(token: &Token) -> Option<String> {
    match token {
        Token::Word(w) if w.quote_style.is_some() => Some(display(&w.value)),
        Token::Word(w) => Some(display(&w.value.to_uppercase())),
        _ => None,
    }
}

/// Give an invalid-identifier error the line and position of the identifier in the user's
/// text, found among its tokens (not inside other words, strings or comments). A name the
/// text writes qualified (`t.nosuch` reported as `NOSUCH`), or a qualifier reported without
/// its column (`x.a` reported as `X`), is named whole, as Snowflake does.
fn locate_identifier(e: SnowflakeError, sql: &str) -> SnowflakeError {
    let Some(name) = e
        .message
        .rsplit_once("invalid identifier '")
        .map(|(_, n)| n.trim_end_matches('\'').to_string())
    else {
        return e;
    };
    let Ok(tokens) = Tokenizer::new(&SnowflakeDialect, sql).tokenize_with_location() else {
        return e;
    };
    let tokens: Vec<TokenWithSpan> = tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let parts = name_parts(&name);
    let matches_at = |i: usize| {
        parts.iter().enumerate().all(|(k, part)| {
            tokens
                .get(i + 2 * k)
                .is_some_and(|t| word_matches(&t.token, part))
                && (k + 1 == parts.len()
                    || tokens
                        .get(i + 2 * k + 1)
                        .is_some_and(|t| t.token == Token::Period))
        })
    };
    let period = |i: Option<usize>| {
        i.and_then(|i| tokens.get(i))
            .is_some_and(|t| t.token == Token::Period)
    };
    let span = 2 * parts.len() - 1;
    let found: Vec<usize> = (0..tokens.len()).filter(|i| matches_at(*i)).collect();
    // A standalone occurrence first; else one with a qualifier before it or a column after it.
    let standalone = found
        .iter()
        .find(|i| !period(i.checked_sub(1)) && !period(Some(*i + span)));
    let (start, name) = match standalone {
        Some(i) => (*i, name),
        None => match found.first() {
            Some(&i) if period(i.checked_sub(1)) && i >= 2 => {
                match word_name(&tokens[i - 2].token) {
                    Some(q) => (i - 2, format!("{q}.{name}")),
                    None => (i, name),
                }
            }
            Some(&i) if period(Some(i + span)) => {
                match tokens.get(i + span + 1).and_then(|t| word_name(&t.token)) {
                    Some(column) => (i, format!("{name}.{column}")),
                    None => (i, name),
                }
            }
            Some(&i) => (i, name),
            None => return e,
        },
    };
    let at = tokens[start].span.start;
    SnowflakeError::invalid_identifier(&name, at.line, at.column.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refined(code: ErrorCode, message: &str, sql: &str) -> String {
        refine(SnowflakeError::new(code, message), sql).message
    }

    fn invalid(name: &str, sql: &str) -> String {
        refine(SnowflakeError::invalid_identifier(name, 1, 0), sql).message
    }

    #[test]
    fn invalid_identifiers_are_found_among_the_tokens() {
        assert_eq!(
            invalid("T.NOSUCH", "select t.nosuch from t"),
            "SQL compilation error: error line 1 at position 7\ninvalid identifier 'T.NOSUCH'"
        );
        // Not inside another word ("select" holds a `t`), nor in a string.
        assert_eq!(
            invalid("X", "select 'x', x.a from t"),
            "SQL compilation error: error line 1 at position 12\ninvalid identifier 'X.A'"
        );
        assert_eq!(
            invalid("NOSUCH", "select a,\n  t.nosuch from t"),
            "SQL compilation error: error line 2 at position 2\ninvalid identifier 'T.NOSUCH'"
        );
        assert_eq!(
            invalid("\"a\"", "select A, \"a\" from t"),
            "SQL compilation error: error line 1 at position 10\ninvalid identifier '\"a\"'"
        );
        assert_eq!(
            invalid("NOSUCH", "select nosuch from t"),
            "SQL compilation error: error line 1 at position 7\ninvalid identifier 'NOSUCH'"
        );
    }

    #[test]
    fn grouping_errors_name_the_column_and_clause() {
        let msg = "SQL compilation error:\n[B] is not a valid group by expression";
        let code = ErrorCode::NotGroupByExpression;
        let e = refine(
            SnowflakeError::new(code, msg),
            "select a, b from t group by a",
        );
        assert_eq!(e.code, ErrorCode::UngroupedSelectColumn);
        assert_eq!(
            e.message,
            "SQL compilation error: error line 1 at position 10\n'T.B' in select clause is \
             neither an aggregate nor in the group by clause."
        );
        assert_eq!(
            refined(code, msg, "select x.b, count(*) from t x group by x.a")
                .lines()
                .last(),
            Some("'X.B' in select clause is neither an aggregate nor in the group by clause.")
        );
        assert_eq!(
            refined(code, msg, "select b, count(*) from t"),
            "SQL compilation error:\n[T.B] is not a valid group by expression"
        );
        assert_eq!(
            refined(code, msg, "select a from t group by a having b > 1"),
            "SQL compilation error:\n[T.B] is not a valid group by expression"
        );
        assert_eq!(
            refined(code, msg, "select a, sum(b) from t group by a order by b"),
            "SQL compilation error:\n[T.B] is not a valid order by expression"
        );
        assert_eq!(
            refined(
                code,
                "ORDER term out of range - should be between 1 and 1",
                "select a from t order by 3"
            ),
            "SQL compilation error:\n[3] is not a valid order by expression"
        );
        assert_eq!(
            refined(
                code,
                "GROUP BY term out of range - should be between 1 and 1",
                "select a from t group by 2"
            ),
            "SQL compilation error:\n[2] is not a valid group by expression"
        );
    }

    #[test]
    fn where_aggregates_and_set_operation_widths() {
        assert_eq!(
            refined(
                ErrorCode::SyntaxError,
                "SQL compilation error:\nInvalid aggregate function in where clause",
                "select a from t where sum(b) > 1"
            ),
            "SQL compilation error:\nInvalid aggregate function in where clause [SUM(T.B)]"
        );
        let msg = "SQL compilation error:\ninvalid number of result columns for set operator input branches";
        assert_eq!(
            refined(
                ErrorCode::SetOperatorColumns,
                msg,
                "select a from t union select a, b from t"
            ),
            format!("{msg}, expected 1, got 2 in branch 2")
        );
        assert_eq!(
            refined(
                ErrorCode::SetOperatorColumns,
                msg,
                "select 1, 2 union all select 3, 4 union all (select 5)"
            ),
            format!("{msg}, expected 2, got 1 in branch 3")
        );
        // A wildcard's width is not known from the text: the message stays as it is.
        assert_eq!(
            refined(
                ErrorCode::SetOperatorColumns,
                msg,
                "select * from t union select 1"
            ),
            msg
        );
    }
}
