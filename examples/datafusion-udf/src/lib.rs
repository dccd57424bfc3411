//! Vantage's decision as an Apache DataFusion scalar UDF: `vantage_variant(page, slot, <columns>)`
//! turns one recorded visitor (a row of the traffic file, one column per catalog attribute) into
//! the flat context a visit takes and returns the variant the engine's one visit picks for the
//! slot. The same row conversion and the same visit also count a dataset without DataFusion, so
//! `main` can hold the two answers equal.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Float64Type, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{exec_err, DataFusionError, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::load::{load, SourceFiles};
use vantage_engine::time::Instant;
use vantage_engine::visit::{Render, VisitRequest, Visitor};

/// The workspace folder's documents keyed by `/`-separated relative path, as the engine loads
/// them: the JSON, HTML and CSS files (so the folder's README is not one).
pub fn workspace_files(dir: &Path) -> Result<SourceFiles> {
    let mut files = SourceFiles::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json" || x == "html" || x == "css") {
                let Ok(relative) = path.strip_prefix(dir) else { continue };
                let key = relative.to_string_lossy().replace('\\', "/");
                files.insert(key, std::fs::read_to_string(&path)?);
            }
        }
    }
    Ok(files)
}

/// Decides visits on one compiled workspace, at the moment its simulated population lives in
/// (the moment `vantage traffic generate` drew the rows for).
pub struct Decider {
    bundle: Bundle,
    clock: String,
}

impl Decider {
    /// Loads and compiles the workspace folder `dir`.
    pub fn open(dir: &Path) -> Result<Decider> {
        let files = workspace_files(dir)?;
        let workspace = load(&files).map_err(|e| DataFusionError::External(Box::new(e)))?;
        let bundle = Bundle::compile(workspace, source_hash(&files));
        let clock = bundle.workspace.settings.population.now.clone();
        Ok(Decider { bundle, clock })
    }

    /// The moment visits are decided at when a row brings no `request.now` of its own.
    pub fn clock(&self) -> &str {
        &self.clock
    }

    /// The label of the variant `slot` of `page` shows the visitor `flat`, through the engine's
    /// one visit. No explicit moment: by the visit's rule a row's own `request.now` wins over
    /// the clock.
    pub fn variant(&self, page: &str, slot: &str, flat: &Map<String, Value>) -> Result<String> {
        let request = VisitRequest {
            page,
            visitor: Visitor::Context(flat),
            moment: None,
            clock: &self.clock,
            overrides: None,
            render: Render::Nothing,
            trace: false,
        };
        let decided = self.bundle.decide_visit(&request).map_err(|e| DataFusionError::Execution(e.to_string()))?;
        // The decisions come in the page's slot order.
        match decided.page.slots.iter().zip(&decided.decisions).find(|(s, _)| s.slot == slot) {
            Some((s, decision)) => Ok(s.variant_label(*decision).into_owned()),
            None => exec_err!("page `{page}` has no slot `{slot}`"),
        }
    }
}

// DataFusion compares and hashes UDFs (to deduplicate expressions): a compiled workspace is
// identified by its source hash.
impl PartialEq for Decider {
    fn eq(&self, other: &Self) -> bool {
        self.bundle.hash == other.bundle.hash && self.clock == other.clock
    }
}

impl Eq for Decider {}

impl Hash for Decider {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bundle.hash.hash(state);
        self.clock.hash(state);
    }
}

impl fmt::Debug for Decider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decider").field("bundle", &self.bundle.hash).field("clock", &self.clock).finish()
    }
}

/// `vantage_variant(page, slot, <columns...>)`: the columns are given at construction, by name
/// (catalog attribute paths such as `request.country`, and `consents`), in the order the call
/// passes them.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct VariantUdf {
    decider: Arc<Decider>,
    columns: Vec<String>,
    signature: Signature,
}

impl VariantUdf {
    pub fn new(decider: Arc<Decider>, columns: Vec<String>) -> VariantUdf {
        // Any types: the columns are the traffic file's, whatever the catalog makes them.
        VariantUdf { decider, columns, signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for VariantUdf {
    fn name(&self) -> &str {
        "vantage_variant"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        // Page and slot are usually literals: spread to columns so every argument reads alike.
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [page, slot, attributes @ ..] = arrays.as_slice() else {
            return exec_err!("vantage_variant takes a page, a slot and the visitor's columns");
        };
        if attributes.len() != self.columns.len() {
            return exec_err!("vantage_variant was built for {} columns but got {}", self.columns.len(), attributes.len());
        }
        let mut out = StringBuilder::with_capacity(args.number_rows, args.number_rows * 16);
        for row in 0..args.number_rows {
            let (Some(page), Some(slot)) = (text(page, row), text(slot, row)) else {
                out.append_null();
                continue;
            };
            let flat = row_context(&self.columns, attributes, row)?;
            out.append_value(self.decider.variant(page, slot, &flat)?);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// Row `row` of `columns` (named `names`) as the flat context a visit takes; empty cells are
/// left out, as the engine reads a missing attribute.
pub fn row_context(names: &[String], columns: &[ArrayRef], row: usize) -> Result<Map<String, Value>> {
    let mut flat = Map::new();
    for (name, column) in names.iter().zip(columns) {
        if let Some(value) = cell(column, row)? {
            flat.insert(name.clone(), value);
        }
    }
    Ok(flat)
}

/// One cell as JSON, as the traffic crate reads a recorded visitor back
/// (`crates/traffic/src/visitor.rs`). DataFusion reads text as `Utf8View`, the plain Parquet
/// reader as `Utf8`: both are text here.
fn cell(array: &ArrayRef, row: usize) -> Result<Option<Value>> {
    if array.is_null(row) {
        return Ok(None);
    }
    Ok(match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => text(array, row).map(|s| Value::String(s.to_owned())),
        DataType::Float64 => Number::from_f64(array.as_primitive::<Float64Type>().value(row)).map(Value::Number),
        DataType::Boolean => Some(Value::Bool(array.as_boolean().value(row))),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
            let at = Instant { seconds: micros.div_euclid(1_000_000), nanos: (micros.rem_euclid(1_000_000) * 1_000) as u32 };
            at.to_jiff().map(|t| Value::String(t.to_string()))
        }
        DataType::List(_) => Some(texts(&array.as_list::<i32>().value(row))),
        DataType::LargeList(_) => Some(texts(&array.as_list::<i64>().value(row))),
        // Not a type the traffic file holds: fail rather than decide without it.
        other => return exec_err!("a column of type {other} cannot be read as a visitor attribute"),
    })
}

/// A cell of a text column, whichever of Arrow's text layouts it is in.
fn text(array: &ArrayRef, row: usize) -> Option<&str> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Some(array.as_string_view().value(row)),
        _ => None,
    }
}

/// A list of text (consents, segments) as a JSON array; empty items are dropped.
fn texts(items: &ArrayRef) -> Value {
    Value::Array((0..items.len()).filter_map(|i| text(items, i)).map(|s| Value::String(s.to_owned())).collect())
}

/// The `.parquet` files of the dataset folder `dir`, in name order.
pub fn partitions(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|x| x == "parquet") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The check, without DataFusion: every row of `files` read in turn with the plain Parquet
/// reader, decided with the same conversion and visit, counted by variant.
pub fn count_directly(decider: &Decider, files: &[PathBuf], page: &str, slot: &str) -> Result<BTreeMap<String, u64>> {
    let mut counts = BTreeMap::new();
    for file in files {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file)?)?.build()?;
        for batch in reader {
            let batch = batch?;
            let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
            for row in 0..batch.num_rows() {
                let flat = row_context(&names, batch.columns(), row)?;
                *counts.entry(decider.variant(page, slot, &flat)?).or_insert(0) += 1;
            }
        }
    }
    Ok(counts)
}
