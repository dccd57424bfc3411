//! How a typed traffic file is read by several threads: its row groups (with each group's first
//! row number in the file) are shared out among the machine's cores, each thread reads its own
//! groups through a projection of the columns it needs, and row numbers stay those of the file,
//! so whatever a thread reports ("recorded visitor #12") names the same visitor on every run.

use crate::columns::CONSENTS_COLUMN;
use crate::TrafficError;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use std::collections::BTreeSet;
use std::path::Path;

/// Rows decoded at once.
pub const BATCH_ROWS: usize = 8192;

/// A row group: its index, its first row's number in the file, its size.
pub(crate) type Group = (usize, u64, u64);

/// The row groups of a typed traffic file.
pub(crate) struct Layout<'p> {
    traffic: &'p Path,
    groups: Vec<Group>,
    pub rows: u64,
}

pub(crate) fn read_error(traffic: &Path, message: &str) -> TrafficError {
    TrafficError::Read { file: traffic.display().to_string(), message: message.to_owned() }
}

fn open(traffic: &Path) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>, TrafficError> {
    let file = std::fs::File::open(traffic).map_err(|e| TrafficError::io(traffic, &e))?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| read_error(traffic, &e.to_string()))
}

impl<'p> Layout<'p> {
    pub fn of(traffic: &'p Path) -> Result<Layout<'p>, TrafficError> {
        let metadata = open(traffic)?.metadata().clone();
        let mut groups = Vec::with_capacity(metadata.num_row_groups());
        let mut rows = 0u64;
        for g in 0..metadata.num_row_groups() {
            let size = metadata.row_group(g).num_rows().max(0) as u64;
            groups.push((g, rows, size));
            rows += size;
        }
        Ok(Layout { traffic, groups, rows })
    }

    /// Runs `work` on every core over its share of the row groups, reading the consents and the
    /// columns named in `wanted`; the results in thread order, or the first error.
    pub fn shared_out<T: Send>(
        &self,
        wanted: &BTreeSet<String>,
        work: impl Fn(ParquetRecordBatchReader, RowNumbers<'_>) -> Result<T, TrafficError> + Sync,
    ) -> Result<Vec<T>, TrafficError> {
        let count = self.groups.len();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(count.max(1));
        let results: Vec<Result<T, TrafficError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let mine: Vec<Group> = (t..count).step_by(threads).map(|g| self.groups[g]).collect();
                    let work = &work;
                    scope.spawn(move || {
                        let reader = self.reader(Some(wanted), &mine)?;
                        work(reader, RowNumbers { groups: &mine, group: 0, in_group: 0 })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(TrafficError::Arrow("a replay thread stopped".into())))).collect()
        });
        results.into_iter().collect()
    }

    /// A reader of every column of the row group holding row `row`, and that group's first row.
    pub fn group_of(&self, row: u64) -> Result<(ParquetRecordBatchReader, u64), TrafficError> {
        let group = self.groups.iter().find(|(_, first, size)| (*first..first + size).contains(&row)).copied();
        let Some(group) = group else { return Err(read_error(self.traffic, &format!("there is no visitor #{}", row + 1))) };
        Ok((self.reader(None, &[group])?, group.1))
    }

    fn reader(&self, wanted: Option<&BTreeSet<String>>, groups: &[Group]) -> Result<ParquetRecordBatchReader, TrafficError> {
        let builder = open(self.traffic)?;
        let columns: Vec<usize> = builder
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name() == CONSENTS_COLUMN || wanted.is_none_or(|w| w.contains(f.name())))
            .map(|(i, _)| i)
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), columns);
        builder
            .with_projection(mask)
            .with_row_groups(groups.iter().map(|(g, _, _)| *g).collect())
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| read_error(self.traffic, &e.to_string()))
    }
}

/// The file's row numbers of one thread's rows, in the order its reader yields them.
pub(crate) struct RowNumbers<'g> {
    groups: &'g [Group],
    group: usize,
    in_group: u64,
}

impl Iterator for RowNumbers<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        loop {
            let (_, first, size) = self.groups.get(self.group)?;
            if self.in_group < *size {
                self.in_group += 1;
                return Some(first + self.in_group - 1);
            }
            self.group += 1;
            self.in_group = 0;
        }
    }
}
