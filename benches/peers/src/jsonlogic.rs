//! datalogic-rs (JSONLogic) deciding the workload's page, used at its fastest: every audience is
//! its own compiled rule, evaluated once per visitor in dependency order and then referenced by
//! the page's rule as `aud.<name>` data; evaluation runs in one reused arena against
//! pre-parsed data.

use crate::lowered::{ident, lower, Cmp, Lowered};
use crate::{audience_layers, PageEngine, Workload};
use datalogic_rs::bumpalo::Bump;
use datalogic_rs::{DataValue, Engine, Logic, ParsedData};
use serde_json::{json, Value};

fn var(path: &str) -> Value {
    json!({"var": path})
}

/// One JSONLogic rule for a lowered condition.
pub fn to_jsonlogic(l: &Lowered) -> Value {
    match l {
        Lowered::And(kids) if kids.is_empty() => json!(true),
        Lowered::Or(kids) if kids.is_empty() => json!(false),
        Lowered::And(kids) => json!({"and": kids.iter().map(to_jsonlogic).collect::<Vec<_>>()}),
        Lowered::Or(kids) => json!({"or": kids.iter().map(to_jsonlogic).collect::<Vec<_>>()}),
        Lowered::Not(inner) => json!({"!": [to_jsonlogic(inner)]}),
        Lowered::Flag(path) => var(path),
        Lowered::Cmp(path, op, value) => {
            let name = match op {
                Cmp::Eq => "===",
                Cmp::Ne => "!==",
                Cmp::Lt => "<",
                Cmp::Le => "<=",
                Cmp::Gt => ">",
                Cmp::Ge => ">=",
            };
            json!({name: [var(path), value]})
        }
        Lowered::In(path, values) => json!({"in": [var(path), values]}),
        Lowered::Contains(path, needle) => json!({"in": [needle, var(path)]}),
        Lowered::StartsWith(path, prefix) => json!({"starts_with": [var(path), prefix]}),
        Lowered::EndsWith(path, suffix) => json!({"ends_with": [var(path), suffix]}),
        Lowered::AnyOf(path, values) => json!({"some": [var(path), {"in": [{"var": ""}, values]}]}),
        // Inside `all`, `var` reads the current item, not the visitor: one `in` per wanted value.
        Lowered::AllOf(path, values) => json!({"and": values.iter().map(|v| json!({"in": [v, var(path)]})).collect::<Vec<_>>()}),
    }
}

/// The page as one rule: per slot, the first matching personalization's number, else 0.
fn page_rule(w: &Workload) -> Value {
    let slots = w.page_rules().into_iter().map(|rules| {
        let mut branches = Vec::new();
        for (content, condition) in rules {
            branches.push(to_jsonlogic(&lower(condition)));
            branches.push(json!(content));
        }
        branches.push(json!(0));
        json!({"if": branches})
    });
    Value::Array(slots.collect())
}

/// The most audiences in one dependency layer.
const MAX_LAYER: usize = 32;

pub struct JsonLogicPeer {
    engine: Engine,
    /// Audiences by dependency layer: (data name under `aud`, rule).
    layers: Vec<Vec<(String, Logic)>>,
    page: Logic,
    prepared: Vec<ParsedData>,
    raw: Vec<String>,
    arena: Bump,
}

impl JsonLogicPeer {
    pub fn new(w: &Workload) -> JsonLogicPeer {
        let engine = Engine::new();
        let compile = |rule: &Value| match engine.compile(&rule.to_string()) {
            Ok(logic) => logic,
            Err(e) => panic!("the JSONLogic translation does not compile: {e}\n{rule}"),
        };
        let layers: Vec<Vec<(String, Logic)>> = audience_layers(&w.bundle.workspace)
            .into_iter()
            .map(|layer| layer.into_iter().map(|(name, c)| (ident(&name), compile(&to_jsonlogic(&lower(&c))))).collect())
            .collect();
        assert!(layers.iter().all(|l| l.len() <= MAX_LAYER), "more than {MAX_LAYER} audiences in one layer");
        let page = compile(&page_rule(w));
        let raw: Vec<String> = w.peer_visitors.iter().map(Value::to_string).collect();
        let prepared = raw
            .iter()
            .map(|text| match ParsedData::from_json(text) {
                Ok(data) => data,
                Err(e) => panic!("a peer visitor does not parse: {e}"),
            })
            .collect();
        JsonLogicPeer { engine, layers, page, prepared, raw, arena: Bump::with_capacity(64 * 1024) }
    }
}

/// Audiences layer by layer, then the page, against `visitor`.
fn decide<'a>(
    engine: &Engine,
    layers: &'a [Vec<(String, Logic)>],
    page: &'a Logic,
    visitor: &'a DataValue<'a>,
    arena: &'a Bump,
    out: &mut Vec<u16>,
) {
    let base = visitor.as_object().unwrap_or_default();
    let mut flags: &[(&str, DataValue<'a>)] = &[];
    let mut data: &DataValue<'a> = visitor;
    for layer in layers {
        let mut holds = [false; MAX_LAYER];
        for ((_, logic), result) in layer.iter().zip(holds.iter_mut()) {
            *result = engine.evaluate(logic, data, arena).is_ok_and(|v| engine.truthy(v));
        }
        let before = flags;
        flags = arena.alloc_slice_fill_with(before.len() + layer.len(), |k| match before.get(k) {
            Some(flag) => *flag,
            None => (layer[k - before.len()].0.as_str(), DataValue::Bool(holds[k - before.len()])),
        });
        let aud = DataValue::Object(flags);
        let top = arena.alloc_slice_fill_with(base.len() + 1, |k| base.get(k).copied().unwrap_or(("aud", aud)));
        data = arena.alloc(DataValue::Object(top));
    }
    out.clear();
    if let Ok(result) = engine.evaluate(page, data, arena) {
        out.extend(result.as_array().unwrap_or_default().iter().map(|v| v.as_i64().unwrap_or(-1) as u16));
    }
}

impl PageEngine for JsonLogicPeer {
    fn name(&self) -> &'static str {
        "datalogic-rs 5.4.0"
    }

    fn decide_prepared(&mut self, i: usize, out: &mut Vec<u16>) {
        self.arena.reset();
        let visitor = self.prepared[i % self.prepared.len()].value();
        decide(&self.engine, &self.layers, &self.page, visitor, &self.arena, out);
    }

    fn decide_raw(&mut self, i: usize, out: &mut Vec<u16>) {
        self.arena.reset();
        let text = &self.raw[i % self.raw.len()];
        match DataValue::from_str(text, &self.arena) {
            Ok(visitor) => {
                let visitor = self.arena.alloc(visitor);
                decide(&self.engine, &self.layers, &self.page, visitor, &self.arena, out);
            }
            Err(e) => panic!("a peer visitor does not parse: {e}"),
        }
    }
}
