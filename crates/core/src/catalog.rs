//! The attribute catalog: every attribute a rule may read, its type, source and consent purpose.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The type of an attribute's value in a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrType {
    String,
    Number,
    Bool,
    StringList,
    Semver,
    Timestamp,
}

impl AttrType {
    pub fn name(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Number => "number",
            AttrType::Bool => "bool",
            AttrType::StringList => "string_list",
            AttrType::Semver => "semver",
            AttrType::Timestamp => "timestamp",
        }
    }

    fn from_name(name: &str) -> Option<AttrType> {
        [Self::String, Self::Number, Self::Bool, Self::StringList, Self::Semver, Self::Timestamp].into_iter().find(|t| t.name() == name)
    }
}

/// Where an attribute's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Cdp,
    Pim,
    Request,
    Cart,
}

/// How the simulated population draws an attribute (see `docs/workspace-format.md`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<BTreeMap<String, f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_true: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<BTreeMap<String, f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_ago: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_missing: Option<f64>,
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    #[serde(rename = "type")]
    pub ty: AttrType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// What people call it ("Country"); absent: the path's last part in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
}

impl Attribute {
    pub fn of_type(ty: AttrType) -> Attribute {
        Attribute { ty, consent: None, source: None, label: None, description: None, distribution: None }
    }
}

/// Path of the built-in request clock attribute.
pub const NOW: &str = "request.now";
/// Path of the built-in visitor time zone attribute.
pub const TIMEZONE: &str = "request.timezone";
/// Reserved context key holding the granted consent purposes.
pub const CONSENTS: &str = "consents";

/// A catalog problem (`bad_catalog`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalog entry `{path}`: {message}")]
pub struct CatalogError {
    pub path: String,
    pub message: String,
}

/// The attribute catalog, with `request.now` and `request.timezone` always present.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub attributes: BTreeMap<String, Attribute>,
}

impl Catalog {
    /// Builds a catalog, checking the rules for reserved and built-in entries.
    pub fn new(attributes: BTreeMap<String, Attribute>) -> Result<Catalog, CatalogError> {
        for (path, attr) in &attributes {
            let err = |message: &str| CatalogError { path: path.clone(), message: message.into() };
            if path == CONSENTS {
                return Err(err("`consents` is reserved for the granted consent purposes"));
            }
            let builtin = match path.as_str() {
                NOW => Some(AttrType::Timestamp),
                TIMEZONE => Some(AttrType::String),
                _ => None,
            };
            if let Some(ty) = builtin {
                if attr.ty != ty || attr.consent.is_some() {
                    return Err(err(&format!("is built in as a {} with no consent purpose", ty.name())));
                }
            }
        }
        Ok(Catalog { attributes })
    }

    /// Reads the strict catalog form of the conformance suite: `{path: {"type": T, "consent": P?}}`.
    pub fn from_contract_json(value: &Value) -> Result<Catalog, CatalogError> {
        let bad = |path: &str, message: &str| CatalogError { path: path.into(), message: message.into() };
        let Value::Object(entries) = value else {
            return Err(bad("", "the catalog must be an object"));
        };
        let mut attributes = BTreeMap::new();
        for (path, entry) in entries {
            let Value::Object(fields) = entry else {
                return Err(bad(path, "must be an object with a `type`"));
            };
            if let Some(extra) = fields.keys().find(|k| *k != "type" && *k != "consent") {
                return Err(bad(path, &format!("unexpected key `{extra}`")));
            }
            let ty = match fields.get("type") {
                Some(Value::String(t)) => AttrType::from_name(t).ok_or_else(|| bad(path, &format!("unknown type `{t}`")))?,
                _ => return Err(bad(path, "needs a `type`")),
            };
            let consent = match fields.get("consent") {
                None => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => return Err(bad(path, "`consent` must be a purpose name")),
            };
            attributes.insert(path.clone(), Attribute { consent, ..Attribute::of_type(ty) });
        }
        Catalog::new(attributes)
    }

    /// The entry for `path`, including the built-ins.
    pub fn get(&self, path: &str) -> Option<std::borrow::Cow<'_, Attribute>> {
        use std::borrow::Cow;
        if let Some(attr) = self.attributes.get(path) {
            return Some(Cow::Borrowed(attr));
        }
        match path {
            NOW => Some(Cow::Owned(Attribute::of_type(AttrType::Timestamp))),
            TIMEZONE => Some(Cow::Owned(Attribute::of_type(AttrType::String))),
            _ => None,
        }
    }
}

/// The operators a predicate may apply to an attribute of type `ty` (what the compiler accepts),
/// in the order an editor should offer them.
pub fn operators_for(ty: AttrType) -> Vec<crate::condition::Op> {
    use crate::condition::Op::*;
    let mut ops = vec![Exists];
    ops.extend_from_slice(match ty {
        AttrType::String => &[Eq, Neq, In, NotIn, Contains, StartsWith, EndsWith, Matches][..],
        AttrType::Number => &[Eq, Neq, In, NotIn, Lt, Lte, Gt, Gte, Between][..],
        AttrType::Bool => &[Eq, Neq][..],
        AttrType::StringList => &[AnyOf, AllOf, NoneOf][..],
        AttrType::Semver => &[SemverEq, SemverLt, SemverLte, SemverGt, SemverGte][..],
        AttrType::Timestamp => &[Before, After, WithinLast, DayOfWeek, HourBetween][..],
    });
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_exist_without_being_listed() {
        let c = Catalog::from_contract_json(&json!({})).unwrap();
        assert_eq!(c.get(NOW).unwrap().ty, AttrType::Timestamp);
        assert_eq!(c.get(TIMEZONE).unwrap().ty, AttrType::String);
    }

    #[test]
    fn builtins_may_only_be_restated_exactly() {
        assert!(Catalog::from_contract_json(&json!({"request.now": {"type": "timestamp"}})).is_ok());
        assert!(Catalog::from_contract_json(&json!({"request.now": {"type": "string"}})).is_err());
        assert!(Catalog::from_contract_json(&json!({"request.timezone": {"type": "string", "consent": "x"}})).is_err());
        assert!(Catalog::from_contract_json(&json!({"consents": {"type": "string_list"}})).is_err());
    }

    #[test]
    fn strict_entries_reject_unknown_keys_and_types() {
        assert!(Catalog::from_contract_json(&json!({"a": {"type": "string", "x": 1}})).is_err());
        assert!(Catalog::from_contract_json(&json!({"a": {"type": "text"}})).is_err());
        assert!(Catalog::from_contract_json(&json!({"a": {"type": "string", "consent": 3}})).is_err());
    }
}
