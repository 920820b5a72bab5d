//! What a statement answers: Snowflake-typed columns and Arrow batches, plus the statement type.

use std::sync::Arc;

use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::{ArrayRef, Int64Array, StringArray};
use snowglobe_engine::arrow::datatypes::{DataType, Field, Schema};
use snowglobe_engine::arrow::record_batch::RecordBatch;
use snowglobe_engine::ResultColumn;
use snowglobe_error::{Result, SnowflakeError};

/// Snowflake's statement type ids (PROTOCOL.md §4.3); clients use them to find DML counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementType {
    Select,
    Insert,
    Update,
    Delete,
    Merge,
    Scl,
    Tcl,
    Ddl,
    /// PUT and GET: the answer carries transfer instructions.
    FileTransfer,
    MultiStatement,
}

impl StatementType {
    pub fn id(self) -> u32 {
        match self {
            StatementType::Select => 0x1000,
            StatementType::Insert => 0x3100,
            StatementType::Update => 0x3200,
            StatementType::Delete => 0x3300,
            StatementType::Merge => 0x3400,
            StatementType::Scl => 0x4000,
            StatementType::Tcl => 0x5000,
            StatementType::Ddl => 0x6000,
            StatementType::FileTransfer => 0x7100,
            StatementType::MultiStatement => 0xA000,
        }
    }
}

/// One statement's answer.
#[derive(Debug, Clone)]
pub struct ResultSet {
    pub query_id: String,
    pub statement_type: StatementType,
    pub columns: Vec<ResultColumn>,
    pub batches: Vec<RecordBatch>,
    /// For a multi-statement request: the children's query ids.
    pub child_ids: Vec<String>,
    /// For PUT and GET: the transfer instructions the client acts on (PROTOCOL.md §7).
    pub transfer: Option<serde_json::Value>,
}

impl ResultSet {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// A one-row, one-column text answer (`status` of DDL, USE, ALTER SESSION, ...).
    pub fn status(statement_type: StatementType, text: impl Into<String>) -> Result<ResultSet> {
        Self::text_column(statement_type, "status", text.into())
    }

    fn text_column(statement_type: StatementType, name: &str, text: String) -> Result<ResultSet> {
        let field = Field::new(name, DataType::Utf8, false);
        let column: ArrayRef = Arc::new(StringArray::from(vec![text]));
        let batch = RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![column])
            .map_err(SnowflakeError::internal)?;
        Ok(ResultSet {
            query_id: new_query_id(),
            statement_type,
            columns: vec![ResultColumn {
                name: name.into(),
                sf_type: SfType::TEXT,
                nullable: false,
            }],
            batches: vec![batch],
            child_ids: vec![],
            transfer: None,
        })
    }

    /// DML answer: one row of counts under Snowflake's column names.
    pub fn counts(statement_type: StatementType, columns: &[(&str, u64)]) -> Result<ResultSet> {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(n, _)| Field::new(*n, DataType::Int64, false))
            .collect();
        let arrays: Vec<ArrayRef> = columns
            .iter()
            .map(|(_, v)| Arc::new(Int64Array::from(vec![*v as i64])) as ArrayRef)
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map_err(SnowflakeError::internal)?;
        Ok(ResultSet {
            query_id: new_query_id(),
            statement_type,
            columns: columns
                .iter()
                .map(|(n, _)| ResultColumn {
                    name: n.to_string(),
                    sf_type: SfType::Number {
                        precision: 19,
                        scale: 0,
                    },
                    nullable: false,
                })
                .collect(),
            batches: vec![batch],
            child_ids: vec![],
            transfer: None,
        })
    }

    /// The parent answer of a multi-statement request.
    pub fn multi(child_ids: Vec<String>) -> Result<ResultSet> {
        let mut r = Self::text_column(
            StatementType::MultiStatement,
            "multiple statement execution",
            "Multiple statements executed successfully.".into(),
        )?;
        r.child_ids = child_ids;
        Ok(r)
    }
}

/// A cell of a result Snowglobe builds itself (SHOW and friends).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Microseconds since the epoch (TIMESTAMP_LTZ).
    Timestamp(i64),
    Null,
}

impl ResultSet {
    /// A result of typed columns (TEXT, NUMBER(38,0) or TIMESTAMP_LTZ) built from rows of cells.
    pub fn table(
        statement_type: StatementType,
        columns: &[(&str, SfType)],
        rows: Vec<Vec<Cell>>,
    ) -> Result<ResultSet> {
        use snowglobe_engine::arrow::array::TimestampMicrosecondArray;
        let mut fields = Vec::with_capacity(columns.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
        for (i, (name, t)) in columns.iter().enumerate() {
            let cells = rows.iter().map(|r| r.get(i).cloned().unwrap_or(Cell::Null));
            let array: ArrayRef = match t {
                SfType::Number { .. } => Arc::new(Int64Array::from(
                    cells
                        .map(|c| if let Cell::Int(v) = c { Some(v) } else { None })
                        .collect::<Vec<_>>(),
                )),
                SfType::TimestampLtz { .. } => Arc::new(
                    TimestampMicrosecondArray::from(
                        cells
                            .map(|c| {
                                if let Cell::Timestamp(v) = c {
                                    Some(v)
                                } else {
                                    None
                                }
                            })
                            .collect::<Vec<_>>(),
                    )
                    .with_timezone("UTC"),
                ),
                _ => Arc::new(StringArray::from(
                    cells
                        .map(|c| if let Cell::Text(v) = c { Some(v) } else { None })
                        .collect::<Vec<_>>(),
                )),
            };
            fields.push(Field::new(*name, array.data_type().clone(), true));
            arrays.push(array);
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map_err(SnowflakeError::internal)?;
        Ok(ResultSet {
            query_id: new_query_id(),
            statement_type,
            columns: columns
                .iter()
                .map(|(n, t)| ResultColumn {
                    name: n.to_string(),
                    sf_type: *t,
                    nullable: true,
                })
                .collect(),
            batches: vec![batch],
            child_ids: vec![],
            transfer: None,
        })
    }
}

/// A query id in Snowflake's shape (a UUID).
pub fn new_query_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
