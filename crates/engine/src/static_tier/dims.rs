//! A page's dimensions: the values each can take that its rules tell apart, the routing key's
//! spelling of each, and the visitor a combination stands for.

use super::reads::DimensionTest;
use crate::catalog::{AttrType, Catalog, CONSENTS};
use crate::condition::Op;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Key value of an attribute that is absent (or whose consent purpose is not granted).
pub const ABSENT: &str = "!";
/// Key value of an attribute present with none of the values the rules mention.
pub const OTHER: &str = "*";
/// More members than this make a segment list's subsets too many to list (2^k).
const MAX_MEMBERS: usize = 24;

/// How a dimension's values are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionKind {
    /// A string tested by equality and sets: each mentioned value, another value, absent.
    Values,
    /// A string list tested by `any_of`/`all_of`/`none_of`: which mentioned members it holds.
    Members,
    /// Another type tested only by `exists`: present or absent.
    Presence,
    /// The visitor's language tag, keyed as the declared locale the page's texts are read in:
    /// the value equal to it (ignoring case), else the first of the same language, else the
    /// first value (the default, also when there is no tag); then its `same_as`, if it has one.
    Locale,
}

/// One attribute of a page's routing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dimension {
    pub attribute: String,
    pub kind: DimensionKind,
    /// The values (or members) the rules mention, sorted.
    pub values: Vec<String>,
    /// The consent purpose without which the attribute is not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<String>,
    /// For a locale: a locale whose texts on this page are another's -> that one (its key).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub same_as: BTreeMap<String, String>,
    #[serde(skip)]
    ty: Option<AttrType>,
}

/// One value of a dimension in one combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidate {
    Absent,
    /// Another value (`Values`) or present (`Presence`).
    Other,
    Value(usize),
    /// A subset of the members, as bits.
    Members(u32),
}

/// The dimensions `tests` read, or why they cannot be enumerated exactly.
pub fn dimensions(catalog: &Catalog, tests: &[DimensionTest]) -> Result<Vec<Dimension>, String> {
    let mut by_attr: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for t in tests {
        let ty = catalog.get(&t.attribute).map(|a| a.ty);
        let fits = match ty {
            Some(AttrType::String) => matches!(t.op, Op::Exists | Op::Eq | Op::Neq | Op::In | Op::NotIn),
            Some(AttrType::StringList) => matches!(t.op, Op::Exists | Op::AnyOf | Op::AllOf | Op::NoneOf),
            _ => t.op == Op::Exists,
        };
        if !fits {
            return Err(format!(
                "{}: `{} {}` cannot be enumerated into values a CDN can key on, so the page is decided per request",
                t.at, t.attribute, t.op
            ));
        }
        by_attr.entry(&t.attribute).or_default().extend(t.constants.iter().map(String::as_str));
    }
    let mut dims = Vec::new();
    for (attribute, values) in by_attr {
        let attr = catalog.get(attribute);
        let ty = attr.as_ref().map(|a| a.ty);
        let kind = match ty {
            Some(AttrType::String) => DimensionKind::Values,
            Some(AttrType::StringList) => DimensionKind::Members,
            _ => DimensionKind::Presence,
        };
        if kind == DimensionKind::Members && values.len() > MAX_MEMBERS {
            return Err(format!("`{attribute}` is tested against {} members: too many combinations to list", values.len()));
        }
        dims.push(Dimension {
            attribute: attribute.to_owned(),
            kind,
            values: values.into_iter().map(str::to_owned).collect(),
            consent: attr.and_then(|a| a.consent.clone()),
            same_as: BTreeMap::new(),
            ty,
        });
    }
    Ok(dims)
}

impl Dimension {
    /// The locale dimension of a page whose texts differ per locale: `codes` declared, default
    /// first, and the locales that read as another one on this page.
    pub fn locale(attribute: &str, codes: Vec<String>, same_as: BTreeMap<String, String>) -> Dimension {
        Dimension {
            attribute: attribute.to_owned(),
            kind: DimensionKind::Locale,
            values: codes,
            consent: None,
            same_as,
            ty: Some(AttrType::String),
        }
    }

    fn candidates(&self) -> Vec<Candidate> {
        if self.kind == DimensionKind::Locale {
            return (0..self.values.len()).filter(|&i| !self.same_as.contains_key(&self.values[i])).map(Candidate::Value).collect();
        }
        let mut out = vec![Candidate::Absent];
        match self.kind {
            DimensionKind::Locale => {}
            DimensionKind::Values => {
                out.extend((0..self.values.len()).map(Candidate::Value));
                out.push(Candidate::Other);
            }
            DimensionKind::Members => out.extend((0..1u32 << self.values.len()).map(Candidate::Members)),
            DimensionKind::Presence => out.push(Candidate::Other),
        }
        out
    }

    fn count(&self) -> u128 {
        match self.kind {
            DimensionKind::Values => self.values.len() as u128 + 2,
            DimensionKind::Members => (1u128 << self.values.len()) + 1,
            DimensionKind::Presence => 2,
            DimensionKind::Locale => (self.values.len() - self.same_as.len()) as u128,
        }
    }

    fn key_value(&self, c: Candidate) -> String {
        match c {
            Candidate::Absent => ABSENT.to_owned(),
            Candidate::Other => OTHER.to_owned(),
            Candidate::Value(i) => encode(&self.values[i]),
            Candidate::Members(bits) => self.members(bits).map(encode).collect::<Vec<_>>().join("+"),
        }
    }

    fn members(&self, bits: u32) -> impl Iterator<Item = &str> {
        self.values.iter().enumerate().filter(move |(i, _)| bits & (1 << i) != 0).map(|(_, v)| v.as_str())
    }

    /// The value a visitor of this candidate carries (`None`: absent).
    fn value(&self, c: Candidate, moment: &str) -> Option<Value> {
        match c {
            Candidate::Absent => None,
            Candidate::Value(i) => Some(json!(self.values[i])),
            Candidate::Members(bits) => Some(json!(self.members(bits).collect::<Vec<_>>())),
            Candidate::Other => Some(match self.ty {
                Some(AttrType::String) => json!(other_than(&self.values)),
                Some(AttrType::StringList) => json!([]),
                Some(AttrType::Number) => json!(0),
                Some(AttrType::Bool) => json!(false),
                Some(AttrType::Semver) => json!("0.0.0"),
                Some(AttrType::Timestamp) | None => json!(moment),
            }),
        }
    }
}

/// A string none of `values` is.
fn other_than(values: &[String]) -> String {
    let mut s = OTHER.to_owned();
    while values.contains(&s) {
        s.push_str(OTHER);
    }
    s
}

/// Percent-encodes every byte but `A-Z a-z 0-9 - . _ ~`, so `!`, `*`, `+`, `&` and `=` in a
/// key are always the key's own.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The consent purposes of `dims`, sorted.
pub fn purposes(dims: &[Dimension]) -> Vec<String> {
    dims.iter().filter_map(|d| d.consent.clone()).collect::<BTreeSet<_>>().into_iter().collect()
}

/// How many combinations `dims` have: for every grant of `purposes`, the product of the values
/// of the dimensions it lets be read (saturating).
pub fn combinations(dims: &[Dimension], purposes: &[String]) -> u128 {
    if purposes.len() > 16 {
        return u128::MAX;
    }
    (0..1u32 << purposes.len())
        .map(|grant| dims.iter().fold(1u128, |n, d| if readable(d, purposes, grant) { n.saturating_mul(d.count()) } else { n }))
        .fold(0u128, u128::saturating_add)
}

fn readable(d: &Dimension, purposes: &[String], grant: u32) -> bool {
    d.consent.as_ref().is_none_or(|p| purposes.iter().position(|q| q == p).is_some_and(|i| grant & (1 << i) != 0))
}

/// Every combination: its routing key and the visitor it stands for (`flat`, with `consents`).
/// Call only when [`combinations`] is within bounds.
pub fn enumerate(dims: &[Dimension], purposes: &[String], moment: &str) -> Vec<(String, Map<String, Value>)> {
    let mut out = Vec::new();
    for grant in 0..1u32 << purposes.len() {
        let choices: Vec<Vec<Candidate>> =
            dims.iter().map(|d| if readable(d, purposes, grant) { d.candidates() } else { vec![Candidate::Absent] }).collect();
        let mut at = vec![0usize; dims.len()];
        loop {
            let mut key = Vec::with_capacity(dims.len() + purposes.len());
            let mut flat = Map::new();
            for ((d, options), &i) in dims.iter().zip(&choices).zip(&at) {
                key.push(format!("{}={}", d.attribute, d.key_value(options[i])));
                if let Some(v) = d.value(options[i], moment) {
                    flat.insert(d.attribute.clone(), v);
                }
            }
            let granted: Vec<&str> = purposes.iter().enumerate().filter(|(i, _)| grant & (1 << i) != 0).map(|(_, p)| p.as_str()).collect();
            for (i, p) in purposes.iter().enumerate() {
                key.push(format!("consent.{}={}", p, u8::from(grant & (1 << i) != 0)));
            }
            flat.insert(CONSENTS.into(), json!(granted));
            out.push((key.join("&"), flat));
            // The next combination, last dimension fastest.
            let Some(pos) = (0..dims.len()).rev().find(|&k| at[k] + 1 < choices[k].len()) else { break };
            at[pos] += 1;
            at[pos + 1..].iter_mut().for_each(|i| *i = 0);
        }
    }
    out
}

/// What rendering a page per combination of every dimension the workspace's rules mention
/// would take per page: each dimension's values (a test that cannot be enumerated counts its
/// constants plus two, a lower bound) times two per consent purpose gating one.
pub fn naive_per_page(catalog: &Catalog, tests: &[DimensionTest]) -> u128 {
    let mut by_attr: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for t in tests {
        by_attr.entry(&t.attribute).or_default().extend(t.constants.iter().map(String::as_str));
    }
    let mut purposes = BTreeSet::new();
    let mut n = 1u128;
    for (attribute, values) in by_attr {
        let attr = catalog.get(attribute);
        purposes.extend(attr.as_ref().and_then(|a| a.consent.clone()));
        let count = match attr.map(|a| a.ty) {
            Some(AttrType::StringList) => 1u128.checked_shl(values.len() as u32).map_or(u128::MAX, |p| p.saturating_add(1)),
            _ => values.len() as u128 + 2,
        };
        n = n.saturating_mul(count);
    }
    n.saturating_mul(1u128.checked_shl(purposes.len() as u32).unwrap_or(u128::MAX))
}
