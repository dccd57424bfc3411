//! Why a rule reaches nobody: it may be scheduled (its time window opens later: "starts on
//! 1 Dec"), over (its window has closed), only for certain hours or days, or dead (no visitor
//! matches at any moment its conditions name). Lint asks this only of rules no visitor matches
//! at the moment it judges; the answer is found by deciding the simulated population again at
//! the moments the rule's own time constants name (and at every hour of a week for hour and
//! weekday rules), so "scheduled" is shown, not guessed.

use crate::bundle::{Bundle, Diagnostic, Severity};
use crate::catalog::NOW;
use crate::condition::{print, Condition, Op};
use crate::context::Context;
use crate::eval::Scratch;
use crate::model::Personalization;
use crate::program::{NodeId, Tri};
use crate::time::{parse_timestamp, Instant};
use serde_json::Value;
use std::collections::BTreeSet;

/// A moment to try, and the moment people are told (the constant it came from).
type Candidate = (Instant, Instant);

/// The finding for personalization `p` (compiled as `root`), which none of the `sample`
/// `adjective` visitors matched at the population's moment.
pub(crate) fn unreached(
    bundle: &Bundle,
    root: NodeId,
    p: &Personalization,
    (file, pointer): (String, String),
    sample: usize,
    adjective: &str,
) -> Diagnostic {
    let now_text = &bundle.workspace.settings.population.now;
    let now = parse_timestamp(now_text);
    let (constants, recurring) = time_constants(bundle, &p.condition);
    let mut candidates: Vec<Candidate> = constants
        .iter()
        .flat_map(|&c| [-1, 0, 1].map(|s| (Instant { seconds: c.seconds + s, nanos: c.nanos }, c)))
        .filter(|(m, _)| Some(*m) != now)
        .collect();
    if let (true, Some(now)) = (recurring, now) {
        candidates.extend((1..24 * 7).map(|h| Instant { seconds: now.seconds + h * 3600, nanos: now.nanos }).map(|m| (m, m)));
    }
    candidates.sort();
    let matching: Vec<Instant> = matches_at(bundle, root, &candidates);
    let later = matching.iter().filter(|m| now.is_none_or(|n| **m > n)).min();
    let earlier = matching.iter().filter(|m| now.is_some_and(|n| **m < n)).max();
    let when = |t: &Instant| day(*t);
    let (severity, code, message) = match (later, earlier) {
        (Some(start), _) if recurring && constants.is_empty() => (
            Severity::Info,
            "scheduled",
            format!(
                "`{}` matches only at certain hours or days: none of the {sample} {adjective} visitors matches it at {}, some do at {}",
                p.id,
                when(&now.unwrap_or(*start)),
                when(start)
            ),
        ),
        (Some(start), _) => (
            Severity::Info,
            "scheduled",
            format!(
                "`{}` is scheduled: it starts on {} (no visitor matches it yet on {})",
                p.id,
                when(start),
                now.map_or_else(|| now_text.clone(), day)
            ),
        ),
        (None, Some(end)) => (
            Severity::Warning,
            "expired",
            format!("`{}` is over: its time window closed on {}, so no visitor can match it any more", p.id, when(end)),
        ),
        (None, None) if adjective == "simulated" => (
            Severity::Warning,
            "unreached",
            format!(
                "no visitor can match `{}`: none of the {sample} simulated visitors does, then or at any moment its conditions name: {}",
                p.id,
                print(&p.condition)
            ),
        ),
        (None, None) => (
            Severity::Warning,
            "unreached",
            format!("no visitor among {sample} {adjective} ones matches `{}`: {}", p.id, print(&p.condition)),
        ),
    };
    Diagnostic::new(severity, file, pointer, code, message)
}

/// The instants `condition` (and the audiences it names) compares the visit's moment with, and
/// whether it has hour or weekday windows.
fn time_constants(bundle: &Bundle, condition: &Condition) -> (BTreeSet<Instant>, bool) {
    let mut instants = BTreeSet::new();
    let mut recurring = false;
    let mut pending = vec![condition];
    let mut audiences = BTreeSet::new();
    while let Some(c) = pending.pop() {
        c.visit(&mut |node| match node {
            Condition::Predicate(pred) => {
                recurring |= matches!(pred.op, Op::DayOfWeek | Op::HourBetween);
                if pred.attr == NOW {
                    let texts: Vec<&str> = match &pred.value {
                        Some(Value::String(s)) => vec![s.as_str()],
                        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                        _ => Vec::new(),
                    };
                    instants.extend(texts.into_iter().filter_map(parse_timestamp));
                }
            }
            Condition::Audience(name) => {
                audiences.insert(name.clone());
            }
            _ => {}
        });
        for name in std::mem::take(&mut audiences) {
            if let Some(audience) = bundle.workspace.audiences.get(&name) {
                pending.push(&audience.condition);
            }
        }
    }
    (instants, recurring)
}

/// The candidates (as people are told them) at which some simulated visitor matches `root`.
fn matches_at(bundle: &Bundle, root: NodeId, candidates: &[Candidate]) -> Vec<Instant> {
    let program = &bundle.decisions.program;
    let mut contexts: Vec<Context> = bundle.population().iter().map(|flat| Context::from_flat(program, flat)).collect();
    let mut scratch = Scratch::for_program(program);
    let mut out = Vec::new();
    for (moment, told) in candidates {
        let Some(text) = moment.to_jiff().map(|t| t.to_string()) else { continue };
        let value = Value::String(text);
        let any = contexts.iter_mut().any(|ctx| {
            ctx.set(program, NOW, &value);
            scratch.reset(program);
            program.eval(root, ctx, &mut scratch) == Tri::True
        });
        if any {
            out.push(*told);
        }
    }
    out
}

/// "1 Dec 2026", or "1 Dec 2026, 14:00 UTC" when the moment is not midnight.
fn day(t: Instant) -> String {
    match t.to_jiff() {
        Some(ts) if ts.as_second().rem_euclid(86_400) == 0 => ts.strftime("%-d %b %Y").to_string(),
        Some(ts) => ts.strftime("%-d %b %Y, %H:%M UTC").to_string(),
        None => format!("{}s", t.seconds),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::bundle::{source_hash, Bundle, Diagnostic};
    use crate::catalog::NOW;
    use crate::context::Context;
    use crate::eval::Scratch;
    use crate::load::load;
    use crate::tally::{Population, Tally};
    use serde_json::{json, Value};

    /// Lint's findings on the demo footer's first personalization given `condition`, judged at the
    /// demo population's moment (20 Nov 2026, a Friday; its visitors arrive over the week before).
    fn footer_findings(condition: Value) -> Vec<Diagnostic> {
        let bundle = footer_bundle(condition);
        crate::lint::lint(&bundle, "2026-11-20T12:00:00Z")
            .into_iter()
            .filter(|d| {
                d.file == "entries/site-footer.json" && d.pointer.starts_with("/personalizations/0") && !d.pointer.contains("/translations")
            })
            .collect()
    }

    fn footer_bundle(condition: Value) -> Bundle {
        let mut files = vantage_test_support::demo_files();
        let mut footer: Value = serde_json::from_str(&files["entries/site-footer.json"]).unwrap();
        footer["personalizations"][0]["condition"] = condition;
        files.insert("entries/site-footer.json".into(), serde_json::to_string_pretty(&footer).unwrap());
        let hash = source_hash(&files);
        Bundle::compile(load(&files).unwrap(), hash)
    }

    fn window(after: &str, before: &str) -> Value {
        json!({"all": [{"attr": "request.now", "op": "after", "value": after}, {"attr": "request.now", "op": "before", "value": before}]})
    }

    #[test]
    fn a_time_window_that_opens_after_the_moment_judged_is_scheduled_with_its_start_date_not_unreached() {
        let found = footer_findings(window("2026-12-01T00:00:00Z", "2026-12-20T00:00:00Z"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "scheduled");
        assert!(found[0].message.contains("starts on 1 Dec 2026"), "{}", found[0].message);
    }

    #[test]
    fn a_window_that_closed_before_the_moment_judged_is_reported_over_with_its_end_date() {
        let found = footer_findings(window("2026-10-01T00:00:00Z", "2026-10-15T09:30:00Z"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "expired");
        assert!(found[0].message.contains("closed on 15 Oct 2026, 09:30 UTC"), "{}", found[0].message);
    }

    #[test]
    fn a_rule_no_visitor_can_match_at_any_moment_is_dead_even_with_a_future_window() {
        // A window in the future, and a country that no visitor has together with its negation.
        let dead = json!({"all": [
            {"attr": "request.now", "op": "after", "value": "2026-12-01T00:00:00Z"},
            {"attr": "request.country", "op": "eq", "value": "DE"},
            {"not": {"attr": "request.country", "op": "eq", "value": "DE"}}
        ]});
        let found = footer_findings(dead);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "unreached");
        assert!(found[0].message.starts_with("no visitor can match `holiday-cutoff`"), "{}", found[0].message);
    }

    #[test]
    fn a_sunday_only_rule_is_reached_by_simulated_visitors_who_arrive_over_the_whole_week() {
        assert_eq!(footer_findings(json!({"attr": "request.now", "op": "day_of_week", "value": ["sun"]})), vec![]);
    }

    #[test]
    fn a_sunday_only_rule_judged_on_visitors_replayed_on_a_friday_is_scheduled_by_day_not_dead() {
        let bundle = footer_bundle(json!({"attr": "request.now", "op": "day_of_week", "value": ["sun"]}));
        // Recorded visitors are replayed at one moment, the population's: a Friday noon.
        let program = &bundle.decisions.program;
        let population = bundle.population();
        let mut tally = Tally::new(&bundle, Population::Recorded, population.len(), usize::MAX);
        let mut scratch = Scratch::for_program(program);
        for (index, flat) in population.iter().enumerate() {
            let mut ctx = Context::from_flat(program, flat);
            ctx.set(program, NOW, &json!("2026-11-20T12:00:00Z"));
            tally.observe(&bundle, &ctx, &mut scratch, index);
        }
        let found: Vec<Diagnostic> = crate::lint::lint_on(&bundle, "2026-11-20T12:00:00Z", &tally)
            .into_iter()
            .filter(|d| {
                d.file == "entries/site-footer.json" && d.pointer.starts_with("/personalizations/0") && !d.pointer.contains("/translations")
            })
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "scheduled");
        assert!(found[0].message.contains("only at certain hours or days"), "{}", found[0].message);
    }
}
