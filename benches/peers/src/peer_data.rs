//! A visitor as a general-purpose rule engine's user would hand it over: nested JSON (dotted
//! paths become objects), attributes the visitor did not consent to left out, and `pre.*` the
//! values the peers cannot compute (see [`crate::lowered`]). Preparing this is not timed, as
//! preparing a Vantage context is not timed in the prepared-context figures.

use crate::lowered::{age_path, hour_path, rollout_path, version_code, version_path, weekday_path};
use serde_json::{json, Map, Value};
use vantage_engine::catalog::{AttrType, CONSENTS, NOW, TIMEZONE};
use vantage_engine::condition::Condition;
use vantage_engine::model::Workspace;

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The flat visitor with its precomputed values, still flat (`pre.…` keys included).
pub fn flat_for_peers(ws: &Workspace, visitor: &Map<String, Value>) -> Map<String, Value> {
    let granted: Vec<&str> = visitor.get(CONSENTS).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let mut out = Map::new();
    for (path, value) in visitor {
        let consented = ws.catalog.get(path).and_then(|a| a.consent.clone()).is_none_or(|purpose| granted.contains(&purpose.as_str()));
        if consented && path != CONSENTS {
            out.insert(path.clone(), value.clone());
        }
    }
    let now = visitor.get(NOW).and_then(Value::as_str).and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let zone = visitor.get(TIMEZONE).and_then(Value::as_str).and_then(|z| jiff::tz::TimeZone::get(z).ok());
    // `request.now` is built in, not in the catalog.
    let types = ws.catalog.attributes.iter().map(|(path, attr)| (path.as_str(), attr.ty)).chain([(NOW, AttrType::Timestamp)]);
    for (path, ty) in types {
        let Some(value) = out.get(path).cloned() else { continue };
        match ty {
            AttrType::Timestamp => {
                let Some(at) = value.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok()) else { continue };
                if let Some(now) = now {
                    out.insert(age_path(path), json!(now.as_second() - at.as_second()));
                }
                if let Some(zone) = &zone {
                    let local = at.to_zoned(zone.clone());
                    out.insert(weekday_path(path), json!(WEEKDAYS[local.weekday().to_monday_zero_offset() as usize]));
                    out.insert(hour_path(path), json!(local.hour()));
                }
            }
            AttrType::Semver => {
                if let Some(code) = value.as_str().and_then(version_code) {
                    out.insert(version_path(path), json!(code));
                }
            }
            _ => {}
        }
    }
    for rule in rollouts(ws) {
        let unit = out.get(&rule.unit).and_then(Value::as_str).map(str::to_owned);
        let percent = rule.percent.as_f64().unwrap_or(0.0);
        let inside = unit.is_some_and(|u| f64::from(vantage_engine::bucket::bucket(&rule.salt, &u)) < percent * 100.0);
        out.insert(rollout_path(&rule.salt), json!(inside));
    }
    out
}

/// Every rollout of the workspace's rules.
fn rollouts(ws: &Workspace) -> Vec<vantage_engine::condition::Rollout> {
    let mut found = Vec::new();
    let mut look = |c: &Condition| {
        c.visit(&mut |node| {
            if let Condition::Rollout(r) = node {
                found.push(r.clone());
            }
        })
    };
    ws.audiences.values().for_each(|a| look(&a.condition));
    ws.entries.values().flat_map(|e| &e.personalizations).for_each(|p| look(&p.condition));
    found
}

/// Dotted keys as nested objects (`{"profile": {"tier": …}}`), as both peers read paths.
pub fn nested(flat: &Map<String, Value>) -> Value {
    let mut root = Map::new();
    for (path, value) in flat {
        let mut parts: Vec<&str> = path.split('.').collect();
        let Some(last) = parts.pop() else { continue };
        let mut node = &mut root;
        for part in parts {
            let next = node.entry(part.to_owned()).or_insert_with(|| json!({}));
            let Value::Object(m) = next else { panic!("`{path}` nests under a value that is not an object") };
            node = m;
        }
        node.insert(last.to_owned(), value.clone());
    }
    Value::Object(root)
}
