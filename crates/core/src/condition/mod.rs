//! The condition language: its syntax tree, the JSON form and the text form.
//!
//! A [`Condition`] is only syntax; whether it reads known attributes with fitting operators is
//! decided by [`crate::compile`] against a catalog.

mod json;
mod text;

pub use json::ConditionShapeError;
pub use text::{parse, print, ParseError};

use serde_json::{Number, Value};

/// A targeting condition, as authored.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Audience(String),
    Rollout(Rollout),
    Predicate(Predicate),
}

/// Percentage rollout by a stable unit id: `bucket(salt, unit) < percent * 100`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    pub unit: String,
    pub salt: String,
    pub percent: Number,
}

/// `attr op value`; `value` is `None` only for `exists`.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub attr: String,
    pub op: Op,
    pub value: Option<Value>,
}

macro_rules! ops {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Every operator of the language, by its JSON name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Op { $($variant),* }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Op::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Op> {
                match name { $($name => Some(Op::$variant),)* _ => None }
            }
        }
    };
}

ops! {
    Exists => "exists",
    Eq => "eq", Neq => "neq", In => "in", NotIn => "not_in",
    Lt => "lt", Lte => "lte", Gt => "gt", Gte => "gte", Between => "between",
    Contains => "contains", StartsWith => "starts_with", EndsWith => "ends_with", Matches => "matches",
    SemverEq => "semver_eq", SemverLt => "semver_lt", SemverLte => "semver_lte",
    SemverGt => "semver_gt", SemverGte => "semver_gte",
    Before => "before", After => "after", WithinLast => "within_last",
    DayOfWeek => "day_of_week", HourBetween => "hour_between",
    AnyOf => "any_of", AllOf => "all_of", NoneOf => "none_of",
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Condition {
    /// The condition that always holds: `all()`.
    pub fn always() -> Condition {
        Condition::All(Vec::new())
    }

    /// Audience names this condition references directly (not through other audiences).
    pub fn audiences(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Condition::Audience(name) = c {
                out.push(name.as_str());
            }
        });
        out
    }

    /// Attribute paths this condition reads directly.
    pub fn attributes(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |c| match c {
            Condition::Predicate(p) => out.push(p.attr.as_str()),
            Condition::Rollout(r) => out.push(r.unit.as_str()),
            _ => {}
        });
        out
    }

    /// Calls `f` on this node and every node below it, parents first.
    pub fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Condition)) {
        f(self);
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.visit(f)),
            Condition::Not(c) => c.visit(f),
            Condition::Audience(_) | Condition::Rollout(_) | Condition::Predicate(_) => {}
        }
    }
}
