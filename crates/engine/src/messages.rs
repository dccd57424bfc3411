//! The templates' own words (`docs/locales.md`): the texts a template writes around the content
//! ("Sold out", "Only {n} left", the label of an e-mail field, a category's name), which belong
//! to the component type rather than to any entry. `vantage.json` holds the words every
//! template shares and `component.json` a component's own (overriding a shared key), both as
//! `messages: {key: {locale: text}}`. A template reads `messages.<key>` in the visitor's locale,
//! each taken along the locale's fallback chain, and `locale` (the code it renders in).

use crate::bundle::{Diagnostic, Severity};
use crate::locales::{language, Locales};
use crate::model::{Messages, Workspace};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Every component's words resolved in every declared locale: component -> locale -> the object
/// templates read as `messages`. A workspace without locales keys its one set by `""`.
pub fn resolved(workspace: &Workspace) -> BTreeMap<String, BTreeMap<String, Value>> {
    let locales = Locales::of(&workspace.settings);
    let codes: Vec<&str> = match locales.all() {
        [] => vec![""],
        all => all.iter().map(|l| l.code.as_str()).collect(),
    };
    let shared = &workspace.settings.messages;
    workspace
        .components
        .iter()
        .filter(|(_, c)| !c.messages.is_empty() || !shared.is_empty())
        .map(|(id, component)| {
            let catalog = shared.iter().chain(&component.messages).collect::<BTreeMap<_, _>>();
            let per_locale = codes.iter().map(|code| ((*code).to_owned(), in_locale(&catalog, &locales, code))).collect();
            (id.clone(), per_locale)
        })
        .collect()
}

/// The words as a reader of `code` gets them: each along the chain, else the default's text,
/// else (a workspace without locales, or a gap lint reports) any text the key has.
fn in_locale(catalog: &BTreeMap<&String, &BTreeMap<String, String>>, locales: &Locales<'_>, code: &str) -> Value {
    let chain: Vec<&str> = if code.is_empty() { Vec::new() } else { locales.chain(code).chain(locales.default_code()).collect() };
    let texts = catalog.iter().filter_map(|(key, by_locale)| {
        let text = chain.iter().find_map(|c| by_locale.get(*c)).or_else(|| by_locale.values().next())?;
        Some(((*key).clone(), Value::String(text.clone())))
    });
    Value::Object(texts.collect::<Map<String, Value>>())
}

/// The message keys a template names literally (`messages.sold_out`, `messages["sold_out"]`).
/// Keys built while rendering (`messages["fit_" ~ content.fit]`) are not seen.
pub fn keys_used(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (at, _) in template.match_indices("messages") {
        let before = template[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &template[at + "messages".len()..];
        let key = if let Some(dotted) = rest.strip_prefix('.') {
            dotted.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()
        } else if let Some(quoted) = rest.strip_prefix("[\"").or_else(|| rest.strip_prefix("['")) {
            quoted.split_once(['"', '\'']).filter(|(_, tail)| tail.starts_with(']')).map(|(key, _)| key)
        } else {
            None
        };
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            out.push(key);
        }
    }
    out
}

/// Lint of the templates' words: every key a template names exists, each key has the default
/// locale's text and texts only for declared locales, and a locale whose readers would get a
/// word in another language is named (a fallback within the language is the chain's job).
pub(crate) fn lint(ws: &Workspace, out: &mut Vec<Diagnostic>) {
    let shared = &ws.settings.messages;
    catalog(ws, "vantage.json", "the shared words", shared, out);
    for (id, component) in &ws.components {
        for key in keys_used(&component.template) {
            if !component.messages.contains_key(key) && !shared.contains_key(key) {
                out.push(error(
                    &format!("components/{id}/template.html"),
                    String::new(),
                    format!(
                        "the template writes `messages.{key}`, which neither {} nor vantage.json defines: readers would see nothing there",
                        component.name
                    ),
                ));
            }
        }
        catalog(ws, &format!("components/{id}/component.json"), &format!("the words of {}", component.name), &component.messages, out);
    }
}

/// One catalog's keys, in `file`, owned by `owner` (as a person names it).
fn catalog(ws: &Workspace, file: &str, owner: &str, messages: &Messages, out: &mut Vec<Diagnostic>) {
    if messages.is_empty() {
        return;
    }
    let locales = Locales::of(&ws.settings);
    let Some(default) = locales.default_code() else {
        out.push(error(
            file,
            "/messages".into(),
            format!("{} are written per locale, but vantage.json declares no locales", capitalized(owner)),
        ));
        return;
    };
    for (key, by_locale) in messages {
        let at = format!("/messages/{key}");
        for code in by_locale.keys().filter(|code| locales.get(code).is_none()) {
            out.push(error(
                file,
                format!("{at}/{code}"),
                format!("`{key}` has a text for `{code}`, a locale vantage.json does not declare"),
            ));
        }
        if !by_locale.contains_key(default) {
            out.push(error(
                file,
                format!("{at}/{default}"),
                format!("`{key}` has no {} ({default}) text, which every other locale falls back to", locales.name(default)),
            ));
            continue;
        }
        for locale in locales.others() {
            let from = locales.chain(&locale.code).chain(Some(default)).find(|c| by_locale.contains_key(*c)).unwrap_or(default);
            if language(from) != language(&locale.code) {
                out.push(Diagnostic::new(
                    Severity::Warning,
                    file.to_owned(),
                    format!("{at}/{}", locale.code),
                    "missing_translation",
                    format!(
                        "`{key}` ({owner}) has no {} ({}) text: visitors in {} read the {} one",
                        locales.name(&locale.code),
                        locale.code,
                        locale.code,
                        locales.name(from)
                    ),
                ));
            }
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

fn error(file: &str, pointer: String, message: String) -> Diagnostic {
    Diagnostic::new(Severity::Error, file.to_owned(), pointer, "message", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_used_finds_dotted_and_quoted_keys_and_skips_built_ones() {
        let template =
            r#"{{ messages.sold_out }} {{ messages["only_left"]|replace("{n}", 3) }} {{ messages["fit_" ~ x] }} {{ my_messages.x }}"#;
        assert_eq!(keys_used(template), vec!["sold_out", "only_left"]);
    }
}
