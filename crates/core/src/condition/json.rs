//! The JSON form of conditions (what the UI builds and the store keeps).

use super::{Condition, Op, Predicate, Rollout};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A JSON value that is not a well-formed condition node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct ConditionShapeError {
    /// JSON pointer of the offending node, relative to the condition's root (`""` is the root).
    pub pointer: String,
    pub message: String,
    /// `bad_node`, `unknown_op` (the conformance suite's reason codes).
    pub code: &'static str,
}

fn shape(pointer: &str, message: impl Into<String>) -> ConditionShapeError {
    ConditionShapeError { pointer: pointer.to_owned(), message: message.into(), code: "bad_node" }
}

impl Condition {
    /// Reads the JSON form; every node must have exactly one of the language's shapes.
    pub fn from_json(value: &Value) -> Result<Condition, ConditionShapeError> {
        from_json_at(value, "")
    }

    /// Writes the JSON form.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        match self {
            Condition::All(cs) => {
                map.insert("all".into(), Value::Array(cs.iter().map(Condition::to_json).collect()));
            }
            Condition::Any(cs) => {
                map.insert("any".into(), Value::Array(cs.iter().map(Condition::to_json).collect()));
            }
            Condition::Not(c) => {
                map.insert("not".into(), c.to_json());
            }
            Condition::Audience(name) => {
                map.insert("audience".into(), Value::String(name.clone()));
            }
            Condition::Rollout(r) => {
                let mut inner = Map::new();
                inner.insert("unit".into(), Value::String(r.unit.clone()));
                inner.insert("salt".into(), Value::String(r.salt.clone()));
                inner.insert("percent".into(), Value::Number(r.percent.clone()));
                map.insert("rollout".into(), Value::Object(inner));
            }
            Condition::Predicate(p) => {
                map.insert("attr".into(), Value::String(p.attr.clone()));
                map.insert("op".into(), Value::String(p.op.name().into()));
                if let Some(v) = &p.value {
                    map.insert("value".into(), v.clone());
                }
            }
        }
        Value::Object(map)
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn from_json_at(value: &Value, at: &str) -> Result<Condition, ConditionShapeError> {
    let Value::Object(map) = value else {
        return Err(shape(at, format!("a condition must be an object, found {}", kind(value))));
    };
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    let only = |allowed: &[&str]| -> Result<(), ConditionShapeError> {
        match keys.iter().find(|k| !allowed.contains(k)) {
            Some(extra) => Err(shape(at, format!("unexpected key `{extra}` in this node"))),
            None => Ok(()),
        }
    };
    let list = |key: &str, items: &Value| -> Result<Vec<Condition>, ConditionShapeError> {
        let Value::Array(items) = items else {
            return Err(shape(&format!("{at}/{key}"), format!("`{key}` takes a list of conditions")));
        };
        items.iter().enumerate().map(|(i, c)| from_json_at(c, &format!("{at}/{key}/{i}"))).collect()
    };
    if let Some(items) = map.get("all") {
        only(&["all"])?;
        return Ok(Condition::All(list("all", items)?));
    }
    if let Some(items) = map.get("any") {
        only(&["any"])?;
        return Ok(Condition::Any(list("any", items)?));
    }
    if let Some(inner) = map.get("not") {
        only(&["not"])?;
        return Ok(Condition::Not(Box::new(from_json_at(inner, &format!("{at}/not"))?)));
    }
    if let Some(name) = map.get("audience") {
        only(&["audience"])?;
        let Value::String(name) = name else {
            return Err(shape(&format!("{at}/audience"), "an audience reference is a name (a string)"));
        };
        return Ok(Condition::Audience(name.clone()));
    }
    if let Some(spec) = map.get("rollout") {
        only(&["rollout"])?;
        let at = format!("{at}/rollout");
        let Value::Object(spec) = spec else {
            return Err(shape(&at, "`rollout` takes {\"unit\", \"salt\", \"percent\"}"));
        };
        if let Some(extra) = spec.keys().find(|k| !["unit", "salt", "percent"].contains(&k.as_str())) {
            return Err(shape(&at, format!("unexpected key `{extra}` in rollout")));
        }
        let unit = match spec.get("unit") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(shape(&format!("{at}/unit"), "rollout needs `unit`, an attribute path")),
        };
        let salt = match spec.get("salt") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(shape(&format!("{at}/salt"), "rollout needs `salt`, a string")),
        };
        let percent = match spec.get("percent") {
            Some(Value::Number(n)) => n.clone(),
            _ => return Err(shape(&format!("{at}/percent"), "rollout needs `percent`, a number")),
        };
        return Ok(Condition::Rollout(Rollout { unit, salt, percent }));
    }
    if map.contains_key("attr") || map.contains_key("op") {
        only(&["attr", "op", "value"])?;
        let attr = match map.get("attr") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(shape(&format!("{at}/attr"), "`attr` must be an attribute path (a string)")),
        };
        let op_name = match map.get("op") {
            Some(Value::String(s)) => s,
            _ => return Err(shape(&format!("{at}/op"), "`op` must be an operator name (a string)")),
        };
        let Some(op) = Op::from_name(op_name) else {
            return Err(ConditionShapeError {
                pointer: format!("{at}/op"),
                message: format!("unknown operator `{op_name}`"),
                code: "unknown_op",
            });
        };
        let value = map.get("value").cloned();
        match (op, &value) {
            (Op::Exists, Some(_)) => {
                return Err(shape(&format!("{at}/value"), "`exists` takes no value"));
            }
            (op, None) if op != Op::Exists => {
                return Err(shape(at, format!("`{op}` needs a `value`")));
            }
            _ => {}
        }
        return Ok(Condition::Predicate(Predicate { attr, op, value }));
    }
    match keys.first() {
        Some(k) => Err(shape(at, format!("unknown condition key `{}`", escape_pointer(k)))),
        None => Err(shape(at, "empty object is not a condition")),
    }
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Condition::from_json(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn design_example_reads_and_writes_back_identically() {
        let v = json!({"all": [
            {"attr": "profile.tier", "op": "eq", "value": "vip"},
            {"any": [{"attr": "profile.lifetime_value", "op": "gte", "value": 1000}, {"audience": "loyal"}]},
            {"not": {"attr": "product.inventory", "op": "gte", "value": 20}}
        ]});
        let c = Condition::from_json(&v).unwrap();
        assert_eq!(c.to_json(), v);
    }

    #[test]
    fn shape_errors_name_the_pointer() {
        let v = json!({"all": [{"attr": "x", "op": "exists", "value": 1}]});
        let e = Condition::from_json(&v).unwrap_err();
        assert_eq!(e.pointer, "/all/0/value");
        let e = Condition::from_json(&json!({"any": [{"attr": "x", "op": "EQ", "value": 1}]})).unwrap_err();
        assert_eq!((e.pointer.as_str(), e.code), ("/any/0/op", "unknown_op"));
    }

    #[test]
    fn extra_keys_and_non_objects_are_rejected() {
        assert!(Condition::from_json(&json!({"all": [], "any": []})).is_err());
        assert!(Condition::from_json(&json!("x")).is_err());
        assert!(Condition::from_json(&json!(null)).is_err());
        assert!(Condition::from_json(&json!({"attr": "a", "op": "eq"})).is_err());
    }
}
