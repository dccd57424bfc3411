//! The text form of a condition for the rule builder. It is the engine's own printer, so what the
//! builder shows beside the rules is exactly what diffs, review and the CLI print; a condition
//! that is not finished yet is refused in plain words, naming what is missing and in which rule.

use crate::error::StudioError;
use serde_json::Value;
use vantage_engine::condition::{print, Condition, ConditionShapeError};

/// The readable text form of `condition` (its JSON form), e.g.
/// `profile.tier = "vip" and not audience loyal`. A condition that does not read as one is a
/// bad-input error whose message says, for people, what to complete.
pub fn condition_text(condition: &Value) -> Result<String, StudioError> {
    let parsed = Condition::from_json(condition).map_err(|e| StudioError::bad_input(not_complete(condition, &e)))?;
    Ok(print(&parsed))
}

/// "This condition is not complete yet: enter a value (rule 2)."
fn not_complete(condition: &Value, e: &ConditionShapeError) -> String {
    // The pointer is relative to the condition's root and made of the language's own keys and
    // list positions only (`/all/1/not/op`), so it needs no unescaping.
    let segments: Vec<&str> = e.pointer.split('/').skip(1).collect();
    let what = match segments.last().copied() {
        Some("attr") => "choose what the rule checks".to_owned(),
        Some("op") if e.code == "unknown_op" => "choose a comparison from the list".to_owned(),
        Some("op") => "choose a comparison".to_owned(),
        Some("value") => "“is known” needs no value, remove it".to_owned(),
        Some("audience") => "choose an audience".to_owned(),
        Some("unit") => "choose the id that keeps each visitor in the same share".to_owned(),
        Some("salt") => "enter a salt (any word) for the share of visitors".to_owned(),
        Some("percent") => "enter the percentage of visitors".to_owned(),
        Some("rollout") => "a share of visitors needs a percentage, an id and a salt".to_owned(),
        Some("all" | "any") => "a group must hold a list of rules".to_owned(),
        _ => match condition.pointer(&e.pointer) {
            Some(Value::Object(node)) if node.contains_key("attr") && node.contains_key("op") && !node.contains_key("value") => {
                "enter a value".to_owned()
            }
            Some(Value::Object(node)) if node.is_empty() => "this rule is empty: choose what it checks".to_owned(),
            _ => format!("part of it is not a rule the app understands ({})", e.message),
        },
    };
    match rule_number(&segments) {
        Some(rule) => format!("This condition is not complete yet: {what} (rule {rule})."),
        None => format!("This condition is not complete yet: {what}."),
    }
}

/// The rule's place as the builder lists it: the second rule of the top group is `2`, the first
/// rule inside that one's group `2.1`; `None` for the top-level rule itself.
fn rule_number(segments: &[&str]) -> Option<String> {
    let places: Vec<String> = segments
        .windows(2)
        .filter(|pair| matches!(pair[0], "all" | "any"))
        .filter_map(|pair| pair[1].parse::<usize>().ok())
        .map(|index| (index + 1).to_string())
        .collect();
    (!places.is_empty()).then(|| places.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use serde_json::json;

    #[test]
    fn prints_what_the_engine_prints() {
        let c = json!({"all": [{"attr": "profile.tier", "op": "eq", "value": "vip"}, {"not": {"audience": "loyal"}}]});
        assert_eq!(condition_text(&c).unwrap(), r#"profile.tier = "vip" and not audience loyal"#);
        assert_eq!(condition_text(&json!({"any": []})).unwrap(), "any()");
    }

    #[test]
    fn numbers_print_as_the_engine_prints_them() {
        assert_eq!(condition_text(&json!({"attr": "cart.total", "op": "gte", "value": 1.0})).unwrap(), "cart.total >= 1.0");
        assert_eq!(condition_text(&json!({"attr": "cart.total", "op": "gte", "value": 1})).unwrap(), "cart.total >= 1");
    }

    #[test]
    fn an_unfinished_rule_is_bad_input_in_plain_words() {
        let e = condition_text(&json!({"all": [{"audience": "loyal"}, {"attr": "profile.tier", "op": "eq"}]})).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadInput);
        assert_eq!(e.message, "This condition is not complete yet: enter a value (rule 2).");

        let e = condition_text(&json!({"attr": "profile.tier", "op": "nearly", "value": "vip"})).unwrap_err();
        assert_eq!(e.message, "This condition is not complete yet: choose a comparison from the list.");

        let nested = json!({"any": [{"audience": "loyal"}, {"all": [{"attr": "a", "op": "exists"}, {"not": {"audience": 3}}]}]});
        assert_eq!(condition_text(&nested).unwrap_err().message, "This condition is not complete yet: choose an audience (rule 2.2).");
    }
}
