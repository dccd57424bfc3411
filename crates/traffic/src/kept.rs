//! Writing a typed traffic file whole or not at all: batches go into a temporary file beside the
//! target, which is synced and renamed into place only when every batch is written, so a failed
//! import leaves the previous one in use. The file's SHA-256 and row count are returned for the
//! record.

use crate::TrafficError;
use arrow_array::RecordBatch;
use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Rows per row group of a kept file.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub rows: u64,
    pub sha256: String,
    pub bytes: u64,
}

/// Writes the batches `next` yields (until `None`) as the Parquet file `target`.
pub fn write_whole(
    target: &Path,
    schema: Arc<Schema>,
    next: impl FnMut() -> Result<Option<RecordBatch>, TrafficError>,
) -> Result<Written, TrafficError> {
    write_grouped(target, schema, ROW_GROUP_ROWS, next)
}

/// [`write_whole`] with row groups of `group_rows` rows.
pub fn write_grouped(
    target: &Path,
    schema: Arc<Schema>,
    group_rows: usize,
    mut next: impl FnMut() -> Result<Option<RecordBatch>, TrafficError>,
) -> Result<Written, TrafficError> {
    let io = |e: std::io::Error| TrafficError::io(target, &e);
    let name = target.file_name().map_or_else(|| "traffic".into(), |n| n.to_string_lossy().into_owned());
    let temp = target.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let written = (|| {
        let file = std::fs::File::create(&temp).map_err(io)?;
        // Row groups of 128 Ki rows: a replay shares them out among the cores.
        let properties =
            WriterProperties::builder().set_compression(Compression::SNAPPY).set_max_row_group_row_count(Some(group_rows.max(1))).build();
        let mut writer = ArrowWriter::try_new(file, schema, Some(properties)).map_err(|e| TrafficError::parquet(target, &e))?;
        let mut rows = 0u64;
        while let Some(batch) = next()? {
            rows += batch.num_rows() as u64;
            writer.write(&batch).map_err(|e| TrafficError::parquet(target, &e))?;
        }
        let file = writer.into_inner().map_err(|e| TrafficError::parquet(target, &e))?;
        file.sync_all().map_err(io)?;
        Ok(rows)
    })();
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    let (sha256, bytes) = sha256_of(&temp).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })?;
    std::fs::rename(&temp, target).map_err(io)?;
    Ok(Written { rows, sha256, bytes })
}

/// The SHA-256 and size of the file at `path`.
pub fn sha256_of(path: &Path) -> Result<(String, u64), TrafficError> {
    let mut file = std::fs::File::open(path).map_err(|e| TrafficError::io(path, &e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|e| TrafficError::io(path, &e))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((hasher.finalize().iter().map(|b| format!("{b:02x}")).collect(), bytes))
}
