//! The parts of a review that tell its story in words: who moves from which variant to which,
//! and which checks this change introduces or fixes, apart from findings that were there before.

use super::views::{ChecksView, Finding, SlotImpactView, TransitionView};
use vantage_engine::bundle::Bundle;
use vantage_engine::impact::SlotImpact;

/// How many named profiles a transition's sentence lists before "and N more".
const PROFILES_NAMED: usize = 3;

/// A variant label of the impact report (`baseline`, a personalization id, `experiment/arm`,
/// `experiment/holdout`) as people call it, looked up in `bundle`.
pub(crate) fn variant_name(bundle: &Bundle, page: &str, slot: &str, label: &str) -> String {
    let ws = &bundle.workspace;
    if label == "baseline" {
        return "the baseline".into();
    }
    if label == "(not on the page)" {
        return "nothing (the slot was not on the page)".into();
    }
    if let Some((key, arm)) = label.split_once('/') {
        let experiment = ws.experiments.iter().find(|e| e.key == key).map_or(key, |e| e.name.as_str());
        return if arm == "holdout" {
            format!("the holdout of the experiment “{experiment}”")
        } else {
            format!("arm “{arm}” of the experiment “{experiment}”")
        };
    }
    let entry = ws.pages.get(page).and_then(|p| p.slots.iter().find(|s| s.id == slot)).and_then(|s| ws.entries.get(&s.entry));
    match entry.and_then(|e| e.personalizations.iter().find(|p| p.id == label)) {
        Some(p) => format!("“{}”", p.name),
        None => format!("“{label}”"),
    }
}

/// Each move of visitors on `slot`, most visitors first, in words; `kind` says whose visitors
/// ("simulated", "recorded").
pub(crate) fn transitions(before: &Bundle, after: &Bundle, slot: &SlotImpact, kind: &str) -> Vec<TransitionView> {
    let profile_name = |id: &String| after.workspace.profiles.get(id).map_or_else(|| id.clone(), |p| p.name.clone());
    slot.transitions
        .iter()
        .map(|t| {
            let from = variant_name(before, &slot.page, &slot.slot, &t.before);
            let to = variant_name(after, &slot.page, &slot.slot, &t.after);
            let share = t.visitors as f64 / slot.visitors.max(1) as f64;
            let profiles: Vec<String> = t.profiles.iter().map(profile_name).collect();
            let count = format!("{} of {} {kind} visitors ({:.1}%)", t.visitors, slot.visitors, share * 100.0);
            let mut sentence = if t.before == t.after {
                format!("{count} who see {from} get changed content")
            } else {
                format!("{count} who saw {from} now see {to}")
            };
            if !profiles.is_empty() {
                let named: Vec<&str> = profiles.iter().take(PROFILES_NAMED).map(String::as_str).collect();
                let more = profiles.len().saturating_sub(PROFILES_NAMED);
                let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
                sentence.push_str(&format!(", among them {}{tail}", named.join(", ")));
            }
            TransitionView { before: from, after: to, visitors: t.visitors as u32, share, profiles, sentence }
        })
        .collect()
}

/// The change's findings: what it introduces, what it fixes, and what was there already.
pub(crate) fn checks(before: Vec<Finding>, after: Vec<Finding>) -> ChecksView {
    let same = |a: &Finding, b: &Finding| a.code == b.code && a.file == b.file && a.pointer == b.pointer && a.message == b.message;
    let fixed = before.iter().filter(|b| !after.iter().any(|a| same(a, b))).cloned().collect();
    let (existing, introduced) = after.into_iter().partition(|a| before.iter().any(|b| same(a, b)));
    ChecksView { introduced, fixed, existing }
}

/// What a semantic change is about, by the names people gave things: "“VIP welcome back” of the
/// entry home-hero", "the audience “VIP customers”". Looked up in `after`, else `before`.
pub(crate) fn subject(before: &Bundle, after: &Bundle, area: &str, target: &str) -> String {
    let find = |f: &dyn Fn(&Bundle) -> Option<String>| f(after).or_else(|| f(before));
    match area {
        "personalization" => {
            let (entry, id) = target.split_once('/').unwrap_or((target, ""));
            let name = find(&|b: &Bundle| {
                b.workspace.entries.get(entry).and_then(|e| e.personalizations.iter().find(|p| p.id == id)).map(|p| p.name.clone())
            });
            format!("the personalization “{}” of the entry {entry}", name.unwrap_or_else(|| id.to_owned()))
        }
        "audience" => {
            let name = find(&|b: &Bundle| b.workspace.audiences.get(target).map(|a| a.name.clone()));
            format!("the audience “{}”", name.unwrap_or_else(|| target.to_owned()))
        }
        "experiment" => {
            let name = find(&|b: &Bundle| b.workspace.experiments.iter().find(|e| e.key == target).map(|e| e.name.clone()));
            format!("the experiment “{}”", name.unwrap_or_else(|| target.to_owned()))
        }
        "page" => {
            let name = find(&|b: &Bundle| b.workspace.pages.get(target).map(|p| p.title.clone()));
            format!("the page “{}”", name.unwrap_or_else(|| target.to_owned()))
        }
        _ => format!("the {area} {target}"),
    }
}

/// Problems the change causes particular visitors, flagged for the reviewer: a saved visitor who
/// loses a personalization they saw, and a personalization this change touches that a
/// higher-priority one takes part of the audience of.
pub(crate) fn flags(after: &Bundle, slots: &[SlotImpactView], touched: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for slot in slots {
        for t in &slot.transitions {
            if t.before != t.after && t.before != "the baseline" && !t.profiles.is_empty() {
                out.push(format!("{} no longer see {} on {}: they will see {}", t.profiles.join(", "), t.before, slot.slot, t.after));
            }
        }
    }
    let mut entries: Vec<&str> = touched.iter().map(|(entry, _)| entry.as_str()).collect();
    entries.dedup();
    for entry in entries {
        let Some(model) = after.workspace.entries.get(entry) else { continue };
        for r in vantage_engine::reach::reach(after, entry) {
            if !touched.iter().any(|(e, p)| e == entry && p == &r.personalization) {
                continue;
            }
            let taken: usize = r.taken_by.iter().map(|(_, n)| n).sum();
            if taken == 0 {
                continue;
            }
            let name_of = |id: &str| model.personalizations.iter().find(|p| p.id == id).map_or(id, |p| p.name.as_str()).to_owned();
            let by: Vec<String> = r.taken_by.iter().take(2).map(|(id, _)| format!("“{}”", name_of(id))).collect();
            out.push(format!(
                "“{}” is not seen by {taken} of the {} simulated visitors its rule matches: they see {} first",
                name_of(&r.personalization),
                r.matched,
                by.join(" or ")
            ));
        }
    }
    out
}
