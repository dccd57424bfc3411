//! Type-checks conditions against the catalog and compiles them into a [`Program`].

use crate::bucket::percent_threshold;
use crate::catalog::{AttrType, Catalog};
use crate::condition::{Condition, Op, Predicate, Rollout};
use crate::program::{Node, NodeId, Program, SemverCmp, Test, Tri};
use crate::time::{parse_duration_seconds, parse_timestamp};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why a condition does not compile. `code` is one of the conformance suite's reasons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if pointer.is_empty() { String::new() } else { format!("at {pointer}: ") })]
pub struct CompileError {
    pub code: &'static str,
    /// JSON pointer into the condition being compiled.
    pub pointer: String,
    pub message: String,
}

fn error(code: &'static str, pointer: &str, message: impl Into<String>) -> CompileError {
    CompileError { code, pointer: pointer.to_owned(), message: message.into() }
}

/// Compiles conditions into a shared [`Program`], compiling each referenced audience once.
pub struct Compiler<'a> {
    catalog: &'a Catalog,
    audiences: &'a BTreeMap<String, Condition>,
    program: &'a mut Program,
    in_progress: Vec<String>,
    /// How deep each compiled audience's chain of audience references is (by audience index).
    depths: Vec<usize>,
    /// For each audience being compiled, the deepest chain it references so far.
    deepest: Vec<usize>,
}

/// How long a chain of audiences referring to audiences may be. Evaluation follows the chain, so
/// a bound keeps any workspace's work (and stack) small; real audiences nest a few levels.
pub const MAX_AUDIENCE_DEPTH: usize = 32;

fn too_deep(at: &str, start: &str) -> CompileError {
    error(
        "audience_too_deep",
        at,
        format!("audience `{start}` starts a chain of more than {MAX_AUDIENCE_DEPTH} audiences referring to audiences; flatten it"),
    )
}

impl<'a> Compiler<'a> {
    pub fn new(catalog: &'a Catalog, audiences: &'a BTreeMap<String, Condition>, program: &'a mut Program) -> Self {
        Compiler { catalog, audiences, program, in_progress: Vec::new(), depths: Vec::new(), deepest: Vec::new() }
    }

    /// Compiles one condition; on error nothing it added is reachable.
    pub fn compile(&mut self, condition: &Condition) -> Result<NodeId, CompileError> {
        self.node(condition, "")
    }

    /// Compiles (once) the audience `name` and returns its index.
    pub fn audience(&mut self, name: &str, at: &str) -> Result<u32, CompileError> {
        if let Some(&id) = self.program.audience_index.get(name) {
            return Ok(id);
        }
        if self.in_progress.iter().any(|n| n == name) {
            let mut cycle = self.in_progress.clone();
            cycle.push(name.to_owned());
            return Err(error("audience_cycle", at, format!("audiences refer to each other in a cycle: {}", cycle.join(" -> "))));
        }
        let Some(condition) = self.audiences.get(name) else {
            return Err(error("unknown_audience", at, format!("unknown audience `{name}`")));
        };
        if self.in_progress.len() >= MAX_AUDIENCE_DEPTH {
            return Err(too_deep(at, &self.in_progress[0]));
        }
        self.in_progress.push(name.to_owned());
        self.deepest.push(0);
        let compiled = self.node(condition, "");
        self.in_progress.pop();
        let depth = self.deepest.pop().unwrap_or(0) + 1;
        let compiled = compiled.and_then(|root| if depth > MAX_AUDIENCE_DEPTH { Err(too_deep("", name)) } else { Ok(root) });
        let root = compiled.map(|root| self.memoize(root)).map_err(|e| {
            if matches!(e.code, "audience_cycle" | "audience_too_deep") {
                CompileError { pointer: at.to_owned(), ..e }
            } else {
                error(e.code, at, format!("in audience `{name}`: {e}"))
            }
        })?;
        let id = self.program.audiences.len() as u32;
        self.program.audiences.push(crate::program::CompiledAudience { name: name.to_owned(), root });
        self.program.audience_index.insert(name.to_owned(), id);
        self.depths.push(depth);
        Ok(id)
    }

    /// Makes `node` evaluate at most once per request (its result is kept in a memo slot).
    fn memoize(&mut self, node: NodeId) -> NodeId {
        if matches!(self.program.nodes[node as usize], Node::Const(_) | Node::Memo { .. }) {
            return node;
        }
        // Move the node and put the memo in its place, so every existing reference shares it.
        let inner = self.program.push(self.program.nodes[node as usize].clone());
        let memo = self.program.memo_slots;
        self.program.memo_slots += 1;
        self.program.nodes[node as usize] = Node::Memo { memo, inner };
        node
    }

    /// Compiles a node, sharing an identical subcondition compiled before (common
    /// subexpression elimination): the second use turns the first into a memoized node.
    fn node(&mut self, condition: &Condition, at: &str) -> Result<NodeId, CompileError> {
        if let Condition::Audience(name) = condition {
            let id = self.audience(name, &format!("{at}/audience"))?;
            let depth = self.depths.get(id as usize).copied().unwrap_or(0);
            if let Some(deepest) = self.deepest.last_mut() {
                *deepest = (*deepest).max(depth);
            }
            return Ok(self.program.audiences[id as usize].root);
        }
        let key = serde_json::to_string(&condition.to_json()).unwrap_or_default();
        if let Some(&existing) = self.program.shared.get(&key) {
            return Ok(self.memoize(existing));
        }
        let node = self.node_uncached(condition, at)?;
        self.program.shared.insert(key, node);
        Ok(node)
    }

    fn node_uncached(&mut self, condition: &Condition, at: &str) -> Result<NodeId, CompileError> {
        match condition {
            Condition::All(items) | Condition::Any(items) => {
                let is_all = matches!(condition, Condition::All(_));
                let key = if is_all { "all" } else { "any" };
                let mut kids = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    kids.push(self.node(item, &format!("{at}/{key}/{i}"))?);
                }
                Ok(self.combine(is_all, kids))
            }
            Condition::Not(inner) => {
                let inner = self.node(inner, &format!("{at}/not"))?;
                if let Node::Const(t) = self.program.nodes[inner as usize] {
                    return Ok(self.program.push(Node::Const(t.negate())));
                }
                Ok(self.program.push(Node::Not(inner)))
            }
            Condition::Audience(name) => {
                let id = self.audience(name, &format!("{at}/audience"))?;
                Ok(self.program.audiences[id as usize].root)
            }
            Condition::Rollout(r) => self.rollout(r, &format!("{at}/rollout")),
            Condition::Predicate(p) => self.predicate(p, at),
        }
    }

    /// Folds constant children: `all` drops true children and is false if any is false.
    fn combine(&mut self, is_all: bool, kids: Vec<NodeId>) -> NodeId {
        let (identity, absorbing) = if is_all { (Tri::True, Tri::False) } else { (Tri::False, Tri::True) };
        let mut kept = Vec::with_capacity(kids.len());
        for kid in kids {
            match self.program.nodes[kid as usize] {
                Node::Const(t) if t == absorbing => return self.program.push(Node::Const(absorbing)),
                Node::Const(t) if t == identity => {}
                _ => kept.push(kid),
            }
        }
        match kept.len() {
            0 => self.program.push(Node::Const(identity)),
            1 => kept[0],
            len => {
                let first = self.program.children.len() as u32;
                self.program.children.extend_from_slice(&kept);
                let len = len as u32;
                self.program.push(if is_all { Node::All { first, len } } else { Node::Any { first, len } })
            }
        }
    }

    fn attribute(&mut self, path: &str, at: &str) -> Result<(u32, AttrType), CompileError> {
        let Some(attr) = self.catalog.get(path) else {
            return Err(error("unknown_attribute", &format!("{at}/attr"), format!("`{path}` is not in the attribute catalog")));
        };
        let slot = self.program.intern(path, attr.ty, attr.consent.as_deref());
        Ok((slot, attr.ty))
    }

    fn rollout(&mut self, r: &Rollout, at: &str) -> Result<NodeId, CompileError> {
        let Some(attr) = self.catalog.get(&r.unit) else {
            return Err(error("unknown_attribute", &format!("{at}/unit"), format!("`{}` is not in the attribute catalog", r.unit)));
        };
        if !matches!(attr.ty, AttrType::String | AttrType::Number) {
            return Err(error(
                "op_type_mismatch",
                &format!("{at}/unit"),
                format!("a rollout unit must be a string or number attribute; `{}` is a {}", r.unit, attr.ty.name()),
            ));
        }
        let threshold = r.percent.as_f64().and_then(percent_threshold).ok_or_else(|| {
            error("bad_value", &format!("{at}/percent"), "percent must be a number from 0 to 100 with at most two decimals")
        })?;
        let slot = self.program.intern(&r.unit, attr.ty, attr.consent.as_deref());
        let consent = self.program.slots[slot as usize].consent;
        Ok(self.program.push(Node::Rollout { slot, consent, prefix: crate::bucket::salted(&r.salt), threshold }))
    }

    fn predicate(&mut self, p: &Predicate, at: &str) -> Result<NodeId, CompileError> {
        let (slot, ty) = self.attribute(&p.attr, at)?;
        let vat = format!("{at}/value");
        let mismatch = || {
            error("op_type_mismatch", &format!("{at}/op"), format!("`{}` does not apply to `{}`, a {} attribute", p.op, p.attr, ty.name()))
        };
        let bad = |what: &str| error("bad_value", &vat, format!("`{}` on `{}` needs {what}", p.op, p.attr));
        let value = p.value.as_ref();
        let scalar_types = matches!(ty, AttrType::String | AttrType::Number | AttrType::Bool);
        let mut negate = false;
        let test = match p.op {
            Op::Exists => Test::Exists,
            Op::Eq | Op::Neq => {
                if !scalar_types {
                    return Err(mismatch());
                }
                negate = p.op == Op::Neq;
                let v = value.ok_or_else(|| bad("a value"))?;
                match scalar(ty, v) {
                    Some(Scalar::Str(s)) => Test::EqStr(s.into()),
                    Some(Scalar::Num(n)) => Test::EqNum(n),
                    Some(Scalar::Bool(b)) => Test::EqBool(b),
                    None => return Err(bad(&format!("a {} value", ty.name()))),
                }
            }
            Op::In | Op::NotIn => {
                if !scalar_types {
                    return Err(mismatch());
                }
                negate = p.op == Op::NotIn;
                let Some(Value::Array(items)) = value else {
                    return Err(bad(&format!("a list of {} values", ty.name())));
                };
                let items: Option<Vec<Scalar>> = items.iter().map(|v| scalar(ty, v)).collect();
                let items = items.ok_or_else(|| bad(&format!("a list of {} values", ty.name())))?;
                match ty {
                    AttrType::String => {
                        let mut set: Vec<Box<str>> =
                            items.into_iter().filter_map(|s| if let Scalar::Str(s) = s { Some(s.into()) } else { None }).collect();
                        set.sort();
                        set.dedup();
                        Test::InStr(set.into())
                    }
                    AttrType::Number => {
                        Test::InNum(items.into_iter().filter_map(|s| if let Scalar::Num(n) = s { Some(n) } else { None }).collect())
                    }
                    _ => {
                        let has = |b: bool| items.iter().any(|s| matches!(s, Scalar::Bool(x) if *x == b));
                        Test::InBool(has(true), has(false))
                    }
                }
            }
            Op::Lt | Op::Lte | Op::Gt | Op::Gte => {
                if ty != AttrType::Number {
                    return Err(mismatch());
                }
                let n = number(value).ok_or_else(|| bad("a number"))?;
                match p.op {
                    Op::Lt => Test::Lt(n),
                    Op::Lte => Test::Lte(n),
                    Op::Gt => Test::Gt(n),
                    _ => Test::Gte(n),
                }
            }
            Op::Between => {
                if ty != AttrType::Number {
                    return Err(mismatch());
                }
                let range = match value {
                    Some(Value::Array(items)) if items.len() == 2 => number(items.first()).zip(number(items.get(1))),
                    _ => None,
                };
                let (lo, hi) = range.ok_or_else(|| bad("[low, high], two numbers"))?;
                if lo > hi {
                    return Err(error("bad_range", &vat, format!("between [{lo}, {hi}]: the low end is above the high end")));
                }
                Test::Between(lo, hi)
            }
            Op::Contains | Op::StartsWith | Op::EndsWith | Op::Matches => {
                if ty != AttrType::String {
                    return Err(mismatch());
                }
                let Some(Value::String(s)) = value else {
                    return Err(bad("a string"));
                };
                match p.op {
                    Op::Contains => Test::Contains(s.as_str().into()),
                    Op::StartsWith => Test::StartsWith(s.as_str().into()),
                    Op::EndsWith => Test::EndsWith(s.as_str().into()),
                    _ => {
                        let regex = regex::RegexBuilder::new(s).size_limit(1 << 20).build().map_err(|e| {
                            error("invalid_regex", &vat, format!("not a supported regular expression: {}", first_line(&e.to_string())))
                        })?;
                        self.program.regexes.push(regex);
                        Test::Matches((self.program.regexes.len() - 1) as u32)
                    }
                }
            }
            Op::SemverEq | Op::SemverLt | Op::SemverLte | Op::SemverGt | Op::SemverGte => {
                if ty != AttrType::Semver {
                    return Err(mismatch());
                }
                let Some(Value::String(s)) = value else {
                    return Err(bad("a version string such as \"1.2.3\""));
                };
                let version =
                    semver::Version::parse(s).map_err(|e| error("bad_semver", &vat, format!("`{s}` is not a valid version: {e}")))?;
                let cmp = match p.op {
                    Op::SemverEq => SemverCmp::Eq,
                    Op::SemverLt => SemverCmp::Lt,
                    Op::SemverLte => SemverCmp::Lte,
                    Op::SemverGt => SemverCmp::Gt,
                    _ => SemverCmp::Gte,
                };
                Test::Semver(cmp, Box::new(version))
            }
            Op::Before | Op::After => {
                if ty != AttrType::Timestamp {
                    return Err(mismatch());
                }
                let Some(Value::String(s)) = value else {
                    return Err(bad("an RFC 3339 timestamp string"));
                };
                let t = parse_timestamp(s).ok_or_else(|| {
                    error("bad_timestamp", &vat, format!("`{s}` is not an RFC 3339 timestamp such as 2026-01-01T00:00:00Z"))
                })?;
                if p.op == Op::Before {
                    Test::Before(t)
                } else {
                    Test::After(t)
                }
            }
            Op::WithinLast => {
                if ty != AttrType::Timestamp {
                    return Err(mismatch());
                }
                let Some(Value::String(s)) = value else {
                    return Err(bad("a duration such as \"7d\""));
                };
                let seconds = parse_duration_seconds(s).ok_or_else(|| {
                    error("bad_duration", &vat, format!("`{s}` is not a duration: 1 to 9 digits and one of s, m, h, d, w"))
                })?;
                Test::WithinLast(seconds)
            }
            Op::DayOfWeek => {
                if ty != AttrType::Timestamp {
                    return Err(mismatch());
                }
                let Some(Value::Array(days)) = value else {
                    return Err(bad("a list of days \"mon\"..\"sun\""));
                };
                let mut mask = 0u8;
                for day in days {
                    let index = day.as_str().and_then(|d| ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().position(|n| *n == d));
                    let index = index.ok_or_else(|| bad("a list of days \"mon\"..\"sun\""))?;
                    mask |= 1 << index;
                }
                Test::DayOfWeek(mask)
            }
            Op::HourBetween => {
                if ty != AttrType::Timestamp {
                    return Err(mismatch());
                }
                let hour =
                    |v: Option<&Value>| v.and_then(Value::as_f64).filter(|h| h.fract() == 0.0 && (0.0..=24.0).contains(h)).map(|h| h as u8);
                let range = match value {
                    Some(Value::Array(items)) if items.len() == 2 => hour(items.first()).zip(hour(items.get(1))),
                    _ => None,
                };
                let (start, end) = range.ok_or_else(|| bad("[start, end], whole hours from 0 to 24"))?;
                Test::HourBetween(start, end)
            }
            Op::AnyOf | Op::AllOf | Op::NoneOf => {
                if ty != AttrType::StringList {
                    return Err(mismatch());
                }
                let items = match value {
                    Some(Value::Array(items)) => items.iter().map(|v| v.as_str().map(Box::<str>::from)).collect::<Option<Vec<_>>>(),
                    _ => None,
                };
                let mut items = items.ok_or_else(|| bad("a list of strings"))?;
                items.sort();
                items.dedup();
                match p.op {
                    Op::AnyOf => Test::AnyOf(items.into()),
                    Op::AllOf => Test::AllOf(items.into()),
                    _ => Test::NoneOf(items.into()),
                }
            }
        };
        let consent = self.program.slots[slot as usize].consent;
        if matches!(test, Test::DayOfWeek(_) | Test::HourBetween(..)) {
            if let Some(meta) = self.program.slots.get_mut(slot as usize) {
                meta.local = true;
            }
        }
        Ok(self.program.push(Node::Pred { slot, consent, test, negate }))
    }
}

fn first_line(s: &str) -> String {
    s.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_owned()
}

enum Scalar {
    Str(String),
    Num(f64),
    Bool(bool),
}

fn scalar(ty: AttrType, v: &Value) -> Option<Scalar> {
    match (ty, v) {
        (AttrType::String, Value::String(s)) => Some(Scalar::Str(s.clone())),
        (AttrType::Number, Value::Number(n)) => n.as_f64().map(Scalar::Num),
        (AttrType::Bool, Value::Bool(b)) => Some(Scalar::Bool(*b)),
        _ => None,
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => n.as_f64(),
        _ => None,
    }
}

/// Compiles a single condition with its own program (what the conformance runner does).
pub fn compile_one(
    condition: &Condition,
    catalog: &Catalog,
    audiences: &BTreeMap<String, Condition>,
) -> Result<(Program, NodeId), CompileError> {
    let mut program = Program::new();
    let root = Compiler::new(catalog, audiences, &mut program).compile(condition)?;
    Ok((program, root))
}

impl Compiler<'_> {
    /// Interns an attribute slot directly (experiment units).
    pub fn intern(&mut self, path: &str, ty: AttrType, consent: Option<&str>) -> u32 {
        self.program.intern(path, ty, consent)
    }
}
