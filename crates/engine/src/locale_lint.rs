//! Lint of content per locale (`docs/locales.md`): the declared locales and their chains, and
//! every variant's translations. A text a locale lacks is a warning when its reader gets it in
//! another language along the chain, and an error when no locale of the chain has it (the
//! reader then gets the default's text, which nobody chose for them). A fallback within the
//! same language (de-CH reading de-DE) is the chain doing its job and is not reported.

use crate::bundle::{Bundle, Diagnostic, Severity};
use crate::locales::{expand, language, localized_fields, owns, provider, within, Locales};
use crate::model::{Translations, Workspace};
use serde_json::Value;
use std::collections::BTreeSet;

/// A variant as the translations lint reads it.
struct Variant<'w> {
    file: String,
    /// Where the variant's `translations` sit in its file.
    at: String,
    name: String,
    component: &'w str,
    patch: Option<&'w Value>,
    content: Value,
    own: &'w Translations,
}

/// The declared locales: known fallbacks, no duplicates, no chain on the default.
pub(crate) fn declared(ws: &Workspace, out: &mut Vec<Diagnostic>) {
    let locales = &ws.settings.locales;
    let mut seen = BTreeSet::new();
    for (i, locale) in locales.iter().enumerate() {
        let at = format!("/locales/{i}");
        if !seen.insert(locale.code.to_ascii_lowercase()) {
            out.push(error("vantage.json", format!("{at}/code"), "locale", format!("`{}` is declared twice", locale.code)));
        }
        if i == 0 && !locale.fallback.is_empty() {
            out.push(error(
                "vantage.json",
                format!("{at}/fallback"),
                "locale",
                format!("{} is the default locale: it has every text and falls back to nothing", locale.name),
            ));
        }
        for (j, code) in locale.fallback.iter().enumerate() {
            if !locales.iter().any(|l| &l.code == code) || code == &locale.code {
                let why = if code == &locale.code { "itself" } else { "a locale the workspace does not declare" };
                out.push(error(
                    "vantage.json",
                    format!("{at}/fallback/{j}"),
                    "locale",
                    format!("{} falls back to `{code}`, {why}", locale.name),
                ));
            }
        }
    }
}

/// Every variant's translations (of entry `only`, or of all): locales that exist, fields that are
/// localized, and the texts each locale lacks.
pub(crate) fn translations(bundle: &Bundle, only: Option<&str>, out: &mut Vec<Diagnostic>) {
    let ws = &bundle.workspace;
    let locales = Locales::of(&ws.settings);
    for variant in variants(bundle, only) {
        let Some(component) = ws.components.get(variant.component) else { continue };
        let fields = localized_fields(&component.schema);
        for (code, texts) in variant.own {
            let at = format!("{}/{code}", variant.at);
            if locales.others().iter().all(|l| &l.code != code) {
                let what = if locales.default_code() == Some(code.as_str()) {
                    "the default locale, whose texts are the content itself"
                } else {
                    "a locale the workspace does not declare (vantage.json)"
                };
                out.push(error(&variant.file, at, "translation", format!("`{}` has texts for `{code}`, {what}", variant.name)));
                continue;
            }
            let mut leaves = Vec::new();
            leaf_pointers("", texts, &mut leaves);
            for leaf in leaves.iter().filter(|leaf| !fields.iter().any(|f| within(leaf, f))) {
                out.push(error(
                    &variant.file,
                    format!("{at}{leaf}"),
                    "translation",
                    format!(
                        "`{}` translates `{}`, which {} does not mark as translated per locale",
                        variant.name,
                        leaf.trim_start_matches('/'),
                        component.name
                    ),
                ));
            }
        }
        let Some(default) = locales.default_code() else { continue };
        for field in fields.iter().flat_map(|f| expand(f, &variant.content)) {
            // Each text is reported once, on the variant that sets it.
            if variant.patch.is_some() && !owns(variant.patch, &field) {
                continue;
            }
            let title = field_title(&component.schema, &field);
            for locale in locales.others() {
                let from = provider(locales.chain(&locale.code), default, variant.own, &field);
                let pointer = format!("{}/{}{field}", variant.at, locale.code);
                match from {
                    Some(code) if code == locale.code || language(code) == language(&locale.code) => {}
                    Some(code) => out.push(Diagnostic::new(
                        Severity::Warning,
                        variant.file.clone(),
                        pointer,
                        "missing_translation",
                        format!(
                            "`{}` has no {} ({}) {title}: visitors in {} read the {} one",
                            variant.name,
                            locales.name(&locale.code),
                            locale.code,
                            locale.code,
                            locales.name(code)
                        ),
                    )),
                    None => out.push(error(
                        &variant.file,
                        pointer,
                        "no_fallback",
                        format!(
                            "`{}` has no {} ({}) {title} and no locale {} falls back to has it: visitors in {} read the {} text",
                            variant.name,
                            locales.name(&locale.code),
                            locale.code,
                            locale.code,
                            locale.code,
                            locales.name(default)
                        ),
                    )),
                }
            }
        }
    }
}

fn error(file: &str, pointer: String, code: &str, message: String) -> Diagnostic {
    Diagnostic::new(Severity::Error, file.to_owned(), pointer, code, message)
}

/// The baseline, personalizations and experiment arms of the entries linted.
fn variants<'w>(bundle: &'w Bundle, only: Option<&str>) -> Vec<Variant<'w>> {
    let ws = &bundle.workspace;
    let mut out = Vec::new();
    for (id, entry) in ws.entries_or_only(only) {
        let file = format!("entries/{id}.json");
        out.push(Variant {
            file: file.clone(),
            at: "/translations".into(),
            name: "baseline".into(),
            component: &entry.component,
            patch: None,
            content: entry.baseline.clone(),
            own: &entry.translations,
        });
        for (i, p) in entry.personalizations.iter().enumerate() {
            out.push(Variant {
                file: file.clone(),
                at: format!("/personalizations/{i}/translations"),
                name: p.name.clone(),
                component: &entry.component,
                patch: Some(&p.patch),
                content: crate::bundle::merged(&entry.baseline, &p.patch),
                own: &p.translations,
            });
        }
    }
    for (i, x) in ws.experiments.iter().enumerate() {
        let Some(entry) = ws.entries.get(&x.entry).filter(|_| only.is_none_or(|o| o == x.entry)) else { continue };
        for (j, arm) in x.arms.iter().enumerate() {
            out.push(Variant {
                file: "experiments.json".into(),
                at: format!("/experiments/{i}/arms/{j}/translations"),
                name: format!("{} / {}", x.name, arm.name),
                component: &entry.component,
                patch: Some(&arm.patch),
                content: crate::bundle::merged(&entry.baseline, &arm.patch),
                own: &arm.translations,
            });
        }
    }
    out
}

/// A field as a person names it: its schema titles, outer first ("Button text").
fn field_title(schema: &Value, field: &str) -> String {
    let mut at = schema;
    let mut titles = Vec::new();
    for part in field.split('/').skip(1) {
        let name = part.replace("~1", "/").replace("~0", "~");
        if name.parse::<usize>().is_ok() {
            at = at.get("items").unwrap_or(at);
            titles.push(format!("no. {}", name.parse::<usize>().unwrap_or(0) + 1));
            continue;
        }
        match at.get("properties").and_then(|p| p.get(&name)) {
            Some(next) => {
                titles.push(next.get("title").and_then(Value::as_str).map_or(name.clone(), str::to_owned));
                at = next;
            }
            None => titles.push(name),
        }
    }
    let mut text = titles.join(" ").to_lowercase();
    if text.is_empty() {
        text = field.to_owned();
    }
    text
}

fn leaf_pointers(at: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        // An empty object holds no text (the editor keeps `{}` to hold a list item's position).
        Value::Object(map) if map.is_empty() => {}
        Value::Object(map) => {
            for (k, v) in map {
                leaf_pointers(&format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                leaf_pointers(&format!("{at}/{i}"), v, out);
            }
        }
        _ => out.push(at.to_owned()),
    }
}
