//! Text written to a VARCHAR(n) column must fit it: Snowflake fails the statement with 100074
//! (`String '...' is too long and would be truncated`), where DuckDB, which keeps no length,
//! would store the text. Every value an INSERT, UPDATE or MERGE writes to such a column is
//! checked: a string literal here, any other value by `sg_text_limit(CAST(v AS VARCHAR), n)`
//! (registered by the engine) when the statement runs. An INSERT whose source is not a plain
//! VALUES list or projection (`SELECT *`, UNION, ...) reads it as a derived table and checks
//! its columns by position. COPY INTO and executemany load through such INSERTs.

use snowglobe_catalog::SfType;
use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    Assignment, AssignmentTarget, Expr, MergeAction, MergeInsertKind, MergeUpdateKind, ObjectName,
    Query, SelectItem, SetExpr, Statement, TableFactor, Value,
};

use super::calls::{cast, func, number};
use super::timestamps::{insert_targets, target_type};
use crate::names::Context;

/// The checked length of a column type: VARCHAR(n) below Snowflake's maximum.
fn limit(t: &SfType) -> Option<u64> {
    match t {
        SfType::Text { length } if *length < snowglobe_catalog::types::MAX_TEXT_LENGTH => {
            Some(*length)
        }
        _ => None,
    }
}

/// Check the values `statement` writes against the VARCHAR(n) columns of its target table
/// (`ctx.target_columns`).
pub fn text_fits_its_column(statement: &mut Statement, ctx: &Context) -> Result<()> {
    if !ctx.target_columns.iter().any(|(_, t)| limit(t).is_some()) {
        return Ok(());
    }
    let limit_of = |name: &ObjectName| target_type(name, ctx).as_ref().and_then(limit);
    match statement {
        Statement::Insert(insert) => {
            let limits: Vec<Option<u64>> = insert_targets(insert, ctx)
                .iter()
                .map(|t| t.as_ref().and_then(limit))
                .collect();
            if let Some(source) = insert.source.as_mut() {
                limit_query(source, &limits)?;
            }
        }
        Statement::Update(update) => limit_assignments(&mut update.assignments, &limit_of)?,
        Statement::Merge(merge) => {
            for clause in &mut merge.clauses {
                match &mut clause.action {
                    MergeAction::Update(update) => {
                        if let MergeUpdateKind::Set(assignments) = &mut update.kind {
                            limit_assignments(assignments, &limit_of)?;
                        }
                    }
                    MergeAction::Insert(insert) => {
                        let limits: Vec<Option<u64>> = if insert.columns.is_empty() {
                            ctx.target_columns.iter().map(|(_, t)| limit(t)).collect()
                        } else {
                            insert.columns.iter().map(&limit_of).collect()
                        };
                        if let MergeInsertKind::Values(values) = &mut insert.kind {
                            for row in &mut values.rows {
                                limit_row(row, &limits)?;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn limit_assignments(
    assignments: &mut [Assignment],
    limit_of: &dyn Fn(&ObjectName) -> Option<u64>,
) -> Result<()> {
    for assignment in assignments {
        if let AssignmentTarget::ColumnName(name) = &assignment.target {
            if let Some(n) = limit_of(name) {
                limit_value(&mut assignment.value, n)?;
            }
        }
    }
    Ok(())
}

fn limit_row(row: &mut [Expr], limits: &[Option<u64>]) -> Result<()> {
    for (expr, limit) in row.iter_mut().zip(limits) {
        if super::calls::is_default_keyword(expr) {
            continue;
        }
        if let Some(n) = limit {
            limit_value(expr, *n)?;
        }
    }
    Ok(())
}

/// The rows an INSERT writes, checked: VALUES and plain projections item by item, any other
/// query as a derived table whose columns are checked by position.
fn limit_query(query: &mut Query, limits: &[Option<u64>]) -> Result<()> {
    if limits.iter().all(Option::is_none) {
        return Ok(());
    }
    match query.body.as_mut() {
        SetExpr::Values(values) => {
            for row in &mut values.rows {
                limit_row(row, limits)?;
            }
            return Ok(());
        }
        SetExpr::Select(select)
            if select.projection.len() == limits.len()
                && select.projection.iter().all(|item| {
                    matches!(
                        item,
                        SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }
                    )
                }) =>
        {
            for (item, limit) in select.projection.iter_mut().zip(limits) {
                if let (
                    SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. },
                    Some(n),
                ) = (item, limit)
                {
                    limit_value(expr, *n)?;
                }
            }
            return Ok(());
        }
        _ => {}
    }
    // SELECT <checked columns> FROM (<query>) AS "SG_SOURCE" ("SG_1", ...).
    let column = |i: usize| format!("\"SG_{}\"", i + 1);
    let items: Vec<String> = limits
        .iter()
        .enumerate()
        .map(|(i, limit)| match limit {
            Some(n) => format!("sg_text_limit(CAST({} AS VARCHAR), {n})", column(i)),
            None => column(i),
        })
        .collect();
    let names: Vec<String> = (0..limits.len()).map(column).collect();
    let template = format!(
        "SELECT {} FROM (SELECT 1) AS \"SG_SOURCE\" ({})",
        items.join(", "),
        names.join(", ")
    );
    let mut wrapper = match crate::parse::parse(&template)?.pop() {
        Some(Statement::Query(q)) => q,
        _ => return Err(SnowflakeError::internal("length check template")),
    };
    let SetExpr::Select(select) = wrapper.body.as_mut() else {
        return Err(SnowflakeError::internal("length check template"));
    };
    let Some(TableFactor::Derived { subquery, .. }) =
        select.from.first_mut().map(|from| &mut from.relation)
    else {
        return Err(SnowflakeError::internal("length check template"));
    };
    std::mem::swap(subquery.as_mut(), query);
    std::mem::swap(query, wrapper.as_mut());
    Ok(())
}

/// One value written to a VARCHAR(`n`) column: a literal is checked now, anything else when
/// the statement runs. NULL and DEFAULT need no check.
fn limit_value(expr: &mut Expr, n: u64) -> Result<()> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Null => return Ok(()),
            Value::SingleQuotedString(s)
            | Value::DollarQuotedString(sqlparser::ast::DollarQuotedString { value: s, .. }) => {
                return if s.chars().count() as u64 > n {
                    Err(SnowflakeError::string_too_long(s))
                } else {
                    Ok(())
                };
            }
            _ => {}
        },
        Expr::Identifier(ident)
            if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("DEFAULT") =>
        {
            return Ok(())
        }
        _ => {}
    }
    let value = std::mem::replace(expr, Expr::value(Value::Null));
    *expr = func(
        "sg_text_limit",
        vec![cast(value, "VARCHAR"), number(n as i64)],
    );
    Ok(())
}

/// `CAST(x AS VARCHAR(n))` (`x::CHAR(n)`, ...) of text longer than `n` fails as Snowflake's
/// does (`String '...' is too long and would be truncated`) where DuckDB keeps the text;
/// TRY_CAST gives NULL. The cast stays, so the result keeps its declared type.
pub fn casts_fit_their_length(statement: &mut Statement) {
    struct Casts;
    impl sqlparser::ast::VisitorMut for Casts {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> std::ops::ControlFlow<()> {
            if let Expr::Cast {
                kind,
                expr: inner,
                data_type,
                ..
            } = expr
            {
                if let Some(n) = declared_length(data_type) {
                    let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                    let text = cast(value, "VARCHAR");
                    **inner = match kind {
                        sqlparser::ast::CastKind::TryCast | sqlparser::ast::CastKind::SafeCast => {
                            super::calls::case(
                                vec![(
                                    super::calls::binary(
                                        func("length", vec![text.clone()]),
                                        sqlparser::ast::BinaryOperator::Gt,
                                        number(n as i64),
                                    ),
                                    super::calls::null(),
                                )],
                                Some(text),
                            )
                        }
                        _ => func("sg_text_limit", vec![text, number(n as i64)]),
                    };
                }
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let _ = sqlparser::ast::VisitMut::visit(statement, &mut Casts);
}

/// The length a text type names explicitly (VARCHAR(n), CHAR(n), STRING(n)), below the maximum.
fn declared_length(data_type: &sqlparser::ast::DataType) -> Option<u64> {
    use sqlparser::ast::DataType as D;
    let explicit = match data_type {
        D::Varchar(len)
        | D::Nvarchar(len)
        | D::CharacterVarying(len)
        | D::CharVarying(len)
        | D::Char(len)
        | D::Character(len) => len.is_some(),
        D::String(len) => len.is_some(),
        _ => false,
    };
    if !explicit {
        return None;
    }
    crate::types::sf_type(data_type)
        .ok()
        .as_ref()
        .and_then(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::rules::test_support::ctx;

    fn checked(sql: &str) -> Result<String> {
        let mut c = ctx();
        c.target_columns = vec![
            (
                "ID".into(),
                SfType::Number {
                    precision: 38,
                    scale: 0,
                },
            ),
            ("CODE".into(), SfType::Text { length: 3 }),
            ("NOTE".into(), SfType::TEXT),
        ];
        let mut s = parse(sql)?.remove(0);
        text_fits_its_column(&mut s, &c)?;
        Ok(s.to_string())
    }

    #[test]
    fn literals_are_checked_at_once_other_values_when_the_statement_runs() {
        assert_eq!(
            checked("insert into t values (1, 'abc', 'long text is fine'), (2, null, 'x')")
                .unwrap(),
            "INSERT INTO t VALUES (1, 'abc', 'long text is fine'), (2, NULL, 'x')"
        );
        let e = checked("insert into t (code) values ('abcd')").unwrap_err();
        assert_eq!((e.code(), e.sqlstate()), ("100074", "22001"));
        assert_eq!(
            e.message,
            "String 'abcd' is too long and would be truncated"
        );
        assert_eq!(
            checked("insert into t (code, id) values (upper(x), 1)").unwrap(),
            "INSERT INTO t (code, id) VALUES (sg_text_limit(CAST(upper(x) AS VARCHAR), 3), 1)"
        );
    }

    #[test]
    fn insert_select_checks_its_projection_or_its_columns_by_position() {
        assert_eq!(
            checked("insert into t select id, name as c, note from s").unwrap(),
            "INSERT INTO t SELECT id, sg_text_limit(CAST(name AS VARCHAR), 3) AS c, note FROM s"
        );
        assert_eq!(
            checked("insert into t select * from s").unwrap(),
            "INSERT INTO t SELECT \"SG_1\", sg_text_limit(CAST(\"SG_2\" AS VARCHAR), 3), \"SG_3\" \
             FROM (SELECT * FROM s) AS \"SG_SOURCE\" (\"SG_1\", \"SG_2\", \"SG_3\")"
        );
    }

    #[test]
    fn update_and_merge_check_the_columns_they_set() {
        assert_eq!(
            checked("update t set code = c, note = n where id = 1").unwrap(),
            "UPDATE t SET code = sg_text_limit(CAST(c AS VARCHAR), 3), note = n WHERE id = 1"
        );
        assert!(checked("update t set code = 'wxyz'").is_err());
        let merged = checked(
            "merge into t using s on t.id = s.id when matched then update set code = s.c \
             when not matched then insert (id, code) values (s.id, s.c)",
        )
        .unwrap();
        assert_eq!(
            merged
                .matches("sg_text_limit(CAST(s.c AS VARCHAR), 3)")
                .count(),
            2
        );
    }

    #[test]
    fn tables_without_a_limited_column_are_left_alone() {
        let mut c = ctx();
        c.target_columns = vec![("NOTE".into(), SfType::TEXT)];
        let mut s = parse("insert into t select * from s").unwrap().remove(0);
        text_fits_its_column(&mut s, &c).unwrap();
        assert_eq!(s.to_string(), "INSERT INTO t SELECT * FROM s");
    }
}
