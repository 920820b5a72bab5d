//! Identifiers: Snowflake case rules, DuckDB storage names, and names qualified with the session's
//! current database.

use std::collections::HashSet;
use std::ops::ControlFlow;

use snowglobe_catalog::names::{demangle, mangle, resolve};
use sqlparser::ast::{
    Expr, Ident, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, Query, Select,
    SelectItem, SelectItemQualifiedWildcardKind, Statement, TableAlias, TableAliasColumnDef,
    TableFactor, VisitMut, VisitorMut,
};

use super::FirstError;
use crate::names::{current_database, current_schema, storage_ident, Context};

/// Give an identifier as written its DuckDB storage spelling: unquoted names fold to upper case,
/// quoted names keep their case, and the result is quoted with its case pattern encoded
/// (`snowglobe_catalog::names`), because DuckDB compares names case-insensitively.
pub fn normalize(ident: &mut Ident) {
    let name = resolve(&ident.value, ident.quote_style.is_some());
    ident.value = mangle(&name);
    ident.quote_style = Some('"');
}

fn normalize_name(name: &mut ObjectName) {
    for part in &mut name.0 {
        if let ObjectNamePart::Identifier(ident) = part {
            normalize(ident);
        }
    }
}

/// The column names `* EXCLUDE`, `* RENAME` and `* REPLACE` name (and RENAME's new names).
fn normalize_wildcard_options(options: &mut sqlparser::ast::WildcardAdditionalOptions) {
    use sqlparser::ast::{ExcludeSelectItem, RenameSelectItem};
    match &mut options.opt_exclude {
        Some(ExcludeSelectItem::Single(name)) => normalize_name(name),
        Some(ExcludeSelectItem::Multiple(names)) => names.iter_mut().for_each(normalize_name),
        None => {}
    }
    let renamed = match &mut options.opt_rename {
        Some(RenameSelectItem::Single(one)) => std::slice::from_mut(one),
        Some(RenameSelectItem::Multiple(many)) => many.as_mut_slice(),
        None => &mut [],
    };
    for item in renamed {
        normalize(&mut item.ident);
        normalize(&mut item.alias);
    }
    if let Some(replace) = &mut options.opt_replace {
        for item in &mut replace.items {
            normalize(&mut item.column_name);
        }
    }
}

fn normalize_alias(alias: &mut Option<TableAlias>) {
    if let Some(alias) = alias {
        normalize(&mut alias.name);
        for column in &mut alias.columns {
            normalize(&mut column.name);
        }
    }
}

/// Snowflake's positional column references, `$1` for the first column of the FROM clause
/// (`select $1 from table(result_scan(last_query_id()))`), are DuckDB's `#1`.
pub fn positional_references(statement: &mut Statement) {
    struct Positions;
    impl VisitorMut for Positions {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let Expr::Value(v) = expr {
                if let sqlparser::ast::Value::Placeholder(p) = &v.value {
                    if let Some(n) = p.strip_prefix('$').filter(|n| {
                        !n.is_empty()
                            && n.bytes().all(|b| b.is_ascii_digit())
                            && !n.starts_with('0')
                    }) {
                        v.value = sqlparser::ast::Value::Placeholder(format!("#{n}"));
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Positions);
}

/// A VALUES list in FROM names its columns COLUMN1, COLUMN2, ... in Snowflake
/// (`select column1 from values (1, 'a')`); DuckDB calls them col0, col1. Give the list an alias
/// with Snowflake's column names unless the query names them (`values (...) as v(x, y)`).
pub fn values_column_names(statement: &mut Statement) {
    struct Names;
    impl VisitorMut for Names {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Derived {
                subquery, alias, ..
            } = factor
            {
                let width = match subquery.body.as_ref() {
                    sqlparser::ast::SetExpr::Values(v) => v.rows.first().map(|r| r.content.len()),
                    _ => None,
                };
                let named = alias.as_ref().is_some_and(|a| !a.columns.is_empty());
                if let (Some(width), false) = (width, named) {
                    let a = alias.get_or_insert_with(|| TableAlias {
                        explicit: true,
                        name: Ident::new("sg_values"),
                        columns: vec![],
                        at: None,
                    });
                    a.columns = (1..=width)
                        .map(|i| TableAliasColumnDef::from_name(format!("COLUMN{i}")))
                        .collect();
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Names);
}

/// Normalise every table, column and alias name; qualify `schema.table` with the current
/// database; reject unqualified names when the session has no current database (090105) or
/// schema (090106). One-part table names are left to DuckDB's search path (the session's
/// connection has `USE`d the current database and schema), so CTE names resolve as usual.
/// `JOIN ... USING (c)` names columns by the identifier rules; a JOIN without ON or USING is a
/// cross join in Snowflake (DuckDB wants a condition).
fn join_constraint(operator: &mut JoinOperator) {
    use JoinOperator as J;
    if matches!(
        operator,
        J::Join(JoinConstraint::None) | J::Inner(JoinConstraint::None)
    ) {
        *operator = J::CrossJoin(JoinConstraint::None);
        return;
    }
    let constraint = match operator {
        J::Join(c)
        | J::Inner(c)
        | J::Left(c)
        | J::LeftOuter(c)
        | J::Right(c)
        | J::RightOuter(c)
        | J::FullOuter(c)
        | J::Semi(c)
        | J::LeftSemi(c)
        | J::RightSemi(c)
        | J::Anti(c)
        | J::LeftAnti(c)
        | J::RightAnti(c) => c,
        _ => return,
    };
    if let JoinConstraint::Using(names) = constraint {
        for name in names {
            normalize_name(name);
        }
    }
}

pub fn normalize_identifiers(
    statement: &mut Statement,
    ctx: &Context,
    operation: &str,
) -> snowglobe_error::Result<()> {
    let mut v = Normalize {
        ctx,
        operation,
        ctes: HashSet::new(),
        error: FirstError::default(),
        table_function: false,
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct Normalize<'a> {
    ctx: &'a Context,
    operation: &'a str,
    ctes: HashSet<String>,
    error: FirstError,
    /// The relation visited next is a table function's name (`range(...)`, what GENERATOR
    /// becomes): a built-in, which needs no current database.
    table_function: bool,
}

impl VisitorMut for Normalize<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &mut query.with {
            for cte in &mut with.cte_tables {
                normalize(&mut cte.alias.name);
                for column in &mut cte.alias.columns {
                    normalize(&mut column.name);
                }
                self.ctes.insert(cte.alias.name.value.clone());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        for item in &mut select.projection {
            match item {
                SelectItem::ExprWithAlias { alias, .. } => normalize(alias),
                SelectItem::QualifiedWildcard(kind, options) => {
                    if let SelectItemQualifiedWildcardKind::ObjectName(name) = kind {
                        normalize_name(name);
                    }
                    normalize_wildcard_options(options);
                }
                SelectItem::Wildcard(options) => normalize_wildcard_options(options),
                _ => {}
            }
        }
        for from in &mut select.from {
            for join in &mut from.joins {
                join_constraint(&mut join.join_operator);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        if std::mem::take(&mut self.table_function) {
            return ControlFlow::Continue(());
        }
        normalize_name(relation);
        // `[db.]INFORMATION_SCHEMA.view` becomes a placeholder the session fills with rows.
        let names: Vec<&str> = relation
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.as_str()))
            .collect();
        let is = crate::plan::INFORMATION_SCHEMA;
        let view = match names.as_slice() {
            [s, v] if *s == is => {
                current_database(self.ctx, self.operation).map(|db| Some((db, v.to_string())))
            }
            [db, s, v] if *s == is => Ok(Some((demangle(db).to_string(), v.to_string()))),
            _ => Ok(None),
        };
        match view {
            Ok(Some((db, view))) => {
                let placeholder = crate::plan::information_schema_placeholder(&db, demangle(&view));
                let unquoted = placeholder[1..placeholder.len() - 1].replace("\"\"", "\"");
                *relation = ObjectName::from(vec![Ident::with_quote('"', unquoted)]);
                return ControlFlow::Continue(());
            }
            Ok(None) => {}
            Err(e) => {
                self.error.set(e);
                return ControlFlow::Break(());
            }
        }
        match relation.0.len() {
            1 => {
                let is_cte = matches!(&relation.0[0], ObjectNamePart::Identifier(i) if self.ctes.contains(&i.value));
                if !is_cte {
                    if let Err(e) = current_database(self.ctx, self.operation)
                        .and_then(|_| current_schema(self.ctx, self.operation))
                    {
                        self.error.set(e);
                        return ControlFlow::Break(());
                    }
                }
            }
            2 => match current_database(self.ctx, self.operation) {
                Ok(db) => relation
                    .0
                    .insert(0, ObjectNamePart::Identifier(storage_ident(&db))),
                Err(e) => {
                    self.error.set(e);
                    return ControlFlow::Break(());
                }
            },
            _ => {}
        }
        // A temporary table or view named in full lives in DuckDB's `temp` catalog.
        if let [db, schema, name] = relation.0.as_slice() {
            let part = |p: &ObjectNamePart| p.as_ident().map(|i| demangle(&i.value).to_string());
            if let (Some(database), Some(schema), Some(name)) = (part(db), part(schema), part(name))
            {
                let object = crate::names::ObjectRef {
                    database,
                    schema,
                    name,
                };
                if self.ctx.temporary_tables.contains(&object) {
                    *relation = ObjectName::from(vec![
                        Ident::new("temp"),
                        Ident::new("main"),
                        storage_ident(&object.name),
                    ]);
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        self.table_function =
            matches!(factor, TableFactor::Table { name, args: Some(_), .. } if name.0.len() == 1);
        // UNPIVOT's name column follows the identifier rules like any other column name.
        // Its name column holds the unpivoted columns' Snowflake names (or their aliases, which
        // are identifiers too), not their storage names: each is given as an alias.
        if let TableFactor::Unpivot { name, columns, .. } = factor {
            normalize(name);
            for column in columns.iter_mut() {
                let shown = match (&column.alias, &column.expr) {
                    (Some(alias), _) => Some(crate::names::ident_name(alias)),
                    (None, Expr::Identifier(id)) => Some(crate::names::ident_name(id)),
                    (None, Expr::CompoundIdentifier(parts)) => {
                        parts.last().map(crate::names::ident_name)
                    }
                    _ => None,
                };
                if let Some(shown) = shown {
                    column.alias = Some(Ident::with_quote('"', shown));
                }
            }
        }
        // PIVOT names a column after a text value with its quotes (`'a'`), as Snowflake does.
        if let TableFactor::Pivot {
            value_source: sqlparser::ast::PivotValueSource::List(values),
            ..
        } = factor
        {
            for value in values.iter_mut() {
                if let Some(alias) = &mut value.alias {
                    normalize(alias);
                    continue;
                }
                if let Expr::Value(v) = &value.expr {
                    if let sqlparser::ast::Value::SingleQuotedString(text) = &v.value {
                        value.alias = Some(Ident::with_quote('"', mangle(&format!("'{text}'"))));
                    }
                }
            }
        }
        match factor {
            TableFactor::Table { alias, .. }
            | TableFactor::Derived { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::Function { alias, .. }
            | TableFactor::UNNEST { alias, .. }
            | TableFactor::NestedJoin { alias, .. }
            | TableFactor::Pivot { alias, .. }
            | TableFactor::Unpivot { alias, .. } => normalize_alias(alias),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            // `INSERT .. VALUES (1, DEFAULT)`: the keyword, not a column (DEFAULT is reserved).
            e if super::calls::is_default_keyword(e) => {}
            Expr::Identifier(ident) => normalize(ident),
            Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(normalize),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn values_columns_are_column1_column2() {
        assert_eq!(
            translate("select column1, column2 from values (1, 'a'), (2, 'b')"),
            "SELECT \"COLUMN1\", \"COLUMN2\" FROM (VALUES (1, 'a'), (2, 'b')) AS \"SG_VALUES\" (\"COLUMN1\", \"COLUMN2\")"
        );
        assert!(translate("select v.column1 from (values (1)) as v")
            .ends_with("AS \"V\" (\"COLUMN1\")"));
        assert!(translate("select x from values (1) as v(x)").ends_with("AS \"V\" (\"X\")"));
    }

    #[test]
    fn default_values_stay_keywords() {
        assert_eq!(
            translate("insert into t values (1, default)"),
            "INSERT INTO \"T\" VALUES (1, default)"
        );
    }

    #[test]
    fn positional_references_are_duckdbs() {
        assert_eq!(
            translate("select $1, $2 as b from t where $1 > 0"),
            "SELECT #1 AS \"$1\", #2 AS \"B\" FROM \"T\" WHERE #1 > 0"
        );
    }

    #[test]
    fn unquoted_names_fold_and_quoted_names_keep_case() {
        assert_eq!(
            translate("select a, \"b\" from t"),
            "SELECT \"A\", \"b\u{1f}l\" FROM \"T\""
        );
    }

    #[test]
    fn schema_qualified_names_get_the_current_database() {
        assert_eq!(
            translate("select * from s.t x"),
            "SELECT * FROM \"DB\".\"S\".\"T\" \"X\""
        );
    }

    #[test]
    fn temporary_objects_named_in_full_are_in_the_temp_catalog() {
        let mut ctx = crate::rules::test_support::ctx();
        ctx.temporary_tables = vec![crate::names::ObjectRef {
            database: "DB".into(),
            schema: "PUBLIC".into(),
            name: "TMP".into(),
        }];
        let sql = "select * from db.public.tmp join public.tmp t2 on true join other o on true";
        let mut s = crate::parse::parse(sql).unwrap().remove(0);
        super::normalize_identifiers(&mut s, &ctx, "SELECT").unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT * FROM temp.main.\"TMP\" JOIN temp.main.\"TMP\" \"T2\" ON true JOIN \"OTHER\" \"O\" ON true"
        );
    }

    #[test]
    fn cte_names_are_not_tables() {
        assert_eq!(
            translate("with c as (select 1 as one) select one from c"),
            "WITH \"C\" AS (SELECT CAST(1 AS DECIMAL(1, 0)) AS \"ONE\") SELECT \"ONE\" FROM \"C\""
        );
    }
}
