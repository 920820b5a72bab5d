//! Set operations (UNION, INTERSECT, MINUS) whose branches give a column different types: where
//! one branch gives text and another a number, DuckDB makes the column text and Snowflake a
//! number (the text is converted, and fails as a number would: `Numeric value 'x' is not
//! recognized`). Dates, times, timestamps and booleans win over text likewise.

use snowglobe_catalog::names::quote;
use snowglobe_error::Result;
use snowglobe_translate::plan::set_branch_marker;
use snowglobe_translate::SqlPlan;

use crate::Session;

impl Session {
    /// `p`'s SQL with the set operation's text columns cast to the type Snowflake gives them,
    /// or `None` when nothing changes.
    pub(crate) fn set_operation_sql(&self, p: &SqlPlan) -> Result<Option<String>> {
        let Some(set) = &p.set_operation else {
            return Ok(None);
        };
        if !p.information_schema.is_empty() || !p.result_scans.is_empty() {
            return Ok(None);
        }
        let mut branches = Vec::with_capacity(set.branches.len());
        for branch in &set.branches {
            branches.push(self.column_types(branch)?);
        }
        let width = branches.first().map_or(0, Vec::len);
        if branches.iter().any(|b| b.len() != width) {
            return Ok(None);
        }
        // The type each column is converted to, where its branches disagree as Snowflake
        // resolves by converting text.
        let targets: Vec<Option<String>> = (0..width)
            .map(|i| {
                let types: Vec<&str> = branches.iter().map(|b| b[i].1.as_str()).collect();
                coerced(&types)
            })
            .collect();
        if targets.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut sql = set.template.clone();
        for (k, (leaf, columns)) in set.leaves.iter().zip(&branches).enumerate() {
            let mut casts = Vec::new();
            for ((name, t), target) in columns.iter().zip(&targets) {
                let Some(target) = target else { continue };
                if !cast_to(t, target) {
                    continue;
                }
                if columns.iter().filter(|(n, _)| n == name).count() != 1 {
                    return Ok(None);
                }
                casts.push(format!("CAST({0} AS {target}) AS {0}", quote(name)));
            }
            let branch = if casts.is_empty() {
                leaf.clone()
            } else {
                format!("SELECT * REPLACE ({}) FROM ({leaf})", casts.join(", "))
            };
            let marker = format!("TABLE {}", set_branch_marker(k));
            sql = sql.replacen(&marker, &branch, 1);
        }
        Ok(Some(sql))
    }

    /// A query's result columns: (DuckDB name, DuckDB type).
    fn column_types(&self, sql: &str) -> Result<Vec<(String, String)>> {
        Ok(self
            .conn()
            .text_rows(&format!("DESCRIBE {sql}"))?
            .into_iter()
            .map(|row| {
                let mut cells = row.into_iter();
                let name = cells.next().flatten().unwrap_or_default();
                let t = cells.next().flatten().unwrap_or_default();
                (name, t)
            })
            .collect())
    }
}

/// The type Snowflake gives a set operation's column whose branches have DuckDB `types`, when
/// one of them is text and the others are not: a number (FLOAT when any is), else the one
/// date, time, timestamp or boolean type; `None` when text stays text.
fn coerced(types: &[&str]) -> Option<String> {
    let others: Vec<&str> = types
        .iter()
        .copied()
        .filter(|t| *t != "VARCHAR" && *t != "\"NULL\"" && *t != "NULL")
        .collect();
    let integer = |t: &str| integer_digits(t).is_some();
    let decimal_scale = |t: &str| decimal_type(t).map(|(_, s)| s);
    if !types.contains(&"VARCHAR") {
        return exact_numbers(&others);
    }
    if others.is_empty() {
        return None;
    }
    if others
        .iter()
        .all(|t| integer(t) || decimal_scale(t).is_some() || matches!(*t, "FLOAT" | "DOUBLE"))
    {
        if others.iter().any(|t| matches!(*t, "FLOAT" | "DOUBLE")) {
            return Some("DOUBLE".into());
        }
        let scale = others
            .iter()
            .filter_map(|t| decimal_scale(t))
            .max()
            .unwrap_or(0);
        return Some(format!("DECIMAL(38,{scale})"));
    }
    let first = others[0];
    let single = others.iter().all(|t| *t == first);
    match first {
        "DATE" | "TIME" | "TIMESTAMP" | "BOOLEAN" if single => Some(first.to_string()),
        _ => None,
    }
}

/// The digits of a DuckDB integer type, read as a DECIMAL of scale 0.
fn integer_digits(t: &str) -> Option<u32> {
    Some(match t {
        "TINYINT" | "UTINYINT" => 3,
        "SMALLINT" | "USMALLINT" => 5,
        "INTEGER" | "UINTEGER" => 10,
        "BIGINT" | "UBIGINT" => 20,
        "HUGEINT" | "UHUGEINT" => 38,
        _ => return None,
    })
}

/// (precision, scale) of a DuckDB `DECIMAL(p,s)`.
fn decimal_type(t: &str) -> Option<(u32, u32)> {
    let inner = t.strip_prefix("DECIMAL(")?.strip_suffix(')')?;
    let (p, s) = inner.split_once(',')?;
    Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
}

/// Exact numbers of different scales whose leading digits and scale together pass 38 digits:
/// DuckDB gives up scale (a NUMBER(38,0) column meeting 0.5 makes it 1), Snowflake keeps it
/// (NUMBER(38,1)).
fn exact_numbers(types: &[&str]) -> Option<String> {
    let mut leading = 0;
    let mut scales = vec![];
    for t in types {
        let (p, s) = decimal_type(t).or_else(|| integer_digits(t).map(|d| (d, 0)))?;
        leading = leading.max(p - s.min(p));
        scales.push(s);
    }
    let scale = scales.iter().copied().max()?;
    (leading + scale > 38 && scales.iter().any(|s| *s != scale))
        .then(|| format!("DECIMAL(38,{scale})"))
}

/// Whether a branch's column of DuckDB type `t` is cast to the set operation's `target`.
fn cast_to(t: &str, target: &str) -> bool {
    t == "VARCHAR"
        || (target.starts_with("DECIMAL(")
            && t != target
            && (decimal_type(t).is_some() || integer_digits(t).is_some()))
}

#[cfg(test)]
mod tests {
    use super::coerced;

    #[test]
    fn text_meets_numbers_dates_and_booleans() {
        assert_eq!(
            coerced(&["INTEGER", "VARCHAR"]).as_deref(),
            Some("DECIMAL(38,0)")
        );
        assert_eq!(
            coerced(&["VARCHAR", "DECIMAL(10,2)", "BIGINT"]).as_deref(),
            Some("DECIMAL(38,2)")
        );
        assert_eq!(coerced(&["DOUBLE", "VARCHAR"]).as_deref(), Some("DOUBLE"));
        assert_eq!(coerced(&["DATE", "VARCHAR"]).as_deref(), Some("DATE"));
        assert_eq!(coerced(&["VARCHAR", "BOOLEAN"]).as_deref(), Some("BOOLEAN"));
        // Text with text, JSON (VARIANT), or two different kinds: left as DuckDB gives it.
        assert_eq!(coerced(&["VARCHAR", "VARCHAR"]), None);
        assert_eq!(coerced(&["VARCHAR", "JSON"]), None);
        assert_eq!(coerced(&["DATE", "BOOLEAN", "VARCHAR"]), None);
        assert_eq!(coerced(&["INTEGER", "\"NULL\""]), None);
    }

    #[test]
    fn exact_numbers_keep_their_scale() {
        // NUMBER(38,0) meeting 0.5 or NUMBER(10,2): DuckDB would round to DECIMAL(38,0).
        assert_eq!(
            coerced(&["DECIMAL(38,0)", "DECIMAL(1,1)"]).as_deref(),
            Some("DECIMAL(38,1)")
        );
        assert_eq!(
            coerced(&["DECIMAL(10,2)", "DECIMAL(38,0)", "\"NULL\""]).as_deref(),
            Some("DECIMAL(38,2)")
        );
        assert_eq!(
            coerced(&["HUGEINT", "DECIMAL(3,2)"]).as_deref(),
            Some("DECIMAL(38,2)")
        );
        // Within 38 digits DuckDB keeps the scale itself.
        assert_eq!(coerced(&["DECIMAL(18,0)", "DECIMAL(10,2)"]), None);
        assert_eq!(coerced(&["DECIMAL(38,0)", "INTEGER"]), None);
        assert_eq!(coerced(&["DECIMAL(38,0)", "DOUBLE"]), None);
    }
}
