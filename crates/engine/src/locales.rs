//! Content per locale (`docs/locales.md`). The workspace lists its locales, the default first:
//! the texts written in entries and experiments are the default's. A component's schema marks
//! the fields that are localized (`"x-localized": true`), and each variant (the baseline, a
//! personalization, an arm) carries its own `translations`. A visitor's `request.locale` picks a
//! locale; a text the variant lacks there is taken along the locale's fallback chain. Deciding
//! never reads any of this: a visitor's variant is the same in every locale unless a rule reads
//! `request.locale`.

use crate::model::{Locale, Settings, Translations};
use serde_json::Value;

/// The visitor attribute that picks the locale (a request fact, from the CDN's header).
pub const LOCALE: &str = "request.locale";

/// The JSON Schema keyword that marks a content field as localized.
pub const LOCALIZED: &str = "x-localized";

/// The workspace's locales, as declared in `vantage.json`.
#[derive(Debug, Clone, Copy)]
pub struct Locales<'w> {
    declared: &'w [Locale],
}

impl<'w> Locales<'w> {
    pub fn of(settings: &'w Settings) -> Locales<'w> {
        Locales { declared: &settings.locales }
    }

    /// Every declared locale, the default first.
    pub fn all(&self) -> &'w [Locale] {
        self.declared
    }

    /// The locale the entries' own texts are written in (none when no locales are declared).
    pub fn default_code(&self) -> Option<&'w str> {
        self.declared.first().map(|l| l.code.as_str())
    }

    /// The locales other than the default, which translations fill.
    pub fn others(&self) -> &'w [Locale] {
        self.declared.get(1..).unwrap_or_default()
    }

    pub fn get(&self, code: &str) -> Option<&'w Locale> {
        self.declared.iter().find(|l| l.code == code)
    }

    /// The locale a visitor asking for `requested` reads: the declared one of that tag (ignoring
    /// case, `_` read as `-`), else the first of the same language, else the default. `None` only
    /// when the workspace declares no locales.
    pub fn resolve(&self, requested: Option<&str>) -> Option<&'w str> {
        let default = self.default_code()?;
        let Some(asked) = requested.map(|r| r.trim().replace('_', "-")) else { return Some(default) };
        let exact = self.declared.iter().find(|l| l.code.eq_ignore_ascii_case(&asked));
        let same_language = || self.declared.iter().find(|l| language(&l.code).eq_ignore_ascii_case(language(&asked)));
        Some(exact.or_else(same_language).map_or(default, |l| l.code.as_str()))
    }

    /// Where `code`'s missing texts come from, in order, `code` itself first.
    pub fn chain(&self, code: &'w str) -> impl Iterator<Item = &'w str> + 'w {
        let fallback = self.get(code).map(|l| l.fallback.as_slice()).unwrap_or_default();
        std::iter::once(code).chain(fallback.iter().map(String::as_str))
    }

    /// The locale name a person reads ("German (Switzerland)"), or the code if it is unknown.
    pub fn name(&self, code: &'w str) -> &'w str {
        self.get(code).map_or(code, |l| l.name.as_str())
    }
}

/// The language of a locale tag: `de` of `de-CH`.
pub fn language(code: &str) -> &str {
    code.split('-').next().unwrap_or(code)
}

/// The fields `schema` marks localized, as JSON pointers in which `*` stands for every index of
/// an array (`/links/*/label`: each link's label, not its address), found through nested
/// objects and array items. A localized object or array is translated as a whole.
pub fn localized_fields(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_localized(schema, "", &mut out, 0);
    out
}

fn collect_localized(schema: &Value, at: &str, out: &mut Vec<String>, depth: usize) {
    // Component schemas are developer files, yet still bounded: no pointer past 16 levels.
    if depth > 16 {
        return;
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        let pointer = format!("{at}/*");
        if items.get(LOCALIZED).and_then(Value::as_bool) == Some(true) {
            out.push(pointer);
        } else {
            collect_localized(items, &pointer, out, depth + 1);
        }
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return };
    for (name, field) in properties {
        let pointer = format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"));
        if field.get(LOCALIZED).and_then(Value::as_bool) == Some(true) {
            out.push(pointer);
        } else {
            collect_localized(field, &pointer, out, depth + 1);
        }
    }
}

/// The pointers `field` (a [`localized_fields`] pattern) names in `content`: each `*` taken as
/// every index of the array there.
pub fn expand(field: &str, content: &Value) -> Vec<String> {
    let mut found = vec![String::new()];
    for part in field.split('/').skip(1) {
        found = found
            .into_iter()
            .flat_map(|at| match (part, content.pointer(&at)) {
                ("*", Some(Value::Array(items))) => (0..items.len()).map(|i| format!("{at}/{i}")).collect(),
                ("*", _) => Vec::new(),
                (name, _) => vec![format!("{at}/{name}")],
            })
            .collect();
    }
    found.retain(|at| content.pointer(at).is_some_and(|v| !v.is_null()));
    found
}

/// Whether the concrete pointer `at` is the pattern `field` or lies inside it.
pub fn within(at: &str, field: &str) -> bool {
    let (mut at_parts, field_parts) = (at.split('/'), field.split('/'));
    field_parts.into_iter().all(|f| at_parts.next().is_some_and(|a| f == "*" && a.parse::<usize>().is_ok() || f == a))
}

/// Whose translations hold the text at `field` of a variant: the variant's own when its patch
/// sets that field (or an object around it), else the baseline's. The baseline passes no patch.
pub fn owns(patch: Option<&Value>, field: &str) -> bool {
    let Some(patch) = patch else { return false };
    let mut at = String::new();
    for part in field.split('/').skip(1) {
        at.push('/');
        at.push_str(part);
        match patch.pointer(&at) {
            None | Some(Value::Null) => return false,
            Some(Value::Object(_)) => continue,
            Some(_) => return true,
        }
    }
    true
}

/// The locale in `chain` whose text a reader of the chain's first locale gets for `field`: the
/// first that has a translation (or is `default`, whose text is the content's own). `None`
/// when no locale of the chain has it.
pub fn provider<'c>(chain: impl Iterator<Item = &'c str>, default: &str, own: &Translations, field: &str) -> Option<&'c str> {
    chain.into_iter().find(|code| *code == default || translation(own, code, field).is_some())
}

/// The translated text at `field` in `code`, if the variant has one.
pub fn translation<'t>(own: &'t Translations, code: &str, field: &str) -> Option<&'t Value> {
    own.get(code).and_then(|t| t.pointer(field)).filter(|v| !v.is_null())
}

/// A variant's texts: each pointer its localized `fields` name in its `content`, and whether the
/// variant's own translations hold it ([`owns`]) rather than the baseline's. The same in every
/// locale, so worked out once per variant.
pub fn variant_texts(fields: &[String], content: &Value, patch: Option<&Value>) -> Vec<(String, bool)> {
    fields
        .iter()
        .flat_map(|f| expand(f, content))
        .map(|at| {
            let own = owns(patch, &at);
            (at, own)
        })
        .collect()
}

/// A variant's merged content in locale `code`: each localized field the content holds replaced
/// by the text along `code`'s chain, from the variant's own translations where its patch sets
/// the field, else from the baseline's. A field no locale of the chain has keeps the default
/// text (lint calls that an error).
pub fn localize(
    locales: &Locales<'_>,
    code: &str,
    fields: &[String],
    content: &Value,
    patch: Option<&Value>,
    own: &Translations,
    baseline: &Translations,
) -> Value {
    let texts = variant_texts(fields, content, patch);
    localized_if_changed(locales, code, &texts, content, own, baseline).unwrap_or_else(|| content.clone())
}

/// [`localize`] from the variant's [`variant_texts`], or `None` when no text differs from the
/// default's (nothing is copied then).
pub fn localized_if_changed(
    locales: &Locales<'_>,
    code: &str,
    texts: &[(String, bool)],
    content: &Value,
    own: &Translations,
    baseline: &Translations,
) -> Option<Value> {
    let default = locales.default_code()?;
    let chain_start = locales.get(code).map_or(default, |l| l.code.as_str());
    let mut out: Option<Value> = None;
    for (field, is_own) in texts {
        let source = if *is_own { own } else { baseline };
        let found =
            locales.chain(chain_start).find_map(|c| if c == default { Some(None) } else { translation(source, c, field).map(Some) });
        let Some(Some(text)) = found else { continue };
        if content.pointer(field) == Some(text) {
            continue;
        }
        if let Some(slot) = out.get_or_insert_with(|| content.clone()).pointer_mut(field) {
            *slot = text.clone();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(locales: Value) -> Settings {
        serde_json::from_value(json!({
            "name": "t", "population": {"size": 1, "seed": 1, "now": "2026-11-20T12:00:00Z"}, "locales": locales
        }))
        .unwrap()
    }

    fn shop() -> Settings {
        settings(json!([
            {"code": "en-GB", "name": "English"},
            {"code": "de-DE", "name": "German", "fallback": ["en-GB"]},
            {"code": "de-CH", "name": "German (Switzerland)", "fallback": ["de-DE", "en-GB"]},
            {"code": "fr-FR", "name": "French", "fallback": ["en-GB"]},
            {"code": "it-IT", "name": "Italian"}
        ]))
    }

    #[test]
    fn a_visitor_gets_the_exact_locale_else_the_first_of_their_language_else_the_default() {
        let s = shop();
        let l = Locales::of(&s);
        assert_eq!(l.resolve(Some("de-CH")), Some("de-CH"));
        assert_eq!(l.resolve(Some("DE_ch")), Some("de-CH"), "case and underscore do not matter");
        assert_eq!(l.resolve(Some("de-AT")), Some("de-DE"), "same language: the first declared");
        assert_eq!(l.resolve(Some("fr-CH")), Some("fr-FR"));
        assert_eq!(l.resolve(Some("nl-NL")), Some("en-GB"), "no such language: the default");
        assert_eq!(l.resolve(None), Some("en-GB"));
        let none = settings(json!([]));
        assert_eq!(Locales::of(&none).resolve(Some("de-DE")), None, "no locales declared: one language");
    }

    #[test]
    fn localized_fields_are_found_through_nested_objects() {
        let schema = json!({"type": "object", "properties": {
            "headline": {"type": "string", "x-localized": true},
            "tone": {"type": "string"},
            "cta": {"type": "object", "properties": {"label": {"type": "string", "x-localized": true}, "href": {"type": "string"}}}
        }});
        assert_eq!(localized_fields(&schema), vec!["/cta/label".to_owned(), "/headline".to_owned()]);
    }

    fn translations(value: Value) -> Translations {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_missing_text_falls_back_along_the_chain_and_the_default_ends_it() {
        let s = shop();
        let l = Locales::of(&s);
        let fields = vec!["/headline".to_owned(), "/cta/label".to_owned()];
        let content = json!({"headline": "Hello", "cta": {"label": "Shop", "href": "/new"}, "tone": "forest"});
        let base = translations(json!({"de-DE": {"headline": "Hallo", "cta": {"label": "Einkaufen"}}, "de-CH": {"headline": "Grüezi"}}));
        let de_ch = localize(&l, "de-CH", &fields, &content, None, &base, &base);
        assert_eq!(
            de_ch,
            json!({"headline": "Grüezi", "cta": {"label": "Einkaufen", "href": "/new"}, "tone": "forest"}),
            "own, then de-DE"
        );
        let fr = localize(&l, "fr-FR", &fields, &content, None, &base, &base);
        assert_eq!(fr, content, "French has no text: the chain ends at the default");
        let it = localize(&l, "it-IT", &fields, &content, None, &base, &base);
        assert_eq!(it, content, "no chain: the default's text is still shown (lint calls it an error)");
    }

    #[test]
    fn a_variant_that_sets_a_text_is_translated_from_its_own_translations_never_the_baselines() {
        let s = shop();
        let l = Locales::of(&s);
        let fields = vec!["/headline".to_owned(), "/cta/label".to_owned()];
        let base = translations(json!({"de-DE": {"headline": "Hallo", "cta": {"label": "Einkaufen"}}}));
        let patch = json!({"headline": "Welcome back"});
        let content = json!({"headline": "Welcome back", "cta": {"label": "Shop", "href": "/new"}});
        let untranslated = localize(&l, "de-DE", &fields, &content, Some(&patch), &Translations::new(), &base);
        assert_eq!(
            untranslated,
            json!({"headline": "Welcome back", "cta": {"label": "Einkaufen", "href": "/new"}}),
            "the VIP headline stays the VIP headline (in English); the inherited button is the baseline's German"
        );
        let own = translations(json!({"de-DE": {"headline": "Willkommen zurück"}}));
        let translated = localize(&l, "de-DE", &fields, &content, Some(&patch), &own, &base);
        assert_eq!(translated["headline"], "Willkommen zurück");
    }

    #[test]
    fn an_array_items_text_is_localized_by_position_and_its_link_stays_the_contents() {
        let schema = json!({"type": "object", "properties": {"links": {"type": "array", "items": {"type": "object", "properties": {
            "label": {"type": "string", "x-localized": true}, "href": {"type": "string"}
        }}}}});
        let fields = localized_fields(&schema);
        assert_eq!(fields, vec!["/links/*/label".to_owned()]);
        let content = json!({"links": [{"label": "Chat", "href": "/advice"}, {"label": "Guide", "href": "/guide"}]});
        assert_eq!(expand(&fields[0], &content), vec!["/links/0/label".to_owned(), "/links/1/label".to_owned()]);
        let s = shop();
        let base = translations(json!({"de-DE": {"links": [{"label": "Beratung"}]}}));
        let de = localize(&Locales::of(&s), "de-DE", &fields, &content, None, &base, &base);
        assert_eq!(de, json!({"links": [{"label": "Beratung", "href": "/advice"}, {"label": "Guide", "href": "/guide"}]}));
        assert!(within("/links/0/label", "/links/*/label") && !within("/links/0/href", "/links/*/label"));
        assert!(within("/cta/label", "/cta") && !within("/ctb", "/cta"));
    }

    #[test]
    fn a_patch_owns_a_field_it_sets_or_an_object_around_it_but_not_one_it_removes() {
        assert!(owns(Some(&json!({"cta": {"label": "x"}})), "/cta/label"));
        assert!(owns(Some(&json!({"cta": {"label": "x"}})), "/cta"));
        assert!(!owns(Some(&json!({"cta": {"href": "/x"}})), "/cta/label"));
        assert!(!owns(Some(&json!({"headline": null})), "/headline"));
        assert!(!owns(None, "/headline"));
    }
}
