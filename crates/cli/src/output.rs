//! Plain-text renderings of use-case results for the terminal.

use vantage_engine::diff::{Change, ChangeKind};
use vantage_engine::impact::Impact;
use vantage_engine::matrix::PageMatrix;
use vantage_studio::{ConformReport, StaticExport};

/// One table per page: a row per slot, a column per profile.
pub fn matrix_text(pages: &[PageMatrix]) -> String {
    let mut out = String::new();
    for page in pages {
        out.push_str(&format!("page {}\n", page.page));
        let mut header = vec!["slot".to_owned()];
        header.extend(page.profiles.iter().cloned());
        let mut rows = vec![header];
        if !page.locales.is_empty() {
            rows.push(std::iter::once("(locale)".to_owned()).chain(page.locales.iter().cloned()).collect());
        }
        for row in &page.rows {
            let mut cells = vec![row.slot.clone()];
            cells.extend(row.cells.iter().cloned());
            rows.push(cells);
        }
        let widths: Vec<usize> =
            (0..rows[0].len()).map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0)).collect();
        for row in &rows {
            let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
            out.push_str(&format!("  {}\n", line.join("  ").trim_end()));
        }
        for row in page.rows.iter().filter(|r| !r.unseen.is_empty()) {
            out.push_str(&format!("  unseen on {}: {}\n", row.slot, row.unseen.join(", ")));
        }
        if let Some(population) = &page.population {
            for row in &page.rows {
                match row.nobody_sees.as_deref() {
                    Some([]) | None => {}
                    Some(nobody) => out.push_str(&format!("  nobody among {population} sees on {}: {}\n", row.slot, nobody.join(", "))),
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Which recorded traffic a figure comes from.
pub fn traffic_line(traffic: &vantage_studio::traffic::TrafficInUse) -> String {
    format!("on {} recorded visitors from {} (imported {})", traffic.rows, traffic.source, traffic.imported_at)
}

pub fn impact_text(impact: &Impact, changes: &[Change]) -> String {
    let mut out = format!("{} -> {}\n\nchanges ({}):\n", short(&impact.old_hash), short(&impact.new_hash), changes.len());
    for c in changes {
        let kind = match c.kind {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Reordered => "reordered",
        };
        out.push_str(&format!("  {kind} {} {} {}", c.area, c.target, c.aspect));
        match (&c.before, &c.after) {
            (Some(b), Some(a)) => out.push_str(&format!(": {b} -> {a}")),
            (Some(b), None) => out.push_str(&format!(": was {b}")),
            (None, Some(a)) => out.push_str(&format!(": {a}")),
            (None, None) => {}
        }
        out.push('\n');
    }
    out.push_str(&format!("\nimpact over {} visitors:\n", impact.visitors));
    if impact.slots.is_empty() {
        out.push_str("  nobody sees anything different\n");
    }
    for s in &impact.slots {
        out.push_str(&format!("  {}/{}: {}% of visitors change ({} of {})\n", s.page, s.slot, s.share, s.changed, s.visitors));
        for e in &s.examples {
            out.push_str(&format!("    {}: {} -> {}\n", e.visitor, e.before, e.after));
        }
    }
    out
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

pub fn conform_text(report: &ConformReport) -> String {
    let mut out = String::new();
    for f in &report.files {
        for failure in &f.failures {
            out.push_str(&format!("FAIL {} {}: expected {}, got {}\n", f.path, failure.name, failure.expected, failure.actual));
        }
        out.push_str(&format!("{}: {} passed, {} failed\n", f.path, f.passed, f.failures.len()));
    }
    out
}

/// What `vantage export static` wrote, and what rendering a page per segment would have taken.
pub fn static_export_text(done: &StaticExport) -> String {
    let r = &done.report;
    let mut out = format!(
        "wrote {} HTML files and manifest.json to {} (release {}, decided as of {})\n",
        grouped(r.files as u128),
        done.out,
        short(&done.release),
        done.moment
    );
    out.push_str(&format!("pages: {} ({} static, {} left to the server tier)\n", r.pages, r.static_pages, r.fallback_pages));
    out.push_str(&format!(
        "slots on static pages: {} decided from request facts and segments, {} left at their baseline for the client tier\n",
        r.static_slots, r.client_slots
    ));
    out.push_str(&format!(
        "routes: {} keys to {} distinct pages; {} bytes of HTML, manifest {} bytes\n",
        grouped(r.keys as u128),
        grouped(r.vectors as u128),
        grouped(u128::from(r.bytes)),
        grouped(u128::from(r.manifest_bytes))
    ));
    out.push_str(&format!(
        "a page per segment (every combination of every request fact and segment the rules mention) would need {} page variants\n",
        grouped(r.page_per_segment)
    ));
    for (page, why) in &r.fallbacks {
        out.push_str(&format!("  server tier: {page}: {why}\n"));
    }
    out
}

/// `n` with thousands separated by commas.
fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a traffic import kept and left out, by column (never a visitor's value).
pub fn traffic_import_text(report: &vantage_traffic::import::ImportReport) -> String {
    let mut out = format!(
        "imported {} of {} recorded visitors ({} bytes, SHA-256 {})\n",
        report.rows_kept, report.rows_read, report.bytes, report.sha256
    );
    out.push_str(&format!(
        "columns: {}\n",
        report.columns.iter().map(|(a, c)| if a == c { a.clone() } else { format!("{c} -> {a}") }).collect::<Vec<_>>().join(", ")
    ));
    for (why, rows) in &report.rows_left_out {
        out.push_str(&format!("  {rows} rows left out: {why}\n"));
    }
    for (column, why) in &report.columns_left_out {
        out.push_str(&format!("  column {column} left out: {why}\n"));
    }
    if !report.attributes_absent.is_empty() {
        out.push_str(&format!("  no column for (missing for every visitor): {}\n", report.attributes_absent.join(", ")));
    }
    out
}
