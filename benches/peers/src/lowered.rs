//! Conditions lowered to what a general-purpose rule engine can say: boolean logic over plain
//! comparisons on the visitor's data. Both peers are written from this one form, so they test
//! the same thing.
//!
//! What the peers cannot compute is precomputed into the data (`pre.*`, see
//! [`crate::peer_data`]) as their users would: local weekday and hour, the age of a timestamp,
//! a version as a number, the rollout bucket. A test on a possibly absent attribute is guarded
//! by `!= null` where the peer's null would otherwise coerce (to 0 in a comparison) or fail.

use serde_json::Value;
use vantage_engine::condition::{Condition, Op, Predicate};

/// A lowered condition.
#[derive(Debug, Clone)]
pub enum Lowered {
    And(Vec<Lowered>),
    Or(Vec<Lowered>),
    Not(Box<Lowered>),
    /// A boolean already in the data (an audience's result, a precomputed rollout).
    Flag(String),
    Cmp(String, Cmp, Value),
    In(String, Vec<Value>),
    Contains(String, String),
    StartsWith(String, String),
    EndsWith(String, String),
    /// The list at the path holds at least one of the values.
    AnyOf(String, Vec<Value>),
    /// The list at the path holds every one of the values.
    AllOf(String, Vec<Value>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The data name of an audience's result.
pub fn audience_flag(name: &str) -> String {
    format!("aud.{}", ident(name))
}

/// A name both peers accept as one path segment.
pub fn ident(name: &str) -> String {
    name.replace(['-', '.'], "_")
}

/// The precomputed number of seconds since a timestamp attribute.
pub fn age_path(attr: &str) -> String {
    format!("pre.{}_age_s", ident(attr))
}

pub fn weekday_path(attr: &str) -> String {
    format!("pre.{}_weekday", ident(attr))
}

pub fn hour_path(attr: &str) -> String {
    format!("pre.{}_hour", ident(attr))
}

pub fn version_path(attr: &str) -> String {
    format!("pre.{}_version", ident(attr))
}

pub fn rollout_path(salt: &str) -> String {
    format!("pre.rollout_{}", ident(salt))
}

/// `major.minor.patch` as one comparable number (each part below 1000).
pub fn version_code(text: &str) -> Option<f64> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().ok().filter(|n| *n < 1000));
    let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
    Some(f64::from(major) * 1e6 + f64::from(minor) * 1e3 + f64::from(patch))
}

/// The one regex of the workload (search-engine referrers), as a peer author writes it.
const SEARCH_REGEX: &str = "^https://(www\\.)?(google|bing|duckduckgo)\\.";

/// Lowers `condition`; audiences become flags the caller computes first.
///
/// # Panics
/// On a construct the workload does not use and the peers could not express (a benchmark
/// set-up error, never input).
pub fn lower(condition: &Condition) -> Lowered {
    match condition {
        Condition::All(kids) => Lowered::And(kids.iter().map(lower).collect()),
        Condition::Any(kids) => Lowered::Or(kids.iter().map(lower).collect()),
        Condition::Not(inner) => Lowered::Not(Box::new(lower(inner))),
        Condition::Audience(name) => Lowered::Flag(audience_flag(name)),
        Condition::Rollout(r) => Lowered::Flag(rollout_path(&r.salt)),
        Condition::Predicate(p) => predicate(p),
    }
}

fn present(path: &str) -> Lowered {
    Lowered::Cmp(path.to_owned(), Cmp::Ne, Value::Null)
}

fn guarded(path: &str, test: Lowered) -> Lowered {
    Lowered::And(vec![present(path), test])
}

fn list(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn predicate(p: &Predicate) -> Lowered {
    let path = p.attr.as_str();
    let v = p.value.clone().unwrap_or(Value::Null);
    let cmp = |op: Cmp, value: Value| guarded(path, Lowered::Cmp(path.to_owned(), op, value));
    match p.op {
        Op::Exists => present(path),
        Op::Eq => Lowered::Cmp(path.to_owned(), Cmp::Eq, v),
        Op::Neq => cmp(Cmp::Ne, v),
        Op::In => Lowered::In(path.to_owned(), list(&v)),
        Op::NotIn => guarded(path, Lowered::Not(Box::new(Lowered::In(path.to_owned(), list(&v))))),
        Op::Lt => cmp(Cmp::Lt, v),
        Op::Lte => cmp(Cmp::Le, v),
        Op::Gt => cmp(Cmp::Gt, v),
        Op::Gte => cmp(Cmp::Ge, v),
        Op::Between => guarded(
            path,
            Lowered::And(vec![Lowered::Cmp(path.to_owned(), Cmp::Ge, v[0].clone()), Lowered::Cmp(path.to_owned(), Cmp::Le, v[1].clone())]),
        ),
        Op::Contains => guarded(path, Lowered::Contains(path.to_owned(), text(&v))),
        Op::StartsWith => guarded(path, Lowered::StartsWith(path.to_owned(), text(&v))),
        Op::EndsWith => guarded(path, Lowered::EndsWith(path.to_owned(), text(&v))),
        Op::Matches => {
            assert_eq!(v.as_str(), Some(SEARCH_REGEX), "the peers know only the workload's regex");
            let hosts = [
                "https://www.google.",
                "https://google.",
                "https://www.bing.",
                "https://bing.",
                "https://www.duckduckgo.",
                "https://duckduckgo.",
            ];
            guarded(path, Lowered::Or(hosts.iter().map(|h| Lowered::StartsWith(path.to_owned(), (*h).to_owned())).collect()))
        }
        Op::SemverEq | Op::SemverLt | Op::SemverLte | Op::SemverGt | Op::SemverGte => {
            let code = v.as_str().and_then(version_code).map_or(Value::Null, Value::from);
            let op = match p.op {
                Op::SemverEq => Cmp::Eq,
                Op::SemverLt => Cmp::Lt,
                Op::SemverLte => Cmp::Le,
                Op::SemverGt => Cmp::Gt,
                _ => Cmp::Ge,
            };
            let at = version_path(path);
            guarded(&at, Lowered::Cmp(at.clone(), op, code))
        }
        Op::WithinLast => {
            let days = v.as_str().and_then(|d| d.strip_suffix('d')).and_then(|d| d.parse::<i64>().ok()).unwrap_or(0);
            let at = age_path(path);
            guarded(
                &at,
                Lowered::And(vec![
                    Lowered::Cmp(at.clone(), Cmp::Ge, Value::from(0)),
                    Lowered::Cmp(at.clone(), Cmp::Le, Value::from(days * 86_400)),
                ]),
            )
        }
        Op::DayOfWeek => Lowered::In(weekday_path(path), list(&v)),
        Op::HourBetween => {
            let (start, end) = (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0));
            let at = hour_path(path);
            let from = Lowered::Cmp(at.clone(), Cmp::Ge, Value::from(start));
            let until = Lowered::Cmp(at.clone(), Cmp::Lt, Value::from(end));
            match start.cmp(&end) {
                std::cmp::Ordering::Less => guarded(&at, Lowered::And(vec![from, until])),
                std::cmp::Ordering::Greater => guarded(&at, Lowered::Or(vec![from, until])),
                std::cmp::Ordering::Equal => Lowered::Or(Vec::new()),
            }
        }
        Op::AnyOf => guarded(path, Lowered::AnyOf(path.to_owned(), list(&v))),
        Op::AllOf => guarded(path, Lowered::AllOf(path.to_owned(), list(&v))),
        Op::NoneOf => guarded(path, Lowered::Not(Box::new(Lowered::AnyOf(path.to_owned(), list(&v))))),
        Op::Before | Op::After => panic!("the workload has no before/after predicate; the peers would compare timestamps as text"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_codes_order_like_versions() {
        assert!(version_code("5.10.0") > version_code("5.9.9"));
        assert_eq!(version_code("5.2"), None);
        assert_eq!(version_code("x.1.2"), None);
    }
}
