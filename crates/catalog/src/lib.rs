//! Snowflake metadata that DuckDB has no place for: the declared Snowflake type of every column
//! (`VARCHAR(10)`, `TIMESTAMP_TZ`, `OBJECT` vs `VARIANT`), object kinds, and the naming rules
//! that map Snowflake identifiers onto DuckDB storage names. Pure: no DuckDB dependency, so the
//! translator and the engine can both use it.
//!
//! Layout:
//! - [`types`]: [`SfType`], a Snowflake data type, with its DuckDB storage type and wire name.
//! - [`names`]: Snowflake identifier case rules and the case-preserving storage names.
//! - [`meta`]: the per-column and per-view metadata Snowglobe keeps beside DuckDB's own catalog.

pub mod meta;
pub mod names;
pub mod types;

pub use meta::{ColumnMeta, TableMeta, ViewColumn, ViewMeta};
pub use names::{demangle, mangle};
pub use types::SfType;
