//! Importing recorded traffic: visitor profiles from a CDP or warehouse export, one row per
//! visitor, as Parquet or CSV (through Arrow's reader). Columns are matched to catalog attributes
//! by name, or through a mapping (`{"column in the file": "catalog.attribute"}`); a `consents`
//! column holds the purposes each visitor granted.
//!
//! Nothing is guessed or dropped silently: a column the catalog does not know is reported and
//! left out; a column whose type cannot hold the attribute's (an integer column for a text
//! attribute) is reported and left out; a row with a value that does not fit (a timestamp that is
//! not RFC 3339, a version that is not one, a number that is not finite) is left out and counted
//! by column and reason. Text columns (every CSV column) are read strictly: numbers as decimal,
//! yes/no as `true`/`false`, lists as items separated by `|`, timestamps as RFC 3339.
//!
//! The typed result is written whole or not at all ([`crate::kept`]): a failed import leaves the
//! previous one in use. Values are never quoted in reports (a column may hold personal data).

use crate::batch::micros;
use crate::columns::{attributes, data_type, list_of_text, schema, CONSENTS_COLUMN};
use crate::kept::{write_whole, Written};
use crate::TrafficError;
use arrow_array::builder::{BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchReader};
use arrow_schema::{DataType, Field, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use vantage_engine::catalog::{AttrType, Catalog};

/// A CSV file larger than this is refused: export Parquet instead.
pub const CSV_MAX_BYTES: u64 = 1024 * 1024 * 1024;
/// Rows read at once: memory is bounded by this, not by the file.
pub const BATCH_ROWS: usize = 8192;

/// What an import did, by column.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    pub rows_read: u64,
    pub rows_kept: u64,
    /// Rows left out, by (column, reason).
    pub rows_left_out: BTreeMap<String, u64>,
    /// Columns of the file not imported, with the reason.
    pub columns_left_out: Vec<(String, String)>,
    /// Catalog attributes the file had no column for (missing for every visitor).
    pub attributes_absent: Vec<String>,
    /// Columns imported, by attribute.
    pub columns: Vec<(String, String)>,
    pub sha256: String,
    pub bytes: u64,
}

/// One file column feeding one attribute.
struct Feed {
    column: String,
    index: usize,
    ty: AttrType,
    /// The file holds text to be parsed (every CSV column, or a text Parquet column for a
    /// non-text attribute).
    text: bool,
}

/// Imports `input` (Parquet or CSV, by its first bytes) into the typed file `out` for `catalog`,
/// with `mapping` from file columns to attributes.
pub fn import(input: &Path, out: &Path, catalog: &Catalog, mapping: &BTreeMap<String, String>) -> Result<ImportReport, TrafficError> {
    let mut reader = open(input)?;
    let file_schema = reader.schema();
    let targets: BTreeMap<String, AttrType> = attributes(catalog).into_iter().collect();
    let mut report = ImportReport::default();
    let mut feeds: Vec<(String, Feed)> = Vec::new();
    for (index, field) in file_schema.fields().iter().enumerate() {
        let column = field.name().clone();
        let attribute = mapping.get(&column).cloned().unwrap_or_else(|| column.clone());
        let ty = if attribute == CONSENTS_COLUMN { Some(AttrType::StringList) } else { targets.get(&attribute).copied() };
        let Some(ty) = ty else {
            report.columns_left_out.push((column, "no attribute of the catalog has this name (map it with a mapping file)".into()));
            continue;
        };
        if feeds.iter().any(|(a, _)| *a == attribute) {
            report.columns_left_out.push((column, format!("another column already feeds {attribute}")));
            continue;
        }
        let text = is_text(field.data_type());
        if !text && !castable(field.data_type(), ty) {
            report.columns_left_out.push((column, format!("holds {} values; {attribute} is a {}", field.data_type(), ty.name())));
            continue;
        }
        report.columns.push((attribute.clone(), column.clone()));
        feeds.push((attribute, Feed { column, index, ty, text }));
    }
    report.attributes_absent = targets.keys().filter(|a| !feeds.iter().any(|(f, _)| f == *a)).cloned().collect();
    let kept_schema = Arc::new(schema(catalog));
    let written: Written = write_whole(out, Arc::clone(&kept_schema), || {
        let Some(batch) = reader.next() else { return Ok(None) };
        let batch = batch.map_err(|e| TrafficError::Read { file: input.display().to_string(), message: e.to_string() })?;
        report.rows_read += batch.num_rows() as u64;
        let typed = convert(&batch, &feeds, &kept_schema, &mut report.rows_left_out)?;
        report.rows_kept += typed.num_rows() as u64;
        Ok(Some(typed))
    })
    .map_err(|e| match e {
        TrafficError::Parquet { message, .. } | TrafficError::Read { message, .. } => {
            TrafficError::Read { file: input.display().to_string(), message }
        }
        other => other,
    })?;
    if report.rows_read == 0 || report.rows_kept == 0 {
        let _ = std::fs::remove_file(out);
        return Err(TrafficError::Empty { file: input.display().to_string(), read: report.rows_read });
    }
    report.sha256 = written.sha256;
    report.bytes = written.bytes;
    Ok(report)
}

/// A reader of `input`'s record batches: Parquet when it starts with `PAR1`, else CSV with a
/// header row (every column read as text).
fn open(input: &Path) -> Result<Box<dyn RecordBatchReader>, TrafficError> {
    let read_error = |message: String| TrafficError::Read { file: input.display().to_string(), message };
    let mut file = std::fs::File::open(input).map_err(|e| TrafficError::io(input, &e))?;
    let size = file.metadata().map_err(|e| TrafficError::io(input, &e))?.len();
    let mut magic = [0u8; 4];
    let is_parquet = std::io::Read::read_exact(&mut file, &mut magic).is_ok() && &magic == b"PAR1";
    let file = std::fs::File::open(input).map_err(|e| TrafficError::io(input, &e))?;
    if is_parquet {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
            .map_err(|e| read_error(e.to_string()))?;
        return Ok(Box::new(reader));
    }
    if size > CSV_MAX_BYTES {
        return Err(read_error(format!(
            "is a {:.1} GB CSV file; CSV imports stop at {} GB: export the traffic as Parquet instead",
            size as f64 / 1e9,
            CSV_MAX_BYTES / (1024 * 1024 * 1024)
        )));
    }
    let header = {
        let mut first = String::new();
        let mut lines = std::io::BufReader::new(std::fs::File::open(input).map_err(|e| TrafficError::io(input, &e))?);
        std::io::BufRead::read_line(&mut lines, &mut first).map_err(|e| read_error(format!("line 1: {e}")))?;
        first
    };
    let names: Vec<String> = split_header(header.trim_end_matches(['\r', '\n']));
    if names.is_empty() || names.iter().all(String::is_empty) {
        return Err(read_error("line 1: no header row naming the columns".into()));
    }
    let schema = Schema::new(names.iter().map(|n| Field::new(n, DataType::Utf8, true)).collect::<Vec<_>>());
    let reader = arrow_csv::ReaderBuilder::new(Arc::new(schema))
        .with_header(true)
        .with_batch_size(BATCH_ROWS)
        .build(file)
        .map_err(|e| read_error(e.to_string()))?;
    Ok(Box::new(reader))
}

/// The names of a CSV header row (quoted names unquoted).
fn split_header(line: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => names.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    names.push(current);
    names.into_iter().map(|n| n.trim().to_owned()).collect()
}

fn is_text(ty: &DataType) -> bool {
    matches!(ty, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Whether a typed (non-text) column can hold an attribute of type `ty` without guessing.
fn castable(from: &DataType, ty: AttrType) -> bool {
    match ty {
        AttrType::Number => from.is_numeric(),
        AttrType::Bool => *from == DataType::Boolean,
        AttrType::Timestamp => matches!(from, DataType::Timestamp(..)),
        AttrType::StringList => match from {
            DataType::List(item) | DataType::LargeList(item) => is_text(item.data_type()),
            _ => false,
        },
        AttrType::String | AttrType::Semver => false,
    }
}

/// One batch of the file as the kept schema: each fed column converted, rows with a value that
/// does not fit left out and counted.
fn convert(
    batch: &RecordBatch,
    feeds: &[(String, Feed)],
    kept: &Arc<Schema>,
    left_out: &mut BTreeMap<String, u64>,
) -> Result<RecordBatch, TrafficError> {
    let rows = batch.num_rows();
    let mut bad: Vec<Option<(String, &'static str)>> = vec![None; rows];
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(kept.fields().len());
    for field in kept.fields() {
        let Some((_, feed)) = feeds.iter().find(|(attribute, _)| attribute == field.name()) else {
            columns.push(arrow_array::new_null_array(field.data_type(), rows));
            continue;
        };
        let source = batch.column(feed.index);
        let (array, problems) = if feed.text { parse_text(source, feed.ty)? } else { cast_typed(source, feed.ty)? };
        for (row, problem) in problems {
            if bad[row].is_none() {
                bad[row] = Some((feed.column.clone(), problem));
            }
        }
        columns.push(array);
    }
    let keep = BooleanArray::from(bad.iter().map(Option::is_none).collect::<Vec<bool>>());
    for (column, reason) in bad.into_iter().flatten() {
        *left_out.entry(format!("{column}: {reason}")).or_default() += 1;
    }
    let full = RecordBatch::try_new(Arc::clone(kept), columns).map_err(|e| TrafficError::Arrow(e.to_string()))?;
    arrow_select::filter::filter_record_batch(&full, &keep).map_err(|e| TrafficError::Arrow(e.to_string()))
}

type Converted = (ArrayRef, Vec<(usize, &'static str)>);

/// A typed column cast to the kept type (numbers widened to f64, timestamps to UTC
/// microseconds, large lists to lists); non-finite numbers are values that do not fit.
fn cast_typed(source: &ArrayRef, ty: AttrType) -> Result<Converted, TrafficError> {
    let target = data_type(ty);
    let array = arrow_cast::cast(source, &target).map_err(|e| TrafficError::Arrow(e.to_string()))?;
    let mut problems = Vec::new();
    if ty == AttrType::Number {
        let numbers = array.as_primitive::<arrow_array::types::Float64Type>();
        for (row, n) in numbers.iter().enumerate() {
            if n.is_some_and(|n| !n.is_finite()) {
                problems.push((row, "not a finite number"));
            }
        }
    }
    Ok((array, problems))
}

/// A text column parsed strictly as `ty`.
fn parse_text(source: &ArrayRef, ty: AttrType) -> Result<Converted, TrafficError> {
    let text = arrow_cast::cast(source, &DataType::Utf8).map_err(|e| TrafficError::Arrow(e.to_string()))?;
    let text = text.as_string::<i32>();
    let mut problems = Vec::new();
    let cells = text.iter().map(|c| c.map(str::trim).filter(|c| !c.is_empty()));
    let array: ArrayRef = match ty {
        AttrType::String => {
            let mut b = StringBuilder::new();
            cells.for_each(|c| b.append_option(c));
            Arc::new(b.finish())
        }
        AttrType::Semver => {
            let mut b = StringBuilder::new();
            for (row, cell) in cells.enumerate() {
                if cell.is_some_and(|c| semver::Version::parse(c).is_err()) {
                    problems.push((row, "not a version such as 4.2.0"));
                }
                b.append_option(cell);
            }
            Arc::new(b.finish())
        }
        AttrType::Number => {
            let mut b = Float64Builder::new();
            for (row, cell) in cells.enumerate() {
                let n = cell.map(|c| c.parse::<f64>().ok().filter(|n| n.is_finite()));
                if n == Some(None) {
                    problems.push((row, "not a number"));
                }
                b.append_option(n.flatten());
            }
            Arc::new(b.finish())
        }
        AttrType::Bool => {
            let mut b = BooleanBuilder::new();
            for (row, cell) in cells.enumerate() {
                let v = cell.map(|c| match c {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                });
                if v == Some(None) {
                    problems.push((row, "not true or false"));
                }
                b.append_option(v.flatten());
            }
            Arc::new(b.finish())
        }
        AttrType::StringList => {
            let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new("item", DataType::Utf8, true)));
            for cell in cells {
                match cell {
                    Some(c) => {
                        c.split('|').map(str::trim).filter(|i| !i.is_empty()).for_each(|i| b.values().append_value(i));
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            let array: ArrayRef = Arc::new(b.finish());
            debug_assert_eq!(array.data_type(), &list_of_text());
            array
        }
        AttrType::Timestamp => {
            let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
            for (row, cell) in cells.enumerate() {
                let t = cell.map(|c| vantage_engine::time::parse_timestamp(c).map(micros));
                if t == Some(None) {
                    problems.push((row, "not a time such as 2026-11-20T12:00:00Z"));
                }
                b.append_option(t.flatten());
            }
            Arc::new(b.finish())
        }
    };
    Ok((array, problems))
}
