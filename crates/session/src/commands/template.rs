//! `CREATE [OR REPLACE] TABLE <name> USING TEMPLATE (<query>)`: the query (usually
//! `ARRAY_AGG(OBJECT_CONSTRUCT(*))` over `TABLE(INFER_SCHEMA(...))`) answers one ARRAY of
//! OBJECTs, each naming a column (`COLUMN_NAME`, kept as written), its `TYPE` and whether it is
//! `NULLABLE`; the table is created with those columns, in the array's order.

use snowglobe_catalog::names::quote;
use snowglobe_engine::arrow::array::{Array, StringArray};
use snowglobe_engine::arrow::datatypes::DataType;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};

use crate::{Request, ResultSet, Session};

fn not_a_template(why: &str) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::InvalidArgumentTypes,
        format!("USING TEMPLATE expects an array of objects with COLUMN_NAME and TYPE: {why}"),
    )
}

pub fn create_table(session: &mut Session, head: &str, query: &str) -> Result<ResultSet> {
    let results = session.run(&Request {
        sql: query.to_string(),
        ..Request::default()
    })?;
    let answer = results
        .last()
        .ok_or_else(|| not_a_template("the query answered nothing"))?;
    let batch = answer
        .batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| not_a_template("the query answered no row"))?;
    if batch.num_columns() != 1 {
        return Err(not_a_template("the query answered more than one column"));
    }
    let text = snowglobe_engine::arrow::compute::cast(batch.column(0), &DataType::Utf8)
        .map_err(SnowflakeError::internal)?;
    let text = text
        .as_any()
        .downcast_ref::<StringArray>()
        .filter(|t| !t.is_null(0))
        .map(|t| t.value(0).to_string())
        .ok_or_else(|| not_a_template("the query answered NULL"))?;
    let template: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| not_a_template("the query's answer is not an array"))?;
    let items = template
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| not_a_template("the query's answer is not an array of columns"))?;
    let mut columns = Vec::with_capacity(items.len());
    for item in items {
        let field = |key: &str| {
            item.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
        };
        let name = field("COLUMN_NAME")
            .and_then(|v| v.as_str())
            .ok_or_else(|| not_a_template("an element has no COLUMN_NAME"))?;
        let sf_type = field("TYPE")
            .and_then(|v| v.as_str())
            .ok_or_else(|| not_a_template("an element has no TYPE"))?;
        let not_null = field("NULLABLE").and_then(|v| v.as_bool()) == Some(false);
        columns.push(format!(
            "{} {sf_type}{}",
            quote(name),
            if not_null { " NOT NULL" } else { "" }
        ));
    }
    session.query(&format!("{head} ({})", columns.join(", ")))
}
