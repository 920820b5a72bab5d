//! `TABLE([db.]INFORMATION_SCHEMA.COPY_HISTORY(TABLE_NAME => '...', START_TIME => ...
//! [, END_TIME => ...]))`: a table's load records. The call becomes a subquery over the
//! database's `INFORMATION_SCHEMA.COPY_HISTORY` rows (which the session fills like any
//! INFORMATION_SCHEMA view), filtered to the table and the time range.

use std::ops::ControlFlow;

use snowglobe_catalog::names::quote_literal;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Statement, TableFactor, VisitMut,
    VisitorMut,
};

use crate::names::{current_database, ident_name, parts, resolve_parts, Context};
use crate::rules::FirstError;

/// Replace each COPY_HISTORY table function call of `statement` with its subquery.
pub fn rewrite(statement: &mut Statement, ctx: &Context) -> Result<()> {
    let mut calls = Calls {
        ctx,
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut calls);
    calls.error.into_result()
}

struct Calls<'a> {
    ctx: &'a Context,
    error: FirstError,
}

impl VisitorMut for Calls<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, table: &mut TableFactor) -> ControlFlow<()> {
        match subquery(table, self.ctx) {
            Ok(Some(new)) => *table = new,
            Ok(None) => {}
            Err(e) => {
                self.error.set(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

fn invalid(message: String) -> SnowflakeError {
    SnowflakeError::compilation(ErrorCode::InvalidArgumentTypes, message)
}

/// The subquery standing for a COPY_HISTORY call (`None` for any other table factor).
fn subquery(table: &TableFactor, ctx: &Context) -> Result<Option<TableFactor>> {
    let TableFactor::TableFunction {
        expr: Expr::Function(f),
        alias,
    } = table
    else {
        return Ok(None);
    };
    let name: Vec<String> = f
        .name
        .0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(ident_name)
        .collect();
    let Some((last, qualifiers)) = name.split_last() else {
        return Ok(None);
    };
    if last != "COPY_HISTORY" || qualifiers.last().is_some_and(|q| q != "INFORMATION_SCHEMA") {
        return Ok(None);
    }
    let database = match qualifiers {
        [db, _] => db.clone(),
        _ => current_database(ctx, "COPY_HISTORY")?,
    };
    let FunctionArguments::List(list) = &f.args else {
        return Err(invalid(
            "COPY_HISTORY needs TABLE_NAME and START_TIME arguments".into(),
        ));
    };
    let (mut table_name, mut start, mut end, mut pipe) = (None, None, None, None);
    for arg in &list.args {
        let FunctionArg::Named {
            name,
            arg: FunctionArgExpr::Expr(value),
            ..
        } = arg
        else {
            return Err(invalid(format!(
                "COPY_HISTORY takes named arguments (TABLE_NAME => ...), not {arg}"
            )));
        };
        match name.value.to_ascii_uppercase().as_str() {
            "TABLE_NAME" => table_name = Some(value),
            "START_TIME" => start = Some(value),
            "END_TIME" => end = Some(value),
            // Loads through a pipe (there are none here).
            "PIPE_NAME" => pipe = Some(value),
            other => {
                return Err(invalid(format!(
                    "invalid argument {other} for function COPY_HISTORY"
                )))
            }
        }
    }
    let table_name = match table_name.and_then(crate::rules::calls::string_literal) {
        Some(t) => t,
        None => {
            return Err(invalid(
                "COPY_HISTORY needs a TABLE_NAME argument (a string constant)".into(),
            ))
        }
    };
    let Some(start) = start else {
        return Err(invalid("COPY_HISTORY needs a START_TIME argument".into()));
    };
    let object_name = sqlparser::parser::Parser::new(&sqlparser::dialect::SnowflakeDialect {})
        .try_with_sql(table_name)
        .and_then(|mut p| p.parse_object_name(false))
        .map_err(|_| {
            invalid(format!(
                "invalid table name '{table_name}' for COPY_HISTORY"
            ))
        })?;
    let object = resolve_parts(parts(&object_name)?, ctx, "COPY_HISTORY")?;
    let mut sql = format!(
        "SELECT * FROM (SELECT * FROM \"{}\".INFORMATION_SCHEMA.COPY_HISTORY \
         WHERE TABLE_CATALOG_NAME = {} AND TABLE_SCHEMA_NAME = {} AND TABLE_NAME = {} \
         AND LAST_LOAD_TIME >= ({start})",
        database.replace('"', "\"\""),
        quote_literal(&object.database),
        quote_literal(&object.schema),
        quote_literal(&object.name),
    );
    if let Some(end) = end {
        sql.push_str(&format!(" AND LAST_LOAD_TIME < ({end})"));
    }
    if let Some(pipe) = pipe {
        sql.push_str(&format!(" AND PIPE_NAME = ({pipe})"));
    }
    sql.push(')');
    let mut factor = crate::rules::calls::parsed_from_item(
        &sqlparser::dialect::SnowflakeDialect {},
        &sql,
        "COPY_HISTORY subquery",
    )?;
    if let TableFactor::Derived { alias: a, .. } = &mut factor {
        *a = alias.clone();
    }
    Ok(Some(factor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> Result<String> {
        let ctx = Context {
            database: Some("DB".into()),
            schema: Some("PUBLIC".into()),
            ..Context::default()
        };
        let mut statement = crate::parse::parse(sql)?.remove(0);
        rewrite(&mut statement, &ctx)?;
        Ok(statement.to_string())
    }

    #[test]
    fn the_call_reads_the_tables_records_in_the_time_range() {
        let sql = rewritten(
            "select * from table(information_schema.copy_history(table_name => 'my_t', \
             start_time => dateadd(hours, -1, current_timestamp()))) h",
        )
        .unwrap();
        assert!(
            sql.contains("FROM \"DB\".INFORMATION_SCHEMA.COPY_HISTORY"),
            "{sql}"
        );
        assert!(
            sql.contains("TABLE_SCHEMA_NAME = 'PUBLIC' AND TABLE_NAME = 'MY_T'"),
            "{sql}"
        );
        assert!(
            sql.contains("LAST_LOAD_TIME >= (dateadd(hours, -1, current_timestamp()))"),
            "{sql}"
        );
        assert!(sql.ends_with(")) h"), "{sql}");
    }

    #[test]
    fn a_missing_argument_is_an_error() {
        assert!(rewritten(
            "select * from table(information_schema.copy_history(table_name => 't'))"
        )
        .is_err());
        assert!(rewritten("select * from table(generator(rowcount => 1))").is_ok());
    }
}
