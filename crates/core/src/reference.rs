//! The reference interpreter: the condition language's semantics written as plainly as possible,
//! straight over the syntax tree and the raw flat JSON context, re-parsing everything each time.
//!
//! It is slow on purpose and shares no code with the compiled evaluator beyond the strict
//! timestamp/duration grammar and the documented hash, so that the differential test holding
//! the two together means something. It also produces the human-readable trace.

use crate::bucket::{bucket, number_unit_text, percent_threshold};
use crate::catalog::{AttrType, Catalog, CONSENTS, TIMEZONE};
use crate::condition::{print, Condition, Op, Predicate};
use crate::program::Tri;
use crate::time::{parse_duration_seconds, parse_timestamp};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Why a condition came out as it did, node by node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// The node in text form.
    pub text: String,
    pub result: Tri,
    /// What was read and why it decided so, in plain words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Trace>,
}

/// Evaluates an already-compiled (so well-formed and well-typed) condition.
pub fn evaluate(condition: &Condition, catalog: &Catalog, audiences: &BTreeMap<String, Condition>, ctx: &Map<String, Value>) -> Tri {
    Interpreter { catalog, audiences, ctx, trace: false }.eval(condition).0
}

/// Like [`evaluate`], and explains every step.
pub fn evaluate_traced(
    condition: &Condition,
    catalog: &Catalog,
    audiences: &BTreeMap<String, Condition>,
    ctx: &Map<String, Value>,
) -> Trace {
    let (result, trace) = Interpreter { catalog, audiences, ctx, trace: true }.eval(condition);
    trace.unwrap_or(Trace { text: print(condition), result, detail: None, children: Vec::new() })
}

struct Interpreter<'a> {
    catalog: &'a Catalog,
    audiences: &'a BTreeMap<String, Condition>,
    ctx: &'a Map<String, Value>,
    trace: bool,
}

impl Interpreter<'_> {
    fn eval(&self, c: &Condition) -> (Tri, Option<Trace>) {
        let (result, detail, children) = match c {
            Condition::All(items) => {
                let (results, traces) = self.eval_all(items);
                let r = if results.contains(&Tri::False) {
                    Tri::False
                } else if results.contains(&Tri::Unknown) {
                    Tri::Unknown
                } else {
                    Tri::True
                };
                (r, None, traces)
            }
            Condition::Any(items) => {
                let (results, traces) = self.eval_all(items);
                let r = if results.contains(&Tri::True) {
                    Tri::True
                } else if results.contains(&Tri::Unknown) {
                    Tri::Unknown
                } else {
                    Tri::False
                };
                (r, None, traces)
            }
            Condition::Not(inner) => {
                let (r, t) = self.eval(inner);
                (r.negate(), None, t.into_iter().collect())
            }
            Condition::Audience(name) => match self.audiences.get(name) {
                Some(def) => {
                    let (r, t) = self.eval(def);
                    (r, Some(format!("audience `{name}`")), t.into_iter().collect())
                }
                None => (Tri::False, Some(format!("unknown audience `{name}`")), Vec::new()),
            },
            Condition::Rollout(r) => {
                let (result, detail) = self.rollout(&r.unit, &r.salt, r.percent.as_f64().unwrap_or(0.0));
                (result, Some(detail), Vec::new())
            }
            Condition::Predicate(p) => {
                let (result, detail) = self.predicate(p);
                (result, Some(detail), Vec::new())
            }
        };
        let trace = self.trace.then(|| Trace { text: print(c), result, detail, children });
        (result, trace)
    }

    fn eval_all(&self, items: &[Condition]) -> (Vec<Tri>, Vec<Trace>) {
        let mut results = Vec::new();
        let mut traces = Vec::new();
        for item in items {
            let (r, t) = self.eval(item);
            results.push(r);
            traces.extend(t);
        }
        (results, traces)
    }

    fn consented(&self, path: &str) -> Result<(), String> {
        let Some(purpose) = self.catalog.get(path).and_then(|a| a.consent.clone()) else {
            return Ok(());
        };
        let granted = match self.ctx.get(CONSENTS) {
            Some(Value::Array(list)) => list.iter().any(|p| p.as_str() == Some(purpose.as_str())),
            _ => false,
        };
        if granted {
            Ok(())
        } else {
            Err(format!("unknown: the visitor has not consented to `{purpose}`, so `{path}` cannot be used"))
        }
    }

    fn rollout(&self, unit: &str, salt: &str, percent: f64) -> (Tri, String) {
        if let Err(why) = self.consented(unit) {
            return (Tri::Unknown, why);
        }
        let ty = self.catalog.get(unit).map(|a| a.ty);
        let text = match (ty, self.ctx.get(unit)) {
            (Some(AttrType::String), Some(Value::String(s))) => Some(s.clone()),
            (Some(AttrType::Number), Some(Value::Number(n))) => {
                let mut buf = [0u8; 24];
                n.as_f64().and_then(|f| number_unit_text(f, &mut buf).map(str::to_owned))
            }
            _ => None,
        };
        let Some(text) = text else {
            return (Tri::False, format!("`{unit}` is missing or not a usable id"));
        };
        let threshold = percent_threshold(percent).unwrap_or(0);
        let b = bucket(salt, &text);
        (
            Tri::from_bool(b < threshold),
            format!("`{unit}` = {text:?} falls in bucket {b} of 10000; the rollout takes buckets below {threshold}"),
        )
    }

    fn predicate(&self, p: &Predicate) -> (Tri, String) {
        if let Err(why) = self.consented(&p.attr) {
            return (Tri::Unknown, why);
        }
        let Some(ty) = self.catalog.get(&p.attr).map(|a| a.ty) else {
            return (Tri::False, format!("`{}` is not in the catalog", p.attr));
        };
        let raw = self.ctx.get(&p.attr).filter(|v| !v.is_null());
        let Some(raw) = raw.filter(|v| well_typed(ty, v)) else {
            let why = if raw.is_some() { "has the wrong type" } else { "is missing" };
            return (Tri::False, format!("`{}` {why}", p.attr));
        };
        let seen = format!("`{}` is {}", p.attr, raw);
        let holds = self.apply(p.op, ty, raw, p.value.as_ref().unwrap_or(&Value::Null));
        (Tri::from_bool(holds), seen)
    }

    fn apply(&self, op: Op, ty: AttrType, have: &Value, want: &Value) -> bool {
        let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
        let s = have.as_str().unwrap_or_default();
        let w = want.as_str().unwrap_or_default();
        let list = |v: &Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
        };
        let eq = |a: &Value, b: &Value| match ty {
            AttrType::Number => num(a) == num(b),
            _ => a == b,
        };
        match op {
            Op::Exists => true,
            Op::Eq => eq(have, want),
            Op::Neq => !eq(have, want),
            Op::In => want.as_array().is_some_and(|a| a.iter().any(|x| eq(have, x))),
            Op::NotIn => !want.as_array().is_some_and(|a| a.iter().any(|x| eq(have, x))),
            Op::Lt => num(have) < num(want),
            Op::Lte => num(have) <= num(want),
            Op::Gt => num(have) > num(want),
            Op::Gte => num(have) >= num(want),
            Op::Between => {
                let range = want.as_array().map(|a| a.iter().map(num).collect::<Vec<_>>()).unwrap_or_default();
                range.len() == 2 && range[0] <= num(have) && num(have) <= range[1]
            }
            Op::Contains => s.contains(w),
            Op::StartsWith => s.starts_with(w),
            Op::EndsWith => s.ends_with(w),
            Op::Matches => regex::Regex::new(w).is_ok_and(|r| r.is_match(s)),
            Op::SemverEq | Op::SemverLt | Op::SemverLte | Op::SemverGt | Op::SemverGte => {
                let (Ok(a), Ok(b)) = (semver::Version::parse(s), semver::Version::parse(w)) else {
                    return false;
                };
                let ord = a.cmp_precedence(&b);
                match op {
                    Op::SemverEq => ord.is_eq(),
                    Op::SemverLt => ord.is_lt(),
                    Op::SemverLte => ord.is_le(),
                    Op::SemverGt => ord.is_gt(),
                    _ => ord.is_ge(),
                }
            }
            Op::Before | Op::After => match (parse_timestamp(s), parse_timestamp(w)) {
                (Some(a), Some(b)) => {
                    if op == Op::Before {
                        a < b
                    } else {
                        a > b
                    }
                }
                _ => false,
            },
            Op::WithinLast => {
                let now = self.ctx.get(crate::catalog::NOW).and_then(Value::as_str).and_then(parse_timestamp);
                match (now, parse_timestamp(s), parse_duration_seconds(w)) {
                    (Some(now), Some(t), Some(d)) => t <= now && now.as_nanos() - i128::from(d) * 1_000_000_000 <= t.as_nanos(),
                    _ => false,
                }
            }
            Op::DayOfWeek => match (self.local_time(s), want.as_array()) {
                (Some(dt), Some(days)) => {
                    let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
                    let today = names[dt.weekday().to_monday_zero_offset() as usize];
                    days.iter().any(|d| d.as_str() == Some(today))
                }
                _ => false,
            },
            Op::HourBetween => {
                let bounds = want.as_array().map(|a| a.iter().map(num).collect::<Vec<_>>()).unwrap_or_default();
                match (self.local_time(s), bounds.as_slice()) {
                    (Some(dt), [start, end]) => {
                        let h = f64::from(dt.hour());
                        if start < end {
                            *start <= h && h < *end
                        } else if start > end {
                            h >= *start || h < *end
                        } else {
                            false
                        }
                    }
                    _ => false,
                }
            }
            Op::AnyOf => list(want).iter().any(|x| list(have).contains(x)),
            Op::AllOf => list(want).iter().all(|x| list(have).contains(x)),
            Op::NoneOf => !list(want).iter().any(|x| list(have).contains(x)),
        }
    }

    fn local_time(&self, timestamp: &str) -> Option<jiff::civil::DateTime> {
        let t = parse_timestamp(timestamp)?.to_jiff()?;
        let zone = match self.ctx.get(TIMEZONE) {
            None | Some(Value::Null) => jiff::tz::TimeZone::UTC,
            Some(Value::String(name)) => jiff::tz::TimeZone::get(name).ok()?,
            Some(_) => return None,
        };
        Some(t.to_zoned(zone).datetime())
    }
}

fn well_typed(ty: AttrType, v: &Value) -> bool {
    match ty {
        AttrType::String | AttrType::Semver | AttrType::Timestamp => v.is_string(),
        AttrType::Number => v.is_number(),
        AttrType::Bool => v.is_boolean(),
        AttrType::StringList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
    }
}
