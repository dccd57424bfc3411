//! Recorded traffic end to end on real files: generated and imported (Parquet and CSV), refused
//! whole when broken (the previous import stays), and a change's impact replayed column-wise
//! agreeing with deciding every slot of every visitor from its flat JSON form.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::tally::{Population, Tally};
use vantage_traffic::import::import;
use vantage_traffic::TrafficError;

const MOMENT: &str = "2026-11-20T12:00:00Z";

fn bundle(files: &BTreeMap<String, String>) -> Bundle {
    Bundle::compile(vantage_engine::load::load(files).unwrap(), source_hash(files))
}

fn demo() -> (BTreeMap<String, String>, Bundle) {
    let files = vantage_test_support::demo_files();
    let b = bundle(&files);
    (files, b)
}

fn edited(files: &BTreeMap<String, String>, path: &str, edit: impl FnOnce(&mut Value)) -> Bundle {
    let mut files = files.clone();
    let mut doc: Value = serde_json::from_str(&files[path]).unwrap();
    edit(&mut doc);
    files.insert(path.into(), serde_json::to_string(&doc).unwrap());
    bundle(&files)
}

#[test]
fn generated_traffic_imports_whole_with_every_column_typed() {
    let (_, demo) = demo();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.parquet");
    let written = vantage_traffic::generate::generate(&demo.workspace, 20_000, 3, &file).unwrap();
    assert_eq!(written.rows, 20_000);
    let again = dir.path().join("again.parquet");
    assert_eq!(
        vantage_traffic::generate::generate(&demo.workspace, 20_000, 3, &again).unwrap().sha256,
        written.sha256,
        "same seed, same file"
    );
    let report = import(&file, &dir.path().join("kept.parquet"), &demo.workspace.catalog, &BTreeMap::new()).unwrap();
    assert_eq!((report.rows_read, report.rows_kept), (20_000, 20_000));
    assert!(report.rows_left_out.is_empty() && report.columns_left_out.is_empty(), "{report:?}");
    assert_eq!(report.sha256.len(), 64);
}

#[test]
fn a_csv_export_is_read_strictly_and_what_does_not_fit_is_counted_by_column_never_guessed() {
    let (_, demo) = demo();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("warehouse.csv");
    std::fs::write(
        &csv,
        "tier,profile.lifetime_value,profile.segments,profile.last_order_at,consents,favourite_colour\n\
         vip,2600,loyal|high-value,2026-11-01T10:00:00Z,personalization,green\n\
         gold,lots,,2026-11-01T10:00:00Z,personalization,blue\n\
         standard,10,,yesterday,,red\n\
         standard,,,,,\n",
    )
    .unwrap();
    let mapping: BTreeMap<String, String> = [("tier".to_owned(), "profile.tier".to_owned())].into();
    let report = import(&csv, &dir.path().join("kept.parquet"), &demo.workspace.catalog, &mapping).unwrap();
    assert_eq!((report.rows_read, report.rows_kept), (4, 2));
    assert_eq!(report.rows_left_out.get("profile.lifetime_value: not a number"), Some(&1));
    assert_eq!(report.rows_left_out.get("profile.last_order_at: not a time such as 2026-11-20T12:00:00Z"), Some(&1));
    assert_eq!(report.columns_left_out.len(), 1);
    assert_eq!(report.columns_left_out[0].0, "favourite_colour");
    assert!(report.columns.contains(&("profile.tier".to_owned(), "tier".to_owned())));
    // No visitor's value is quoted anywhere in the report.
    let text = format!("{report:?}");
    for value in ["lots", "yesterday", "green"] {
        assert!(!text.contains(value), "{value} leaked into {text}");
    }
}

#[test]
fn a_truncated_parquet_file_is_refused_naming_it_and_the_previous_import_stays() {
    let (_, demo) = demo();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.parquet");
    vantage_traffic::generate::generate(&demo.workspace, 1_000, 1, &good).unwrap();
    let kept = dir.path().join("kept.parquet");
    let first = import(&good, &kept, &demo.workspace.catalog, &BTreeMap::new()).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = import(&truncated, &kept, &demo.workspace.catalog, &BTreeMap::new()).unwrap_err();
    assert!(e.to_string().contains("truncated.parquet"), "{e}");
    assert_eq!(vantage_traffic::kept::sha256_of(&kept).unwrap().0, first.sha256, "the previous import is untouched");
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|f| !f.unwrap().file_name().to_string_lossy().ends_with(".partial")));
}

#[test]
fn an_empty_file_and_a_2_gb_csv_are_refused_with_one_clear_error() {
    let (_, demo) = demo();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "profile.tier,consents\n").unwrap();
    let e = import(&empty, &dir.path().join("kept.parquet"), &demo.workspace.catalog, &BTreeMap::new()).unwrap_err();
    assert!(matches!(e, TrafficError::Empty { read: 0, .. }), "{e}");
    assert!(!dir.path().join("kept.parquet").exists());
    let huge = dir.path().join("huge.csv");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(2 * 1024 * 1024 * 1024).unwrap(); // sparse: no disk used
    let e = import(&huge, &dir.path().join("kept.parquet"), &demo.workspace.catalog, &BTreeMap::new()).unwrap_err();
    assert!(e.to_string().contains("huge.csv") && e.to_string().contains("Parquet instead"), "{e}");
}

#[test]
fn a_typed_column_that_cannot_hold_its_attribute_is_left_out_by_name() {
    use arrow_array::{Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let (_, demo) = demo();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typed.parquet");
    let schema = Arc::new(arrow_schema::Schema::new(vec![
        arrow_schema::Field::new("profile.tier", arrow_schema::DataType::Int64, true),
        arrow_schema::Field::new("request.country", arrow_schema::DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![Arc::new(Int64Array::from(vec![1, 2])), Arc::new(StringArray::from(vec!["DE", "FR"]))],
    )
    .unwrap();
    let mut done = false;
    vantage_traffic::kept::write_whole(&file, schema, || Ok((!std::mem::replace(&mut done, true)).then(|| batch.clone()))).unwrap();
    let report = import(&file, &dir.path().join("kept.parquet"), &demo.workspace.catalog, &BTreeMap::new()).unwrap();
    assert_eq!(report.rows_kept, 2);
    assert_eq!(report.columns_left_out, vec![("profile.tier".to_owned(), "holds Int64 values; profile.tier is a string".to_owned())]);
}

/// Every slot of every page decided for every visitor from its flat form: per (page, slot), how
/// many visitors see something different and the first three of them (1-based rows), as the
/// replay should find them.
fn decided_from_flats(old: &Bundle, new: &Bundle, visitors: &[Map<String, Value>]) -> BTreeMap<(String, String), (usize, Vec<String>)> {
    let mut changed: BTreeMap<(String, String), (usize, Vec<String>)> = BTreeMap::new();
    for (row, flat) in visitors.iter().enumerate() {
        let mut flat = flat.clone();
        flat.insert("request.now".into(), json!(MOMENT));
        let (oc, nc) = (Context::from_flat(&old.decisions.program, &flat), Context::from_flat(&new.decisions.program, &flat));
        let (mut os, mut ns) = (Scratch::for_program(&old.decisions.program), Scratch::for_program(&new.decisions.program));
        for page in &new.decisions.pages {
            let old_page = old.decisions.page(&page.id).unwrap();
            for slot in &page.slots {
                let old_slot = old_page.slots.iter().find(|s| s.slot == slot.slot && s.entry == slot.entry).unwrap();
                let (a, b) = (new.decisions.decide_slot(slot, &nc, &mut ns), old.decisions.decide_slot(old_slot, &oc, &mut os));
                // Each visitor reads their own language: a translation changed is a change for them.
                let (a_text, b_text) = (new.content_in(slot, a, new.locale_of(&flat)), old.content_in(old_slot, b, old.locale_of(&flat)));
                if slot.variant_label(a) != old_slot.variant_label(b) || a_text != b_text {
                    let (n, first) = changed.entry((page.id.clone(), slot.slot.clone())).or_default();
                    *n += 1;
                    if first.len() < 3 {
                        first.push(format!("recorded visitor #{}", row + 1));
                    }
                }
            }
        }
    }
    changed
}

fn replayed(old: &Bundle, new: &Bundle, traffic: &Path) -> BTreeMap<(String, String), (usize, Vec<String>)> {
    let impact = vantage_traffic::replay::impact(old, new, traffic, MOMENT).unwrap();
    impact
        .slots
        .iter()
        .map(|s| ((s.page.clone(), s.slot.clone()), (s.changed, s.examples.iter().map(|e| e.visitor.clone()).collect())))
        .collect()
}

#[test]
fn replayed_impact_on_row_groups_shared_among_threads_agrees_with_deciding_every_slot_of_every_visitor_from_json() {
    let (files, old) = demo();
    let visitors = vantage_engine::population::generate(&old.workspace, 3_000, 11, MOMENT);
    let visitors: Vec<Map<String, Value>> = visitors
        .into_iter()
        .map(|mut v| {
            v.remove("request.now");
            v
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let traffic = dir.path().join("traffic.parquet");
    let batch = vantage_traffic::batch::from_flats(&old.workspace.catalog, &visitors).unwrap();
    // Row groups of 500 rows: the replay shares six of them out among its threads.
    let mut done = false;
    let written = vantage_traffic::kept::write_grouped(&traffic, batch.schema(), 500, || {
        Ok((!std::mem::replace(&mut done, true)).then(|| batch.clone()))
    })
    .unwrap();
    assert_eq!(written.rows, 3_000);
    let changes = [
        edited(&files, "entries/home-hero.json", |hero| {
            hero["personalizations"][0]["condition"] = json!({"attr": "profile.lifetime_value", "op": "gte", "value": 1000});
        }),
        edited(&files, "audiences.json", |a| {
            a["audiences"]["vip"]["condition"] = json!({"attr": "profile.orders_count", "op": "gte", "value": 3});
        }),
        edited(&files, "entries/home-hero.json", |hero| hero["baseline"]["headline"] = json!("A new headline")),
        // Only German readers of the DACH variant see this one.
        edited(&files, "entries/home-hero.json", |hero| {
            assert_eq!(hero["personalizations"][2]["id"], "dach-local");
            hero["personalizations"][2]["translations"]["de-DE"]["subline"] = json!("Morgen bei Ihnen, übermorgen in der Schweiz.");
        }),
    ];
    for new in &changes {
        let expected = decided_from_flats(&old, new, &visitors);
        assert!(!expected.is_empty());
        assert_eq!(replayed(&old, new, &traffic), expected);
    }
    let german_only = decided_from_flats(&old, &changes[3], &visitors);
    let hero = &german_only[&("home".to_owned(), "hero".to_owned())];
    let dach = visitors.iter().filter(|v| ["DE", "AT", "CH"].contains(&v["request.country"].as_str().unwrap_or(""))).count();
    assert!(hero.0 > 0 && hero.0 < dach, "some DACH visitors read German, not all: {} of {dach}", hero.0);
    // Nothing changed: nothing is decided, nobody moves.
    assert!(vantage_traffic::replay::changed_slots(&old, &old).is_empty());
    assert!(replayed(&old, &old, &traffic).is_empty());
}

#[test]
fn who_each_rule_reaches_counted_from_the_file_on_threads_agrees_with_counting_every_visitor_from_json() {
    let (_, demo) = demo();
    let mut visitors = vantage_engine::population::generate(&demo.workspace, 3_000, 5, MOMENT);
    for v in &mut visitors {
        v.remove("request.now");
    }
    let dir = tempfile::tempdir().unwrap();
    let traffic = dir.path().join("traffic.parquet");
    let batch = vantage_traffic::batch::from_flats(&demo.workspace.catalog, &visitors).unwrap();
    let mut done = false;
    vantage_traffic::kept::write_grouped(
        &traffic,
        batch.schema(),
        700,
        || Ok((!std::mem::replace(&mut done, true)).then(|| batch.clone())),
    )
    .unwrap();

    let counted = vantage_traffic::tally::tally(&demo, &traffic, MOMENT).unwrap();
    let program = &demo.decisions.program;
    let mut expected = Tally::new(&demo, Population::Recorded, visitors.len(), vantage_traffic::tally::BUDGET);
    let mut scratch = Scratch::for_program(program);
    for (index, flat) in visitors.iter().enumerate() {
        let mut flat = flat.clone();
        flat.insert("request.now".into(), json!(MOMENT));
        expected.observe(&demo, &Context::from_flat(program, &flat), &mut scratch, index);
    }
    assert_eq!(counted.visitors, 3_000);
    assert_eq!(counted.shown, expected.shown);
    for (a, b) in counted.entries.iter().zip(&expected.entries) {
        assert_eq!((&a.entry, &a.matched, &a.won, &a.taken_by), (&b.entry, &b.matched, &b.won, &b.taken_by));
    }
    // The Christmas footer is still ahead of everybody on 20 November: lint says it is scheduled.
    let findings = vantage_engine::lint::lint_on(&demo, MOMENT, &counted);
    let footer = findings.iter().find(|d| d.file == "entries/site-footer.json" && d.pointer == "/personalizations/0").unwrap();
    assert_eq!(footer.code, "scheduled", "{footer:?}");
    assert!(footer.message.contains("starts on 1 Dec 2026"), "{}", footer.message);
}

#[test]
fn an_english_text_changed_moves_only_the_readers_who_read_it_in_english_on_an_imported_file() {
    let (files, old) = demo();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.parquet");
    vantage_traffic::generate::generate(&old.workspace, 3_000, 7, &file).unwrap();
    let kept = dir.path().join("kept.parquet");
    import(&file, &kept, &old.workspace.catalog, &BTreeMap::new()).unwrap();
    let new = edited(&files, "entries/home-hero.json", |hero| {
        hero["personalizations"][0]["patch"]["headline"] = json!("Your winter edit is ready")
    });
    let impact = vantage_traffic::replay::impact(&old, &new, &kept, MOMENT).unwrap();
    let hero = impact.slots.iter().find(|s| s.slot == "hero").expect("English VIP readers move");
    for example in &hero.examples {
        let visitor = vantage_traffic::visitor::visitor(&kept, example.row.unwrap()).unwrap();
        let locale = new.locale_of(&visitor).unwrap();
        assert!(
            !locale.starts_with("de") && !locale.starts_with("fr"),
            "row {:?} reads {locale}: its VIP headline is translated",
            example.row
        );
    }
}
