//! Snowflake type names in casts → the DuckDB storage types.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Statement, VisitMut, VisitorMut};

use super::FirstError;
use crate::types::{duckdb_data_type, sf_type};

/// `CAST(x AS NUMBER(10,2))`, `x::VARIANT`, `TRY_CAST(x AS TIMESTAMP_NTZ)`: the Snowflake type
/// becomes the DuckDB type Snowglobe stores it as (DECIMAL(10,2), JSON, TIMESTAMP).
pub fn cast_to_storage_types(statement: &mut Statement) -> snowglobe_error::Result<()> {
    let mut v = CastTypes(FirstError::default());
    let _ = statement.visit(&mut v);
    v.0.into_result()
}

struct CastTypes(FirstError);

impl VisitorMut for CastTypes {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Cast { data_type, .. } = expr {
            match sf_type(data_type) {
                Ok(t) => *data_type = duckdb_data_type(&t),
                Err(e) => {
                    self.0.set(e);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn casts_use_storage_types() {
        assert_eq!(
            translate("select x::number(10,2) as a, cast('y' as string) as b, try_cast(z as date) as c from t"),
            "SELECT \"X\"::DECIMAL(10, 2) AS \"A\", CAST('y' AS VARCHAR) AS \"B\", TRY_CAST(sg_local(\"Z\", 'America/Los_Angeles') AS DATE) AS \"C\" FROM \"T\""
        );
    }
}
