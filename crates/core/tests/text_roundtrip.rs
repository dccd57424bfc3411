//! Property: the text form round-trips exactly. For any condition c, parse(print(c)) == c, and
//! printing is a fixed point: print(parse(print(c))) == print(c). Also: the parser never panics,
//! and whatever it accepts (even non-canonical or mangled text) prints back to text that parses
//! to the same condition.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use proptest::prelude::*;
use serde_json::{json, Map, Number, Value};
use vantage_core::condition::{parse, print, Condition, Op, Predicate, Rollout};

/// Floats that are easy to get wrong. Every finite f64 prints and reads back bit-exactly through
/// serde_json (the workspace enables `float_roundtrip`; `finite_floats_round_trip_through_serde_json`
/// below checks it), so the generators need no restriction beyond finiteness (JSON has no NaN or
/// infinity). -0.0 prints as `-0.0` and reads back as -0.0.
const TRICKY_FLOATS: [f64; 12] =
    [0.1, 0.2, 0.30000000000000004, 1e300, -1e300, -0.0, 0.0, 5e-324, f64::MAX, f64::MIN_POSITIVE, 1e16, 123456789.125];

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![prop::sample::select(TRICKY_FLOATS.to_vec()), any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite())]
}

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "[ -~]{0,12}",
        prop::sample::select(vec![
            "",
            "quote \" and \\ backslash",
            "\\\"",
            "caf\u{e9} cafe\u{301} \u{1F600} \u{2028}\u{2029} \u{FEFF}",
            "\u{0}\u{1}\u{1f}\u{7f}\n\r\t\u{8}\u{c}",
            ")) and or not (",
            "\", \"",
            "/ \\/ \\u0041",
            "]]]",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Any JSON value: scalars of every kind, nested lists and objects.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![i64::MIN, i64::MAX, -(1 << 53) - 1, (1 << 53) + 1, 0, -1]).prop_map(|n| json!(n)),
        prop::sample::select(vec![u64::MAX, (1 << 53) + 1, 1 << 63]).prop_map(|n| json!(n)),
        float().prop_map(|f| json!(f)),
        tricky_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((tricky_string(), inner), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Keywords: they never print bare, as paths or as audience names.
fn keyword() -> impl Strategy<Value = String> {
    let mut words: Vec<String> = ["and", "or", "not", "audience", "rollout", "all", "any", "true", "false", "null", "exists"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    words.extend(Op::ALL.iter().map(|op| op.name().to_owned()));
    prop::sample::select(words)
}

/// Bare words that begin like keywords (or like numbers) but are not keywords.
fn near_keyword() -> impl Strategy<Value = String> {
    (keyword(), prop::sample::select(vec!["-x", "_", "1", ".x", "-", "s", ".and", ".not.or"])).prop_map(|(k, tail)| format!("{k}{tail}"))
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z_][a-zA-Z0-9_-]{0,6}(\\.[a-zA-Z0-9_-]{1,6}){0,3}",
        1 => keyword(),
        1 => near_keyword(),
        1 => prop::sample::select(vec![
            "", "weird path", "9lives", "a..b", ".a", "a.", "-x", "a b", "a\"b", "a\\b", "café", "a.é", "=", "a = 1", "(", ")", ",",
            "AND", "Not", "e1", "_", "__", "a.1", "a.-", "a.b-c.d_e",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,8}",
    ]
}

fn audience_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z_][a-zA-Z0-9_-]{0,8}",
        1 => keyword(),
        1 => near_keyword(),
        1 => prop::sample::select(vec!["", "Big Spenders", "a.b", "9", "-x", "é", "\"", "a\\"]).prop_map(str::to_owned),
        1 => "\\PC{0,6}",
    ]
}

fn percent() -> impl Strategy<Value = Number> {
    prop_oneof![
        (0u64..=100).prop_map(Number::from),
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        float().prop_filter_map("finite", Number::from_f64),
    ]
}

fn leaf() -> impl Strategy<Value = Condition> {
    prop_oneof![
        4 => (path(), prop::sample::select(Op::ALL.to_vec()), value()).prop_map(|(attr, op, v)| {
            let value = if op == Op::Exists { None } else { Some(v) };
            Condition::Predicate(Predicate { attr, op, value })
        }),
        1 => audience_name().prop_map(Condition::Audience),
        1 => (path(), tricky_string(), percent()).prop_map(|(unit, salt, percent)| Condition::Rollout(Rollout { unit, salt, percent })),
    ]
}

/// Conditions nested up to 6 levels, groups of 0 to 4 children (so the function forms `all()`,
/// `all(x)` and chains inside chains all occur).
fn condition() -> impl Strategy<Value = Condition> {
    leaf().prop_recursive(6, 96, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Condition::All),
            prop::collection::vec(inner.clone(), 0..5).prop_map(Condition::Any),
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
    fn values_round_trip_exactly(v in value(), op in prop::sample::select(Op::ALL.iter().copied().filter(|op| *op != Op::Exists).collect::<Vec<_>>())) {
        let c = Condition::Predicate(Predicate { attr: "a".into(), op, value: Some(v.clone()) });
        let text = print(&c);
        let written = match op {
            Op::Eq => "=",
            Op::Neq => "!=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Gt => ">",
            Op::Gte => ">=",
            _ => op.name(),
        };
        prop_assert_eq!(&text, &format!("a {written} {}", serde_json::to_string(&v).unwrap()));
        prop_assert_eq!(parse(&text).map_err(|e| TestCaseError::fail(format!("{e} in {text}")))?, c);
    }

    #[test]
    fn json_form_round_trips_exactly(c in condition()) {
        prop_assert_eq!(Condition::from_json(&c.to_json()).unwrap(), c);
    }

    #[test]
    fn finite_floats_round_trip_through_serde_json(f in float()) {
        let back: Value = serde_json::from_str(&serde_json::to_string(&json!(f)).unwrap()).unwrap();
        prop_assert_eq!(back.as_f64().map(f64::to_bits), Some(f.to_bits()));
    }

    #[test]
    fn the_parser_never_panics(text in "\\PC{0,40}") {
        let _ = parse(&text);
    }

    /// Printed text with a random piece cut out and random characters put in: whatever of it
    /// still parses prints back to text that parses to the same condition.
    #[test]
    fn whatever_parses_prints_back(
        c in condition(),
        cut in any::<prop::sample::Index>(),
        cut_len in 0usize..6,
        insert in prop::sample::select(vec!["", " ", "\n", "(", ")", "not ", " and ", " or ", ",", "\"", "all(", "any(", "1", "-", "x", "=="]),
    ) {
        let text = print(&c);
        let chars: Vec<char> = text.chars().collect();
        let at = cut.index(chars.len() + 1);
        let end = (at + cut_len).min(chars.len());
        let mangled: String = chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect();
        if let Ok(parsed) = parse(&mangled) {
            let printed = print(&parsed);
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{e} in {printed} (from {mangled})")))?;
            prop_assert_eq!(&reparsed, &parsed, "mangled: {}", mangled);
            prop_assert_eq!(print(&reparsed), printed);
        }
    }
}
