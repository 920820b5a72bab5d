//! Results on the wire: `rowtype` column descriptions, JSON rowsets and Arrow IPC streams, as
//! PROTOCOL.md §4.2 and §4.5–4.6 describe.

pub mod arrow;
pub mod cells;
pub mod display;
pub mod json;
pub mod rowtype;

use chrono_tz::Tz;

/// The session time zone for TIMESTAMP_TZ offsets (UTC if the name is unknown).
pub fn time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}
