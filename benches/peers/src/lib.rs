//! # vantage-peer-bench
//!
//! The decision engine against general-purpose rule engines on one workload: the generated
//! 30-slot page of [`vantage_engine::synthetic`] (105 personalizations over ten audiences nested
//! two to four deep, every operator family, a rollout) and 1,000 different visitors cycled
//! through. Each peer is given the rules as its users would write them ([`lowered`]) and the
//! visitors as its users would hand them over ([`peer_data`]); [`agree`] checks that every
//! engine picks the same variant in every slot for every visitor before anything is timed.
//! The benchmark itself is `benches/peers.rs`.

pub mod jsonlogic;
pub mod lowered;
pub mod peer_data;
pub mod zen;

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use vantage_engine::bundle::Bundle;
use vantage_engine::bundle::SlotDecision as Decision;
use vantage_engine::condition::Condition;
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::model::Workspace;
use vantage_engine::synthetic;

/// Different visitors in the workload.
pub const VISITORS: usize = 1_000;
/// Slots on the workload's page.
pub const SLOTS: usize = 30;

/// An engine deciding the workload's page for visitor `i` (modulo the number of visitors): each
/// slot's variant number (0 = baseline, n = the n-th personalization) into `out`.
pub trait PageEngine {
    fn name(&self) -> &'static str;
    /// From the visitor prepared ahead (parsed, converted): the evaluation alone.
    fn decide_prepared(&mut self, i: usize, out: &mut Vec<u16>);
    /// From the visitor's JSON text: parsing and evaluation.
    fn decide_raw(&mut self, i: usize, out: &mut Vec<u16>);
}

/// The compiled workload and its visitors, in Vantage's flat form and in the peers' form.
pub struct Workload {
    pub bundle: Bundle,
    pub visitors: Vec<Map<String, Value>>,
    pub peer_visitors: Vec<Value>,
}

impl Workload {
    pub fn new(visitors: usize) -> Workload {
        let bundle = Bundle::compile(synthetic::workspace(SLOTS), String::new());
        let visitors = synthetic::visitors(visitors, 7);
        let peer_visitors = visitors.iter().map(|v| peer_data::nested(&peer_data::flat_for_peers(&bundle.workspace, v))).collect();
        Workload { bundle, visitors, peer_visitors }
    }

    /// Per slot of the page, its personalizations in priority order: (variant number, rule).
    pub fn page_rules(&self) -> Vec<Vec<(usize, &Condition)>> {
        let ws = &self.bundle.workspace;
        self.bundle.decisions.pages[0]
            .slots
            .iter()
            .map(|slot| ws.entries[&slot.entry].personalizations.iter().enumerate().map(|(i, p)| (i + 1, &p.condition)).collect())
            .collect()
    }
}

/// The workspace's audiences by dependency layer: the first reads no audience, each later one
/// reads only audiences of layers before it.
pub fn audience_layers(ws: &Workspace) -> Vec<Vec<(String, Condition)>> {
    fn depth(name: &str, ws: &Workspace, seen: &mut BTreeMap<String, usize>) -> usize {
        if let Some(d) = seen.get(name) {
            return *d;
        }
        let d = ws.audiences.get(name).map_or(0, |a| a.condition.audiences().iter().map(|n| 1 + depth(n, ws, seen)).max().unwrap_or(0));
        seen.insert(name.to_owned(), d);
        d
    }
    let mut seen = BTreeMap::new();
    let mut layers: Vec<Vec<(String, Condition)>> = Vec::new();
    for (name, audience) in &ws.audiences {
        let d = depth(name, ws, &mut seen);
        if layers.len() <= d {
            layers.resize_with(d + 1, Vec::new);
        }
        layers[d].push((name.clone(), audience.condition.clone()));
    }
    layers
}

/// Vantage's engine on the workload.
pub struct Vantage {
    bundle: Bundle,
    prepared: Vec<Context>,
    raw: Vec<String>,
    /// Each raw visitor is read into this one context, as a server reads each request.
    read: Context,
    scratch: Scratch,
    decisions: Vec<Decision>,
}

impl Vantage {
    pub fn new(w: &Workload) -> Vantage {
        let program = &w.bundle.decisions.program;
        let prepared = w.visitors.iter().map(|v| Context::from_flat(program, v)).collect();
        let raw = w.visitors.iter().map(|v| Value::Object(v.clone()).to_string()).collect();
        let scratch = Scratch::for_program(program);
        Vantage { bundle: w.bundle.clone(), prepared, raw, read: Context::empty(), scratch, decisions: Vec::with_capacity(SLOTS) }
    }

    fn finish(&self, out: &mut Vec<u16>) {
        out.clear();
        out.extend(self.decisions.iter().map(|d| d.content));
    }
}

impl PageEngine for Vantage {
    fn name(&self) -> &'static str {
        "vantage"
    }

    fn decide_prepared(&mut self, i: usize, out: &mut Vec<u16>) {
        let page = &self.bundle.decisions.pages[0];
        let ctx = &self.prepared[i % self.prepared.len()];
        self.bundle.decisions.decide(page, ctx, &mut self.scratch, &mut self.decisions);
        self.finish(out);
    }

    fn decide_raw(&mut self, i: usize, out: &mut Vec<u16>) {
        let program = &self.bundle.decisions.program;
        if let Err(e) = self.read.read_json_str(program, &self.raw[i % self.raw.len()]) {
            panic!("a visitor does not parse: {e}");
        }
        self.bundle.decisions.decide(&self.bundle.decisions.pages[0], &self.read, &mut self.scratch, &mut self.decisions);
        self.finish(out);
    }
}

/// Checks that every engine decides every visitor's page alike, from prepared and from raw
/// visitors; the first difference is the error, naming the engine, visitor and slot.
pub fn agree(engines: &mut [&mut dyn PageEngine], visitors: usize) -> Result<(), String> {
    let (mut want, mut got) = (Vec::new(), Vec::new());
    for i in 0..visitors {
        let Some((reference, others)) = engines.split_first_mut() else { return Ok(()) };
        reference.decide_prepared(i, &mut want);
        if want.len() != SLOTS {
            return Err(format!("{} decided {} slots for visitor {i}, not {SLOTS}", reference.name(), want.len()));
        }
        for engine in std::iter::once(&mut **reference).chain(others.iter_mut().map(|e| &mut **e)) {
            for (how, raw) in [("prepared", false), ("raw", true)] {
                if raw {
                    engine.decide_raw(i, &mut got);
                } else {
                    engine.decide_prepared(i, &mut got);
                }
                if let Some(slot) = (0..SLOTS).find(|&s| want.get(s) != got.get(s)) {
                    return Err(format!(
                        "{} ({how}) differs from vantage for visitor {i} in slot {slot}: {:?} instead of {:?}",
                        engine.name(),
                        got.get(slot),
                        want.get(slot)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// How often each slot shows something other than its baseline across `visitors`, so that a
/// workload where everyone sees the baseline (and every engine agrees trivially) is caught.
pub fn personalized_share(engine: &mut dyn PageEngine, visitors: usize) -> f64 {
    let mut out = Vec::new();
    let mut personalized = 0usize;
    for i in 0..visitors {
        engine.decide_prepared(i, &mut out);
        personalized += out.iter().filter(|c| **c != 0).count();
    }
    personalized as f64 / (visitors * SLOTS) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_are_layered_below_their_readers() {
        let w = Workload::new(1);
        let layers = audience_layers(&w.bundle.workspace);
        let layer_of = |name: &str| layers.iter().position(|l| l.iter().any(|(n, _)| n == name));
        assert!(layer_of("big-spender") < layer_of("loyal"));
        assert!(layer_of("loyal") < layer_of("vip-loyal"));
        assert_eq!(layers.iter().map(Vec::len).sum::<usize>(), 10);
    }
}
