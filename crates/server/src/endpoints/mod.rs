//! One file per endpoint family.

pub mod localstack;
pub mod login;
pub mod monitoring;
pub mod pods;
pub mod query;
pub mod session;
pub mod telemetry;
