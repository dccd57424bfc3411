//! Audiences created by name from the app (the audiences screen, or "new audience…" inside the
//! rule builder): the name is what people read; the id, derived from it by the UI and editable
//! under "advanced", only has to be well formed and free.

use super::views::{AudienceView, Json};
use super::Session;
use crate::error::StudioError;
use crate::live::WorkspaceEvent;

const AUDIENCES: &str = "audiences.json";
const ID_MAX: usize = 64;
const NAME_MAX: usize = 80;

impl Session {
    /// Adds the audience `id` called `name` with `condition` to the user's draft, after checking
    /// that the id is well formed and free, that no other audience has that name, and that the
    /// workspace still loads with it (an unknown attribute is named).
    pub fn create_audience(
        &mut self,
        id: &str,
        name: &str,
        description: &str,
        condition: &serde_json::Value,
    ) -> Result<(AudienceView, Vec<WorkspaceEvent>), StudioError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(StudioError::bad_input(format!("an audience needs a name of 1 to {NAME_MAX} characters")));
        }
        let well_formed = id.len() <= ID_MAX
            && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            return Err(StudioError::bad_input(format!(
                "`{id}` cannot be an audience's id: use up to {ID_MAX} lower-case letters, digits and dashes, such as rainy-day-shoppers"
            )));
        }
        let (revision, mut doc) = match self.store.document(AUDIENCES)? {
            Some((revision, text)) => (Some(revision), super::documents::parse_json(AUDIENCES, &text)?),
            None => (None, serde_json::json!({ "audiences": {} })),
        };
        let audiences = doc
            .get_mut("audiences")
            .and_then(serde_json::Value::as_object_mut)
            .ok_or_else(|| StudioError::bad_input(format!("{AUDIENCES} has no `audiences` object to add to")))?;
        if let Some(existing) = audiences.get(id) {
            let called = existing.get("name").and_then(serde_json::Value::as_str).unwrap_or(id);
            return Err(StudioError::bad_input(format!(
                "the id {id} is already used by the audience “{called}”: choose another name, or another id under Advanced"
            )));
        }
        let same_name =
            |a: &serde_json::Value| a.get("name").and_then(serde_json::Value::as_str).is_some_and(|n| n.trim().eq_ignore_ascii_case(name));
        if let Some(existing) = audiences.values().find(|a| same_name(a)) {
            let called = existing.get("name").and_then(serde_json::Value::as_str).unwrap_or(name);
            return Err(StudioError::bad_input(format!("there is already an audience called “{called}”: choose another name")));
        }
        audiences.insert(id.to_owned(), serde_json::json!({ "name": name, "description": description.trim(), "condition": condition }));
        let text = super::documents::pretty(&doc)?;
        let mine = format!("/audiences/{id}");
        let why: Vec<String> = match self.live.with_edit(AUDIENCES, &text) {
            Err(problems) => problems.iter().filter(|p| p.file == AUDIENCES).map(ToString::to_string).collect(),
            // It loads; its rule must also compile (an attribute the catalog lacks, a wrong type).
            Ok((bundle, _)) => super::preview::content_problems(&bundle, AUDIENCES)
                .into_iter()
                .filter(|p| p.pointer == mine || p.pointer.starts_with(&format!("{mine}/")))
                .map(|p| p.message)
                .collect(),
        };
        if !why.is_empty() {
            return Err(StudioError::bad_input(format!("the audience “{name}” cannot be added: {}", why.join("; "))));
        }
        let (_, events) = self.save_document(AUDIENCES, &doc, revision, false)?;
        let view = AudienceView {
            id: id.to_owned(),
            name: name.to_owned(),
            description: description.trim().to_owned(),
            condition: Json(condition.clone()),
        };
        Ok((view, events))
    }
}
