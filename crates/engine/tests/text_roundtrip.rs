//! Property: the text form round-trips exactly. For any condition c, parse(print(c)) == c, and
//! printing is a fixed point (print(parse(print(c))) == print(c)).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use proptest::prelude::*;
use serde_json::{json, Number, Value};
use vantage_engine::condition::{parse, print, Condition, Op, Predicate, Rollout};

/// JSON values that serde_json itself prints and reads back identically.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        prop_oneof![Just(0.1), Just(1e300), Just(-0.0), Just(5e-324), Just(0.30000000000000004)].prop_map(|f: f64| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![Just("quote \" and \\ backslash"), Just("caf\u{e9} cafe\u{301}"), Just("\u{1F600}\n\t"), Just(")) and or not")]
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| prop::collection::vec(inner, 0..4).prop_map(Value::Array))
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,6}(\\.[a-z0-9_-]{1,6}){0,2}",
        Just("and".to_owned()),
        Just("in".to_owned()),
        Just("weird path".to_owned()),
        Just("9lives".to_owned()),
        Just("a..b".to_owned()),
        "\\PC{1,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Condition> {
    prop_oneof![
        (path(), prop::sample::select(Op::ALL.to_vec()), value()).prop_map(|(attr, op, v)| {
            let value = if op == Op::Exists { None } else { Some(v) };
            Condition::Predicate(Predicate { attr, op, value })
        }),
        prop_oneof!["[a-z_][a-z0-9_-]{0,8}", Just("not".to_owned()), Just("Big Spenders".to_owned()), "\\PC{0,6}"]
            .prop_map(Condition::Audience),
        (
            path(),
            "\\PC{0,6}",
            prop_oneof![Just(Number::from(25)), Just(Number::from_f64(33.33).unwrap()), Just(Number::from_f64(0.0).unwrap())]
        )
            .prop_map(|(unit, salt, percent)| Condition::Rollout(Rollout { unit, salt, percent })),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
            inner.prop_map(|c| Condition::Not(Box::new(c))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn text_form_round_trips_exactly(c in condition()) {
        let text = print(&c);
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{e} in {text}")))?;
        prop_assert_eq!(&back, &c, "text: {}", text);
        prop_assert_eq!(print(&back), text);
    }

    #[test]
    fn json_form_round_trips_exactly(c in condition()) {
        prop_assert_eq!(Condition::from_json(&c.to_json()).unwrap(), c);
    }

    #[test]
    fn the_parser_never_panics(text in "\\PC{0,40}") {
        let _ = parse(&text);
    }
}
