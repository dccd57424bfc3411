//! A change's impact on recorded traffic: the old and the new bundle decide every recorded
//! visitor, but only for the slots the change can move ([`changed_slots`]), reading only the
//! columns the rules read, batch by batch from the typed file (memory bounded by the batch, not
//! the file). Each visitor is filled value by value into two reused contexts (one per bundle's
//! program) straight from the Arrow columns: no JSON, no map, no allocation per visitor.
//!
//! The report is the engine's [`Impact`], so the CLI and the review show it like the simulated
//! one; its examples name recorded visitors by row, never by their values.

use crate::batch::instant;
use crate::columns::CONSENTS_COLUMN;
use crate::layout::{read_error, Layout, RowNumbers};
use crate::TrafficError;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;
use std::path::Path;
use vantage_engine::bundle::Bundle;
use vantage_engine::bundle::SlotDecision as Decision;
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::impact::{Example, Impact, SlotImpact, Transition};
use vantage_engine::program::Program;

pub use crate::layout::BATCH_ROWS;
const EXAMPLES: usize = 3;

/// A slot the change may move: its page and index on the new page, and its old self.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangedSlot {
    pub page: usize,
    pub slot: usize,
    /// Index on the old page, when the slot was there with the same entry.
    pub old: Option<(usize, usize)>,
}

/// The slots whose decision or content can differ between `old` and `new`: a slot is unchanged
/// only when its entry (rules and content), the audiences, the experiments, the catalog and the
/// product feed are all the same on both sides.
pub fn changed_slots(old: &Bundle, new: &Bundle) -> Vec<ChangedSlot> {
    let (ow, nw) = (&old.workspace, &new.workspace);
    let everything = ow.catalog != nw.catalog || ow.audiences != nw.audiences || ow.products != nw.products;
    let mut out = Vec::new();
    for (p, page) in new.decisions.pages.iter().enumerate() {
        let old_page = old.decisions.pages.iter().position(|o| o.id == page.id);
        for (s, slot) in page.slots.iter().enumerate() {
            let old_slot = old_page.and_then(|op| {
                old.decisions.pages[op].slots.iter().position(|o| o.slot == slot.slot && o.entry == slot.entry).map(|os| (op, os))
            });
            let experiments =
                |w: &vantage_engine::model::Workspace| w.experiments.iter().filter(|x| x.entry == slot.entry).cloned().collect::<Vec<_>>();
            let same = old_slot.is_some()
                && !everything
                && vantage_engine::model::same_document(ow.entries.get(&slot.entry), nw.entries.get(&slot.entry))
                && experiments(ow) == experiments(nw);
            if !same {
                out.push(ChangedSlot { page: p, slot: s, old: old_slot });
            }
        }
    }
    out
}

/// The attributes the changed slots' rules read on either side (audiences followed, and every
/// experiment's when a changed slot runs one: experiments of a group exclude each other), plus
/// the time zone (day and hour windows): the only columns a replay decodes.
pub fn attributes_read(old: &Bundle, new: &Bundle, changed: &[ChangedSlot]) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::from([vantage_engine::catalog::TIMEZONE.to_owned()]);
    for bundle in [old, new] {
        let ws = &bundle.workspace;
        let mut conditions: Vec<&vantage_engine::condition::Condition> = Vec::new();
        let mut experiments = false;
        for c in changed {
            let Some(page) = bundle.decisions.pages.iter().find(|p| p.id == new.decisions.pages[c.page].id) else { continue };
            let slot_id = &new.decisions.pages[c.page].slots[c.slot].slot;
            let Some(slot) = page.slots.iter().find(|s| &s.slot == slot_id) else { continue };
            if let Some(entry) = ws.entries.get(&slot.entry) {
                conditions.extend(entry.personalizations.iter().map(|p| &p.condition));
            }
            experiments |= slot.experiment.is_some();
        }
        if experiments {
            for x in &ws.experiments {
                out.insert(x.unit.clone());
                conditions.push(&x.eligibility);
            }
        }
        let mut seen_audiences = std::collections::BTreeSet::new();
        while let Some(condition) = conditions.pop() {
            out.extend(condition.attributes().into_iter().map(str::to_owned));
            for name in condition.audiences() {
                if seen_audiences.insert(name.to_owned()) {
                    if let Some(audience) = ws.audiences.get(name) {
                        conditions.push(&audience.condition);
                    }
                }
            }
        }
    }
    out
}

/// One column of a batch, read for both programs.
pub(crate) struct Column<'b> {
    array: &'b ArrayRef,
    pub old: Option<u32>,
    pub new: Option<u32>,
}

/// What one visitor decides on a changed slot: the decision before, after, and the locale they
/// read (an index into the new workspace's declared locales; 0 when none is read).
type PairKey = (Option<Decision>, Decision, u8);

/// Counts of (decision before, decision after, locale) for one changed slot, each with whether it
/// is a move (its label or content in that locale differs), worked out once when first seen.
#[derive(Default, Clone)]
struct Moves {
    pairs: Vec<(PairKey, u64, bool)>,
    /// The first rows that moved.
    examples: Vec<(u64, PairKey)>,
}

impl Moves {
    /// Counts one visitor (row `at` of the file) deciding `key`.
    fn count(&mut self, old: &Bundle, new: &Bundle, c: &ChangedSlot, key: PairKey, at: u64) {
        let is_move = match self.pairs.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, n, is_move)) => {
                *n += 1;
                *is_move
            }
            None => {
                let is_move = describe(old, new, c, key).is_some();
                self.pairs.push((key, 1, is_move));
                is_move
            }
        };
        if is_move && self.examples.len() < EXAMPLES {
            self.examples.push((at, key));
        }
    }

    /// Adds another thread's counts; the examples stay the earliest rows of the file.
    fn merge(&mut self, other: Moves) {
        for (key, n, is_move) in other.pairs {
            match self.pairs.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, total, _)) => *total += n,
                None => self.pairs.push((key, n, is_move)),
            }
        }
        self.examples.extend(other.examples);
        self.examples.sort_by_key(|(row, _)| *row);
        self.examples.truncate(EXAMPLES);
    }
}

/// The impact of going from `old` to `new` on the recorded visitors in the typed file `traffic`,
/// all living at `moment` (RFC 3339). The file's row groups are shared out among the machine's
/// cores, each replaying its own with its own contexts; the counts are then added up.
pub fn impact(old: &Bundle, new: &Bundle, traffic: &Path, moment: &str) -> Result<Impact, TrafficError> {
    let changed = changed_slots(old, new);
    let now = vantage_engine::time::parse_timestamp(moment).ok_or_else(|| TrafficError::Moment(moment.to_owned()))?;
    let mut wanted = attributes_read(old, new, &changed);
    // A changed slot whose texts differ per locale is read in each visitor's own language.
    let translated = changed.iter().any(|c| {
        let entry = &new.decisions.pages[c.page].slots[c.slot].entry;
        [old, new].iter().any(|b| b.contents.get(entry).is_some_and(|v| !v.localized.is_empty()))
    });
    if translated {
        wanted.insert(vantage_engine::locales::LOCALE.to_owned());
    }
    let layout = Layout::of(traffic)?;
    let job = Job { old, new, changed: &changed, now, traffic, translated };
    let parts = if changed.is_empty() { Vec::new() } else { layout.shared_out(&wanted, |reader, rows| job.replay(reader, rows))? };
    let mut moves = vec![Moves::default(); changed.len()];
    for part in parts {
        for (total, moved) in moves.iter_mut().zip(part) {
            total.merge(moved);
        }
    }
    let rows = layout.rows;
    let slots = changed.iter().zip(moves).filter_map(|(c, moved)| slot_report(old, new, c, &moved, rows)).collect();
    Ok(Impact { old_hash: old.hash.clone(), new_hash: new.hash.clone(), visitors: rows as usize, slots })
}

/// What every replay thread shares.
struct Job<'a> {
    old: &'a Bundle,
    new: &'a Bundle,
    changed: &'a [ChangedSlot],
    now: vantage_engine::time::Instant,
    traffic: &'a Path,
    /// Whether a changed slot is translated, so each row's `request.locale` matters.
    translated: bool,
}

impl Job<'_> {
    /// Replays one thread's rows, numbered in the file by `numbers`.
    fn replay(&self, reader: ParquetRecordBatchReader, mut numbers: RowNumbers<'_>) -> Result<Vec<Moves>, TrafficError> {
        let (old, new) = (self.old, self.new);
        let (old_program, new_program) = (&old.decisions.program, &new.decisions.program);
        let mut moves = vec![Moves::default(); self.changed.len()];
        let (mut old_ctx, mut new_ctx) = (Context::empty(), Context::empty());
        let (mut old_scratch, mut new_scratch) = (Scratch::for_program(old_program), Scratch::for_program(new_program));
        let mut languages = Languages::of(new);
        for batch in reader {
            let batch = batch.map_err(|e| read_error(self.traffic, &e.to_string()))?;
            let columns = columns_of(&batch, old_program, new_program);
            let consents = consents_of(&batch);
            let tags = batch
                .column_by_name(vantage_engine::locales::LOCALE)
                .filter(|a| self.translated && matches!(a.data_type(), DataType::Utf8))
                .map(|a| a.as_string::<i32>());
            for row in 0..batch.num_rows() {
                let lang = tags.filter(|a| !a.is_null(row)).map_or(0, |a| languages.index(a.value(row)));
                fill(&mut old_ctx, old_program, &columns, consents, row, self.now, |c| c.old);
                fill(&mut new_ctx, new_program, &columns, consents, row, self.now, |c| c.new);
                old_scratch.reset(old_program);
                new_scratch.reset(new_program);
                let at = numbers.next().unwrap_or_default();
                for (i, c) in self.changed.iter().enumerate() {
                    let slot = &new.decisions.pages[c.page].slots[c.slot];
                    let after = new.decisions.decide_slot(slot, &new_ctx, &mut new_scratch);
                    let before =
                        c.old.map(|(op, os)| old.decisions.decide_slot(&old.decisions.pages[op].slots[os], &old_ctx, &mut old_scratch));
                    moves[i].count(old, new, c, (before, after, lang), at);
                }
            }
        }
        Ok(moves)
    }
}

/// The consents column of `batch`, when it has one of the right type.
pub(crate) fn consents_of(batch: &RecordBatch) -> Option<&ArrayRef> {
    batch.column_by_name(CONSENTS_COLUMN).filter(|c| matches!(c.data_type(), DataType::List(_)))
}

/// The columns of `batch` with the slot each program reads them into.
pub(crate) fn columns_of<'b>(batch: &'b RecordBatch, old: &Program, new: &Program) -> Vec<Column<'b>> {
    batch
        .schema_ref()
        .fields()
        .iter()
        .zip(batch.columns())
        .filter(|(f, _)| f.name() != CONSENTS_COLUMN)
        .map(|(f, array)| Column { array, old: old.slot_of(f.name()), new: new.slot_of(f.name()) })
        .filter(|c| c.old.is_some() || c.new.is_some())
        .collect()
}

/// Fills `ctx` with row `row` for `program`: each column's value in the slot `slot_of` names,
/// the consents, and the replay's moment.
pub(crate) fn fill(
    ctx: &mut Context,
    program: &Program,
    columns: &[Column<'_>],
    consents: Option<&ArrayRef>,
    row: usize,
    now: vantage_engine::time::Instant,
    slot_of: impl Fn(&Column<'_>) -> Option<u32>,
) {
    ctx.start_row(program);
    for column in columns {
        let Some(slot) = slot_of(column) else { continue };
        let array = column.array;
        if array.is_null(row) {
            continue;
        }
        match array.data_type() {
            DataType::Utf8 => ctx.put_str(program, slot, array.as_string::<i32>().value(row)),
            DataType::Float64 => ctx.put_number(program, slot, array.as_primitive::<Float64Type>().value(row)),
            DataType::Boolean => ctx.put_bool(program, slot, array.as_boolean().value(row)),
            DataType::Timestamp(..) => ctx.put_instant(program, slot, instant(array.as_primitive::<TimestampMicrosecondType>().value(row))),
            DataType::List(_) => {
                let items = array.as_list::<i32>().value(row);
                let items = items.as_string::<i32>();
                ctx.put_list(program, slot, items.iter().flatten());
            }
            _ => {}
        }
    }
    if let Some(consents) = consents.filter(|c| !c.is_null(row)) {
        let purposes = consents.as_list::<i32>().value(row);
        for purpose in purposes.as_string::<i32>().iter().flatten() {
            ctx.grant(program, purpose);
        }
    }
    ctx.put_instant(program, vantage_engine::program::NOW_SLOT, now);
    ctx.end_row(program);
}

/// Each row's language tag as the index of the declared locale it reads in the new workspace,
/// remembered per tag (a file holds few distinct tags; a hostile one is capped).
struct Languages<'b> {
    bundle: &'b Bundle,
    known: std::collections::HashMap<String, u8>,
}

impl<'b> Languages<'b> {
    fn of(bundle: &'b Bundle) -> Languages<'b> {
        Languages { bundle, known: std::collections::HashMap::new() }
    }

    fn index(&mut self, tag: &str) -> u8 {
        if let Some(&i) = self.known.get(tag) {
            return i;
        }
        let declared = &self.bundle.workspace.settings.locales;
        let code = vantage_engine::locales::Locales::of(&self.bundle.workspace.settings).resolve(Some(tag));
        let i = declared.iter().position(|l| Some(l.code.as_str()) == code).map_or(0, |i| i.min(u8::MAX as usize) as u8);
        if self.known.len() < 1024 {
            self.known.insert(tag.to_owned(), i);
        }
        i
    }
}

/// The labels before and after when a visitor deciding `before` then `after` in locale `lang`
/// sees something different (a variant's label, or its content in their language); `None` when
/// they see the same.
fn describe(old: &Bundle, new: &Bundle, c: &ChangedSlot, (before, after, lang): PairKey) -> Option<(String, String)> {
    let slot = &new.decisions.pages[c.page].slots[c.slot];
    let code = new.workspace.settings.locales.get(usize::from(lang)).map(|l| l.code.as_str());
    let old_code = vantage_engine::locales::Locales::of(&old.workspace.settings).resolve(code);
    let after_label = slot.variant_label(after).into_owned();
    let after_content = new.content_in(slot, after, code);
    let (before_label, before_content) = match (c.old, before) {
        (Some((op, os)), Some(b)) => {
            let old_slot = &old.decisions.pages[op].slots[os];
            (old_slot.variant_label(b).into_owned(), old.content_in(old_slot, b, old_code))
        }
        _ => ("(not on the page)".to_owned(), None),
    };
    (before_label != after_label || before_content != after_content).then_some((before_label, after_label))
}

/// The engine's report for one changed slot: who moved from what to what, with examples;
/// `None` when nobody moved.
fn slot_report(old: &Bundle, new: &Bundle, c: &ChangedSlot, moved: &Moves, rows: u64) -> Option<SlotImpact> {
    let mut transitions: Vec<Transition> = moved
        .pairs
        .iter()
        .filter(|(_, _, is_move)| *is_move)
        .filter_map(|(key, n, _)| describe(old, new, c, *key).map(|labels| (labels, *n as usize)))
        // Visitors in several languages may make the same move: one transition each.
        .fold(Vec::<Transition>::new(), |mut out, ((before, after), n)| {
            match out.iter_mut().find(|t| t.before == before && t.after == after) {
                Some(t) => t.visitors += n,
                None => out.push(Transition { before, after, visitors: n, profiles: Vec::new() }),
            }
            out
        });
    let changed: usize = transitions.iter().map(|t| t.visitors).sum();
    if changed == 0 {
        return None;
    }
    transitions.sort_by(|a, b| b.visitors.cmp(&a.visitors).then_with(|| (&a.before, &a.after).cmp(&(&b.before, &b.after))));
    let examples = moved
        .examples
        .iter()
        .filter_map(|(row, key)| {
            describe(old, new, c, *key).map(|(before, after)| Example {
                visitor: format!("recorded visitor #{}", row + 1),
                before,
                after,
                row: Some(*row),
            })
        })
        .collect();
    Some(SlotImpact {
        page: new.decisions.pages[c.page].id.clone(),
        slot: new.decisions.pages[c.page].slots[c.slot].slot.clone(),
        changed,
        visitors: rows as usize,
        share: (changed as f64 * 1000.0 / rows.max(1) as f64).round() / 10.0,
        examples,
        transitions,
    })
}
