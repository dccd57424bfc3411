//! Runs case files in the conformance format (`fixtures/conformance/contract/README.md`) against this
//! engine. The same runner serves the engine's tests and `vantage conform`.

use crate::bucket::{assign, bucket, murmur3_x86_32, number_unit_text, percent_threshold, Assignment};
use crate::catalog::Catalog;
use crate::compile::compile_one;
use crate::condition::Condition;
use crate::context::Context;
use crate::eval::Scratch;
use crate::reference;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One case whose result differs from its expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub name: String,
    pub expected: String,
    pub actual: String,
}

/// The outcome of running one file.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub passed: usize,
    pub failures: Vec<Failure>,
}

impl Report {
    fn check(&mut self, name: &str, expected: String, actual: String) {
        if expected == actual {
            self.passed += 1;
        } else {
            self.failures.push(Failure { name: name.to_owned(), expected, actual });
        }
    }
}

/// A case file that is not in the conformance format.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

/// Runs a case file: a `conditions.json`-style array, or a `bucketing.json`-style object.
pub fn run(file: &Value) -> Result<Report, FormatError> {
    let mut report = Report::default();
    match file {
        Value::Array(cases) => run_condition_cases(cases, &mut report)?,
        Value::Object(sections) => {
            for (section, items) in sections {
                let items = items.as_array().ok_or_else(|| FormatError(format!("section `{section}` must be a list")))?;
                match section.as_str() {
                    "murmur3_x86_32" => run_hashes(items, &mut report)?,
                    "bucket" => run_buckets(items, &mut report)?,
                    "rollout" => run_condition_cases(items, &mut report)?,
                    "experiments" => run_experiments(items, &mut report)?,
                    other => return Err(FormatError(format!("unknown section `{other}`"))),
                }
            }
        }
        _ => return Err(FormatError("a case file is a list of condition cases or an object of sections".into())),
    }
    Ok(report)
}

fn field<'a>(case: &'a Value, key: &str, name: &str) -> Result<&'a Value, FormatError> {
    case.get(key).ok_or_else(|| FormatError(format!("case `{name}` has no `{key}`")))
}

fn case_name(case: &Value, index: usize) -> String {
    case.get("name").and_then(Value::as_str).map_or_else(|| format!("#{index}"), str::to_owned)
}

/// The outcome of one condition case: `"true"`, `"false"` or `"compile_error"`.
pub fn condition_outcome(case: &Value, name: &str) -> Result<String, FormatError> {
    let catalog = match Catalog::from_contract_json(field(case, "catalog", name)?) {
        Ok(c) => c,
        Err(_) => return Ok("compile_error".into()),
    };
    let mut audiences = BTreeMap::new();
    if let Some(defs) = case.get("audiences") {
        let defs = defs.as_object().ok_or_else(|| FormatError(format!("case `{name}`: `audiences` must be an object")))?;
        for (audience, def) in defs {
            // A malformed audience only matters if the condition reaches it: keep it as an
            // unknown reference target by compiling the shape lazily.
            if let Ok(c) = Condition::from_json(def) {
                audiences.insert(audience.clone(), c);
            } else {
                audiences.insert(audience.clone(), Condition::Audience(format!("\u{0}malformed:{audience}")));
            }
        }
    }
    let condition = match Condition::from_json(field(case, "condition", name)?) {
        Ok(c) => c,
        Err(_) => return Ok("compile_error".into()),
    };
    let (program, root) = match compile_one(&condition, &catalog, &audiences) {
        Ok(compiled) => compiled,
        Err(_) => return Ok("compile_error".into()),
    };
    let flat: Map<String, Value> = match field(case, "context", name)? {
        Value::Object(m) => m.clone(),
        _ => return Err(FormatError(format!("case `{name}`: `context` must be an object"))),
    };
    let ctx = Context::from_flat(&program, &flat);
    let mut scratch = Scratch::for_program(&program);
    scratch.reset(&program);
    let compiled = program.eval(root, &ctx, &mut scratch).decide();
    let interpreted = reference::evaluate(&condition, &catalog, &audiences, &flat).decide();
    if compiled != interpreted {
        return Ok(format!("disagreement: compiled {compiled}, reference {interpreted}"));
    }
    Ok(compiled.to_string())
}

fn run_condition_cases(cases: &[Value], report: &mut Report) -> Result<(), FormatError> {
    for (i, case) in cases.iter().enumerate() {
        let name = case_name(case, i);
        let expected = match field(case, "expect", &name)? {
            Value::Bool(b) => b.to_string(),
            Value::String(s) if s == "compile_error" => s.clone(),
            other => return Err(FormatError(format!("case `{name}`: unexpected expect {other}"))),
        };
        let actual = condition_outcome(case, &name)?;
        report.check(&name, expected, actual);
    }
    Ok(())
}

fn unit_text(unit: &Value) -> Option<String> {
    match unit {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => {
            let mut buf = [0u8; 24];
            n.as_f64().and_then(|f| number_unit_text(f, &mut buf).map(str::to_owned))
        }
        _ => None,
    }
}

fn run_hashes(items: &[Value], report: &mut Report) -> Result<(), FormatError> {
    for (i, item) in items.iter().enumerate() {
        let name = format!("murmur3_x86_32/{i}");
        let input = field(item, "input", &name)?.as_str().ok_or_else(|| FormatError(format!("{name}: input must be a string")))?;
        let seed = item.get("seed").and_then(Value::as_u64).unwrap_or(0) as u32;
        let expected = field(item, "hash", &name)?.to_string();
        report.check(&name, expected, murmur3_x86_32(&[input.as_bytes()], seed).to_string());
    }
    Ok(())
}

fn run_buckets(items: &[Value], report: &mut Report) -> Result<(), FormatError> {
    for (i, item) in items.iter().enumerate() {
        let name = format!("bucket/{i}");
        let salt = field(item, "salt", &name)?.as_str().unwrap_or_default();
        let unit = unit_text(field(item, "unit", &name)?).ok_or_else(|| FormatError(format!("{name}: bad unit")))?;
        report.check(&name, field(item, "bucket", &name)?.to_string(), bucket(salt, &unit).to_string());
    }
    Ok(())
}

fn run_experiments(items: &[Value], report: &mut Report) -> Result<(), FormatError> {
    for (i, item) in items.iter().enumerate() {
        let name = case_name(item, i);
        let key = field(item, "key", &name)?.as_str().unwrap_or_default();
        let unit = unit_text(field(item, "unit", &name)?).ok_or_else(|| FormatError(format!("{name}: bad unit")))?;
        let holdout = field(item, "holdout_percent", &name)?
            .as_f64()
            .and_then(percent_threshold)
            .ok_or_else(|| FormatError(format!("{name}: bad holdout_percent")))?;
        let variants = field(item, "variants", &name)?.as_array().ok_or_else(|| FormatError(format!("{name}: variants must be a list")))?;
        let weights: Vec<u32> = variants.iter().map(|v| v.get("weight").and_then(Value::as_u64).unwrap_or(0) as u32).collect();
        let actual = match assign(key, &unit, holdout, &weights) {
            Some(Assignment::Holdout) => "holdout".to_owned(),
            Some(Assignment::Arm(i)) => variants.get(i).and_then(|v| v.get("name")).and_then(Value::as_str).unwrap_or("?").to_owned(),
            None => "none".to_owned(),
        };
        let expected = field(item, "expect", &name)?.as_str().unwrap_or_default().to_owned();
        report.check(&name, expected, actual);
    }
    Ok(())
}
