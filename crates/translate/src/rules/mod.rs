//! The rewrite rules, one file per area, run as one ordered list in [`apply`].
//!
//! Order matters and is visible here: column names are taken from the text as the user wrote
//! it before anything is rewritten; Snowflake types in casts become storage types before other
//! rules add DuckDB casts of their own (timestamp conversions go first: they read the
//! Snowflake type of a cast, and values written to VARCHAR(n) columns are checked right after
//! them); functions are rewritten before identifiers are normalised
//! (some function arguments, such as date parts, look like identifiers); identifiers go last.
//! The per-area function rules (conditional, strings, numeric, aggregates) run after the
//! storage-type rule because the casts they add already name DuckDB types (JSON, HUGEINT), as
//! do the date functions (after the time-zone rule: their arguments read local time already);
//! semi-structured paths, casts out of VARIANT and functions go first of all (casts still carry
//! their Snowflake types, every function name is still Snowflake's), FLATTEN after the other
//! function rules (its subquery names DuckDB functions they would take for Snowflake's);
//! division typing runs after literals are typed as NUMBERs and before division is checked for
//! zero. TIMESTAMP_TZ columns are read as instants once every other rule has run, and values
//! that pass through whole then get their offsets back (`timestamp_tz`). Values printed as text
//! (TO_VARCHAR, casts to VARCHAR) are marked before any rule adds casts of its own and printed
//! after the TIMESTAMP_TZ rules, when a TIMESTAMP_TZ can be told from other values.

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::Statement;

use crate::names::Context;

pub mod aggregates;
pub mod arrays;
pub(crate) mod calls;
pub mod clauses;
pub mod coercion;
pub mod column_names;
pub mod comparisons;
pub mod conditional;
pub mod conversion;
pub mod dates;
pub mod functions;
pub mod generator;
pub mod identifiers;
pub mod lengths;
pub mod numbers;
pub mod numeric;
pub mod recursive_ctes;
pub mod sampling;
pub mod semi_structured;
pub mod strings;
pub mod timestamp_tz;
pub mod timestamps;
pub mod types;
pub mod udfs;

/// What a rule pass needs beyond the statement: the session context, the original SQL text
/// (column names are spelled from it) and the operation name used in context errors.
pub struct RuleContext<'a> {
    pub session: &'a Context,
    pub sql: &'a str,
    pub operation: &'a str,
}

/// Run every rule over `statement`, in order.
pub fn apply(statement: &mut Statement, cx: &RuleContext<'_>) -> Result<()> {
    column_names::name_projection_columns(statement, cx.sql);
    udfs::inline_user_functions(statement, cx.session)?;
    strings::mark_length_calls(statement);
    clauses::rewrite_clauses(statement)?;
    semi_structured::constants_as_constructors(statement);
    semi_structured::rewrite_semi_structured(statement, &cx.session.semi_columns)?;
    comparisons::text_compared_with_numbers(statement, cx.session);
    coercion::text_as_numbers(statement, cx.session);
    conversion::text_casts_print_values(statement);
    functions::rewrite_functions(statement, cx.session)?;
    timestamps::timestamps_in_session_zone(statement, cx.session)?;
    timestamps::values_take_target_types(statement, cx.session)?;
    lengths::text_fits_its_column(statement, cx.session)?;
    lengths::casts_fit_their_length(statement);
    types::cast_to_storage_types(statement)?;
    dates::rewrite_date_functions(statement, cx.session)?;
    generator::rewrite_generators(statement)?;
    conversion::rewrite_conversions(statement, cx.session)?;
    conditional::rewrite_conditionals(statement)?;
    strings::rewrite_string_functions(statement)?;
    numeric::rewrite_numeric_functions(statement)?;
    aggregates::rewrite_aggregates(statement)?;
    semi_structured::flatten_table_functions(statement)?;
    sampling::rewrite_samples(statement)?;
    numbers::count_as_number(statement);
    numbers::integer_literals_as_numbers(statement);
    numeric::number_division_scale(statement, cx.session);
    numbers::checked_division(statement);
    timestamp_tz::read_instants(statement, cx.session);
    timestamp_tz::keep_offsets(statement, cx.session);
    conversion::print_values(statement, cx.session);
    recursive_ctes::typed_anchor_nulls(statement, cx.session);
    identifiers::values_column_names(statement);
    identifiers::positional_references(statement);
    identifiers::normalize_identifiers(statement, cx.session, cx.operation)?;
    Ok(())
}

/// Carry the first error out of a visitor that cannot return one directly.
#[derive(Default)]
pub(crate) struct FirstError(pub Option<SnowflakeError>);

impl FirstError {
    pub fn set(&mut self, e: SnowflakeError) {
        if self.0.is_none() {
            self.0 = Some(e);
        }
    }

    /// Put a rewrite's result in place of `expr`; an error is kept and stops the visit.
    pub fn replace(
        &mut self,
        expr: &mut sqlparser::ast::Expr,
        result: Result<Option<sqlparser::ast::Expr>>,
    ) -> std::ops::ControlFlow<()> {
        match result {
            Ok(Some(new)) => *expr = new,
            Ok(None) => {}
            Err(e) => {
                self.set(e);
                return std::ops::ControlFlow::Break(());
            }
        }
        std::ops::ControlFlow::Continue(())
    }

    pub fn into_result(self) -> Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::parse::parse;

    pub fn ctx() -> Context {
        Context {
            database: Some("DB".into()),
            schema: Some("PUBLIC".into()),
            ..Context::default()
        }
    }

    /// Run all rules on one statement and print the DuckDB SQL.
    pub fn translate(sql: &str) -> String {
        translate_in(sql, &ctx())
    }

    /// [`translate`] in a given session context.
    pub fn translate_in(sql: &str, c: &Context) -> String {
        let mut s = parse(sql).unwrap().remove(0);
        apply(
            &mut s,
            &RuleContext {
                session: c,
                sql,
                operation: "SELECT",
            },
        )
        .unwrap();
        s.to_string()
    }
}
