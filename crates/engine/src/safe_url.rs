//! Links that are safe outside the preview's CSP: a URL-valued field (a string whose schema says
//! `format: uri`, `uri-reference`, `iri` or `iri-reference`) renders only when, read the way a
//! browser reads it, it is relative or uses http, https, mailto or tel. Anything else
//! (`javascript:`, `java\tscript:`, `vbscript:`, `data:text/html`, …) is replaced by an inert `#`
//! when composing, and lint reports it as an error.

use serde_json::Value;

/// What an unsafe link is replaced by.
pub const INERT: &str = "#";

const SAFE_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];
const URL_FORMATS: [&str; 4] = ["uri", "uri-reference", "iri", "iri-reference"];

/// Whether `url` is relative or has a safe scheme, after the normalisation browsers apply:
/// leading and trailing control characters and spaces trimmed, tabs and newlines removed
/// anywhere, the scheme compared without regard to case.
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    match scheme(&cleaned) {
        None => true,
        Some(scheme) => SAFE_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)),
    }
}

/// The scheme of a URL (the letters before the first `:`), or `None` for a relative reference.
fn scheme(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let candidate = &url[..colon];
    let mut chars = candidate.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))).then_some(candidate)
}

/// Every URL-valued string in `content` (as `schema` declares them) that is not safe, as
/// `(JSON pointer, value)`.
pub fn unsafe_urls(schema: &Value, content: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    walk(schema, content, String::new(), &mut |pointer, value| found.push((pointer, value.to_owned())));
    found
}

/// Replaces every unsafe URL-valued string in `content` with [`INERT`]; returns their pointers.
pub fn neutralise(schema: &Value, content: &mut Value) -> Vec<String> {
    let found = unsafe_urls(schema, content);
    for (pointer, _) in &found {
        if let Some(place) = content.pointer_mut(pointer) {
            *place = Value::String(INERT.into());
        }
    }
    found.into_iter().map(|(pointer, _)| pointer).collect()
}

/// Walks `content` beside `schema` (properties, additional properties, items), iteratively so
/// that no depth of input can exhaust the stack.
fn walk(schema: &Value, content: &Value, pointer: String, found: &mut impl FnMut(String, &str)) {
    let mut stack = vec![(schema, content, pointer)];
    while let Some((schema, content, pointer)) = stack.pop() {
        match content {
            Value::String(text) => {
                let is_url = schema.get("format").and_then(Value::as_str).is_some_and(|f| URL_FORMATS.contains(&f));
                if is_url && !is_safe_url(text) {
                    found(pointer, text);
                }
            }
            Value::Object(map) => {
                for (key, value) in map {
                    let sub = schema
                        .get("properties")
                        .and_then(|p| p.get(key))
                        .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                    if let Some(sub) = sub {
                        stack.push((sub, value, format!("{pointer}/{}", escape(key))));
                    }
                }
            }
            Value::Array(items) => {
                if let Some(sub) = schema.get("items").filter(|i| i.is_object()) {
                    for (i, value) in items.iter().enumerate() {
                        stack.push((sub, value, format!("{pointer}/{i}")));
                    }
                }
            }
            _ => {}
        }
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn script_schemes_are_unsafe_however_a_browser_would_still_read_them() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            " \u{1}javascript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "jav\r\nascript:alert(1)",
        ] {
            assert!(!is_safe_url(bad), "{bad:?} must not render");
        }
    }

    #[test]
    fn web_mail_phone_and_relative_links_are_safe() {
        for good in [
            "https://northwind.example/sale",
            "http://x",
            "mailto:help@northwind.example",
            "tel:+41441234567",
            "/service",
            "sale?x=1",
            "#top",
            "//cdn.example/x",
            "a/b:c",
        ] {
            assert!(is_safe_url(good), "{good:?} is a fine link");
        }
    }

    #[test]
    fn only_fields_the_schema_says_are_urls_are_neutralised_at_any_depth() {
        let schema = json!({"type": "object", "properties": {
            "title": {"type": "string"},
            "cta": {"type": "object", "properties": {"href": {"type": "string", "format": "uri-reference"}}},
            "links": {"type": "array", "items": {"type": "object", "properties": {"href": {"type": "string", "format": "uri"}}}}
        }});
        let mut content = json!({
            "title": "javascript:is just text here",
            "cta": {"href": "javascript:alert(1)"},
            "links": [{"href": "/ok"}, {"href": "vbscript:x"}]
        });
        let mut fixed = neutralise(&schema, &mut content);
        fixed.sort();
        assert_eq!(fixed, ["/cta/href", "/links/1/href"]);
        assert_eq!(content["cta"]["href"], INERT);
        assert_eq!(content["links"][0]["href"], "/ok");
        assert_eq!(content["title"], "javascript:is just text here");
    }
}
