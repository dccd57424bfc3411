//! One recorded visitor read back as the flat form every preview takes
//! (`{"profile.tier": "vip", ..., "consents": [...]}`), so a reviewer can see a page before and
//! after a change as that visitor would. Only the row's own row group is decoded. The values go
//! to the preview's decision and nowhere else: never into an error, a log or the audit.

use crate::batch::instant;
use crate::layout::{read_error, Layout};
use crate::TrafficError;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use serde_json::{Map, Number, Value};
use std::path::Path;

/// Recorded visitor number `row` (0-based, in the file's order) of the typed file `traffic`.
pub fn visitor(traffic: &Path, row: u64) -> Result<Map<String, Value>, TrafficError> {
    let layout = Layout::of(traffic)?;
    if row >= layout.rows {
        return Err(read_error(traffic, &format!("it holds {} recorded visitors; there is no visitor #{}", layout.rows, row + 1)));
    }
    let (reader, first) = layout.group_of(row)?;
    let mut skip = row - first;
    for batch in reader {
        let batch = batch.map_err(|e| read_error(traffic, &e.to_string()))?;
        let size = batch.num_rows() as u64;
        if skip >= size {
            skip -= size;
            continue;
        }
        let at = skip as usize;
        let mut flat = Map::new();
        for (field, column) in batch.schema_ref().fields().iter().zip(batch.columns()) {
            if let Some(value) = cell(column, at) {
                flat.insert(field.name().clone(), value);
            }
        }
        return Ok(flat);
    }
    Err(read_error(traffic, &format!("recorded visitor #{} could not be read", row + 1)))
}

/// The JSON value of one cell; `None` when it is empty.
fn cell(array: &ArrayRef, row: usize) -> Option<Value> {
    if array.is_null(row) {
        return None;
    }
    Some(match array.data_type() {
        DataType::Utf8 => Value::String(array.as_string::<i32>().value(row).to_owned()),
        DataType::Float64 => Value::Number(Number::from_f64(array.as_primitive::<Float64Type>().value(row))?),
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        DataType::Timestamp(..) => {
            let t = instant(array.as_primitive::<TimestampMicrosecondType>().value(row));
            Value::String(t.to_jiff()?.to_string())
        }
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(row);
            Value::Array(items.as_string::<i32>().iter().flatten().map(|s| Value::String(s.to_owned())).collect())
        }
        _ => return None,
    })
}
