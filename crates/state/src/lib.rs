//! State management: export and import of the whole state, and pods (named, versioned
//! snapshots kept in a local directory or an S3-compatible store).
//!
//! Layout:
//! - [`bundle`]: the format (manifest + one Parquet file per table), verification.
//! - [`export`]: engine → bundle directory, from one consistent snapshot.
//! - [`import`]: verified bundle → engine (merge or overwrite), reset.
//! - [`archive`]: a bundle as one ZIP file (`state export` / `state import`).
//! - [`pods`]: pod remotes (local directory, S3) with content-addressed blobs.
//! - [`service`]: every operation over one engine and volume directory (admin API and CLI).

pub mod archive;
pub mod bundle;
pub mod export;
pub mod import;
pub mod pods;
pub mod service;
mod sql_shape;

use std::path::Path;

use snowglobe_error::SnowflakeError;

pub use bundle::{BundleDir, Manifest};
pub use import::{ImportSummary, Strategy};
pub use service::StateService;

/// Progress of a long operation: `done` of `total` items, the last one named `item`.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub item: String,
    pub bytes: u64,
}

/// Why a state operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The input is not a valid state file / pod (corrupt, truncated, wrong format).
    #[error("{0}")]
    Invalid(String),
    /// The input is valid but from a newer format version.
    #[error("{0}")]
    Incompatible(String),
    /// A pod, version, database or remote does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A remote could not be reached or refused the request.
    #[error("{0}")]
    Remote(String),
    /// The engine failed.
    #[error("{0}")]
    Engine(#[from] SnowflakeError),
    #[error("{0}")]
    Internal(String),
}

impl StateError {
    pub fn io(path: &Path, e: std::io::Error) -> StateError {
        StateError::Internal(format!("{}: {e}", path.display()))
    }

    /// The HTTP status the admin API answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            StateError::Invalid(_) => 400,
            StateError::Incompatible(_) => 422,
            StateError::NotFound(_) => 404,
            StateError::Remote(_) => 502,
            StateError::Engine(_) | StateError::Internal(_) => 500,
        }
    }
}
