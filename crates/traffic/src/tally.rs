//! Who the rules reach among recorded visitors: the engine's [`Tally`] (what lint judges
//! unreached and shadowed rules by, and the coverage matrix's "nobody sees this"), counted over
//! the typed file, every visitor living at one moment, each core counting its own row groups.

use crate::layout::{read_error, Layout};
use crate::replay::{columns_of, consents_of, fill};
use crate::TrafficError;
use std::collections::BTreeSet;
use std::path::Path;
use vantage_engine::bundle::Bundle;
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::tally::{Population, Tally};

/// How many rule evaluations one entry may take on recorded traffic: a million visitors for an
/// entry of up to fifty rules; past that, an entry is judged on the file's first rows (lint says
/// so).
pub const BUDGET: usize = 50_000_000;

/// The tally of `bundle`'s rules over the recorded visitors in `traffic`, all living at `moment`.
pub fn tally(bundle: &Bundle, traffic: &Path, moment: &str) -> Result<Tally, TrafficError> {
    let now = vantage_engine::time::parse_timestamp(moment).ok_or_else(|| TrafficError::Moment(moment.to_owned()))?;
    let program = &bundle.decisions.program;
    let layout = Layout::of(traffic)?;
    let visitors = usize::try_from(layout.rows).unwrap_or(usize::MAX);
    // Only the columns some rule reads (and the time zone, for day and hour rules).
    let mut wanted: BTreeSet<String> = BTreeSet::from([vantage_engine::catalog::TIMEZONE.to_owned()]);
    wanted.extend(bundle.workspace.catalog.attributes.keys().filter(|a| program.slot_of(a).is_some()).cloned());
    let empty = Tally::new(bundle, Population::Recorded, visitors, BUDGET);
    let parts = layout.shared_out(&wanted, |reader, mut numbers| {
        let mut tally = empty.clone();
        let mut ctx = Context::empty();
        let mut scratch = Scratch::for_program(program);
        for batch in reader {
            let batch = batch.map_err(|e| read_error(traffic, &e.to_string()))?;
            let columns = columns_of(&batch, program, program);
            let consents = consents_of(&batch);
            for row in 0..batch.num_rows() {
                fill(&mut ctx, program, &columns, consents, row, now, |c| c.new);
                let index = numbers.next().map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
                tally.observe(bundle, &ctx, &mut scratch, index);
            }
        }
        Ok(tally)
    })?;
    let mut total = empty;
    for part in parts {
        total.merge(part);
    }
    Ok(total)
}
