//! The desktop app's session: one open workspace folder, its store (`.vantage/store.db`
//! inside the folder), the local user, and the live workspace the previews are drawn from.
//!
//! Edits go to the store (history, review, audit) and are written back to the folder, so the
//! folder always shows the current heads and an external editor's changes flow through the same
//! live pipeline. Every method is a plain synchronous call; `src-tauri` wraps each in a command.

mod audiences;
mod conditions;
mod deliver;
mod documents;
mod preview;
mod reach;
mod recent_reads;
mod review;
mod review_population;
mod review_story;
mod shared;
mod sync;
mod traffic;
pub mod views;

pub use conditions::condition_text;
pub use deliver::{
    add_deploy_target, cdp_memberships, deploy_now, deploy_targets, export_static_pages, redeploy_behind, remove_deploy_target,
};
pub use review::{ReviewInputs, ReviewStage};
pub use shared::SharedSession;
pub use sync::{resolve_conflict, sync_conflicts, sync_now, sync_waiting, take_from_cms};
pub use traffic::{import_traffic, traffic_status};

use crate::error::StudioError;
use crate::live::{LiveWorkspace, WorkspaceEvent};
use std::path::{Path, PathBuf};
use vantage_engine::catalog::operators_for;
use vantage_store::{Role, Store};
use views::*;

/// The team a new store starts with, so that every role can be tried from the app.
pub const STARTER_TEAM: &[(&str, Role)] =
    &[("alex", Role::Admin), ("maria", Role::Marketer), ("quinn", Role::Qa), ("rita", Role::Reviewer)];

/// The user a new session acts as: the first marketer.
const FIRST_USER: &str = "maria";

pub struct Session {
    dir: PathBuf,
    is_demo: bool,
    store: Store,
    user: String,
    live: LiveWorkspace,
    /// The store's heads as last written to the folder: only documents whose head moved since
    /// are written again, so a file edited outside the app is never overwritten by a save of
    /// another document.
    written: vantage_engine::load::SourceFiles,
    /// The person signed in at the workspace's CMS, who is then the only one this session acts as.
    signed_in: Option<crate::sync::SignedIn>,
    /// Reads of visitor data recorded in the last minute (see `recent_reads`).
    recent_reads: recent_reads::RecentReads,
}

/// Where a workspace keeps its store.
pub fn store_path(dir: &Path) -> PathBuf {
    dir.join(".vantage").join("store.db")
}

impl Session {
    /// Opens the workspace folder `dir`, creating its store (and importing the folder) on first
    /// open.
    pub fn open(dir: &Path, is_demo: bool) -> Result<Session, StudioError> {
        let db = store_path(dir);
        // A first open imports the folder into a new store: read it once for both.
        let live = if db.exists() {
            LiveWorkspace::open(dir)?
        } else {
            let files = crate::files::read_workspace_dir(dir)?;
            crate::store_cases::init_store_with(&db, STARTER_TEAM, Some(&files))?;
            LiveWorkspace::open_with(dir, files)?
        };
        let store = Store::open(&db)?;
        let users = store.users()?;
        let user = if users.iter().any(|(n, _)| n == FIRST_USER) {
            FIRST_USER.to_owned()
        } else {
            users.first().map(|(n, _)| n.clone()).ok_or_else(|| StudioError::not_found("the workspace's store has no users"))?
        };
        // The folder as it is on disk wins at open: a file edited while the app was closed is
        // previewed as it is, and written over only when its document is next saved here.
        let written = store.export()?;
        // Someone who signed in at the workspace's CMS on this computer goes on as themselves.
        let signed_in = match crate::sync::kept_sign_in(&store)? {
            Some(name) => store.role(&name).ok().map(|role| crate::sync::SignedIn { name, role, this_run_only: false }),
            None => None,
        };
        let user = signed_in.as_ref().map_or(user, |me| me.name.clone());
        Ok(Session { dir: dir.to_path_buf(), is_demo, store, user, live, written, signed_in, recent_reads: Default::default() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// The compiled workspace previews are drawn from now: immutable, shared, swapped whole on
    /// every change.
    pub fn bundle(&self) -> std::sync::Arc<vantage_engine::bundle::Bundle> {
        self.live.bundle()
    }

    /// Acts as another member of the team from now on.
    pub fn switch_user(&mut self, name: &str) -> Result<(), StudioError> {
        if let Some(me) = self.signed_in.as_ref().filter(|me| me.name != name) {
            return Err(StudioError::new(
                crate::error::ErrorCode::Forbidden,
                format!("You are signed in at the CMS as {}. Sign out to work as someone else.", me.name),
            ));
        }
        self.store.role(name)?;
        self.user = name.to_owned();
        Ok(())
    }

    /// Signs `name` in at the workspace's CMS (`cms_url`, when given, is kept first: admins
    /// only) with their own password; from then on the session acts as them, with the role the
    /// CMS gives them.
    pub fn sign_in(&mut self, cms_url: Option<&str>, name: &str, password: &str) -> Result<(), StudioError> {
        let remote = crate::sync::Remote { cms_url, ..Default::default() };
        let me = crate::sync::sign_in(&self.store, &self.user, remote, name, password)?;
        self.user = me.name.clone();
        self.signed_in = Some(me);
        Ok(())
    }

    /// Forgets the sign-in kept on this computer; the session goes on as a local user.
    pub fn sign_out(&mut self) -> Result<(), StudioError> {
        crate::sync::sign_out(&self.store)?;
        self.signed_in = None;
        Ok(())
    }

    /// Applies file changes reported by the watcher. Files whose content is what the live
    /// workspace already holds (the app's own writes) are skipped.
    pub fn apply_disk_changes(&mut self, paths: &[String]) -> Vec<WorkspaceEvent> {
        let changed: Vec<String> = paths.iter().filter(|p| self.live.differs_from_disk(p)).cloned().collect();
        if changed.is_empty() {
            return Vec::new();
        }
        self.live.apply(&changed)
    }

    /// Re-reads the whole folder (after the watcher lost track of events).
    pub fn rescan(&mut self) -> Result<Vec<WorkspaceEvent>, StudioError> {
        self.live.rescan()
    }

    /// Everything the app's screens are built from.
    pub fn view(&self) -> Result<SessionView, StudioError> {
        let bundle = self.live.bundle();
        let ws = &bundle.workspace;
        let role = self.store.role(&self.user)?;
        let users = self.store.users()?.into_iter().map(|(name, role)| UserView { name, role: role.into() }).collect();
        let gaps: std::collections::BTreeMap<&String, Vec<LocaleGap>> =
            ws.entries.keys().map(|id| (id, untranslated(&bundle, id))).collect();
        let pages = ws
            .pages
            .values()
            .map(|page| PageNode {
                id: page.id.clone(),
                title: page.title.clone(),
                path: format!("pages/{}.json", page.id),
                slots: page
                    .slots
                    .iter()
                    .map(|slot| {
                        let entry = ws.entries.get(&slot.entry);
                        SlotNode {
                            id: slot.id.clone(),
                            entry: EntryNode {
                                id: slot.entry.clone(),
                                component: entry.map(|e| e.component.clone()).unwrap_or_default(),
                                path: format!("entries/{}.json", slot.entry),
                                description: entry.map(|e| e.description.clone()).unwrap_or_default(),
                                untranslated: gaps.get(&slot.entry).cloned().unwrap_or_default(),
                            },
                        }
                    })
                    .collect(),
            })
            .collect();
        let profiles = ws.profiles.values().map(profile_view).collect();
        let components = ws
            .components
            .values()
            .map(|c| ComponentView {
                id: c.id.clone(),
                name: c.name.clone(),
                path: format!("components/{}/component.json", c.id),
                schema: Json(c.schema.clone()),
            })
            .collect();
        let audiences = ws
            .audiences
            .iter()
            .map(|(id, a)| AudienceView {
                id: id.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                condition: Json(serde_json::to_value(&a.condition).unwrap_or_default()),
            })
            .collect();
        let experiments = ws.experiments.iter().map(|e| ExperimentView { id: e.key.clone(), name: e.name.clone() }).collect();
        let catalog = ws
            .catalog
            .attributes
            .iter()
            .map(|(path, attr)| AttributeView {
                path: path.clone(),
                label: attr.label.clone(),
                ty: attr.ty.name().to_owned(),
                source: attr
                    .source
                    .map(|s| serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
                    .unwrap_or_else(|| path.split('.').next().unwrap_or_default().to_owned()),
                description: attr.description.clone().unwrap_or_default(),
                values: attr
                    .distribution
                    .as_ref()
                    .and_then(|d| serde_json::to_value(d).ok())
                    .and_then(|d| d.get("values").and_then(|v| v.as_object()).map(|m| m.keys().cloned().collect()))
                    .unwrap_or_default(),
                operators: operators_for(attr.ty).into_iter().map(|op| op.name().to_owned()).collect(),
            })
            .collect();
        let now = ws.settings.population.now.clone();
        Ok(SessionView {
            workspace: WorkspaceInfo { dir: self.dir.display().to_string(), name: ws.settings.name.clone(), is_demo: self.is_demo },
            user: UserView { name: self.user.clone(), role: role.into() },
            cms: self.store.sync_setting(vantage_sync::CMS_URL_SETTING)?.map(|address| CmsView {
                address,
                signed_in: self.signed_in.as_ref().map(|me| SignedInView {
                    name: me.name.clone(),
                    role: me.role.into(),
                    this_run_only: me.this_run_only,
                }),
            }),
            users,
            permissions: permissions(role),
            pages,
            profiles,
            components,
            audiences,
            experiments,
            catalog,
            consent_purposes: ws
                .settings
                .consent_purposes
                .iter()
                .map(|c| ConsentPurposeView { id: c.id.clone(), label: c.label.clone() })
                .collect(),
            locales: ws
                .settings
                .locales
                .iter()
                .map(|l| LocaleView { code: l.code.clone(), name: l.name.clone(), fallback: l.fallback.clone() })
                .collect(),
            problems: self.problems(),
            stale_feeds: self
                .live
                .stale_feeds(&now)
                .into_iter()
                .map(|f| StaleFeedView { feed: f.file, age_hours: f.age_hours.clamp(0, i32::MAX as i64) as i32, max_age: f.max_age })
                .collect(),
            now,
        })
    }

    /// Files that currently fail to load.
    pub fn problems(&self) -> Vec<FileProblem> {
        self.live.problems().map(file_problem).collect()
    }
}

pub(crate) fn file_problem(e: &vantage_engine::load::LoadError) -> FileProblem {
    FileProblem {
        file: e.file.clone(),
        line: e.line.map(|l| l as u32),
        column: e.column.map(|c| c as u32),
        message: match &e.pointer {
            Some(p) if !p.is_empty() => format!("{p}: {}", e.message),
            _ => e.message.clone(),
        },
    }
}

pub(crate) fn profile_view(p: &vantage_engine::model::Profile) -> ProfileView {
    ProfileView {
        id: p.id.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        attributes: Json(serde_json::Value::Object(p.attributes.clone())),
        consents: p.consents.clone(),
        path: format!("profiles/{}.json", p.id),
    }
}

/// What a role may do, with the reason shown beside a disabled control.
fn permissions(role: Role) -> Vec<Permission> {
    use vantage_store::Action;
    let rule = |action: ActionName, a: Action, who: &str| {
        let allowed = role.may(a);
        Permission {
            action,
            allowed,
            reason: (!allowed).then(|| format!("Only {who} can do this; you are signed in as a {}.", role.name())),
        }
    };
    vec![
        rule(ActionName::Edit, Action::Edit, "marketers and admins"),
        rule(ActionName::Submit, Action::Submit, "marketers, QA and admins"),
        rule(ActionName::Approve, Action::Decide, "reviewers and admins"),
        rule(ActionName::Publish, Action::Publish, "reviewers and admins"),
        rule(ActionName::Rollback, Action::Publish, "reviewers and admins"),
        rule(ActionName::SaveProfile, Action::EditProfiles, "marketers, QA and admins"),
        Permission {
            action: ActionName::ImportTraffic,
            allowed: matches!(role, Role::Qa | Role::Admin),
            reason: (!matches!(role, Role::Qa | Role::Admin))
                .then(|| format!("Only QA and admins can do this; you are signed in as a {}.", role.name())),
        },
    ]
}

/// The locales whose readers get some of `entry`'s texts in another language, and how many.
pub(super) fn untranslated(bundle: &vantage_engine::bundle::Bundle, entry: &str) -> Vec<LocaleGap> {
    vantage_engine::lint::untranslated(bundle, entry)
        .into_iter()
        .map(|(locale, texts)| LocaleGap { locale, texts: u32::try_from(texts).unwrap_or(u32::MAX) })
        .collect()
}
