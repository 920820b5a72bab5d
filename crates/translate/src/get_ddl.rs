//! `SELECT GET_DDL('<object type>', '<name>' [, <use fully qualified names>])`: the session
//! writes the DDL from its catalog (see the session's `get_ddl` command). Only the call on its
//! own is answered (no FROM, one column), which is how tools and people call it.

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{Expr, Query, SelectItem, SetExpr, Value};

use crate::rules::calls::{name_of, plain_args, string_literal};

/// The kinds of object GET_DDL can recreate here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DdlObject {
    Table,
    View,
    Schema,
    Database,
    Sequence,
}

/// A GET_DDL call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDdl {
    pub object: DdlObject,
    /// The name's parts as the string spells them, case resolved (`[db.][schema.]name`).
    pub name: Vec<String>,
    /// Recreated objects are named `DB.SCHEMA.NAME` (the third argument).
    pub qualified: bool,
    /// The result column's name: the call as written, upper case.
    pub label: String,
}

/// The GET_DDL call `query` consists of, if that is all it is.
pub fn call(query: &Query) -> Result<Option<GetDdl>> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Ok(None);
    };
    let [item] = select.projection.as_slice() else {
        return Ok(None);
    };
    if !select.from.is_empty() || query.with.is_some() {
        return Ok(None);
    }
    let (Expr::Function(f), label) = (match item {
        SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value.clone()),
        SelectItem::UnnamedExpr(expr) => (expr, expr.to_string().to_uppercase()),
        _ => return Ok(None),
    }) else {
        return Ok(None);
    };
    if name_of(f) != "GET_DDL" {
        return Ok(None);
    }
    let args = plain_args(f).unwrap_or_default();
    if !(2..=3).contains(&args.len()) {
        return Err(crate::rules::calls::arity("GET_DDL", args.len(), "2 or 3"));
    }
    let (Some(kind), Some(name)) = (string_literal(&args[0]), string_literal(&args[1])) else {
        return Err(SnowflakeError::unsupported(
            "GET_DDL with arguments other than string literals",
        ));
    };
    let object = match kind.trim().to_ascii_uppercase().as_str() {
        "TABLE" => DdlObject::Table,
        "VIEW" => DdlObject::View,
        "SCHEMA" => DdlObject::Schema,
        "DATABASE" => DdlObject::Database,
        "SEQUENCE" => DdlObject::Sequence,
        known @ ("FILE_FORMAT" | "FUNCTION" | "PROCEDURE" | "STREAM" | "TASK" | "PIPE"
        | "POLICY" | "TAG" | "ALERT" | "DYNAMIC_TABLE" | "EVENT_TABLE"
        | "ICEBERG_TABLE" | "INTEGRATION" | "WAREHOUSE" | "SEMANTIC VIEW") => {
            return Err(SnowflakeError::unsupported(format!("GET_DDL of a {known}")));
        }
        other => {
            return Err(SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!("Invalid object type: '{other}'"),
            ))
        }
    };
    let qualified = match args.get(2) {
        None => false,
        Some(Expr::Value(v)) => match &v.value {
            Value::Boolean(b) => *b,
            Value::Number(n, _) => n.parse::<f64>().is_ok_and(|n| n != 0.0),
            Value::SingleQuotedString(s) => {
                matches!(
                    s.to_ascii_lowercase().as_str(),
                    "true" | "yes" | "y" | "on" | "1"
                )
            }
            _ => false,
        },
        Some(other) => {
            return Err(SnowflakeError::unsupported(format!(
                "GET_DDL with a third argument {other}"
            )))
        }
    };
    let parsed = crate::variables::object_name(name.trim())?;
    Ok(Some(GetDdl {
        object,
        name: crate::names::parts(&parsed)?,
        qualified,
        label,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use sqlparser::ast::Statement;

    fn get(sql: &str) -> Result<Option<GetDdl>> {
        let mut s = parse(sql)?.remove(0);
        crate::rules::column_names::name_projection_columns(&mut s, sql);
        let Statement::Query(q) = s else {
            panic!("not a query")
        };
        call(&q)
    }

    #[test]
    fn the_call_alone_is_recognised_with_its_label() {
        let g = get("select get_ddl('table', 'db.Sch.\"t\"')")
            .unwrap()
            .unwrap();
        assert_eq!(g.object, DdlObject::Table);
        assert_eq!(g.name, vec!["DB", "SCH", "t"]);
        assert!(!g.qualified);
        assert_eq!(g.label, "GET_DDL('TABLE', 'DB.SCH.\"T\"')");
        let g = get("select get_ddl('schema', 's', true)").unwrap().unwrap();
        assert!(g.qualified);
        assert_eq!(get("select get_ddl('table', 't') from x").unwrap(), None);
        assert_eq!(get("select 1").unwrap(), None);
    }

    #[test]
    fn other_object_types_fail_clearly() {
        let e = get("select get_ddl('pipex', 'p')").unwrap_err();
        assert!(e.message.contains("Invalid object type: 'PIPEX'"), "{e}");
        let e = get("select get_ddl('function', 'f(int)')").unwrap_err();
        assert_eq!(e.code(), "000002");
    }
}
