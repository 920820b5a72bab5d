//! PARSE_IP: an IPv4 or IPv6 address, with an optional `/prefix`, as Snowflake's OBJECT of its
//! parts (keys in Snowflake's sorted order): `family`, `hex_ipv6` (IPv6), `host` (the address as
//! written), `ip_fields` (the address as four 32-bit numbers; an IPv4 address is the first),
//! `ip_type` (`inet` or `cidr`), `ipv4` (IPv4), the network's range with a prefix
//! (`ipv4_range_end`/`_start`, `hex_ipv6_range_end`/`_start`), `netmask_prefix_length` (JSON null
//! without a prefix) and `snowflake$type` ("ip_address"). A CIDR address has no host bits set.
//! `sg_parse_ip(address, type)` fails on what it cannot read; `sg_parse_ip_permissive` answers
//! `{"error": "..."}` instead. Also UUID_STRING's named form: `sg_uuid_v5(namespace, name)`.

use std::error::Error;
use std::net::Ipv6Addr;
use std::sync::Arc;

use duckdb::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringBuilder};
use duckdb::arrow::datatypes::DataType;
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;
use serde_json::{json, Map, Value};

pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<Strict>("sg_parse_ip")?;
    conn.register_scalar_function::<Permissive>("sg_parse_ip_permissive")?;
    conn.register_scalar_function::<UuidV5>("sg_uuid_v5")
}

/// What a strict PARSE_IP failure says before the reason.
pub const PARSE_IP_FAILURE: &str = "Error parsing IP address: ";

/// The OBJECT of an address's parts, as JSON text; the reason when it cannot be read.
pub fn parse_ip(text: &str, kind: &str) -> Result<String, String> {
    let kind = kind.trim().to_ascii_lowercase();
    if kind != "inet" && kind != "cidr" {
        return Err(format!(
            "Invalid IP type '{kind}'. Supported types are INET and CIDR."
        ));
    }
    let text = text.trim();
    let (host, prefix) = match text.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (text, None),
    };
    let v6 = host.contains(':');
    let bits: u32 = if v6 { 128 } else { 32 };
    let prefix = match prefix {
        None => None,
        Some(p) => {
            let n: u32 = p
                .parse()
                .map_err(|_| format!("Invalid network prefix '{p}'."))?;
            if n > bits {
                return Err("Network range prefix is too large.".into());
            }
            Some(n)
        }
    };
    // The address as one 128-bit number (an IPv4 address in the low 32 bits).
    let value: u128 = if v6 {
        host.parse::<Ipv6Addr>()
            .map_err(|_| format!("Invalid IPv6 address '{host}'."))?
            .into()
    } else {
        u128::from(ipv4(host)?)
    };
    // The network's bits: the first `prefix` of the address's `bits`.
    let full = u128::MAX >> (128 - bits);
    let mask = prefix.map_or(0, |n| full & !full.checked_shr(n).unwrap_or(0));
    if kind == "cidr" && prefix.is_some() && value & !mask != 0 {
        return Err("Address does not conform to cidr format.".into());
    }
    let start = value & mask;
    let end = start | (full & !mask);
    let hex = |n: u128| Value::from(format!("{n:032X}"));
    let fields: Vec<Value> = if v6 {
        (0..4)
            .map(|i| Value::from((value >> (96 - 32 * i)) as u32))
            .collect()
    } else {
        vec![
            Value::from(value as u32),
            Value::from(0),
            Value::from(0),
            Value::from(0),
        ]
    };
    let mut object = Map::new();
    object.insert("family".into(), Value::from(if v6 { 6 } else { 4 }));
    if v6 {
        object.insert("hex_ipv6".into(), hex(value));
        if prefix.is_some() {
            object.insert("hex_ipv6_range_end".into(), hex(end));
            object.insert("hex_ipv6_range_start".into(), hex(start));
        }
    }
    object.insert("host".into(), Value::from(host));
    object.insert("ip_fields".into(), Value::Array(fields));
    object.insert("ip_type".into(), Value::from(kind));
    if !v6 {
        object.insert("ipv4".into(), Value::from(value as u32));
        if prefix.is_some() {
            object.insert("ipv4_range_end".into(), Value::from(end as u32));
            object.insert("ipv4_range_start".into(), Value::from(start as u32));
        }
    }
    object.insert(
        "netmask_prefix_length".into(),
        prefix.map_or(Value::Null, Value::from),
    );
    object.insert("snowflake$type".into(), Value::from("ip_address"));
    Ok(Value::Object(object).to_string())
}

/// A dotted-quad IPv4 address as its number.
fn ipv4(host: &str) -> Result<u32, String> {
    let invalid = || format!("Invalid IPv4 address '{host}'.");
    let fields: Vec<&str> = host.split('.').collect();
    if fields.len() != 4 {
        return Err(invalid());
    }
    let mut value = 0u32;
    for field in fields {
        if field.is_empty() || field.len() > 3 || !field.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let n: u32 = field.parse().map_err(|_| invalid())?;
        if n > 255 {
            return Err("Invalid IPv4 address. One or more fields is higher than 255.".into());
        }
        value = (value << 8) | n;
    }
    Ok(value)
}

/// The version 5 (SHA-1, name-based) UUID of `name` in the namespace UUID `namespace`.
pub fn uuid_v5(namespace: &str, name: &str) -> Result<String, String> {
    let namespace = uuid::Uuid::parse_str(namespace.trim())
        .map_err(|_| format!("Invalid UUID string: '{namespace}'"))?;
    Ok(uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string())
}

/// Text from each row's two texts (NULL when either is); the first failure fails them all.
fn map_two(
    input: &RecordBatch,
    f: impl Fn(&str, &str) -> Result<String, String>,
) -> Result<ArrayRef, Box<dyn Error>> {
    let (a, b) = (
        input.column(0).as_string::<i32>(),
        input.column(1).as_string::<i32>(),
    );
    let mut out = StringBuilder::with_capacity(a.len(), a.value_data().len() * 4);
    for row in 0..a.len() {
        if a.is_null(row) || b.is_null(row) {
            out.append_null();
        } else {
            out.append_value(f(a.value(row), b.value(row))?);
        }
    }
    Ok(Arc::new(out.finish()))
}

fn two_texts() -> Vec<ArrowFunctionSignature> {
    vec![ArrowFunctionSignature::exact(
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
    )]
}

struct Strict;

impl VArrowScalar for Strict {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_two(&input, |address, kind| {
            parse_ip(address, kind).map_err(|reason| format!("{PARSE_IP_FAILURE}{reason}"))
        })
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        two_texts()
    }
}

struct Permissive;

impl VArrowScalar for Permissive {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_two(&input, |address, kind| {
            Ok(parse_ip(address, kind)
                .unwrap_or_else(|reason| json!({ "error": reason }).to_string()))
        })
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        two_texts()
    }
}

struct UuidV5;

impl VArrowScalar for UuidV5 {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_two(&input, uuid_v5)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        two_texts()
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_ip, uuid_v5};

    #[test]
    fn addresses_as_snowflake_documents_them() {
        assert_eq!(
            parse_ip("192.168.242.188/24", "INET").unwrap(),
            r#"{"family":4,"host":"192.168.242.188","ip_fields":[3232297660,0,0,0],"ip_type":"inet","ipv4":3232297660,"ipv4_range_end":3232297727,"ipv4_range_start":3232297472,"netmask_prefix_length":24,"snowflake$type":"ip_address"}"#
        );
        assert_eq!(
            parse_ip("fe80::20c:29ff:fe2c:429/64", "inet").unwrap(),
            r#"{"family":6,"hex_ipv6":"FE80000000000000020C29FFFE2C0429","hex_ipv6_range_end":"FE80000000000000FFFFFFFFFFFFFFFF","hex_ipv6_range_start":"FE800000000000000000000000000000","host":"fe80::20c:29ff:fe2c:429","ip_fields":[4269801472,0,34351615,4264297513],"ip_type":"inet","netmask_prefix_length":64,"snowflake$type":"ip_address"}"#
        );
        assert_eq!(
            parse_ip("100.41.16.160", "inet").unwrap(),
            r#"{"family":4,"host":"100.41.16.160","ip_fields":[1680412832,0,0,0],"ip_type":"inet","ipv4":1680412832,"netmask_prefix_length":null,"snowflake$type":"ip_address"}"#
        );
        assert!(parse_ip("192.168.242.0/24", "CIDR")
            .unwrap()
            .contains(r#""ip_type":"cidr","ipv4":3232297472,"ipv4_range_end":3232297727"#));
        assert!(parse_ip("10.0.0.0/0", "inet")
            .unwrap()
            .contains(r#""ipv4_range_end":4294967295,"ipv4_range_start":0"#));
    }

    #[test]
    fn unreadable_addresses_say_why() {
        assert_eq!(
            parse_ip("999.1.1.1", "INET").unwrap_err(),
            "Invalid IPv4 address. One or more fields is higher than 255."
        );
        assert_eq!(
            parse_ip("192.168.242.188/24", "CIDR").unwrap_err(),
            "Address does not conform to cidr format."
        );
        assert_eq!(
            parse_ip("192.168.242.0/33", "INET").unwrap_err(),
            "Network range prefix is too large."
        );
        assert!(parse_ip("not.an.ip", "INET").is_err());
        assert!(parse_ip("1.2.3.4", "MAC").is_err());
    }

    #[test]
    fn named_uuids_are_version_5() {
        assert_eq!(
            uuid_v5("fe971b24-9572-4005-b22f-351e9c09274d", "foo").unwrap(),
            "dc0b6f65-fca6-5b4b-9d37-ccc3fde1f3e2"
        );
        assert!(uuid_v5("not a uuid", "foo").is_err());
    }
}
