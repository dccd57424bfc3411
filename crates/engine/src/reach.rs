//! How far each personalization of an entry reaches, while it is being authored: over the
//! workspace's simulated population (at its own moment, as impact measures) and its saved
//! profiles, how many visitors its rule matches, how many of them see it (the first match wins),
//! and which higher-priority personalizations take the rest. Experiments on the slot are left
//! out: this is about the rules themselves.

use crate::bundle::Bundle;
use crate::compose::profile_context;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use vantage_core::catalog::NOW;
use vantage_core::context::Context;
use vantage_core::eval::Scratch;
use vantage_core::program::Tri;

/// How many rule evaluations one reach may take; a larger entry is measured on a sample.
const BUDGET: usize = 2_000_000;

/// One personalization's reach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reach {
    pub personalization: String,
    /// Simulated visitors measured.
    pub visitors: usize,
    /// Of them, those its rule matches.
    pub matched: usize,
    /// Of those, the ones who see it (no higher-priority personalization matched first).
    pub shown: usize,
    /// Higher-priority personalizations that take some of its audience, with how many, most first.
    pub taken_by: Vec<(String, usize)>,
    /// Saved profiles that see it.
    pub profiles: Vec<String>,
    /// Saved profiles its rule matches that see a higher-priority personalization instead.
    pub profiles_taken: Vec<String>,
}

/// The reach of every personalization of `entry` (in priority order), or none when no page
/// shows the entry.
pub fn reach(bundle: &Bundle, entry: &str) -> Vec<Reach> {
    let core = &bundle.decisions;
    let program = &core.program;
    let Some((page, slot)) = core.pages.iter().find_map(|p| p.slots.iter().find(|s| s.entry == entry).map(|s| (p, s))) else {
        return Vec::new();
    };
    let Some(model) = bundle.workspace.entries.get(entry) else { return Vec::new() };
    let count = model.personalizations.len();
    let population = bundle.population();
    let sample = population.len().min((BUDGET / slot.rules.len().max(1)).max(1));
    let mut scratch = Scratch::for_program(program);
    let mut out: Vec<Reach> = model
        .personalizations
        .iter()
        .map(|p| Reach {
            personalization: p.id.clone(),
            visitors: sample,
            matched: 0,
            shown: 0,
            taken_by: Vec::new(),
            profiles: Vec::new(),
            profiles_taken: Vec::new(),
        })
        .collect();
    let mut taken: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); count];
    // Every rule that matches, in priority order: the first one is what the visitor sees.
    let mut matching = |ctx: &Context| -> Vec<usize> {
        scratch.reset(program);
        slot.rules
            .iter()
            .map(|r| usize::from(r.personalization))
            .zip(slot.rules.iter())
            .filter(|(i, rule)| *i < count && program.eval(rule.root, ctx, &mut scratch) == Tri::True)
            .map(|(i, _)| i)
            .collect()
    };
    for flat in &population[..sample] {
        let matched = matching(&Context::from_flat(program, flat));
        if let Some((&winner, rest)) = matched.split_first() {
            out[winner].matched += 1;
            out[winner].shown += 1;
            for &i in rest {
                out[i].matched += 1;
                *taken[i].entry(winner).or_default() += 1;
            }
        }
    }
    let now = &bundle.workspace.settings.population.now;
    if let Some(meta) = bundle.workspace.pages.get(&page.id) {
        for profile in bundle.workspace.profiles.values() {
            let mut flat = profile_context(&bundle.workspace, profile, meta);
            flat.insert(NOW.into(), Value::String(now.clone()));
            let matched = matching(&Context::from_flat(program, &flat));
            if let Some((&winner, rest)) = matched.split_first() {
                out[winner].profiles.push(profile.id.clone());
                for &i in rest {
                    out[i].profiles_taken.push(profile.id.clone());
                }
            }
        }
    }
    for (reach, by) in out.iter_mut().zip(taken) {
        let mut list: Vec<(String, usize)> =
            by.into_iter().filter_map(|(w, n)| model.personalizations.get(w).map(|p| (p.id.clone(), n))).collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        reach.taken_by = list;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bundle::source_hash;
    use crate::load::load;

    fn demo_with(edit: impl FnOnce(&mut Value)) -> Bundle {
        let mut files = vantage_test_support::demo_files();
        let mut hero: Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
        edit(&mut hero);
        files.insert("entries/home-hero.json".into(), serde_json::to_string_pretty(&hero).unwrap());
        let hash = source_hash(&files);
        Bundle::compile(load(&files).unwrap(), hash)
    }

    #[test]
    fn a_copy_of_the_vip_rule_placed_below_it_matches_the_same_visitors_and_all_of_them_are_taken_by_the_original() {
        let bundle = demo_with(|hero| {
            let list = hero["personalizations"].as_array_mut().unwrap();
            let mut copy = list[0].clone();
            copy["id"] = "vip-copy".into();
            copy["name"] = "VIP copy".into();
            list.push(copy);
        });
        let reach = reach(&bundle, "home-hero");
        let (vip, copy) = (&reach[0], reach.last().unwrap());
        assert_eq!((vip.personalization.as_str(), copy.personalization.as_str()), ("vip-welcome", "vip-copy"));
        assert!(vip.shown > 0 && vip.shown == vip.matched, "nothing ranks above the VIP rule: {vip:?}");
        assert_eq!(copy.matched, vip.matched, "the copy's rule matches the same visitors");
        assert_eq!(copy.shown, 0);
        assert_eq!(copy.taken_by, vec![("vip-welcome".to_owned(), copy.matched)]);
        assert!(vip.profiles.contains(&"vip-anna".to_owned()) && copy.profiles_taken.contains(&"vip-anna".to_owned()));
    }
}
