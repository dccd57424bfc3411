//! The field-level diff shown for a conflict: every JSON pointer where mine and theirs differ.

use serde::Serialize;
use serde_json::Value;

/// One differing field. `None` means the field is absent on that side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDiff {
    pub pointer: String,
    pub mine: Option<Value>,
    pub theirs: Option<Value>,
}

/// Differences between two JSON documents, by JSON pointer, objects compared key by key and
/// everything else (arrays included) as a whole.
pub fn field_diff(mine: &Value, theirs: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    walk("", Some(mine), Some(theirs), &mut out);
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn walk(at: &str, mine: Option<&Value>, theirs: Option<&Value>, out: &mut Vec<FieldDiff>) {
    match (mine, theirs) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                walk(&format!("{at}/{}", escape(key)), a.get(key), b.get(key), out);
            }
        }
        (a, b) if a != b => out.push(FieldDiff { pointer: at.to_owned(), mine: a.cloned(), theirs: b.cloned() }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_every_differing_field_by_pointer() {
        let mine = json!({"headline": "Mine", "cta": {"label": "Go", "href": "/a"}, "tone": "forest"});
        let theirs = json!({"headline": "Theirs", "cta": {"label": "Go", "href": "/b"}, "eyebrow": "New"});
        let d = field_diff(&mine, &theirs);
        let pointers: Vec<&str> = d.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["/cta/href", "/eyebrow", "/headline", "/tone"]);
        assert_eq!(d[1].mine, None);
        assert_eq!(d[3].theirs, None);
    }

    #[test]
    fn identical_documents_have_no_diff() {
        assert!(field_diff(&json!({"a": [1, 2]}), &json!({"a": [1, 2]})).is_empty());
    }
}
