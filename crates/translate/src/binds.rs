//! Client bind values substituted into the statement as typed literals.
//!
//! Clients send binds as strings tagged with a Snowflake type (PROTOCOL.md §4.1): `FIXED "1"`,
//! `DATE` as epoch milliseconds, `TIMESTAMP_NTZ` as epoch nanoseconds, `BINARY` as hex, ... Each
//! becomes a literal of that type in the AST, so one code path serves single and array binds and
//! DuckDB never sees a parameter whose type it must guess.

use std::collections::HashMap;
use std::ops::ControlFlow;

use chrono::{DateTime, NaiveTime, Utc};
use snowglobe_catalog::SfType;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    CastKind, DataType, ExactNumberInfo, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, ObjectName, Statement, Value, VisitMut,
    VisitorMut,
};
use sqlparser::tokenizer::Location;

use crate::names::Context;

/// One bind value: its Snowflake type name and its text (`None` for NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindValue {
    pub sf_type: String,
    pub value: Option<String>,
}

/// All binds of a request, by 1-based position; array binds hold one value per row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings {
    /// `columns[i]` is bind `i + 1`: one value per row.
    pub columns: Vec<Vec<BindValue>>,
    /// True when the client sent arrays (executemany).
    pub is_array: bool,
}

impl Bindings {
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// How many rows of values the binds carry.
    pub fn rows(&self) -> usize {
        self.columns.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The values of one row, in bind order.
    pub fn row(&self, i: usize) -> Vec<&BindValue> {
        self.columns.iter().filter_map(|c| c.get(i)).collect()
    }
}

/// Replace every placeholder (`?` in order of appearance, `:N` by number) with `row`'s values.
pub fn substitute(statement: &mut Statement, row: &[&BindValue]) -> Result<()> {
    substitute_at(statement, row, 0).map(|_| ())
}

/// [`substitute`] for one statement of several sent together: its `?`s take the values from
/// `qmark_offset` on (the `?`s of the statements before it took the ones before), `:N` the
/// Nth value of the whole request. Returns how many `?`s the statement has.
pub fn substitute_at(
    statement: &mut Statement,
    row: &[&BindValue],
    qmark_offset: usize,
) -> Result<usize> {
    let mut positions = Vec::new();
    let _ = statement.visit(&mut CollectQmarks(&mut positions));
    positions.sort();
    let count = positions.len();
    let mut visitor = Substitute {
        row,
        qmarks: positions,
        offset: qmark_offset,
        error: None,
    };
    let _ = statement.visit(&mut visitor);
    match visitor.error {
        Some(e) => Err(e),
        None => Ok(count),
    }
}

/// The parts of `INSERT ... VALUES (<one row of items>)`: the INSERT, its source query, its
/// VALUES and the row of items; `None` for any other statement.
fn values_template(
    statement: &Statement,
) -> Option<(
    &sqlparser::ast::Insert,
    &sqlparser::ast::Query,
    &sqlparser::ast::Values,
    &sqlparser::ast::Parens<Vec<Expr>>,
)> {
    let Statement::Insert(insert) = statement else {
        return None;
    };
    let source = insert.source.as_deref()?;
    let sqlparser::ast::SetExpr::Values(values) = source.body.as_ref() else {
        return None;
    };
    let [template] = values.rows.as_slice() else {
        return None;
    };
    Some((insert, source, values, template))
}

/// For array binds on `INSERT ... VALUES (?, ...)` (one row of placeholders): the same INSERT
/// with one VALUES row per bound row, so `executemany` of N rows is one statement, not N.
/// `None` if the statement is not of that shape.
pub fn expand_insert_values(
    statement: &Statement,
    bindings: &Bindings,
) -> Result<Option<Statement>> {
    let Some((insert, source, values, template)) = values_template(statement) else {
        return Ok(None);
    };
    let mut rows = Vec::with_capacity(bindings.rows());
    for i in 0..bindings.rows() {
        let mut row = Statement::Query(Box::new(sqlparser::ast::Query {
            body: Box::new(sqlparser::ast::SetExpr::Values(sqlparser::ast::Values {
                explicit_row: values.explicit_row,
                value_keyword: values.value_keyword,
                rows: vec![template.clone()],
            })),
            ..source.clone()
        }));
        substitute(&mut row, &bindings.row(i))?;
        if let Statement::Query(q) = row {
            if let sqlparser::ast::SetExpr::Values(mut v) = *q.body {
                rows.append(&mut v.rows);
            }
        }
    }
    let mut expanded = insert.clone();
    let mut new_source = source.clone();
    new_source.body = Box::new(sqlparser::ast::SetExpr::Values(sqlparser::ast::Values {
        explicit_row: values.explicit_row,
        value_keyword: values.value_keyword,
        rows,
    }));
    expanded.source = Some(Box::new(new_source));
    Ok(Some(Statement::Insert(expanded)))
}

/// Whether the statement has any placeholder.
pub fn has_placeholders(statement: &mut Statement) -> bool {
    let mut positions = Vec::new();
    let _ = statement.visit(&mut CollectQmarks(&mut positions));
    let mut numbered = false;
    let _ = statement.visit(&mut FindNumbered(&mut numbered));
    !positions.is_empty() || numbered
}

struct CollectQmarks<'a>(&'a mut Vec<(u64, u64)>);

impl VisitorMut for CollectQmarks<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(v) = expr {
            if matches!(&v.value, Value::Placeholder(p) if p == "?") {
                self.0.push(key(v.span.start));
            }
        }
        ControlFlow::Continue(())
    }
}

struct FindNumbered<'a>(&'a mut bool);

impl VisitorMut for FindNumbered<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(v) = expr {
            if matches!(&v.value, Value::Placeholder(p) if p.starts_with(':')) {
                *self.0 = true;
            }
        }
        ControlFlow::Continue(())
    }
}

fn key(l: Location) -> (u64, u64) {
    (l.line, l.column)
}

struct Substitute<'a> {
    row: &'a [&'a BindValue],
    qmarks: Vec<(u64, u64)>,
    offset: usize,
    error: Option<SnowflakeError>,
}

impl VisitorMut for Substitute<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Some(index) = placeholder_index(expr, &self.qmarks, self.offset) else {
            return ControlFlow::Continue(());
        };
        let bound = index
            .and_then(|i| self.row.get(i))
            .ok_or_else(|| unset(expr))
            .and_then(|b| literal(b));
        match bound {
            Ok(mut e) => {
                // The value stands where the placeholder stood: columns are named from the
                // statement's text by these positions (`select ? + 1` is `? + 1`).
                if let Expr::Value(v) = expr {
                    let _ = e.visit(&mut Respan(v.span));
                }
                *expr = e
            }
            Err(e) => {
                self.error = Some(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// Gives every value of an expression one position in the statement's text.
struct Respan(sqlparser::tokenizer::Span);

impl VisitorMut for Respan {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(v) = expr {
            v.span = self.0;
        }
        ControlFlow::Continue(())
    }
}

/// For a placeholder expression, `Some(its 0-based bind index)` (`Some(None)` if it names no
/// valid position); `None` for any other expression.
fn placeholder_index(expr: &Expr, qmarks: &[(u64, u64)], offset: usize) -> Option<Option<usize>> {
    let Expr::Value(v) = expr else {
        return None;
    };
    let Value::Placeholder(p) = &v.value else {
        return None;
    };
    Some(if p == "?" {
        let at = key(v.span.start);
        qmarks.iter().position(|q| *q == at).map(|i| i + offset)
    } else {
        p.trim_start_matches(':')
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
    })
}

/// The error for a placeholder with no bind value.
fn unset(expr: &Expr) -> SnowflakeError {
    let at = sqlparser::ast::Spanned::span(expr).start;
    SnowflakeError::compilation(
        ErrorCode::BindNotSet,
        format!(
            "error line {} at position {}\nBind variable {expr} not set.",
            at.line.max(1),
            at.column.saturating_sub(1)
        ),
    )
}

fn cast(text: String, type_name: &str) -> Expr {
    cast_expr(Expr::value(Value::SingleQuotedString(text)), type_name)
}

fn bad_bind(b: &BindValue) -> SnowflakeError {
    SnowflakeError::new(
        ErrorCode::BadRequest,
        format!(
            "Bind value '{}' is not valid for type {}.",
            b.value.as_deref().unwrap_or("NULL"),
            b.sf_type
        ),
    )
}

fn int(b: &BindValue, text: &str) -> Result<i128> {
    text.trim().parse::<i128>().map_err(|_| bad_bind(b))
}

fn instant(b: &BindValue, nanos: i128) -> Result<DateTime<Utc>> {
    let secs = nanos.div_euclid(1_000_000_000);
    let sub = nanos.rem_euclid(1_000_000_000) as u32;
    DateTime::from_timestamp(i64::try_from(secs).map_err(|_| bad_bind(b))?, sub)
        .ok_or_else(|| bad_bind(b))
}

/// How a bind value's canonical text becomes a typed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conversion {
    /// A numeric literal (`FIXED`).
    Number,
    /// `CAST(text AS type)`.
    Cast(&'static str),
    /// `true` / `false`.
    Boolean,
    /// `unhex(text)` (`BINARY` is sent as hex).
    Hex,
    /// The text itself.
    Text,
}

/// A bind value's canonical text (`None` for NULL) and the conversion its type needs.
fn canonical(b: &BindValue) -> Result<(Option<String>, Conversion)> {
    let sf_type = b.sf_type.to_ascii_uppercase();
    let conversion = match sf_type.as_str() {
        "FIXED" => Conversion::Number,
        "REAL" => Conversion::Cast("FLOAT"),
        "BOOLEAN" => Conversion::Boolean,
        "DATE" => Conversion::Cast("DATE"),
        "TIME" => Conversion::Cast("TIME"),
        "TIMESTAMP_NTZ" | "TIMESTAMP" => Conversion::Cast("TIMESTAMP_NTZ"),
        "TIMESTAMP_LTZ" => Conversion::Cast("TIMESTAMP_LTZ"),
        "TIMESTAMP_TZ" => Conversion::Cast("TIMESTAMP_TZ"),
        "BINARY" => Conversion::Hex,
        _ => Conversion::Text,
    };
    let Some(text) = b.value.clone() else {
        return Ok((None, conversion));
    };
    let text = match sf_type.as_str() {
        "FIXED" => {
            if text.trim().parse::<f64>().is_err() {
                return Err(bad_bind(b));
            }
            text.trim().to_string()
        }
        "BOOLEAN" => {
            let t = text.trim().to_ascii_lowercase();
            matches!(t.as_str(), "true" | "1" | "t" | "yes" | "y" | "on").to_string()
        }
        "DATE" => {
            let day = instant(b, int(b, &text)? * 1_000_000)?.date_naive();
            day.format("%Y-%m-%d").to_string()
        }
        "TIME" => {
            let nanos = int(b, &text)?;
            let secs = u32::try_from(nanos.div_euclid(1_000_000_000)).map_err(|_| bad_bind(b))?;
            let t = NaiveTime::from_num_seconds_from_midnight_opt(
                secs,
                nanos.rem_euclid(1_000_000_000) as u32,
            )
            .ok_or_else(|| bad_bind(b))?;
            t.format("%H:%M:%S%.9f").to_string()
        }
        "TIMESTAMP_NTZ" | "TIMESTAMP" => {
            let t = instant(b, int(b, &text)?)?;
            t.format("%Y-%m-%d %H:%M:%S%.9f").to_string()
        }
        "TIMESTAMP_LTZ" => {
            let t = instant(b, int(b, &text)?)?;
            t.format("%Y-%m-%d %H:%M:%S%.9f+00:00").to_string()
        }
        "TIMESTAMP_TZ" => {
            let (nanos, offset) = text.split_once(' ').unwrap_or((text.as_str(), "1440"));
            let t = instant(b, int(b, nanos)?)?;
            let minutes = int(b, offset)? - 1440;
            let sign = if minutes < 0 { '-' } else { '+' };
            let m = minutes.abs();
            let local = t + chrono::Duration::minutes(minutes as i64);
            format!(
                "{}{sign}{:02}:{:02}",
                local.format("%Y-%m-%d %H:%M:%S%.9f"),
                m / 60,
                m % 60
            )
        }
        _ => text,
    };
    Ok((Some(text), conversion))
}

fn function(name: &str, arg: Expr) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))],
            clauses: vec![],
        }),
        within_group: vec![],
        filter: None,
        null_treatment: None,
        over: None,
    })
}

/// The literal expression for one bind value.
fn literal(b: &BindValue) -> Result<Expr> {
    let (Some(text), conversion) = canonical(b)? else {
        return Ok(Expr::value(Value::Null));
    };
    Ok(match conversion {
        Conversion::Number => Expr::value(Value::Number(text, false)),
        Conversion::Cast(t) => cast(text, t),
        Conversion::Boolean => Expr::value(Value::Boolean(text == "true")),
        Conversion::Hex => function("unhex", Expr::value(Value::SingleQuotedString(text))),
        Conversion::Text => Expr::value(Value::SingleQuotedString(text)),
    })
}

/// An `executemany` INSERT rewritten to read its rows from a table of text columns: the new
/// statement and, per bind, the canonical text of its values (one per row).
#[derive(Debug)]
pub struct TableBinds {
    pub statement: Statement,
    pub columns: Vec<Vec<Option<String>>>,
}

/// The name of bind column `i` (0-based) in the table [`insert_from_table`] reads.
pub fn bind_column(i: usize) -> String {
    format!("B{}", i + 1)
}

/// For array binds on `INSERT ... VALUES (<items with placeholders>)`: the same INSERT as
/// `INSERT ... SELECT <items> FROM <table>`, each placeholder now the typed value of its column
/// of `table` (text columns named by [`bind_column`], filled by the caller with
/// [`TableBinds::columns`]). Loading the rows in bulk and translating one row of items keeps
/// `executemany` of N rows from parsing and translating N rows of literals. `None` if the
/// statement is not of that shape or a bind changes type between rows.
pub fn insert_from_table(
    statement: &Statement,
    bindings: &Bindings,
    table: &str,
    ctx: &Context,
) -> Result<Option<TableBinds>> {
    let Some((insert, _, _, template)) = values_template(statement) else {
        return Ok(None);
    };
    let rows = bindings.rows();
    let mut columns = Vec::with_capacity(bindings.columns.len());
    let mut exprs = Vec::with_capacity(bindings.columns.len());
    let mut kinds = Vec::with_capacity(bindings.columns.len());
    for (i, bound) in bindings.columns.iter().enumerate() {
        if bound.len() != rows {
            return Ok(None);
        }
        let mut texts = Vec::with_capacity(rows);
        let mut kind = None;
        for b in bound {
            let (text, conversion) = canonical(b)?;
            if kind.is_some_and(|k| k != conversion) {
                return Ok(None);
            }
            kind = Some(conversion);
            texts.push(text);
        }
        let column = Expr::Identifier(Ident::with_quote('"', bind_column(i)));
        let kind = kind.unwrap_or(Conversion::Text);
        kinds.push(kind);
        let expr = match kind {
            Conversion::Number => match number_scale(&texts) {
                Some(scale) => cast_to(
                    column,
                    DataType::Numeric(ExactNumberInfo::PrecisionAndScale(38, scale)),
                ),
                None => return Ok(None),
            },
            Conversion::Cast(t) => cast_expr(column, t),
            Conversion::Boolean => cast_to(column, DataType::Boolean),
            Conversion::Hex => function("unhex", column),
            Conversion::Text => column,
        };
        columns.push(texts);
        exprs.push(expr);
    }
    // A TEXT bind that goes straight into a column converts the way a string literal would
    // (what the row-by-row literal route gives): epoch digits for a DATE, nanoseconds after
    // midnight for a TIME (how connectors send TIME when a column mixes values and NULLs), hex
    // for a BINARY.
    let targets = crate::rules::timestamps::insert_targets(insert, ctx);
    let mut positions = Vec::new();
    for item in template.iter() {
        let _ = item.clone().visit(&mut CollectQmarks(&mut positions));
    }
    positions.sort();
    let mut visitor = Replace {
        exprs: &exprs,
        qmarks: positions,
        error: None,
    };
    let mut projection = Vec::with_capacity(template.len());
    for (j, item) in template.iter().enumerate() {
        let mut item = item.clone();
        let bare = placeholder_index(&item, &visitor.qmarks, 0).flatten();
        match (bare, targets.get(j).copied().flatten()) {
            (Some(k), Some(target)) if kinds.get(k) == Some(&Conversion::Text) => {
                let column = exprs[k].clone();
                item = match target {
                    SfType::Date => function("TO_DATE", column),
                    SfType::Binary { .. } => function("unhex", column),
                    SfType::Time { .. } => {
                        for value in columns[k].iter_mut().flatten() {
                            if let Some(time) = nanos_of_day(value) {
                                *value = time;
                            }
                        }
                        column
                    }
                    _ => column,
                };
            }
            _ => {
                let _ = item.visit(&mut visitor);
                if let Some(e) = visitor.error.take() {
                    return Err(e);
                }
            }
        }
        projection.push(item);
    }
    let mut select = match crate::parse::parse(&format!("SELECT 1 FROM {table}"))?.pop() {
        Some(Statement::Query(q)) => q,
        _ => return Ok(None),
    };
    if let sqlparser::ast::SetExpr::Select(s) = select.body.as_mut() {
        s.projection = projection
            .into_iter()
            .map(sqlparser::ast::SelectItem::UnnamedExpr)
            .collect();
    }
    let mut rewritten = insert.clone();
    rewritten.source = Some(select);
    Ok(Some(TableBinds {
        statement: Statement::Insert(rewritten),
        columns,
    }))
}

/// `HH:MM:SS.fffffffff` for text of digits read as nanoseconds after midnight.
fn nanos_of_day(text: &str) -> Option<String> {
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let nanos: u128 = text.parse().ok()?;
    let secs = nanos / 1_000_000_000 % 86_400;
    Some(format!(
        "{:02}:{:02}:{:02}.{:09}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        nanos % 1_000_000_000
    ))
}

/// The scale a column of FIXED binds is read with (`NUMBER(38, scale)`): the largest among the
/// values; `None` if a value is not plain decimal notation.
fn number_scale(texts: &[Option<String>]) -> Option<i64> {
    let mut scale = 0;
    for t in texts.iter().flatten() {
        let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.bytes().all(|c| c.is_ascii_digit())
            || !fraction.bytes().all(|c| c.is_ascii_digit())
            || whole.trim_start_matches('0').len() + fraction.len() > 38
        {
            return None;
        }
        scale = scale.max(fraction.len() as i64);
    }
    Some(scale)
}

fn cast_expr(expr: Expr, type_name: &str) -> Expr {
    cast_to(
        expr,
        DataType::Custom(ObjectName::from(vec![Ident::new(type_name)]), vec![]),
    )
}

fn cast_to(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type,
        format: None,
    }
}

/// Replaces each placeholder with the expression of its bind.
struct Replace<'a> {
    exprs: &'a [Expr],
    qmarks: Vec<(u64, u64)>,
    error: Option<SnowflakeError>,
}

impl VisitorMut for Replace<'_> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Some(index) = placeholder_index(expr, &self.qmarks, 0) else {
            return ControlFlow::Continue(());
        };
        match index.and_then(|i| self.exprs.get(i)) {
            Some(e) => *expr = e.clone(),
            None => {
                self.error = Some(unset(expr));
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// One request bind as received: Snowflake type, values (one per row), whether it was an array.
pub type RawBind = (String, Vec<Option<String>>, bool);

/// Parse the `bindings` object of a query request into [`Bindings`].
pub fn from_json_like(entries: HashMap<String, RawBind>) -> Result<Bindings> {
    let mut keyed: Vec<(usize, RawBind)> = entries
        .into_iter()
        .map(|(k, v)| {
            k.trim()
                .parse::<usize>()
                .map(|n| (n, v))
                .map_err(|_| SnowflakeError::bad_request(format!("Invalid bind key '{k}'.")))
        })
        .collect::<Result<_>>()?;
    keyed.sort_by_key(|(n, _)| *n);
    let is_array = keyed.iter().any(|(_, (_, _, array))| *array);
    let columns = keyed
        .into_iter()
        .map(|(_, (t, values, _))| {
            values
                .into_iter()
                .map(|value| BindValue {
                    sf_type: t.clone(),
                    value,
                })
                .collect()
        })
        .collect();
    Ok(Bindings { columns, is_array })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn bv(t: &str, v: &str) -> BindValue {
        BindValue {
            sf_type: t.into(),
            value: Some(v.into()),
        }
    }

    #[test]
    fn qmarks_bind_in_order_of_appearance() {
        let mut s = parse("select ?, ? from t where x = ?").unwrap().remove(0);
        let a = bv("FIXED", "1");
        let b = bv("TEXT", "it's");
        let c = bv("DATE", "1704067200000");
        substitute(&mut s, &[&a, &b, &c]).unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT 1, 'it''s' FROM t WHERE x = CAST('2024-01-01' AS DATE)"
        );
    }

    #[test]
    fn numeric_binds_by_number() {
        let mut s = parse("select :2, :1").unwrap().remove(0);
        let a = bv("TIMESTAMP_NTZ", "1700000000123456789");
        let b = bv("BOOLEAN", "True");
        substitute(&mut s, &[&a, &b]).unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT true, CAST('2023-11-14 22:13:20.123456789' AS TIMESTAMP_NTZ)"
        );
    }

    #[test]
    fn timestamp_tz_keeps_its_offset() {
        let mut s = parse("select ?").unwrap().remove(0);
        let a = bv("TIMESTAMP_TZ", "1700000000000000000 1500");
        substitute(&mut s, &[&a]).unwrap();
        assert!(
            s.to_string()
                .contains("'2023-11-14 23:13:20.000000000+01:00'"),
            "{s}"
        );
    }

    #[test]
    fn array_binds_expand_an_insert_into_one_statement() {
        let s = parse("insert into t (a, b) values (?, ?)")
            .unwrap()
            .remove(0);
        let bindings = Bindings {
            columns: vec![
                vec![bv("FIXED", "1"), bv("FIXED", "2")],
                vec![
                    bv("TEXT", "x"),
                    BindValue {
                        sf_type: "TEXT".into(),
                        value: None,
                    },
                ],
            ],
            is_array: true,
        };
        let e = expand_insert_values(&s, &bindings).unwrap().unwrap();
        assert_eq!(
            e.to_string(),
            "INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)"
        );
    }

    #[test]
    fn array_binds_read_an_insert_from_a_table() {
        let s = parse("insert into t (a, b, c) values (?, upper(?), ?)")
            .unwrap()
            .remove(0);
        let bindings = Bindings {
            columns: vec![
                vec![bv("FIXED", "1"), bv("FIXED", "-2.25")],
                vec![
                    bv("TEXT", "x"),
                    BindValue {
                        sf_type: "TEXT".into(),
                        value: None,
                    },
                ],
                vec![bv("DATE", "1704067200000"), bv("DATE", "0")],
            ],
            is_array: true,
        };
        let e = insert_from_table(&s, &bindings, "temp.main.binds", &Context::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            e.statement.to_string(),
            "INSERT INTO t (a, b, c) SELECT CAST(\"B1\" AS NUMERIC(38,2)), upper(\"B2\"), \
             CAST(\"B3\" AS DATE) FROM temp.main.binds"
        );
        assert_eq!(
            e.columns,
            vec![
                vec![Some("1".to_string()), Some("-2.25".to_string())],
                vec![Some("x".to_string()), None],
                vec![
                    Some("2024-01-01".to_string()),
                    Some("1970-01-01".to_string())
                ],
            ]
        );
        // A number in exponent notation keeps the row-by-row literal route.
        let odd = Bindings {
            columns: vec![
                vec![bv("FIXED", "1e5")],
                vec![bv("TEXT", "y")],
                vec![bv("DATE", "0")],
            ],
            is_array: true,
        };
        let ctx = Context::default();
        assert!(insert_from_table(&s, &odd, "b", &ctx).unwrap().is_none());
    }

    #[test]
    fn text_binds_convert_to_their_columns_like_literals() {
        let s = parse("insert into t (d, t, b) values (?, ?, ?)")
            .unwrap()
            .remove(0);
        let ctx = Context {
            target_columns: vec![
                ("D".into(), SfType::Date),
                ("T".into(), SfType::Time { scale: 9 }),
                ("B".into(), SfType::Binary { length: 8 }),
            ],
            ..Context::default()
        };
        let bindings = Bindings {
            columns: vec![
                vec![bv("TEXT", "1706659200000")],
                vec![bv("TEXT", "3723000000005")],
                vec![bv("TEXT", "CAFE")],
            ],
            is_array: true,
        };
        let e = insert_from_table(&s, &bindings, "b", &ctx)
            .unwrap()
            .unwrap();
        assert_eq!(
            e.statement.to_string(),
            "INSERT INTO t (d, t, b) SELECT TO_DATE(\"B1\"), \"B2\", unhex(\"B3\") FROM b"
        );
        assert_eq!(e.columns[1], vec![Some("01:02:03.000000005".to_string())]);
    }

    #[test]
    fn missing_bind_is_an_error() {
        let mut s = parse("select ?, ?").unwrap().remove(0);
        let a = bv("FIXED", "1");
        assert!(substitute(&mut s, &[&a]).is_err());
    }
}
