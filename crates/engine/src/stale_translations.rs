//! Translations written for an original text that has changed since: the English headline was
//! rewritten after the German one was typed, so the German may say something else now. Found
//! from an entry's history alone (no mark is stored in the document): for each translated text,
//! the original as it was when that translation was last written, compared with the original now.

use crate::bundle::merged;
use crate::locales::{expand, owns};
use serde_json::Value;
use std::collections::HashMap;

/// One translation whose original changed after it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct StaleTranslation {
    /// The translation's place in the entry document (`/personalizations/0/translations/de-DE/headline`).
    pub pointer: String,
    pub locale: String,
    /// The original text when the translation was last written.
    pub original_then: Value,
}

/// A variant's identity across versions: the baseline, or a personalization by its id (its
/// position may change between versions).
type Key = (String, String, String);

/// The stale translations of the newest of `versions` (an entry document's versions, oldest
/// first; unreadable ones are skipped). `fields` are the component's localized field patterns.
pub fn stale_translations(versions: &[Value], fields: &[String]) -> Vec<StaleTranslation> {
    stale_in(versions, |doc| variants(doc).into_iter().map(|v| (v, fields.to_vec())).collect())
}

/// The stale translations of experiment arms in the newest of `versions` (versions of
/// `experiments.json`, oldest first). An arm's own texts are those its patch sets;
/// `fields_of(entry)` gives the localized field patterns of the entry an experiment runs on.
pub fn stale_arm_translations(versions: &[Value], fields_of: impl Fn(&str) -> Vec<String>) -> Vec<StaleTranslation> {
    stale_in(versions, |doc| arms(doc).into_iter().map(|(entry, v)| (v, fields_of(&entry))).collect())
}

fn stale_in<'v>(versions: &'v [Value], variants_of: impl Fn(&'v Value) -> Vec<(Variant<'v>, Vec<String>)>) -> Vec<StaleTranslation> {
    // (variant, locale, field) -> (the translation, the original when it was written).
    let mut written: HashMap<Key, (Value, Value)> = HashMap::new();
    let mut newest: Vec<(Key, String, Value)> = Vec::new();
    for version in versions {
        newest.clear();
        for (variant, fields) in variants_of(version) {
            for field in fields.iter().flat_map(|f| expand(f, &variant.content)) {
                if variant.patch.is_some() && !owns(variant.patch, &field) {
                    continue;
                }
                let Some(original) = variant.content.pointer(&field) else { continue };
                let Some(by_locale) = variant.translations.and_then(Value::as_object) else { continue };
                for (locale, texts) in by_locale {
                    let key = (variant.id.clone(), locale.clone(), field.clone());
                    let Some(text) = texts.pointer(&field).filter(|t| !t.is_null()) else {
                        written.remove(&key);
                        continue;
                    };
                    if written.get(&key).is_none_or(|(kept, _)| kept != text) {
                        written.insert(key.clone(), (text.clone(), original.clone()));
                    }
                    newest.push((key, format!("{}/{locale}{field}", variant.at), original.clone()));
                }
            }
        }
    }
    newest
        .into_iter()
        .filter_map(|(key, pointer, original_now)| {
            let (_, then) = written.get(&key)?;
            (then != &original_now).then(|| StaleTranslation { pointer, locale: key.1, original_then: then.clone() })
        })
        .collect()
}

struct Variant<'v> {
    id: String,
    /// Where its `translations` sit in the document.
    at: String,
    content: Value,
    patch: Option<&'v Value>,
    translations: Option<&'v Value>,
}

fn variants(entry: &Value) -> Vec<Variant<'_>> {
    let Some(baseline) = entry.get("baseline") else { return Vec::new() };
    let mut out = vec![Variant {
        id: String::new(),
        at: "/translations".into(),
        content: baseline.clone(),
        patch: None,
        translations: entry.get("translations"),
    }];
    let personalizations = entry.get("personalizations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for (i, p) in personalizations.iter().enumerate() {
        let (Some(id), Some(patch)) = (p.get("id").and_then(Value::as_str), p.get("patch")) else { continue };
        out.push(Variant {
            id: id.to_owned(),
            at: format!("/personalizations/{i}/translations"),
            content: merged(baseline, patch),
            patch: Some(patch),
            translations: p.get("translations"),
        });
    }
    out
}

/// Each experiment's arms as variants (keyed by experiment key and arm name), with the entry
/// the experiment runs on. An arm's content is its patch: its own texts are the ones it sets.
fn arms(doc: &Value) -> Vec<(String, Variant<'_>)> {
    let experiments = doc.get("experiments").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut out = Vec::new();
    for (i, x) in experiments.iter().enumerate() {
        let (Some(key), Some(entry)) = (x.get("key").and_then(Value::as_str), x.get("entry").and_then(Value::as_str)) else { continue };
        let arms = x.get("arms").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (j, arm) in arms.iter().enumerate() {
            let (Some(name), Some(patch)) = (arm.get("name").and_then(Value::as_str), arm.get("patch")) else { continue };
            out.push((
                entry.to_owned(),
                Variant {
                    id: format!("{key}\u{0}{name}"),
                    at: format!("/experiments/{i}/arms/{j}/translations"),
                    content: patch.clone(),
                    patch: Some(patch),
                    translations: arm.get("translations"),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(headline: &str, german: Option<&str>, vip: &str, vip_german: &str) -> Value {
        let mut e = json!({
            "baseline": {"headline": headline, "tone": "forest"},
            "personalizations": [{"id": "vip", "patch": {"headline": vip}, "translations": {"de-DE": {"headline": vip_german}}}]
        });
        if let Some(german) = german {
            e["translations"] = json!({"de-DE": {"headline": german}});
        }
        e
    }

    fn fields() -> Vec<String> {
        vec!["/headline".into()]
    }

    #[test]
    fn an_original_rewritten_after_its_translation_makes_it_stale_and_names_the_old_original() {
        let versions = [
            entry("Built to last", Some("Gebaut für lange"), "Welcome", "Willkommen"),
            entry("Built for the long way", Some("Gebaut für lange"), "Welcome", "Willkommen"),
        ];
        let stale = stale_translations(&versions, &fields());
        assert_eq!(
            stale,
            vec![StaleTranslation {
                pointer: "/translations/de-DE/headline".into(),
                locale: "de-DE".into(),
                original_then: json!("Built to last")
            }]
        );
    }

    #[test]
    fn a_translation_rewritten_after_the_original_changed_is_current_again() {
        let versions = [
            entry("Built to last", Some("Gebaut für lange"), "Welcome", "Willkommen"),
            entry("Built for the long way", Some("Gebaut für lange"), "Welcome", "Willkommen"),
            entry("Built for the long way", Some("Gebaut für den langen Weg"), "Welcome", "Willkommen"),
        ];
        assert!(stale_translations(&versions, &fields()).is_empty());
    }

    #[test]
    fn a_personalizations_translation_is_judged_by_its_own_text_and_survives_a_move_in_the_list() {
        let mut moved = entry("Built to last", Some("Gebaut für lange"), "Welcome back", "Willkommen");
        let vip = moved["personalizations"][0].clone();
        moved["personalizations"] = json!([{"id": "new", "patch": {"tone": "snow"}}, vip]);
        let versions = [entry("Built to last", Some("Gebaut für lange"), "Welcome", "Willkommen"), moved];
        let stale = stale_translations(&versions, &fields());
        assert_eq!(stale.len(), 1, "{stale:?}");
        assert_eq!(stale[0].pointer, "/personalizations/1/translations/de-DE/headline");
        assert_eq!(stale[0].original_then, json!("Welcome"));
    }

    #[test]
    fn an_original_changed_and_changed_back_leaves_the_translation_current() {
        let versions = [
            entry("Built to last", Some("Gebaut für lange"), "Welcome", "Willkommen"),
            entry("Built for speed", Some("Gebaut für lange"), "Welcome", "Willkommen"),
            entry("Built to last", Some("Gebaut für lange"), "Welcome", "Willkommen"),
        ];
        assert!(stale_translations(&versions, &fields()).is_empty());
    }

    #[test]
    fn an_arms_translation_goes_stale_when_its_own_text_changes_and_not_when_the_entry_does() {
        let experiments = |headline: &str, german: &str, eyebrow: &str| {
            json!({"experiments": [{"key": "x", "entry": "home-hero", "arms": [
                {"name": "control", "patch": {}},
                {"name": "adventure", "patch": {"headline": headline, "eyebrow": eyebrow},
                 "translations": {"de-DE": {"headline": german, "eyebrow": "Neu"}}}
            ]}]})
        };
        let fields = |entry: &str| if entry == "home-hero" { vec!["/headline".to_owned(), "/eyebrow".to_owned()] } else { Vec::new() };
        let versions = [experiments("Go further", "Weiter gehen", "New"), experiments("Go further, go wild", "Weiter gehen", "New")];
        let stale = stale_arm_translations(&versions, fields);
        assert_eq!(
            stale,
            vec![StaleTranslation {
                pointer: "/experiments/0/arms/1/translations/de-DE/headline".into(),
                locale: "de-DE".into(),
                original_then: json!("Go further")
            }]
        );
    }

    #[test]
    fn a_translation_added_after_the_change_is_not_stale() {
        let versions = [
            entry("Built to last", None, "Welcome", "Willkommen"),
            entry("Built for the long way", Some("Gebaut für den langen Weg"), "Welcome", "Willkommen"),
        ];
        assert!(stale_translations(&versions, &fields()).is_empty());
    }
}
