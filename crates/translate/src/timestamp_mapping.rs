//! The TIMESTAMP_TYPE_MAPPING session parameter: which variation the bare `TIMESTAMP` type,
//! `TO_TIMESTAMP`, `TRY_TO_TIMESTAMP` and `TIMESTAMP_FROM_PARTS` stand for. Under Snowflake's
//! default (TIMESTAMP_NTZ) nothing changes; under TIMESTAMP_LTZ or TIMESTAMP_TZ every such
//! name in the statement (column definitions, casts, `TIMESTAMP '...'` literals, the
//! functions) is replaced by the explicit variation before anything else reads it, so tables
//! are created with, and values converted to, the mapped type.

use std::ops::ControlFlow;

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, CastKind, DataType, Expr, Ident, ObjectName,
    ObjectNamePart, Statement, TimezoneInfo, TypeModifier, VisitMut, VisitorMut,
};

/// The variation a TIMESTAMP_TYPE_MAPPING value names, when it is not TIMESTAMP_NTZ.
fn mapped_variation(mapping: &str) -> Option<&'static str> {
    match mapping.trim().to_ascii_uppercase().as_str() {
        "TIMESTAMP_LTZ" => Some("LTZ"),
        "TIMESTAMP_TZ" => Some("TZ"),
        _ => None,
    }
}

/// Replace the bare `TIMESTAMP` names of `statement` by the variation `mapping` names.
pub fn apply(statement: &mut Statement, mapping: &str) {
    let Some(variation) = mapped_variation(mapping) else {
        return;
    };
    match statement {
        Statement::CreateTable(create) => {
            for column in &mut create.columns {
                map_type(&mut column.data_type, variation);
            }
        }
        Statement::AlterTable(alter) => {
            for operation in &mut alter.operations {
                match operation {
                    AlterTableOperation::AddColumn { column_def, .. } => {
                        map_type(&mut column_def.data_type, variation)
                    }
                    AlterTableOperation::AlterColumn {
                        op: AlterColumnOperation::SetDataType { data_type, .. },
                        ..
                    } => map_type(data_type, variation),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let _ = statement.visit(&mut Mapper { variation });
}

/// The data type `TIMESTAMP[(p)]` as `TIMESTAMP_<variation>[(p)]`; other types are kept.
fn map_type(data_type: &mut DataType, variation: &str) {
    let precision = match data_type {
        DataType::Timestamp(p, TimezoneInfo::None) => {
            p.map(|p| TypeModifier::Number(p.to_string(), false))
        }
        DataType::Custom(name, modifiers)
            if modifiers.len() <= 1 && name.to_string().eq_ignore_ascii_case("TIMESTAMP") =>
        {
            modifiers.first().cloned()
        }
        _ => return,
    };
    *data_type = DataType::Custom(
        ObjectName::from(vec![Ident::new(format!("TIMESTAMP_{variation}"))]),
        precision.into_iter().collect(),
    );
}

/// The function a mapped name stands for (`TO_TIMESTAMP` → `TO_TIMESTAMP_LTZ`).
fn mapped_function(name: &str, variation: &str) -> Option<String> {
    Some(match name.to_ascii_uppercase().as_str() {
        "TO_TIMESTAMP" => format!("TO_TIMESTAMP_{variation}"),
        "TRY_TO_TIMESTAMP" => format!("TRY_TO_TIMESTAMP_{variation}"),
        "TIMESTAMP_FROM_PARTS" | "TIMESTAMPFROMPARTS" => {
            format!("TIMESTAMP_{variation}_FROM_PARTS")
        }
        _ => return None,
    })
}

struct Mapper {
    variation: &'static str,
}

impl VisitorMut for Mapper {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Cast { data_type, .. } => map_type(data_type, self.variation),
            Expr::TypedString(typed)
                if matches!(typed.data_type, DataType::Timestamp(_, TimezoneInfo::None)) =>
            {
                let mut data_type = typed.data_type.clone();
                map_type(&mut data_type, self.variation);
                *expr = Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: Box::new(Expr::Value(typed.value.clone())),
                    data_type,
                    format: None,
                };
            }
            Expr::Function(function) => {
                if let [ObjectNamePart::Identifier(ident)] = function.name.0.as_slice() {
                    if let Some(name) = mapped_function(&ident.value, self.variation) {
                        function.name = ObjectName::from(vec![Ident::new(name)]);
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn mapped(sql: &str, mapping: &str) -> String {
        let mut statement = parse(sql).unwrap().remove(0);
        apply(&mut statement, mapping);
        statement.to_string()
    }

    #[test]
    fn ntz_changes_nothing() {
        let sql = "SELECT CAST(a AS TIMESTAMP), TO_TIMESTAMP(b) FROM t";
        assert_eq!(mapped(sql, "TIMESTAMP_NTZ"), sql);
        assert_eq!(mapped(sql, ""), sql);
    }

    #[test]
    fn ltz_maps_types_literals_and_functions() {
        assert_eq!(
            mapped(
                "select a::timestamp(3), timestamp '2020-01-01', to_timestamp(b), \
                 try_to_timestamp(c), timestamp_from_parts(2020, 1, 1, 0, 0, 0), \
                 d::timestamp_ntz from t",
                "timestamp_ltz"
            ),
            "SELECT a::TIMESTAMP_LTZ(3), '2020-01-01'::TIMESTAMP_LTZ, TO_TIMESTAMP_LTZ(b), \
             TRY_TO_TIMESTAMP_LTZ(c), TIMESTAMP_LTZ_FROM_PARTS(2020, 1, 1, 0, 0, 0), \
             d::TIMESTAMP_NTZ FROM t"
        );
    }

    #[test]
    fn tz_maps_column_definitions() {
        assert_eq!(
            mapped(
                "create table t (a timestamp, b timestamp(0), c timestamp_ntz)",
                "TIMESTAMP_TZ"
            ),
            "CREATE TABLE t (a TIMESTAMP_TZ, b TIMESTAMP_TZ(0), c TIMESTAMP_NTZ)"
        );
        assert_eq!(
            mapped("alter table t add column d timestamp", "TIMESTAMP_TZ"),
            "ALTER TABLE t ADD COLUMN d TIMESTAMP_TZ"
        );
    }
}
