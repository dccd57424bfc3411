//! A semantic diff of two workspaces: audiences, personalizations (conditions in text form,
//! content field by field), priority order, experiments and page layouts.

use crate::condition::print;
use crate::model::{Entry, Workspace};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    Reordered,
}

/// One semantic change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// `audience`, `entry`, `personalization`, `experiment`, `page`.
    pub area: String,
    /// What changed, e.g. `home-hero/vip-welcome`.
    pub target: String,
    /// Which aspect, e.g. `condition`, `headline`, `priority`.
    pub aspect: String,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

fn change(area: &str, target: String, aspect: &str, kind: ChangeKind, before: Option<String>, after: Option<String>) -> Change {
    Change { area: area.into(), target, aspect: aspect.into(), kind, before, after }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Field-level changes between two JSON objects (top-level fields; deeper values as JSON).
fn fields(area: &str, target: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let keys: BTreeSet<&String> =
        old.as_object().into_iter().flat_map(|m| m.keys()).chain(new.as_object().into_iter().flat_map(|m| m.keys())).collect();
    for key in keys {
        let (a, b) = (old.get(key), new.get(key));
        match (a, b) {
            (Some(a), Some(b)) if a != b => out.push(change(area, target.into(), key, ChangeKind::Changed, Some(show(a)), Some(show(b)))),
            (Some(a), None) => out.push(change(area, target.into(), key, ChangeKind::Removed, Some(show(a)), None)),
            (None, Some(b)) => out.push(change(area, target.into(), key, ChangeKind::Added, None, Some(show(b)))),
            _ => {}
        }
    }
}

/// Everything that differs between `old` and `new`, sorted.
pub fn diff(old: &Workspace, new: &Workspace) -> Vec<Change> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = old.audiences.keys().chain(new.audiences.keys()).collect();
    for name in names {
        match (old.audiences.get(name), new.audiences.get(name)) {
            (Some(a), Some(b)) if a.condition != b.condition => out.push(change(
                "audience",
                name.clone(),
                "condition",
                ChangeKind::Changed,
                Some(print(&a.condition)),
                Some(print(&b.condition)),
            )),
            (Some(a), None) => {
                out.push(change("audience", name.clone(), "condition", ChangeKind::Removed, Some(print(&a.condition)), None))
            }
            (None, Some(b)) => out.push(change("audience", name.clone(), "condition", ChangeKind::Added, None, Some(print(&b.condition)))),
            _ => {}
        }
    }
    let ids: BTreeSet<&String> = old.entries.keys().chain(new.entries.keys()).collect();
    for id in ids {
        match (old.entries.get(id), new.entries.get(id)) {
            (Some(a), Some(b)) => entry(a, b, &mut out),
            (Some(_), None) => out.push(change("entry", id.clone(), "entry", ChangeKind::Removed, None, None)),
            (None, Some(_)) => out.push(change("entry", id.clone(), "entry", ChangeKind::Added, None, None)),
            _ => {}
        }
    }
    let keys: BTreeSet<&String> = old.experiments.iter().map(|x| &x.key).chain(new.experiments.iter().map(|x| &x.key)).collect();
    for key in keys {
        let a = old.experiments.iter().find(|x| &x.key == key);
        let b = new.experiments.iter().find(|x| &x.key == key);
        match (a, b) {
            (Some(a), Some(b)) if a != b => {
                let (va, vb) = (serde_json::to_value(a).unwrap_or_default(), serde_json::to_value(b).unwrap_or_default());
                fields("experiment", key, &va, &vb, &mut out);
            }
            (Some(_), None) => out.push(change("experiment", key.clone(), "experiment", ChangeKind::Removed, None, None)),
            (None, Some(_)) => out.push(change("experiment", key.clone(), "experiment", ChangeKind::Added, None, None)),
            _ => {}
        }
    }
    let pages: BTreeSet<&String> = old.pages.keys().chain(new.pages.keys()).collect();
    for id in pages {
        let layout =
            |w: &Workspace| w.pages.get(id).map(|p| p.slots.iter().map(|s| format!("{}={}", s.id, s.entry)).collect::<Vec<_>>().join(", "));
        let (a, b) = (layout(old), layout(new));
        if a != b {
            let kind = match (&a, &b) {
                (None, _) => ChangeKind::Added,
                (_, None) => ChangeKind::Removed,
                _ => ChangeKind::Changed,
            };
            out.push(change("page", id.clone(), "slots", kind, a, b));
        }
    }
    out.sort();
    out
}

fn entry(a: &Entry, b: &Entry, out: &mut Vec<Change>) {
    fields("entry", &format!("{}/baseline", a.id), &a.baseline, &b.baseline, out);
    let order = |e: &Entry| e.personalizations.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    for p in &a.personalizations {
        let target = format!("{}/{}", a.id, p.id);
        match b.personalizations.iter().find(|q| q.id == p.id) {
            None => out.push(change("personalization", target, "personalization", ChangeKind::Removed, Some(print(&p.condition)), None)),
            Some(q) => {
                if p.condition != q.condition {
                    out.push(change(
                        "personalization",
                        target.clone(),
                        "condition",
                        ChangeKind::Changed,
                        Some(print(&p.condition)),
                        Some(print(&q.condition)),
                    ));
                }
                if p.name != q.name {
                    out.push(change(
                        "personalization",
                        target.clone(),
                        "name",
                        ChangeKind::Changed,
                        Some(p.name.clone()),
                        Some(q.name.clone()),
                    ));
                }
                fields(
                    "personalization",
                    &target,
                    &crate::bundle::merged(&a.baseline, &p.patch),
                    &crate::bundle::merged(&b.baseline, &q.patch),
                    out,
                );
            }
        }
    }
    for q in &b.personalizations {
        if !a.personalizations.iter().any(|p| p.id == q.id) {
            out.push(change(
                "personalization",
                format!("{}/{}", a.id, q.id),
                "personalization",
                ChangeKind::Added,
                None,
                Some(print(&q.condition)),
            ));
        }
    }
    let (oa, ob) = (order(a), order(b));
    let common_a: Vec<&String> = oa.iter().filter(|id| ob.contains(id)).collect();
    let common_b: Vec<&String> = ob.iter().filter(|id| oa.contains(id)).collect();
    if common_a != common_b {
        out.push(change("entry", a.id.clone(), "priority", ChangeKind::Reordered, Some(oa.join(" > ")), Some(ob.join(" > "))));
    }
}
