//! Flat visitors (`{"profile.tier": "vip", ..., "consents": [...]}`) as one typed record batch of
//! the kept schema ([`crate::columns::schema`]): for the generator and for tests. A value of the
//! wrong JSON type is left out (null), as the engine reads it: missing.

use crate::columns::{attributes, schema, CONSENTS_COLUMN};
use arrow_array::builder::{BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::ArrowError;
use serde_json::{Map, Value};
use std::sync::Arc;
use vantage_engine::catalog::{AttrType, Catalog};
use vantage_engine::time::parse_timestamp;

/// `visitors` as a record batch of `catalog`'s kept schema.
pub fn from_flats(catalog: &Catalog, visitors: &[Map<String, Value>]) -> Result<RecordBatch, ArrowError> {
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (path, ty) in attributes(catalog) {
        let cells = visitors.iter().map(|v| v.get(&path).filter(|value| !value.is_null()));
        columns.push(column(ty, cells));
    }
    columns.push(column(AttrType::StringList, visitors.iter().map(|v| v.get(CONSENTS_COLUMN))));
    RecordBatch::try_new(Arc::new(schema(catalog)), columns)
}

fn column<'v>(ty: AttrType, cells: impl Iterator<Item = Option<&'v Value>>) -> ArrayRef {
    match ty {
        AttrType::String | AttrType::Semver => {
            let mut b = StringBuilder::new();
            cells.for_each(|c| b.append_option(c.and_then(Value::as_str)));
            Arc::new(b.finish())
        }
        AttrType::Number => {
            let mut b = Float64Builder::new();
            cells.for_each(|c| b.append_option(c.and_then(Value::as_f64)));
            Arc::new(b.finish())
        }
        AttrType::Bool => {
            let mut b = BooleanBuilder::new();
            cells.for_each(|c| b.append_option(c.and_then(Value::as_bool)));
            Arc::new(b.finish())
        }
        AttrType::StringList => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for cell in cells {
                match cell.and_then(Value::as_array).filter(|items| items.iter().all(Value::is_string)) {
                    Some(items) => {
                        items.iter().filter_map(Value::as_str).for_each(|i| b.values().append_value(i));
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
        AttrType::Timestamp => {
            let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
            for cell in cells {
                b.append_option(cell.and_then(Value::as_str).and_then(parse_timestamp).map(micros));
            }
            Arc::new(b.finish())
        }
    }
}

/// An instant as microseconds since 1970 (sub-microsecond digits dropped).
pub fn micros(t: vantage_engine::time::Instant) -> i64 {
    t.seconds.saturating_mul(1_000_000).saturating_add(i64::from(t.nanos / 1_000))
}

/// Microseconds since 1970 as an instant.
pub fn instant(micros: i64) -> vantage_engine::time::Instant {
    vantage_engine::time::Instant { seconds: micros.div_euclid(1_000_000), nanos: (micros.rem_euclid(1_000_000) * 1_000) as u32 }
}
