//! TIMESTAMP_TZ values keep their own UTC offset.
//!
//! DuckDB's TIMESTAMPTZ is an instant without an offset, so a TIMESTAMP_TZ is stored as
//! `STRUCT(instant, offset_minutes)` (`snowglobe_catalog::types::TIMESTAMP_TZ_STORAGE`), built by
//! the engine's `sg_tz(x, zone)`. Computation wants the instant; a value passed through whole
//! wants the struct, so that the client sees the offset. The rules here:
//!
//! - every TIMESTAMP_TZ value is first written as its instant, `struct_extract(v, 'instant')`:
//!   references to TIMESTAMP_TZ columns ([`read_instants`]), and the conversions the
//!   timestamp rules build ([`instant_of`] around `sg_tz`);
//! - [`keep_offsets`] then drops that wrapper where the value passes through whole: a projection
//!   item of a query that produces rows (the statement's own, a derived table's, a CTE's, an
//!   INSERT's or a CTAS's; not a scalar or IN subquery's), MIN/MAX/ANY_VALUE and the window
//!   value functions as such an item, GROUP BY and ORDER BY items, and the timestamp argument
//!   of the engine's own time-zone and date functions, which read a stored TIMESTAMP_TZ in its
//!   own offset (DATEADD and DATE_TRUNC then give a TIMESTAMP_TZ with that offset).
//!
//! Anything else (arithmetic, comparisons, DuckDB's functions) computes on the instant, as
//! Snowflake compares TIMESTAMP_TZ values by their instants.

use std::ops::ControlFlow;

use snowglobe_catalog::types::TZ_INSTANT_FIELD;
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, OrderByKind,
    Query, SelectItem, SetExpr, Statement, TableFactor, TableWithJoins, Value, VisitMut,
    VisitorMut,
};

use super::calls::{call, name_of};
use crate::names::{ident_name, Context};

/// `struct_extract(value, 'instant')`: the instant of a stored TIMESTAMP_TZ.
pub fn instant_of(value: Expr) -> Expr {
    Expr::Function(call(
        "struct_extract",
        vec![
            value,
            Expr::value(Value::SingleQuotedString(TZ_INSTANT_FIELD.into())),
        ],
    ))
}

/// The TIMESTAMP_TZ value whose instant `e` takes, if `e` is [`instant_of`] of one.
fn unwrapped(e: &Expr) -> Option<&Expr> {
    let Expr::Function(f) = e else {
        return None;
    };
    if !f.name.to_string().eq_ignore_ascii_case("struct_extract") {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(value)), FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(field)))]
            if field.value == Value::SingleQuotedString(TZ_INSTANT_FIELD.into()) =>
        {
            Some(value)
        }
        _ => None,
    }
}

/// The stored TIMESTAMP_TZ whose instant `e` reads, if it reads one (for rules that run after
/// [`read_instants`]).
pub(crate) fn stored_value(e: &Expr) -> Option<&Expr> {
    unwrapped(e)
}

/// Replace `e` by the TIMESTAMP_TZ value it takes the instant of, if it does; a conditional
/// (CASE, IFF, COALESCE, NVL, IFNULL) whose every result is a TIMESTAMP_TZ or NULL keeps its
/// results whole, so that it gives a TIMESTAMP_TZ too.
fn keep_whole(e: &mut Expr) {
    if let Some(value) = unwrapped(e) {
        *e = value.clone();
        return;
    }
    let mut results: Vec<&mut Expr> = match e {
        Expr::Nested(inner) => return keep_whole(inner),
        Expr::Case {
            conditions,
            else_result,
            ..
        } => conditions
            .iter_mut()
            .map(|c| &mut c.result)
            .chain(else_result.as_deref_mut())
            .collect(),
        Expr::Function(f)
            if matches!(name_of(f).as_str(), "COALESCE" | "IFNULL" | "NVL") && f.over.is_none() =>
        {
            match &mut f.args {
                FunctionArguments::List(list) => list
                    .args
                    .iter_mut()
                    .filter_map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                        _ => None,
                    })
                    .collect(),
                _ => return,
            }
        }
        _ => return,
    };
    let is_null = |r: &Expr| matches!(r, Expr::Value(v) if v.value == Value::Null);
    let all_tz = results.iter().all(|r| unwrapped(r).is_some() || is_null(r))
        && results.iter().any(|r| unwrapped(r).is_some());
    if all_tz {
        for r in results.iter_mut() {
            keep_whole(r);
        }
    }
}

/// Whether the statement reads tables whose TIMESTAMP_TZ columns the session should list in
/// `ctx.tz_columns` (anything but a bare expression query).
pub fn wants_column_types(statement: &Statement) -> bool {
    !matches!(statement, Statement::Query(q) if matches!(q.body.as_ref(), SetExpr::Select(s) if s.from.is_empty()))
}

/// References to the TIMESTAMP_TZ columns in `ctx.tz_columns` read their instant. A reference
/// qualified by a table (or its alias) must name that table's TIMESTAMP_TZ column; any other
/// reference (unqualified, or through a derived table or CTE) goes by the column name.
pub fn read_instants(statement: &mut Statement, ctx: &Context) {
    // The columns of derived tables and CTEs that carry a TIMESTAMP_TZ whole (a cast, a
    // TO_TIMESTAMP_TZ, a TIMESTAMP_TZ column passed through) are stored values too.
    let mut derived = DerivedTz {
        tables: &ctx.tz_columns,
        columns: vec![],
    };
    let _ = sqlparser::ast::Visit::visit(&*statement, &mut derived);
    if ctx.tz_columns.is_empty() && derived.columns.is_empty() {
        return;
    }
    let mut tables = TableNames::default();
    let _ = sqlparser::ast::Visit::visit(&*statement, &mut tables);
    let _ = statement.visit(&mut ReadInstants {
        columns: &ctx.tz_columns,
        derived: &derived.columns,
        tables: tables.0,
        scopes: vec![],
    });
}

/// Collects, inner queries first, the output columns of CTEs and derived tables that are
/// TIMESTAMP_TZ values (as `("", name)`: read by name, like any reference through them).
struct DerivedTz<'a> {
    /// The TIMESTAMP_TZ columns of the tables read.
    tables: &'a [(String, String)],
    /// (CTE or derived table name, column): references to it read by that source's name.
    columns: Vec<(String, String)>,
}

impl DerivedTz<'_> {
    fn is_tz(&self, e: &Expr) -> bool {
        // A conversion the timestamp rules built already: the instant of a stored value.
        if unwrapped(e).is_some() {
            return true;
        }
        match e {
            Expr::Nested(inner) => self.is_tz(inner),
            Expr::Cast { data_type, .. } => matches!(
                crate::types::sf_type(data_type),
                Ok(snowglobe_catalog::SfType::TimestampTz { .. })
            ),
            Expr::Identifier(i) => self.named(&ident_name(i)),
            Expr::CompoundIdentifier(parts) => {
                parts.last().is_some_and(|c| self.named(&ident_name(c)))
            }
            Expr::Function(f) => {
                let name = name_of(f);
                let args = match &f.args {
                    FunctionArguments::List(list) => list.args.len(),
                    _ => 0,
                };
                match name.as_str() {
                    "TO_TIMESTAMP_TZ" | "TRY_TO_TIMESTAMP_TZ" | "TIMESTAMP_TZ_FROM_PARTS" => true,
                    "CONVERT_TIMEZONE" => args == 2,
                    n if VALUE_FUNCTIONS.contains(&n) => match &f.args {
                        FunctionArguments::List(list) => matches!(
                            list.args.first(),
                            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(a))) if self.is_tz(a)
                        ),
                        _ => false,
                    },
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn named(&self, column: &str) -> bool {
        self.tables
            .iter()
            .chain(&self.columns)
            .any(|(_, c)| c == column)
    }

    fn collect(&mut self, source: &str, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => {
                for item in &select.projection {
                    let name = match item {
                        SelectItem::ExprWithAlias { expr, alias } if self.is_tz(expr) => {
                            ident_name(alias)
                        }
                        SelectItem::UnnamedExpr(
                            e @ (Expr::Identifier(_) | Expr::CompoundIdentifier(_)),
                        ) if self.is_tz(e) => match e {
                            Expr::Identifier(i) => ident_name(i),
                            Expr::CompoundIdentifier(parts) => {
                                parts.last().map(ident_name).unwrap_or_default()
                            }
                            _ => continue,
                        },
                        _ => continue,
                    };
                    let entry = (source.to_string(), name);
                    if !self.columns.contains(&entry) {
                        self.columns.push(entry);
                    }
                }
            }
            SetExpr::Query(q) => self.collect(source, &q.body),
            SetExpr::SetOperation { left, .. } => self.collect(source, left),
            _ => {}
        }
    }
}

impl sqlparser::ast::Visitor for DerivedTz<'_> {
    type Break = ();
    fn post_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Derived {
            subquery, alias, ..
        } = t
        {
            let source = alias
                .as_ref()
                .map(|a| ident_name(&a.name))
                .unwrap_or_default();
            self.collect(&source, &subquery.body);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.collect(&ident_name(&cte.alias.name), &cte.query.body);
            }
        }
        ControlFlow::Continue(())
    }
}

/// The names a SELECT's FROM clause gives its relations (alias, else table name; "" for a
/// derived table without alias): the sources its unqualified column references read.
fn sources(select: &sqlparser::ast::Select, out: &mut Vec<String>) {
    {
        {
            for t in &select.from {
                for factor in
                    std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation))
                {
                    let name = match factor {
                        TableFactor::Table { name, alias, .. } => alias
                            .as_ref()
                            .map(|a| ident_name(&a.name))
                            .or_else(|| name.0.last().and_then(|p| p.as_ident()).map(ident_name)),
                        TableFactor::Derived { alias, .. } => Some(
                            alias
                                .as_ref()
                                .map(|a| ident_name(&a.name))
                                .unwrap_or_default(),
                        ),
                        _ => None,
                    };
                    out.extend(name);
                }
            }
        }
    }
}

/// The tables a statement names, by the name that qualifies their columns (alias or table
/// name) → table name; `None` where one qualifier stands for different tables.
#[derive(Default)]
struct TableNames(std::collections::HashMap<String, Option<String>>);

impl sqlparser::ast::Visitor for TableNames {
    type Break = ();
    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = t {
            let Some(table) = name.0.last().and_then(|p| p.as_ident()).map(ident_name) else {
                return ControlFlow::Continue(());
            };
            let key = alias
                .as_ref()
                .map(|a| ident_name(&a.name))
                .unwrap_or_else(|| table.clone());
            let entry = self.0.entry(key).or_insert_with(|| Some(table.clone()));
            if entry.as_deref() != Some(table.as_str()) {
                *entry = None;
            }
        }
        ControlFlow::Continue(())
    }
}

struct ReadInstants<'a> {
    columns: &'a [(String, String)],
    /// TIMESTAMP_TZ columns of CTEs and derived tables, by their source's name.
    derived: &'a [(String, String)],
    tables: std::collections::HashMap<String, Option<String>>,
    /// The sources of each query being visited, innermost last.
    scopes: Vec<Vec<String>>,
}

impl ReadInstants<'_> {
    fn is_tz(&self, qualifier: Option<&sqlparser::ast::Ident>, column: &str) -> bool {
        let table = qualifier.and_then(|q| self.tables.get(&ident_name(q)).cloned().flatten());
        let of_table = self
            .columns
            .iter()
            .any(|(t, c)| c == column && table.as_ref().is_none_or(|table| table == t));
        // A derived column is read through its source: named by it, or unqualified where the
        // query reads that source.
        let scope = self.scopes.last();
        let of_derived = self.derived.iter().any(|(source, c)| {
            c == column
                && match qualifier {
                    Some(q) => ident_name(q) == *source,
                    None => scope.is_some_and(|s| s.contains(source)),
                }
        });
        of_table || of_derived
    }
}

impl VisitorMut for ReadInstants<'_> {
    type Break = ();
    fn pre_visit_select(&mut self, select: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        let mut names = Vec::new();
        sources(select, &mut names);
        self.scopes.push(names);
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, _: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let tz = match &*expr {
            Expr::Identifier(i) => self.is_tz(None, &ident_name(i)),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [.., qualifier, column] => self.is_tz(Some(qualifier), &ident_name(column)),
                [column] => self.is_tz(None, &ident_name(column)),
                [] => false,
            },
            _ => false,
        };
        if tz {
            *expr = instant_of(expr.clone());
        }
        ControlFlow::Continue(())
    }
}

/// Functions whose result is their first argument's value, kept whole as a projection item.
const VALUE_FUNCTIONS: &[&str] = &[
    "MIN",
    "MAX",
    "ANY_VALUE",
    "ARBITRARY",
    "FIRST_VALUE",
    "LAST_VALUE",
    "NTH_VALUE",
    "LAG",
    "LEAD",
    "ARG_MIN",
    "ARG_MAX",
    "MIN_BY",
    "MAX_BY",
];

/// The engine's functions that read a stored TIMESTAMP_TZ in its own offset (see
/// `snowglobe_engine::time_zones` and `date_math`): name, the position of the timestamp
/// argument, and whether the result is then a TIMESTAMP_TZ with that offset.
const ZONE_FUNCTIONS: &[(&str, usize, bool)] = &[
    ("SG_TZ", 0, false),
    ("SG_TRY_TZ", 0, false),
    ("SG_NTZ", 0, false),
    ("SG_TRY_NTZ", 0, false),
    ("SG_LOCAL", 0, false),
    ("SG_DATE", 0, false),
    ("SG_TRY_DATE", 0, false),
    ("SG_LAST_DAY", 0, false),
    ("SG_NEXT_DAY", 0, false),
    ("SG_DATEADD", 2, true),
    ("SG_TIMEADD", 2, true),
    ("SG_DATE_TRUNC", 1, true),
];

fn arg_mut(f: &mut Function, i: usize) -> Option<&mut Expr> {
    match &mut f.args {
        FunctionArguments::List(list) => match list.args.get_mut(i) {
            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

fn first_arg(f: &mut Function) -> Option<&mut Expr> {
    arg_mut(f, 0)
}

/// Keep TIMESTAMP_TZ values whole where they pass through (see the module documentation), and
/// read text compared with a TIMESTAMP_TZ as Snowflake reads it (an offset after a space, a
/// wall clock in the session zone `ctx.timezone`), which DuckDB's own cast does not.
pub fn keep_offsets(statement: &mut Statement, ctx: &Context) {
    let _ = statement.visit(&mut ZoneArguments {
        zone: super::timestamps::session_zone(ctx),
    });
    match statement {
        Statement::Query(q) => whole_query(q),
        Statement::Insert(insert) => {
            if let Some(q) = insert.source.as_mut() {
                whole_query(q);
            }
        }
        Statement::CreateTable(create) => {
            if let Some(q) = create.query.as_mut() {
                whole_query(q);
            }
        }
        Statement::CreateView(view) => whole_query(&mut view.query),
        Statement::Merge(merge) => whole_table(&mut merge.source),
        _ => {}
    }
}

struct ZoneArguments {
    zone: String,
}

impl ZoneArguments {
    /// A string literal compared with a TIMESTAMP_TZ's instant, as an instant.
    fn text_as_instant(&self, e: &mut Expr) {
        if let Expr::Value(v) = e {
            if let Value::SingleQuotedString(_) = v.value {
                *e = Expr::Function(call(
                    "sg_instant",
                    vec![
                        e.clone(),
                        Expr::value(Value::SingleQuotedString(self.zone.clone())),
                    ],
                ));
            }
        }
    }
}

impl VisitorMut for ZoneArguments {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        use sqlparser::ast::BinaryOperator as Op;
        match expr {
            Expr::BinaryOp {
                left,
                op: Op::Eq | Op::NotEq | Op::Lt | Op::LtEq | Op::Gt | Op::GtEq,
                right,
            } => {
                if unwrapped(left).is_some() {
                    self.text_as_instant(right);
                } else if unwrapped(right).is_some() {
                    self.text_as_instant(left);
                }
                return ControlFlow::Continue(());
            }
            Expr::Between {
                expr: value,
                low,
                high,
                ..
            } if unwrapped(value).is_some() => {
                self.text_as_instant(low);
                self.text_as_instant(high);
                return ControlFlow::Continue(());
            }
            _ => {}
        }
        let Expr::Function(f) = expr else {
            return ControlFlow::Continue(());
        };
        let name = name_of(f);
        let Some((_, position, keeps_offset)) = ZONE_FUNCTIONS.iter().find(|(n, _, _)| *n == name)
        else {
            return ControlFlow::Continue(());
        };
        let Some(arg) = arg_mut(f, *position) else {
            return ControlFlow::Continue(());
        };
        if unwrapped(arg).is_some() {
            keep_whole(arg);
            if *keeps_offset {
                // A TIMESTAMP_TZ again: its instant, until it passes through whole.
                *expr = instant_of(expr.clone());
            }
        }
        ControlFlow::Continue(())
    }
}

fn whole_query(q: &mut Query) {
    if let Some(with) = q.with.as_mut() {
        for cte in &mut with.cte_tables {
            whole_query(&mut cte.query);
        }
    }
    whole_set(&mut q.body);
    if let Some(order_by) = q.order_by.as_mut() {
        if let OrderByKind::Expressions(items) = &mut order_by.kind {
            for item in items {
                keep_whole(&mut item.expr);
            }
        }
    }
}

fn whole_set(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            for item in &mut select.projection {
                if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item
                {
                    keep_whole(e);
                    if let Expr::Function(f) = e {
                        if VALUE_FUNCTIONS.contains(&name_of(f).as_str()) {
                            if let Some(arg) = first_arg(f) {
                                keep_whole(arg);
                            }
                        }
                    }
                }
            }
            if let GroupByExpr::Expressions(items, _) = &mut select.group_by {
                for e in items {
                    keep_whole(e);
                }
            }
            for table in &mut select.from {
                whole_tables(table);
            }
        }
        SetExpr::Query(q) => whole_query(q),
        SetExpr::SetOperation { left, right, .. } => {
            whole_set(left);
            whole_set(right);
        }
        _ => {}
    }
}

fn whole_tables(t: &mut TableWithJoins) {
    whole_table(&mut t.relation);
    for join in &mut t.joins {
        whole_table(&mut join.relation);
    }
}

fn whole_table(t: &mut TableFactor) {
    match t {
        TableFactor::Derived { subquery, .. } => whole_query(subquery),
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => whole_tables(table_with_joins),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{ctx, translate, translate_in};

    fn translate_with_tz(sql: &str) -> String {
        let mut c = ctx();
        c.tz_columns = vec![("T".into(), "TS".into())];
        translate_in(sql, &c)
    }

    #[test]
    fn derived_columns_are_read_where_their_source_is() {
        let sql = translate_in(
            "with c as (select x::timestamp_tz as z from a) \
             select z from raw where z > '2024-01-01' union all select z from c where z > '2024-01-01'",
            &ctx(),
        );
        let (raw, cte) = sql.split_once("UNION ALL").unwrap();
        assert!(!raw.contains("struct_extract(\"Z\""), "{sql}");
        assert!(cte.contains("struct_extract(\"Z\", 'instant') >"), "{sql}");
    }

    #[test]
    fn conditionals_over_timestamp_tz_keep_offsets() {
        assert_eq!(
            translate_with_tz("select iff(x > 0, ts, null) as a, coalesce(ts, ts) as b, case when x > 0 then ts else ts2 end as c from t"),
            "SELECT CASE WHEN \"X\" > 0 THEN \"TS\" ELSE NULL END AS \"A\", coalesce(\"TS\", \"TS\") AS \"B\", \
             CASE WHEN \"X\" > 0 THEN struct_extract(\"TS\", 'instant') ELSE \"TS2\" END AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn qualified_references_name_the_tables_column() {
        assert_eq!(
            translate_with_tz("select a.ts, b.ts, x.ts from t as a join u as b on a.id = b.id, (select ts from t) as x where a.ts > b.ts"),
            "SELECT \"A\".\"TS\", \"B\".\"TS\", \"X\".\"TS\" FROM \"T\" AS \"A\" JOIN \"U\" AS \"B\" ON \"A\".\"ID\" = \"B\".\"ID\", \
             (SELECT \"TS\" FROM \"T\") AS \"X\" WHERE struct_extract(\"A\".\"TS\", 'instant') > \"B\".\"TS\""
        );
    }

    #[test]
    fn casts_build_values_with_offsets_kept_whole_in_projections() {
        assert_eq!(
            translate("select '2024-01-02 03:04:05 +05:30'::timestamp_tz as t"),
            "SELECT sg_tz('2024-01-02 03:04:05 +05:30', 'America/Los_Angeles') AS \"T\""
        );
        assert_eq!(
            translate("select dateadd(day, 1, '2024-01-02 03:04:05 +05:30'::timestamp_tz) > x as t from s"),
            "SELECT struct_extract(sg_dateadd('DAY', CAST(1 AS BIGINT), sg_tz('2024-01-02 03:04:05 +05:30', 'America/Los_Angeles'), 'America/Los_Angeles'), 'instant') > \"X\" AS \"T\" FROM \"S\""
        );
    }

    #[test]
    fn date_functions_keep_offsets() {
        assert_eq!(
            translate_with_tz("select date_trunc('day', dateadd(hour, 1, ts)) as d from t where dateadd(day, 1, ts) > x"),
            "SELECT sg_date_trunc('DAY', sg_timeadd('HOUR', CAST(1 AS BIGINT), \"TS\", 'America/Los_Angeles'), 'America/Los_Angeles') AS \"D\" \
             FROM \"T\" WHERE struct_extract(sg_dateadd('DAY', CAST(1 AS BIGINT), \"TS\", 'America/Los_Angeles'), 'instant') > \"X\""
        );
    }

    #[test]
    fn columns_compute_on_instants_and_pass_through_whole() {
        assert_eq!(
            translate_with_tz("select ts, max(ts) as m, hour(ts) as h from t where ts > '2024-01-01' group by ts order by ts"),
            "SELECT \"TS\", max(\"TS\") AS \"M\", date_part('hour', sg_local(\"TS\", 'America/Los_Angeles')) AS \"H\" \
             FROM \"T\" WHERE struct_extract(\"TS\", 'instant') > sg_instant('2024-01-01', 'America/Los_Angeles') GROUP BY \"TS\" ORDER BY \"TS\""
        );
        assert_eq!(
            translate_with_tz("select * from t where ts in (select ts from u)"),
            "SELECT * FROM \"T\" WHERE struct_extract(\"TS\", 'instant') IN (SELECT struct_extract(\"TS\", 'instant') FROM \"U\")"
        );
        assert_eq!(
            translate_with_tz("select x.ts from (select ts from t) as x"),
            "SELECT \"X\".\"TS\" FROM (SELECT \"TS\" FROM \"T\") AS \"X\""
        );
    }
}
