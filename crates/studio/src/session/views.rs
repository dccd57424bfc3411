//! What the desktop app shows, as plain serialisable views. Their TypeScript types are generated
//! from these definitions (see `src-tauri`), so the UI and Rust cannot drift apart.
//!
//! Workspace documents travel as JSON values: their shape is given by the workspace's own JSON
//! Schemas (the form generator's input), not by Rust types.

use serde::{Deserialize, Serialize};
use specta::Type;

/// Any JSON value (a workspace document or part of one). The `JsonValue` type below only
/// describes it to TypeScript; numbers travel as JSON numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(transparent)]
pub struct Json(#[specta(type = JsonValue)] pub serde_json::Value);

/// TypeScript's view of [`Json`].
#[derive(Serialize, Type)]
#[serde(untagged)]
pub enum JsonValue {
    Null(()),
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<JsonValue>),
    Object(std::collections::BTreeMap<String, JsonValue>),
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Session")]
pub struct SessionView {
    pub workspace: WorkspaceInfo,
    pub user: UserView,
    /// The CMS this workspace syncs with, and who is signed in there (`None`: a local workspace,
    /// whose names are not verified).
    pub cms: Option<CmsView>,
    pub users: Vec<UserView>,
    pub permissions: Vec<Permission>,
    pub pages: Vec<PageNode>,
    pub profiles: Vec<ProfileView>,
    pub components: Vec<ComponentView>,
    pub audiences: Vec<AudienceView>,
    pub experiments: Vec<ExperimentView>,
    pub catalog: Vec<AttributeView>,
    pub consent_purposes: Vec<ConsentPurposeView>,
    /// The languages content is written in, the default first (empty: one language).
    pub locales: Vec<LocaleView>,
    pub problems: Vec<FileProblem>,
    pub stale_feeds: Vec<StaleFeedView>,
    /// The default moment previews are shown at (RFC 3339).
    pub now: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    pub dir: String,
    pub name: String,
    pub is_demo: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "User")]
pub struct UserView {
    pub name: String,
    pub role: RoleName,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Cms")]
pub struct CmsView {
    pub address: String,
    pub signed_in: Option<SignedInView>,
}

/// The person signed in at the CMS: the only one the app acts as while signed in.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "SignedIn")]
pub struct SignedInView {
    pub name: String,
    pub role: RoleName,
    /// The sign-in ends when the app closes (there is no OS keyring on this computer).
    pub this_run_only: bool,
}

/// Whether the current user may take an action, and if not, why (shown beside the control).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    pub action: ActionName,
    pub allowed: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PageNode {
    pub id: String,
    pub title: String,
    pub path: String,
    pub slots: Vec<SlotNode>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlotNode {
    pub id: String,
    pub entry: EntryNode,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "EntryRef")]
pub struct EntryNode {
    pub id: String,
    pub component: String,
    pub path: String,
    pub description: String,
    /// Locales whose readers get some of this entry's texts in another language (none when
    /// everything is translated, or the workspace has one language).
    pub untranslated: Vec<LocaleGap>,
}

/// How many texts of an entry one locale's readers do not get in their language.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LocaleGap {
    pub locale: String,
    pub texts: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub attributes: Json,
    pub consents: Vec<String>,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComponentView {
    pub id: String,
    pub name: String,
    pub path: String,
    pub schema: Json,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AudienceView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub condition: Json,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AttributeView {
    pub path: String,
    /// The catalog's label, if it gives one (the UI words the path otherwise).
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub ty: String,
    pub source: String,
    pub description: String,
    /// Values the catalog's distribution names (may be empty).
    pub values: Vec<String>,
    /// Operators valid for this attribute's type.
    pub operators: Vec<String>,
}

/// One declared locale: its code, its name in plain words and where its missing texts come from.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Locale")]
pub struct LocaleView {
    pub code: String,
    pub name: String,
    pub fallback: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "ConsentPurpose")]
pub struct ConsentPurposeView {
    pub id: String,
    pub label: String,
}

/// A workspace file that does not load; its last good version stays in use.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FileProblem {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "StaleFeed")]
pub struct StaleFeedView {
    pub feed: String,
    pub age_hours: i32,
    pub max_age: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentView {
    pub path: String,
    /// The store's head, which is what a save is based on.
    pub content: Json,
    pub revision: Option<i32>,
    /// How the file in the workspace folder compares with `content`.
    pub disk: DiskView,
    /// Translations whose original text changed after they were written (entries only).
    pub stale: Vec<StaleTextView>,
}

/// A translation written for an original text that has changed since.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaleTextView {
    /// The translation's place in the document (`/translations/de-DE/headline`).
    pub pointer: String,
    pub locale: String,
    /// The original as it read when the translation was last written.
    pub original_then: Json,
}

/// The workspace file behind a document, as another editor may have left it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DiskView {
    /// The file holds what the app last wrote (or the same content).
    InStep,
    /// The file was changed outside the app and does not read; the problem names the line.
    Broken { problem: String },
    /// The file was changed outside the app into another valid document.
    Changed { content: Json },
    /// The file was deleted outside the app.
    Missing,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentEdit {
    pub path: String,
    pub content: Json,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// JSON pointer inside the edited document.
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", rename = "SlotRef")]
pub struct SlotRefView {
    pub page: String,
    pub slot: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub revision: i32,
    pub change_set: i32,
    pub affected: Vec<SlotRefView>,
    /// The translation gaps, now, of the entries shown in the affected slots.
    pub untranslated: Vec<EntryGaps>,
}

/// One entry's translation gaps (see [`EntryNode::untranslated`]).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EntryGaps {
    pub entry: String,
    pub gaps: Vec<LocaleGap>,
}

/// Who the preview is for: a named profile, optionally with some attributes overridden, at a
/// moment.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRequest {
    pub profile: String,
    pub overrides: Option<Json>,
    /// The moment chosen in the moment picker; `None`: the visitor's own time, else now.
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PagePreview {
    pub profile: String,
    /// The declared locale the page's texts are in (none when the workspace has one language).
    pub locale: Option<String>,
    /// The whole preview document (a frame's `srcdoc`).
    pub html: String,
    pub slots: Vec<SlotPreview>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlotPreview {
    pub slot: String,
    pub entry: String,
    pub variant: String,
    /// The slot's whole `<section data-slot=…>` element.
    pub html: String,
}

/// The slots an unsaved edit changes, for each visible preview, and the edit's field errors.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EditPreview {
    pub field_errors: Vec<FieldError>,
    pub frames: Vec<FramePatch>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "FramePreview")]
pub struct FramePatch {
    pub profile: String,
    pub slots: Vec<SlotPreview>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlotWhy {
    pub slot: String,
    pub entry: String,
    pub chosen: String,
    pub experiment: Option<String>,
    /// When this was evaluated, and why that moment (chosen, the visitor's own, or now).
    pub moment: String,
    pub steps: Vec<WhyStep>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WhyStep {
    pub variant: String,
    pub name: String,
    pub outcome: Outcome,
    pub reason: String,
    /// The condition's evaluation, one line per node, indented by depth.
    pub trace: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CoveragePage {
    pub page: String,
    pub title: String,
    pub profiles: Vec<String>,
    pub rows: Vec<CoverageRow>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CoverageRow {
    pub slot: String,
    pub entry: String,
    /// The variant each profile sees (ids: `baseline`, a personalization, `experiment/arm`).
    pub cells: Vec<String>,
    /// The same, as people call them ("the baseline", "“VIP welcome back”").
    pub cell_names: Vec<String>,
    pub unseen: Vec<String>,
    pub unseen_names: Vec<String>,
}

/// The coverage matrix's "nobody sees this", judged on the recorded visitors.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordedCoverageView {
    /// "3000 recorded visitors from export.parquet".
    pub label: String,
    pub slots: Vec<RecordedSlotView>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordedSlotView {
    pub page: String,
    pub slot: String,
    /// Personalizations no recorded visitor sees (ids), and as people call them.
    pub nobody: Vec<String>,
    pub nobody_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub severity: SeverityName,
    pub code: String,
    pub file: String,
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangeSetView {
    pub id: i32,
    pub title: String,
    pub author: String,
    pub state: ChangeState,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decision_comment: Option<String>,
    pub documents: Vec<String>,
    pub mine: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub change: ChangeSetView,
    /// The moment the review was evaluated at (the one asked for, else the clock's).
    pub at: String,
    pub diff: Vec<DiffLine>,
    pub checks: ChecksView,
    /// Problems the change causes particular visitors, in words, for the reviewer to weigh.
    pub flags: Vec<String>,
    pub impact: ImpactView,
    pub affected_pages: Vec<String>,
    pub affected_profiles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "DiffItem")]
pub struct DiffLine {
    pub kind: String,
    pub subject: String,
    pub detail: String,
    /// What changed ("headline", "condition"), and its old and new text, to show side by side.
    pub aspect: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Impact")]
pub struct ImpactView {
    pub visitors: u32,
    pub slots: Vec<SlotImpactView>,
    /// Whose visitors the figures count.
    pub population: PopulationView,
}

/// Whose visitors a review's figures count: the recorded traffic when some is imported, else
/// the simulated population; the app always says which.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Population")]
pub struct PopulationView {
    pub recorded: bool,
    /// "1000000 recorded visitors from visitors.parquet, imported 2026-12-07T16:00:00Z".
    pub label: String,
    /// Why recorded traffic that is there was not used ("its file was changed outside Vantage").
    pub note: Option<String>,
}

/// A recorded visitor whose page changes, to preview before and after.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "AffectedVisitor")]
pub struct AffectedVisitorView {
    /// Their row in the traffic file (0-based): what the preview asks for.
    pub row: u32,
    /// "Recorded visitor #12".
    pub label: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "SlotImpact")]
pub struct SlotImpactView {
    pub page: String,
    pub slot: String,
    /// Share of visitors who see something different, 0 to 1.
    pub changed_share: f64,
    /// For people: "12.4% of visitors change on home/hero".
    pub summary: String,
    /// Who moves from what to what, most visitors first.
    pub transitions: Vec<TransitionView>,
    /// Recorded visitors who see something different here (empty for simulated figures).
    pub samples: Vec<AffectedVisitorView>,
}

/// Visitors who saw one variant and now see another, in words.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Transition")]
pub struct TransitionView {
    /// The variant they saw, as people call it ("“First order”", "the baseline").
    pub before: String,
    pub after: String,
    pub visitors: u32,
    /// Share of the visitors measured, 0 to 1.
    pub share: f64,
    /// Names of the saved profiles among them.
    pub profiles: Vec<String>,
    /// "1240 of 10000 visitors (12.4%) who saw “First order” now see “Rainy day”, among them Anna".
    pub sentence: String,
}

/// The review's checks: what the change introduces or fixes first, what was there before apart.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Checks")]
pub struct ChecksView {
    pub introduced: Vec<Finding>,
    pub fixed: Vec<Finding>,
    pub existing: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Comment")]
pub struct CommentView {
    pub id: i32,
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Release")]
pub struct ReleaseView {
    pub id: i32,
    pub change_set: Option<i32>,
    /// The name its change set was given when it was submitted.
    pub title: Option<String>,
    pub hash: String,
    pub published_by: String,
    pub at: String,
    pub rollback_of: Option<i32>,
    /// It made the workspace as imported live again (an undo of the first release).
    pub restores_import: bool,
    /// One line saying who did what, for people ("Submitted by maria, approved by rita, published by rita").
    pub story: String,
}

/// How far one personalization reaches while it is authored.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "Reach")]
pub struct ReachView {
    /// The personalization's id.
    pub id: String,
    /// Share of simulated visitors who see it, 0 to 1.
    pub shown_share: f64,
    /// Share its rule matches (some may see a higher-priority one), 0 to 1.
    pub matched_share: f64,
    /// Names of the saved profiles who see it.
    pub profiles: Vec<String>,
    /// "Seen by 27.6% of visitors (556 of 2011 simulated); its rule matches 30.2%".
    pub sentence: String,
    /// When higher-priority personalizations take part of its audience, who and how many.
    pub warning: Option<String>,
}

/// What a rollback would change, shown before it is confirmed.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RollbackPreview {
    /// What is made live again, in words ("release 2", "the workspace as it was imported").
    pub target: String,
    pub changes: Vec<DiffLine>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "AuditPage")]
pub struct AuditView {
    pub entries: Vec<AuditEntryView>,
    pub chain: ChainView,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "AuditEntry")]
pub struct AuditEntryView {
    pub id: i32,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "ChainStatus")]
pub struct ChainView {
    pub ok: bool,
    pub checked: i32,
    pub first_bad: Option<i32>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase", rename = "SyncStatus")]
pub struct SyncStatusView {
    pub pending: i32,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
}

/// Emitted when workspace files changed (saved here or edited on disk): re-render these slots.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceChange {
    pub changed: Vec<String>,
    pub affected: Vec<SlotRefView>,
    pub hash: String,
}

/// Emitted when files start or stop failing to load.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProblemList {
    pub problems: Vec<FileProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case", rename = "Role")]
pub enum RoleName {
    Marketer,
    Qa,
    Reviewer,
    Admin,
}

impl From<vantage_store::Role> for RoleName {
    fn from(role: vantage_store::Role) -> RoleName {
        match role {
            vantage_store::Role::Marketer => RoleName::Marketer,
            vantage_store::Role::Qa => RoleName::Qa,
            vantage_store::Role::Reviewer => RoleName::Reviewer,
            vantage_store::Role::Admin => RoleName::Admin,
        }
    }
}

/// The actions the UI enables or disables by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case", rename = "Action")]
pub enum ActionName {
    Edit,
    Submit,
    Approve,
    Publish,
    Rollback,
    SaveProfile,
    /// Replacing the recorded traffic reviews measure on: QA and admins, not the marketers whose
    /// changes it measures.
    ImportTraffic,
}

/// What became of one personalization when a slot was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Its rule matched first: the visitor sees it.
    Chosen,
    /// Its rule does not match.
    NoMatch,
    /// Its rule needs data the visitor did not consent to or send.
    Unknown,
    /// Not evaluated: an earlier one was chosen.
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case", rename = "Severity")]
pub enum SeverityName {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Published,
}

impl From<vantage_store::ChangeSetState> for ChangeState {
    fn from(state: vantage_store::ChangeSetState) -> ChangeState {
        use vantage_store::ChangeSetState as S;
        match state {
            S::Draft => ChangeState::Draft,
            S::Submitted => ChangeState::Submitted,
            S::Approved => ChangeState::Approved,
            S::Rejected => ChangeState::Rejected,
            S::Published => ChangeState::Published,
        }
    }
}

/// Which side of a change a review preview shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// What is live now.
    Before,
    /// As it would be with the change published.
    After,
}

/// What a sync did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    pub sent: u32,
    pub pulled: u32,
    /// Documents now in conflict.
    pub conflicts: Vec<String>,
    /// Documents the CMS sent that were set aside, each as a sentence saying which and why.
    pub refused: Vec<String>,
    /// Where the API token came from (the OS keyring or an environment variable), never the token.
    pub token_source: String,
    /// For people: what happened.
    pub message: String,
    /// False when the push stopped early (a conflict, or the CMS unreachable).
    pub complete: bool,
}

/// A document changed both here and on the CMS since the last sync.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncConflictView {
    pub path: String,
    /// `None`: deleted here.
    pub mine: Option<String>,
    /// `None`: deleted on the CMS.
    pub theirs: Option<String>,
    pub remote_author: String,
    /// Field-level differences.
    pub diff: Json,
    pub found_at: String,
}

/// A document the CMS sent that was not applied: held (a code change waiting to be taken into a
/// change for review) or refused (it cannot be used here).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncWaitingView {
    pub path: String,
    /// True for a held code change (it can be taken into a change); false for a refused document.
    pub held: bool,
    pub remote_author: String,
    /// Why, in words.
    pub reason: String,
    pub found_at: String,
}

/// Progress of a review's computation, sent as each step starts.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewProgressView {
    /// The change set under review.
    pub change: i32,
    /// What is being done, in plain words.
    pub step: String,
    /// This step's number, from 1, and how many there are.
    pub number: u32,
    pub of: u32,
}

/// Progress of a push, sent while it runs.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgressView {
    pub sent: u32,
    pub pending: u32,
}

/// A delivery target (a `vantage serve` or an edge Worker) and what it serves.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeployTargetView {
    pub url: String,
    /// `new` (never deployed to), `serving` (the latest published release) or `behind`.
    pub state: String,
    /// Whether it serves what is published now.
    pub up_to_date: bool,
    /// Why it is behind, in words.
    pub detail: Option<String>,
    pub checked_at: Option<String>,
}

/// The CDP segments a delivery service holds for one visitor id, and which service said so.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct CdpMembershipsView {
    pub unit: String,
    pub segments: Vec<String>,
    /// The delivery target that answered.
    pub source: String,
}

/// The recorded traffic in use, in words.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TrafficStatusView {
    /// Recorded visitors in use (0: none; figures are on simulated visitors).
    pub visitors: u32,
    /// "3000 recorded visitors from export.parquet, imported 7 Dec 2026, 17:39 UTC".
    pub summary: String,
    /// Why recorded traffic that is there cannot be used.
    pub problem: Option<String>,
}

/// What an import of recorded traffic took and left out.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TrafficImportView {
    pub read: u32,
    pub kept: u32,
    /// "12 visitors left out: profile.lifetime_value: not a number", "Column “colour” not imported: …".
    pub left_out: Vec<String>,
    /// Catalog attributes the file had no column for.
    pub missing: Vec<String>,
    pub status: TrafficStatusView,
}

/// What exporting the published release as static pages wrote, in figures.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaticExportView {
    /// The new folder.
    pub folder: String,
    pub pages: u32,
    pub static_pages: u32,
    /// Distinct HTML files written (identical pages once).
    pub files: u32,
    pub bytes: f64,
    /// Slots left at their baseline for the client tier.
    pub client_slots: u32,
    /// The files rendering a page per segment would have needed.
    pub page_per_segment: f64,
    /// Pages left to the server tier, by title, with the reason.
    pub server_pages: Vec<String>,
    /// The decision service the client tier asks, when a delivery target can be it.
    pub decide_url: Option<String>,
}

/// The targets after a deploy that followed a publish or rollback, or why none was made.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeployStatusView {
    pub targets: Vec<DeployTargetView>,
    pub problem: Option<String>,
}
