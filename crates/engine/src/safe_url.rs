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

/// One step from a node to its child: an object key or an array index.
#[derive(Clone, Copy)]
enum Step<'c> {
    Key(&'c str),
    Index(usize),
}

/// Walks `content` beside `schema` (properties, additional properties, items), iteratively so
/// that no depth of input can exhaust the stack. Each node keeps only its step and its parent's
/// place; a pointer is spelled out only for an unsafe link (composing walks every variant of
/// every entry, and nearly all have none).
fn walk(schema: &Value, content: &Value, pointer: String, found: &mut impl FnMut(String, &str)) {
    // (step, parent's index) for every node pushed; the root has no step.
    let mut steps: Vec<(Option<Step<'_>>, usize)> = vec![(None, 0)];
    let mut stack = vec![(schema, content, 0usize)];
    while let Some((schema, content, at)) = stack.pop() {
        match content {
            Value::String(text) => {
                let is_url = schema.get("format").and_then(Value::as_str).is_some_and(|f| URL_FORMATS.contains(&f));
                if is_url && !is_safe_url(text) {
                    found(spelled(&pointer, &steps, at), text);
                }
            }
            Value::Object(map) => {
                let properties = schema.get("properties");
                let additional = schema.get("additionalProperties").filter(|a| a.is_object());
                for (key, value) in map {
                    if let Some(sub) = properties.and_then(|p| p.get(key)).or(additional) {
                        steps.push((Some(Step::Key(key)), at));
                        stack.push((sub, value, steps.len() - 1));
                    }
                }
            }
            Value::Array(items) => {
                if let Some(sub) = schema.get("items").filter(|i| i.is_object()) {
                    for (i, value) in items.iter().enumerate() {
                        steps.push((Some(Step::Index(i)), at));
                        stack.push((sub, value, steps.len() - 1));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The JSON pointer of node `at`: `root` and then each step from the root down.
fn spelled(root: &str, steps: &[(Option<Step<'_>>, usize)], mut at: usize) -> String {
    let mut path = Vec::new();
    while let Some(&(Some(step), parent)) = steps.get(at) {
        path.push(step);
        at = parent;
    }
    let mut pointer = root.to_owned();
    for step in path.iter().rev() {
        match step {
            Step::Key(key) => {
                pointer.push('/');
                pointer.push_str(&escape(key));
            }
            Step::Index(i) => pointer.push_str(&format!("/{i}")),
        }
    }
    pointer
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

    #[test]
    fn a_pointer_to_an_unsafe_link_escapes_keys_that_hold_slashes_and_tildes() {
        let schema = json!({"type": "object", "additionalProperties": {"type": "object", "properties": {
            "href": {"type": "string", "format": "uri"}
        }}});
        let content = json!({"a/b~c": {"href": "javascript:x"}, "fine": {"href": "https://ok"}});
        assert_eq!(unsafe_urls(&schema, &content), [("/a~1b~0c/href".to_owned(), "javascript:x".to_owned())]);
    }
}
