//! zen-expression (GoRules' expression language) deciding the workload's page, used at its
//! fastest: compiled expressions, one reused VM, audiences evaluated once per visitor in
//! dependency order and written into the visitor's `aud` object, then one expression for the
//! whole page. Regular expressions are lowered to prefix tests as for JSONLogic (zen's
//! `matches` compiles its pattern on every call).

use crate::lowered::{ident, lower, Cmp, Lowered};
use crate::{audience_layers, PageEngine, Workload};
use serde_json::Value;
use zen_expression::expression::Standard;
use zen_expression::vm::VM;
use zen_expression::{compile_expression, Expression, Variable};

fn literal(v: &Value) -> String {
    match v {
        Value::String(s) => {
            assert!(!s.contains(['\'', '\\']), "zen literals here need no escaping: {s}");
            format!("'{s}'")
        }
        Value::Array(items) => format!("[{}]", items.iter().map(literal).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// One zen expression for a lowered condition.
pub fn to_zen(l: &Lowered) -> String {
    let join = |kids: &[Lowered], op: &str| format!("({})", kids.iter().map(to_zen).collect::<Vec<_>>().join(op));
    match l {
        Lowered::And(kids) if kids.is_empty() => "true".into(),
        Lowered::Or(kids) if kids.is_empty() => "false".into(),
        Lowered::And(kids) => join(kids, " and "),
        Lowered::Or(kids) => join(kids, " or "),
        Lowered::Not(inner) => format!("not ({})", to_zen(inner)),
        Lowered::Flag(path) => format!("{path} == true"),
        Lowered::Cmp(path, op, value) => {
            let op = match op {
                Cmp::Eq => "==",
                Cmp::Ne => "!=",
                Cmp::Lt => "<",
                Cmp::Le => "<=",
                Cmp::Gt => ">",
                Cmp::Ge => ">=",
            };
            format!("{path} {op} {}", literal(value))
        }
        Lowered::In(path, values) => format!("{path} in {}", literal(&Value::Array(values.clone()))),
        Lowered::Contains(path, needle) => format!("contains({path}, {})", literal(&Value::from(needle.as_str()))),
        Lowered::StartsWith(path, prefix) => format!("startsWith({path}, {})", literal(&Value::from(prefix.as_str()))),
        Lowered::EndsWith(path, suffix) => format!("endsWith({path}, {})", literal(&Value::from(suffix.as_str()))),
        Lowered::AnyOf(path, values) => format!("some({path}, # in {})", literal(&Value::Array(values.clone()))),
        Lowered::AllOf(path, values) => {
            format!("({})", values.iter().map(|v| format!("{} in {path}", literal(v))).collect::<Vec<_>>().join(" and "))
        }
    }
}

/// The page as one expression: per slot, the first matching personalization's number, else 0.
fn page_expression(w: &Workload) -> String {
    let slots = w.page_rules().into_iter().map(|rules| {
        let mut text = String::new();
        for (content, condition) in &rules {
            text.push_str(&format!("({}) ? {content} : (", to_zen(&lower(condition))));
        }
        text.push('0');
        text.push_str(&")".repeat(rules.len()));
        text
    });
    format!("[{}]", slots.collect::<Vec<_>>().join(", "))
}

fn compile(source: &str) -> Expression<Standard> {
    match compile_expression(source) {
        Ok(e) => e,
        Err(e) => panic!("the zen translation does not compile: {e:?}\n{source}"),
    }
}

pub struct ZenPeer {
    layers: Vec<Vec<(String, Expression<Standard>)>>,
    page: Expression<Standard>,
    prepared: Vec<Variable>,
    raw: Vec<String>,
    vm: VM,
}

impl ZenPeer {
    pub fn new(w: &Workload) -> ZenPeer {
        let layers = audience_layers(&w.bundle.workspace)
            .into_iter()
            .map(|layer| layer.into_iter().map(|(name, c)| (ident(&name), compile(&to_zen(&lower(&c))))).collect())
            .collect();
        let page = compile(&page_expression(w));
        let prepared = w.peer_visitors.iter().map(|v| with_audiences(Variable::from(v.clone()))).collect();
        let raw = w.peer_visitors.iter().map(Value::to_string).collect();
        ZenPeer { layers, page, prepared, raw, vm: VM::new() }
    }

    fn decide(&mut self, visitor: Variable, out: &mut Vec<u16>) {
        let Some(aud) = visitor.dot("aud").and_then(|a| a.as_object()) else { panic!("the visitor has no `aud` object") };
        for layer in &self.layers {
            for (name, expression) in layer {
                let holds = expression.evaluate_with(visitor.clone(), &mut self.vm).is_ok_and(|v| v.as_bool() == Some(true));
                aud.borrow_mut().insert_str(name, Variable::Bool(holds));
            }
        }
        out.clear();
        match self.page.evaluate_with(visitor, &mut self.vm) {
            Ok(result) => {
                if let Some(items) = result.as_array() {
                    out.extend(items.borrow().iter().map(|v| match v.as_number() {
                        Some(n) if n.scale() == 0 => n.mantissa() as u16,
                        _ => u16::MAX,
                    }));
                }
            }
            Err(e) => panic!("zen failed on the page: {e:?}"),
        }
    }
}

/// The visitor with an empty `aud` object for audience results.
fn with_audiences(visitor: Variable) -> Variable {
    visitor.dot_insert("aud", Variable::empty_object());
    visitor
}

impl PageEngine for ZenPeer {
    fn name(&self) -> &'static str {
        "zen-expression 2.1.6"
    }

    fn decide_prepared(&mut self, i: usize, out: &mut Vec<u16>) {
        let visitor = self.prepared[i % self.prepared.len()].clone();
        self.decide(visitor, out);
    }

    fn decide_raw(&mut self, i: usize, out: &mut Vec<u16>) {
        let text = &self.raw[i % self.raw.len()];
        match serde_json::from_str::<Variable>(text) {
            Ok(visitor) => self.decide(with_audiences(visitor), out),
            Err(e) => panic!("a peer visitor does not parse: {e}"),
        }
    }
}
