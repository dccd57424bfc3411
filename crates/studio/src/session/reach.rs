//! Each personalization's reach while it is authored (the engine's `reach`), on the entry as the
//! author has it on screen, saved or not, in words.

use super::views::{DocumentEdit, ReachView};
use super::Session;
use crate::error::StudioError;

impl Session {
    /// The reach of every personalization of the entry being edited, in priority order; none
    /// when the edit does not load (the form shows its field errors then).
    pub fn personalization_reach(&self, edit: &DocumentEdit) -> Result<Vec<ReachView>, StudioError> {
        let Some(entry) = edit.path.strip_prefix("entries/").and_then(|p| p.strip_suffix(".json")) else {
            return Err(StudioError::bad_input(format!("{} is not an entry", edit.path)));
        };
        let text = super::documents::pretty(&edit.content.0)?;
        let Ok((bundle, _)) = self.live.with_edit(&edit.path, &text) else { return Ok(Vec::new()) };
        let ws = &bundle.workspace;
        let names: Vec<(String, String)> =
            ws.entries.get(entry).map(|e| e.personalizations.iter().map(|p| (p.id.clone(), p.name.clone())).collect()).unwrap_or_default();
        let name_of = |id: &str| names.iter().find(|(i, _)| i == id).map_or_else(|| id.to_owned(), |(_, n)| n.clone());
        let profile = |id: &String| ws.profiles.get(id).map_or_else(|| id.clone(), |p| p.name.clone());
        Ok(vantage_engine::reach::reach(&bundle, entry)
            .into_iter()
            .map(|r| {
                let share = |n: usize| n as f64 / r.visitors.max(1) as f64;
                let sentence = format!(
                    "Seen by {:.1}% of visitors ({} of {} simulated); its rule matches {:.1}%",
                    share(r.shown) * 100.0,
                    r.shown,
                    r.visitors,
                    share(r.matched) * 100.0
                );
                let taken: usize = r.taken_by.iter().map(|(_, n)| n).sum();
                let warning = (taken > 0).then(|| {
                    let by: Vec<String> = r.taken_by.iter().take(3).map(|(id, n)| format!("“{}” ({n})", name_of(id))).collect();
                    let mut text = format!(
                        "{taken} of the {} visitors its rule matches see a higher-priority personalization first: {}",
                        r.matched,
                        by.join(", ")
                    );
                    if !r.profiles_taken.is_empty() {
                        let who: Vec<String> = r.profiles_taken.iter().map(profile).collect();
                        text.push_str(&format!(". Among the saved visitors: {}", who.join(", ")));
                    }
                    text
                });
                ReachView {
                    id: r.personalization.clone(),
                    shown_share: share(r.shown),
                    matched_share: share(r.matched),
                    profiles: r.profiles.iter().map(profile).collect(),
                    sentence,
                    warning,
                }
            })
            .collect())
    }
}
