//! What a condition reads, for the static tier: each predicate's attribute, operator and
//! constants, with audiences expanded, and whatever ties a decision to one visitor.

use crate::catalog::{Catalog, Source, NOW, TIMEZONE};
use crate::condition::{Condition, Op, Predicate};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One predicate on a dimension, and where it was met (for a fallback's reason).
#[derive(Debug, Clone)]
pub struct DimensionTest {
    pub attribute: String,
    pub op: Op,
    /// The string constants it tests against (an `in` list's members, an `any_of` list's...).
    pub constants: Vec<String>,
    /// `rule `x` of entry `y`` or `the eligibility of experiment `z``, plus `(in audience `a`)`.
    pub at: String,
}

/// What one slot's rules read.
#[derive(Debug, Clone, Default)]
pub struct SlotReads {
    /// Why the slot depends on one visitor (a per-visitor attribute, a rollout, an experiment),
    /// if it does: it is then a client-tier slot.
    pub per_visitor: Option<String>,
    pub tests: Vec<DimensionTest>,
    /// `request.now` constants of `before`/`after`: where the decision may change with time.
    pub instants: BTreeSet<String>,
}

/// Whether `path` is a dimension a CDN can key on: a request fact read from a header (source
/// `request`, or no source and a `request.` path; not the moment, fixed at export, nor the time
/// zone, per visitor) or the segment list.
pub fn is_dimension(catalog: &Catalog, segments: &str, path: &str) -> bool {
    let Some(attr) = catalog.get(path) else { return false };
    let request = match attr.source {
        Some(source) => source == Source::Request,
        None => path.starts_with("request."),
    };
    path == segments || (request && path != NOW && path != TIMEZONE)
}

/// Walks conditions, expanding audiences, into a [`SlotReads`].
pub struct Reader<'a> {
    pub catalog: &'a Catalog,
    pub audiences: &'a BTreeMap<String, Condition>,
    pub segments: &'a str,
}

impl Reader<'_> {
    /// Adds what `condition` (met at `at`) reads to `out`.
    pub fn read(&self, condition: &Condition, at: &str, out: &mut SlotReads) {
        self.walk(condition, at, &mut Vec::new(), out);
    }

    fn walk<'c>(&'c self, condition: &'c Condition, at: &str, through: &mut Vec<&'c str>, out: &mut SlotReads) {
        let here = || match through.last() {
            Some(a) => format!("{at} (in audience `{a}`)"),
            None => at.to_owned(),
        };
        match condition {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| self.walk(c, at, through, out)),
            Condition::Not(c) => self.walk(c, at, through, out),
            Condition::Audience(name) => {
                // A cycle does not compile (so no compiled rule holds one); stop rather than loop.
                if through.contains(&name.as_str()) {
                    return;
                }
                if let Some(c) = self.audiences.get(name) {
                    through.push(name);
                    self.walk(c, at, through, out);
                    through.pop();
                }
            }
            Condition::Rollout(r) => {
                out.per_visitor.get_or_insert_with(|| format!("{} buckets visitors by `{}` (a rollout)", here(), r.unit));
            }
            Condition::Predicate(p) => self.predicate(p, &here(), out),
        }
    }

    fn predicate(&self, p: &Predicate, at: &str, out: &mut SlotReads) {
        if p.attr == NOW {
            match p.op {
                // Decided at the export's moment, the same for everyone.
                Op::Before | Op::After => {
                    out.instants.extend(p.value.as_ref().and_then(Value::as_str).map(str::to_owned));
                }
                Op::WithinLast => {}
                _ => {
                    out.per_visitor.get_or_insert_with(|| format!("{at} reads `{NOW} {}` in the visitor's time zone", p.op));
                }
            }
        } else if is_dimension(self.catalog, self.segments, &p.attr) {
            out.tests.push(DimensionTest {
                attribute: p.attr.clone(),
                op: p.op,
                constants: constants(p.value.as_ref()),
                at: at.to_owned(),
            });
        } else {
            out.per_visitor.get_or_insert_with(|| format!("{at} reads `{}`, which is particular to a visitor", p.attr));
        }
    }
}

/// The constants of a predicate's value as text: itself, or a list's members.
fn constants(value: Option<&Value>) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Some(Value::Array(items)) => items.iter().map(text).collect(),
        Some(v) => vec![text(v)],
        None => Vec::new(),
    }
}
