//! Lint: what a reviewer must know before approving — compile errors, unreachable and shadowed
//! personalizations, consent problems, experiment weights, schema and brand rule violations,
//! stale feeds. Output is sorted, so text and JSON are stable.

use crate::bundle::{merged, Bundle, Diagnostic, Severity};
use crate::condition::{print, Condition};
use crate::locales::{localize, localized_fields, Locales};
use crate::model::{Translations, Workspace};
use crate::tally::Tally;
use crate::time::{parse_duration_seconds, parse_timestamp};
use serde_json::Value;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

fn d(severity: Severity, file: String, pointer: String, code: &str, message: String) -> Diagnostic {
    Diagnostic::new(severity, file, pointer, code, message)
}

/// Lints `bundle` over its own simulated population ([`Bundle::population`]); `now` is the
/// moment feeds are checked for freshness (RFC 3339).
pub fn lint(bundle: &Bundle, now: &str) -> Vec<Diagnostic> {
    lint_on(bundle, now, &Tally::simulated(bundle, REACHABILITY_BUDGET))
}

/// [`lint`], judging unreached and shadowed rules on the visitors `tally` counted (the simulated
/// population, or recorded traffic).
pub fn lint_on(bundle: &Bundle, now: &str, tally: &Tally) -> Vec<Diagnostic> {
    let mut out = bundle.diagnostics.clone();
    for (id, problem) in &bundle.templates.problems {
        out.push(d(Severity::Error, format!("components/{id}/template.html"), String::new(), "template", problem.clone()));
    }
    unescaped_output(bundle, &mut out);
    reachability(bundle, tally, &mut out);
    consent(bundle, &mut out);
    experiments(bundle, &mut out);
    content(bundle, None, &mut out);
    crate::locale_lint::declared(&bundle.workspace, &mut out);
    crate::locale_lint::translations(bundle, None, &mut out);
    crate::messages::lint(&bundle.workspace, &mut out);
    feeds(bundle, now, &mut out);
    out.sort();
    out.dedup();
    out
}

/// Templates are code: one that writes content unescaped (`|safe`, autoescaping turned off) lets
/// a content field inject markup into every page that shows it, with no CSP to stop it once
/// delivered. Such output is an error, named by line.
fn unescaped_output(bundle: &Bundle, out: &mut Vec<Diagnostic>) {
    for (id, component) in &bundle.workspace.components {
        for (number, line) in component.template.lines().enumerate() {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
            let what = if compact.contains("|safe") {
                "`|safe` writes its value unescaped"
            } else if compact.contains("autoescapefalse") {
                "`autoescape false` writes what follows unescaped"
            } else {
                continue;
            };
            out.push(d(
                Severity::Error,
                format!("components/{id}/template.html"),
                String::new(),
                "unescaped_output",
                format!("line {}: {what}; content could then inject markup into every page that shows it", number + 1),
            ));
        }
    }
}

/// How many rule evaluations the population check of one entry may take: an entry with more
/// personalizations is checked on a smaller sample of the population (and says so), so lint's
/// cost stays linear in the number of personalizations.
pub const REACHABILITY_BUDGET: usize = 2_000_000;

/// Shadowed and unreachable personalizations: exactly (identical or always-true earlier rules)
/// and by evaluation over the population. Linear in personalizations: identical conditions are
/// found through a map of their text, and the priority counts are kept only for pairs that occur.
fn reachability(bundle: &Bundle, tally: &Tally, out: &mut Vec<Diagnostic>) {
    let program = &bundle.decisions.program;
    let adjective = tally.population.adjective();
    let mut seen_entries = BTreeSet::new();
    for slot in bundle.decisions.pages.iter().flat_map(|p| &p.slots) {
        if !seen_entries.insert(slot.entry.clone()) {
            continue;
        }
        let Some(entry) = bundle.workspace.entries.get(&slot.entry) else { continue };
        let file = format!("entries/{}.json", entry.id);
        let count = entry.personalizations.len();
        let mut always_true = vec![false; count];
        let mut compiled = vec![false; count];
        for rule in &slot.rules {
            let i = usize::from(rule.personalization);
            if i < count {
                compiled[i] = true;
                always_true[i] |= program.is_always_true(rule.root);
            }
        }
        let mut exact = BTreeSet::new();
        let mut first_with: HashMap<String, usize> = HashMap::new();
        let mut first_always: Option<usize> = None;
        for (j, later) in entry.personalizations.iter().enumerate() {
            // The first earlier one that is identical or matches everyone, as people read them.
            let identical = match first_with.entry(print(&later.condition)) {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert(j);
                    None
                }
            };
            let earlier = match (identical, first_always) {
                (Some(i), Some(a)) if a < i => Some((a, "matches every visitor")),
                (Some(i), _) => Some((i, if always_true[i] { "matches every visitor" } else { "has the identical condition" })),
                (None, Some(a)) => Some((a, "matches every visitor")),
                (None, None) => None,
            };
            if let Some((i, why)) = earlier {
                out.push(d(
                    Severity::Warning,
                    file.clone(),
                    format!("/personalizations/{j}"),
                    "shadowed",
                    format!("`{}` can never show: the higher-priority `{}` {why}", later.id, entry.personalizations[i].id),
                ));
                exact.insert(j);
            }
            if always_true[j] && first_always.is_none() {
                first_always = Some(j);
            }
        }
        let Some(counts) = tally.entry(&entry.id).filter(|t| t.sample > 0) else { continue };
        let sample = counts.sample;
        if sample < tally.visitors {
            out.push(d(
                Severity::Info,
                file.clone(),
                "/personalizations".into(),
                "reachability_sampled",
                format!(
                    "{} has {count} personalizations, so which of them visitors reach was checked on {sample} of the {} {adjective} visitors",
                    entry.id, tally.visitors
                ),
            ));
        }
        for (i, p) in entry.personalizations.iter().enumerate() {
            if exact.contains(&i) || !compiled[i] {
                continue;
            }
            let pointer = format!("/personalizations/{i}");
            let root = slot.rules.iter().find(|r| usize::from(r.personalization) == i).map(|r| r.root);
            if let (Some(&0), Some(root)) = (counts.matched.get(i), root) {
                out.push(crate::schedule::unreached(bundle, root, p, (file.clone(), pointer), sample, adjective));
            } else if counts.won.get(i) == Some(&0) {
                let by = counts.mostly_taken_by(i).and_then(|w| entry.personalizations.get(w)).map_or("?", |x| x.id.as_str());
                out.push(d(Severity::Warning, file.clone(), pointer, "shadowed", format!("`{}` matches {} {adjective} visitors but every one of them gets a higher-priority personalization first (mostly `{by}`)", p.id, counts.matched[i])));
            }
        }
    }
}

/// Undeclared consent purposes; negations over consent-gated data.
fn consent(bundle: &Bundle, out: &mut Vec<Diagnostic>) {
    let ws = &bundle.workspace;
    let declared: BTreeSet<&str> = ws.settings.consent_purposes.iter().map(|p| p.id.as_str()).collect();
    for (path, attr) in &ws.catalog.attributes {
        if let Some(purpose) = &attr.consent {
            if !declared.contains(purpose.as_str()) {
                out.push(d(
                    Severity::Error,
                    "catalog.json".into(),
                    format!("/attributes/{path}/consent"),
                    "undeclared_consent",
                    format!("`{path}` needs consent `{purpose}`, which vantage.json does not declare"),
                ));
            }
        }
    }
    for (id, profile) in &ws.profiles {
        for c in &profile.consents {
            if !declared.contains(c.as_str()) {
                out.push(d(
                    Severity::Warning,
                    format!("profiles/{id}.json"),
                    "/consents".into(),
                    "undeclared_consent",
                    format!("consent `{c}` is not declared in vantage.json"),
                ));
            }
        }
    }
    for (id, entry) in &ws.entries {
        for (i, p) in entry.personalizations.iter().enumerate() {
            let mut gated = BTreeSet::new();
            p.condition.visit(&mut |c| {
                if let Condition::Not(inner) = c {
                    inner.visit(&mut |n| {
                        for attr in n.attributes() {
                            if let Some(purpose) = ws.catalog.get(attr).and_then(|a| a.consent.clone()) {
                                gated.insert((attr.to_owned(), purpose));
                            }
                        }
                    });
                }
            });
            for (attr, purpose) in gated {
                out.push(d(
                    Severity::Info,
                    format!("entries/{id}.json"),
                    format!("/personalizations/{i}/condition"),
                    "consent_negation",
                    format!(
                        "`{}` negates `{attr}`, which needs consent `{purpose}`: visitors who withheld it are never selected by that part",
                        p.id
                    ),
                ));
            }
        }
    }
}

fn experiments(bundle: &Bundle, out: &mut Vec<Diagnostic>) {
    for (i, x) in bundle.workspace.experiments.iter().enumerate() {
        let total: u64 = x.arms.iter().map(|a| u64::from(a.weight)).sum();
        if total != 100 {
            out.push(d(
                Severity::Error,
                "experiments.json".into(),
                format!("/experiments/{i}/arms"),
                "weights_total",
                format!("the arms of `{}` weigh {total} in total; they must add up to 100", x.key),
            ));
        }
        if !(0.0..=100.0).contains(&x.holdout_percent) {
            out.push(d(
                Severity::Error,
                "experiments.json".into(),
                format!("/experiments/{i}/holdout_percent"),
                "bad_value",
                "the holdout must be between 0 and 100 percent".into(),
            ));
        }
    }
}

/// Merged content against the component schema and the brand rules.
/// What an editor shows while the author types in entry `entry`: its compile problems, schema
/// violations and brand-rule findings (not the population-wide checks, which take longer).
pub fn entry_findings(bundle: &Bundle, entry: &str) -> Vec<Diagnostic> {
    let file = format!("entries/{entry}.json");
    let mut out: Vec<Diagnostic> = bundle.diagnostics.iter().filter(|d| d.file == file).cloned().collect();
    content(bundle, Some(entry), &mut out);
    crate::locale_lint::translations(bundle, Some(entry), &mut out);
    out.sort();
    out.dedup();
    out
}

/// How many of entry `entry`'s texts (its baseline, personalizations and experiment arms) each
/// locale's readers get in another language, or from no locale of its chain: locale -> count.
/// Only locales with a gap are listed.
pub fn untranslated(bundle: &Bundle, entry: &str) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    if crate::locales::Locales::of(&bundle.workspace.settings).others().is_empty() {
        return counts;
    }
    let mut found = Vec::new();
    crate::locale_lint::translations(bundle, Some(entry), &mut found);
    for d in found.iter().filter(|d| d.code == "missing_translation" || d.code == "no_fallback") {
        // `…/translations/<locale>/<field>`: the locale is the segment after the first
        // `translations` (a field of that name comes after it).
        let mut parts = d.pointer.split('/').skip_while(|p| *p != "translations").skip(1);
        if let Some(locale) = parts.next() {
            *counts.entry(locale.to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

fn content(bundle: &Bundle, only: Option<&str>, out: &mut Vec<Diagnostic>) {
    let ws = &bundle.workspace;
    let mut variants: Vec<(String, String, String, &str, Value)> = Vec::new();
    for (id, entry) in ws.entries_or_only(only) {
        let file = format!("entries/{id}.json");
        variants.extend(in_every_locale(ws, (file.clone(), "/baseline".into(), "baseline".into()), entry, None, &entry.translations));
        for (i, p) in entry.personalizations.iter().enumerate() {
            variants.extend(in_every_locale(
                ws,
                (file.clone(), format!("/personalizations/{i}/patch"), p.id.clone()),
                entry,
                Some(&p.patch),
                &p.translations,
            ));
        }
    }
    for (i, x) in ws.experiments.iter().enumerate() {
        if let Some(entry) = ws.entries.get(&x.entry) {
            for (j, arm) in x.arms.iter().enumerate() {
                let at = ("experiments.json".into(), format!("/experiments/{i}/arms/{j}/patch"), format!("{}/{}", x.key, arm.name));
                variants.extend(in_every_locale(ws, at, entry, Some(&arm.patch), &arm.translations));
            }
        }
    }
    let banned: Vec<String> = ws.settings.brand.banned_words.iter().map(|w| w.to_lowercase()).collect();
    for (file, pointer, name, component, value) in variants {
        if let Some(c) = ws.components.get(component) {
            for problem in bundle.schemas.problems(component, &value) {
                out.push(d(
                    Severity::Error,
                    file.clone(),
                    pointer.clone(),
                    "schema",
                    format!("`{name}` does not fit the {} schema: {problem}", c.name),
                ));
            }
            for (field, url) in crate::safe_url::unsafe_urls(&c.schema, &value) {
                out.push(d(
                    Severity::Error,
                    file.clone(),
                    format!("{pointer}{field}"),
                    "unsafe_url",
                    format!(
                        "`{name}` links to `{}`, which is not a web, mail or phone link; it is shown as an inert link",
                        crate::render::shortened(&url)
                    ),
                ));
            }
        }
        let mut strings = Vec::new();
        leaves("", &value, &mut strings);
        for (field, text) in &strings {
            let lower = text.to_lowercase();
            for word in &banned {
                if contains_word(&lower, word) {
                    out.push(d(
                        Severity::Error,
                        file.clone(),
                        format!("{pointer}{field}"),
                        "banned_word",
                        format!("`{name}` uses the banned word \"{word}\""),
                    ));
                }
            }
        }
        for limit in ws.settings.brand.field_limits.iter().filter(|l| l.component == component) {
            if let Some(Value::String(text)) = value.get(&limit.field) {
                let len = text.chars().count();
                if len > limit.max_length {
                    out.push(d(
                        Severity::Error,
                        file.clone(),
                        format!("{pointer}/{}", limit.field),
                        "field_too_long",
                        format!("`{name}`: {} is {len} characters; the brand limit is {}", limit.field, limit.max_length),
                    ));
                }
            }
        }
    }
}

/// A variant's merged content in the default locale and in each locale where its texts differ
/// (named "`name` in German (de-DE)", at its translations), so schema and brand rules hold in
/// every language.
fn in_every_locale<'w>(
    ws: &'w Workspace,
    (file, pointer, name): (String, String, String),
    entry: &'w crate::model::Entry,
    patch: Option<&Value>,
    own: &Translations,
) -> Vec<(String, String, String, &'w str, Value)> {
    let content = patch.map_or_else(|| entry.baseline.clone(), |p| merged(&entry.baseline, p));
    let locales = Locales::of(&ws.settings);
    let fields = ws.components.get(&entry.component).map(|c| localized_fields(&c.schema)).unwrap_or_default();
    let mut out = Vec::new();
    if !fields.is_empty() {
        for locale in locales.others() {
            let texts = localize(&locales, &locale.code, &fields, &content, patch, own, &entry.translations);
            if texts != content {
                let at = pointer.strip_suffix("/patch").unwrap_or("");
                let at = if patch.is_none() { "/translations".to_owned() } else { format!("{at}/translations") };
                out.push((
                    file.clone(),
                    format!("{at}/{}", locale.code),
                    format!("{name}` in `{}", locale.code),
                    entry.component.as_str(),
                    texts,
                ));
            }
        }
    }
    out.insert(0, (file, pointer, name, entry.component.as_str(), content));
    out
}

fn leaves(at: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((at.to_owned(), s.clone())),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| leaves(&format!("{at}/{i}"), v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| leaves(&format!("{at}/{k}"), v, out)),
        _ => {}
    }
}

/// Whole-word match: the word is not preceded or followed by a letter or digit.
fn contains_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A feed older than its declared freshness limit; its data stays in use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaleFeed {
    pub file: String,
    pub produced_at: String,
    pub max_age: String,
    /// Hours since the feed was produced.
    pub age_hours: i64,
}

/// Feeds of `ws` that are stale at `now`, and feeds whose freshness fields do not parse.
pub fn stale_feeds(ws: &crate::model::Workspace, now: &str) -> (Vec<StaleFeed>, Vec<&'static str>) {
    let mut stale = Vec::new();
    let mut malformed = Vec::new();
    let Some(now) = parse_timestamp(now) else { return (stale, malformed) };
    let feeds = [
        ("feeds/products.json", &ws.products.produced_at, &ws.products.max_age),
        ("feeds/recommendations.json", &ws.recommendations.produced_at, &ws.recommendations.max_age),
    ];
    for (file, produced, max_age) in feeds {
        match (parse_timestamp(produced), parse_duration_seconds(max_age)) {
            (Some(produced_at), Some(limit)) => {
                let age = now.seconds - produced_at.seconds;
                if age > limit {
                    stale.push(StaleFeed {
                        file: file.to_owned(),
                        produced_at: produced.clone(),
                        max_age: max_age.clone(),
                        age_hours: age / 3600,
                    });
                }
            }
            _ => malformed.push(file),
        }
    }
    (stale, malformed)
}

fn feeds(bundle: &Bundle, now: &str, out: &mut Vec<Diagnostic>) {
    let ws = &bundle.workspace;
    let (stale, malformed) = stale_feeds(ws, now);
    for f in stale {
        out.push(d(
            Severity::Warning,
            f.file,
            "/produced_at".into(),
            "stale_feed",
            format!("this feed was produced {} hours ago; it is stale after {}", f.age_hours, f.max_age),
        ));
    }
    for file in malformed {
        out.push(d(
            Severity::Error,
            file.into(),
            "/produced_at".into(),
            "bad_value",
            "produced_at must be an RFC 3339 time and max_age a duration such as 48h".into(),
        ));
    }
    let known: BTreeSet<&str> = ws.products.products.iter().map(|p| p.sku.as_str()).collect();
    for (name, list) in &ws.recommendations.lists {
        for (i, sku) in list.skus.iter().enumerate() {
            if !known.contains(sku.as_str()) {
                out.push(d(
                    Severity::Warning,
                    "feeds/recommendations.json".into(),
                    format!("/lists/{name}/skus/{i}"),
                    "unknown_product",
                    format!("`{sku}` is not in the product feed"),
                ));
            }
        }
    }
}

/// Lint findings as stable text, one per line: `error[code] file pointer: message`.
pub fn to_text(findings: &[Diagnostic]) -> String {
    let mut text = String::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let at = if f.pointer.is_empty() { String::new() } else { format!(" {}", f.pointer) };
        text.push_str(&format!("{severity}[{}] {}{at}: {}\n", f.code, f.file, f.message));
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    text.push_str(&format!("{} errors, {} warnings, {} notes\n", count(Severity::Error), count(Severity::Warning), count(Severity::Info)));
    text
}

#[cfg(test)]
mod tests {
    use super::contains_word;

    #[test]
    fn banned_words_match_whole_words_only() {
        assert!(contains_word("so cheap!", "cheap"));
        assert!(!contains_word("cheapest", "cheap"));
        assert!(contains_word("best ever deal", "best ever"));
    }
}
