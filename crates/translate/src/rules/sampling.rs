//! `SAMPLE` / `TABLESAMPLE`: Snowflake's `SAMPLE [BERNOULLI | ROW | SYSTEM | BLOCK] (p)` takes
//! about p percent of the rows, `SAMPLE (n ROWS)` exactly n (or all when fewer); `SEED (s)` /
//! `REPEATABLE (s)` fixes the choice. DuckDB spells these `TABLESAMPLE BERNOULLI (p PERCENT)`,
//! `TABLESAMPLE (n ROWS)` and `REPEATABLE (s)`. Row-level sampling stands in for block sampling
//! too (a block sample of a small table would otherwise be all or nothing).

use std::ops::ControlFlow;

use snowglobe_error::Result;
use sqlparser::ast::{
    Statement, TableFactor, TableSampleKind, TableSampleMethod, TableSampleModifier,
    TableSampleSeedModifier, TableSampleUnit, VisitMut, VisitorMut,
};

pub fn rewrite_samples(statement: &mut Statement) -> Result<()> {
    let _ = statement.visit(&mut Samples);
    Ok(())
}

struct Samples;

impl VisitorMut for Samples {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        // A table or a subquery (`(SELECT ...) [AS s] SAMPLE (10)`).
        let (TableFactor::Table { sample, .. } | TableFactor::Derived { sample, .. }) = factor
        else {
            return ControlFlow::Continue(());
        };
        let Some(kind) = sample.take() else {
            return ControlFlow::Continue(());
        };
        let (TableSampleKind::BeforeTableAlias(mut s) | TableSampleKind::AfterTableAlias(mut s)) =
            kind;
        s.modifier = TableSampleModifier::TableSample;
        if let Some(q) = &mut s.quantity {
            q.parenthesized = true;
            match q.unit {
                Some(TableSampleUnit::Rows) => s.name = None,
                _ => {
                    q.unit = Some(TableSampleUnit::Percent);
                    s.name = Some(TableSampleMethod::Bernoulli);
                }
            }
        }
        if let Some(seed) = &mut s.seed {
            seed.modifier = TableSampleSeedModifier::Repeatable;
        }
        *sample = Some(TableSampleKind::AfterTableAlias(s));
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn percent_and_row_samples() {
        assert_eq!(
            translate("select * from t sample (50)"),
            "SELECT * FROM \"T\" TABLESAMPLE BERNOULLI (50 PERCENT)"
        );
        assert_eq!(
            translate("select * from t as x tablesample block (10) seed (7)"),
            "SELECT * FROM \"T\" AS \"X\" TABLESAMPLE BERNOULLI (10 PERCENT) REPEATABLE (7)"
        );
        assert_eq!(
            translate("select * from t sample (10 rows)"),
            "SELECT * FROM \"T\" TABLESAMPLE (10 ROWS)"
        );
        assert_eq!(
            translate("select * from (select * from t) sample (10 rows)"),
            "SELECT * FROM (SELECT * FROM \"T\") TABLESAMPLE (10 ROWS)"
        );
        assert_eq!(
            translate("select * from (select * from t) as s sample (5)"),
            "SELECT * FROM (SELECT * FROM \"T\") AS \"S\" TABLESAMPLE BERNOULLI (5 PERCENT)"
        );
    }
}
