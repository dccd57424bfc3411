//! Who a workspace's rules reach on a population (the simulated one, or recorded traffic
//! streamed from a file by `vantage-traffic`): per entry, how many visitors each
//! personalization's rule matches and how many see it (the first match wins: what lint judges
//! unreached and shadowed rules by), and per page slot how many see each personalization once
//! experiments are decided (the coverage matrix's "nobody sees this"). Visitors are observed one
//! at a time, so a file of a million need never be held; tallies of parts of a file add up.

use crate::bundle::{Bundle, Choice};
use crate::context::Context;
use crate::eval::Scratch;
use crate::program::Tri;
use std::collections::{BTreeSet, HashMap};

/// Whose visitors a tally counts: the words people read say which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    Simulated,
    Recorded,
}

impl Population {
    /// "simulated" or "recorded", as in "2000 simulated visitors".
    pub fn adjective(self) -> &'static str {
        match self {
            Population::Simulated => "simulated",
            Population::Recorded => "recorded",
        }
    }
}

/// One entry's rules on the population (at the first slot that shows the entry).
#[derive(Debug, Clone)]
pub struct EntryTally {
    pub entry: String,
    page: usize,
    slot: usize,
    /// Visitors measured: the first `sample` of the population.
    pub sample: usize,
    /// Per personalization: visitors its rule matches.
    pub matched: Vec<usize>,
    /// Per personalization: visitors for whom it is the first rule that matches.
    pub won: Vec<usize>,
    /// (personalization, the one that won instead) -> visitors: only pairs that occur.
    pub taken_by: HashMap<(usize, usize), usize>,
}

/// The counts of one population.
#[derive(Debug, Clone)]
pub struct Tally {
    pub population: Population,
    /// Visitors in the population.
    pub visitors: usize,
    pub entries: Vec<EntryTally>,
    /// Per compiled page, per slot, per personalization: visitors who see it.
    pub shown: Vec<Vec<Vec<usize>>>,
}

impl Tally {
    /// Empty counts for `visitors` visitors of `population`. An entry is measured on as many of
    /// them as `budget` rule evaluations allow (at least one), so cost stays linear in rules.
    pub fn new(bundle: &Bundle, population: Population, visitors: usize, budget: usize) -> Tally {
        let mut seen = BTreeSet::new();
        let mut entries = Vec::new();
        for (p, page) in bundle.decisions.pages.iter().enumerate() {
            for (s, slot) in page.slots.iter().enumerate() {
                if !seen.insert(slot.entry.as_str()) || slot.rules.is_empty() {
                    continue;
                }
                let count = slot.personalizations.len();
                entries.push(EntryTally {
                    entry: slot.entry.clone(),
                    page: p,
                    slot: s,
                    sample: visitors.min((budget / slot.rules.len()).max(1)),
                    matched: vec![0; count],
                    won: vec![0; count],
                    taken_by: HashMap::new(),
                });
            }
        }
        let shown = bundle.decisions.pages.iter().map(|p| p.slots.iter().map(|s| vec![0; s.personalizations.len()]).collect()).collect();
        Tally { population, visitors, entries, shown }
    }

    /// The tally of the bundle's own simulated population ([`Bundle::population`]).
    pub fn simulated(bundle: &Bundle, budget: usize) -> Tally {
        let population = bundle.population();
        let program = &bundle.decisions.program;
        let mut tally = Tally::new(bundle, Population::Simulated, population.len(), budget);
        let mut scratch = Scratch::for_program(program);
        for (index, flat) in population.iter().enumerate() {
            tally.observe(bundle, &Context::from_flat(program, flat), &mut scratch, index);
        }
        tally
    }

    /// Counts visitor number `index` of the population, whose values are in `ctx`.
    pub fn observe(&mut self, bundle: &Bundle, ctx: &Context, scratch: &mut Scratch, index: usize) {
        let core = &bundle.decisions;
        scratch.reset(&core.program);
        for tally in &mut self.entries {
            if index >= tally.sample {
                continue;
            }
            let slot = &core.pages[tally.page].slots[tally.slot];
            let mut winner = None;
            for rule in &slot.rules {
                let i = usize::from(rule.personalization);
                if i < tally.matched.len() && core.program.eval(rule.root, ctx, scratch) == Tri::True {
                    tally.matched[i] += 1;
                    match winner {
                        None => {
                            tally.won[i] += 1;
                            winner = Some(i);
                        }
                        Some(w) => *tally.taken_by.entry((i, w)).or_default() += 1,
                    }
                }
            }
        }
        for (page, shown) in core.pages.iter().zip(&mut self.shown) {
            for (slot, counts) in page.slots.iter().zip(shown.iter_mut()) {
                if let Choice::Personalization(p) = core.decide_slot(slot, ctx, scratch).choice {
                    if let Some(n) = counts.get_mut(usize::from(p)) {
                        *n += 1;
                    }
                }
            }
        }
    }

    /// Adds the counts of another part of the same population (made by [`Tally::new`] with the
    /// same bundle and size).
    pub fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.entries.iter_mut().zip(other.entries) {
            add(&mut mine.matched, &theirs.matched);
            add(&mut mine.won, &theirs.won);
            for (pair, n) in theirs.taken_by {
                *mine.taken_by.entry(pair).or_default() += n;
            }
        }
        for (mine, theirs) in self.shown.iter_mut().flatten().zip(other.shown.iter().flatten()) {
            add(mine, theirs);
        }
    }

    /// The counts of `entry`, when a page shows it and it has rules.
    pub fn entry(&self, entry: &str) -> Option<&EntryTally> {
        self.entries.iter().find(|t| t.entry == entry)
    }

    /// The personalizations of compiled page `page`'s slot `slot` that no visitor sees.
    pub fn unseen(&self, bundle: &Bundle, page: usize, slot: usize) -> Vec<String> {
        let (Some(counts), Some(compiled)) =
            (self.shown.get(page).and_then(|p| p.get(slot)), bundle.decisions.pages.get(page).and_then(|p| p.slots.get(slot)))
        else {
            return Vec::new();
        };
        compiled.personalizations.iter().zip(counts).filter(|(_, n)| **n == 0).map(|(id, _)| id.clone()).collect()
    }
}

fn add(into: &mut [usize], from: &[usize]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

impl EntryTally {
    /// The personalization that most often wins instead of personalization `i`.
    pub fn mostly_taken_by(&self, i: usize) -> Option<usize> {
        self.taken_by
            .iter()
            .filter(|((taken, _), _)| *taken == i)
            .max_by(|((_, w1), n1), ((_, w2), n2)| n1.cmp(n2).then(w1.cmp(w2)))
            .map(|((_, w), _)| *w)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bundle::source_hash;
    use crate::load::load;

    fn demo() -> Bundle {
        let files = vantage_test_support::demo_files();
        let hash = source_hash(&files);
        Bundle::compile(load(&files).unwrap(), hash)
    }

    #[test]
    fn a_tally_of_two_halves_merged_is_the_tally_of_the_whole_population() {
        let bundle = demo();
        let whole = Tally::simulated(&bundle, usize::MAX);
        let population = bundle.population();
        let program = &bundle.decisions.program;
        let half = population.len() / 2;
        let mut scratch = Scratch::for_program(program);
        let mut first = Tally::new(&bundle, Population::Simulated, population.len(), usize::MAX);
        let mut second = first.clone();
        for (index, flat) in population.iter().enumerate() {
            let part = if index < half { &mut first } else { &mut second };
            part.observe(&bundle, &Context::from_flat(program, flat), &mut scratch, index);
        }
        first.merge(second);
        assert_eq!(first.shown, whole.shown);
        for (a, b) in first.entries.iter().zip(&whole.entries) {
            assert_eq!((&a.matched, &a.won, &a.taken_by), (&b.matched, &b.won, &b.taken_by), "{}", a.entry);
        }
        assert!(whole.shown.iter().flatten().flatten().sum::<usize>() > 0, "somebody sees a personalization");
    }

    #[test]
    fn a_small_budget_measures_each_entry_on_a_sample_and_nobody_beyond_it_is_counted() {
        let bundle = demo();
        let tally = Tally::simulated(&bundle, 10);
        for entry in &tally.entries {
            assert!(entry.sample <= 10, "{}: {}", entry.entry, entry.sample);
            assert!(entry.matched.iter().all(|&n| n <= entry.sample));
        }
    }
}
