//! The parts of a review that tell its story in words: who moves from which variant to which,
//! and which checks this change introduces or fixes, apart from findings that were there before.

use super::views::{ChecksView, Finding, TransitionView};
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

/// Each move of visitors on `slot`, most visitors first, in words.
pub(crate) fn transitions(before: &Bundle, after: &Bundle, slot: &SlotImpact) -> Vec<TransitionView> {
    let profile_name = |id: &String| after.workspace.profiles.get(id).map_or_else(|| id.clone(), |p| p.name.clone());
    slot.transitions
        .iter()
        .map(|t| {
            let from = variant_name(before, &slot.page, &slot.slot, &t.before);
            let to = variant_name(after, &slot.page, &slot.slot, &t.after);
            let share = t.visitors as f64 / slot.visitors.max(1) as f64;
            let profiles: Vec<String> = t.profiles.iter().map(profile_name).collect();
            let count = format!("{} of {} visitors ({:.1}%)", t.visitors, slot.visitors, share * 100.0);
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
