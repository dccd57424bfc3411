//! Reads a workspace from its files' contents (the caller reads the disk), validating each file
//! against its JSON Schema in `schemas/`. Every problem is reported, naming file, line or pointer.

use crate::catalog::{Attribute, Catalog};
use crate::model::{Audience, ComponentType, Entry, Experiment, Page, ProductFeed, Profile, RecommendationFeed, Settings, Workspace};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::OnceLock;

/// File contents by path relative to the workspace folder, with `/` separators.
pub type SourceFiles = BTreeMap<String, String>;

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoadError {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// JSON pointer of the offending value, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(pointer) = &self.pointer {
            write!(f, " at {}", if pointer.is_empty() { "the top level" } else { pointer })?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found while loading; the workspace is not usable until they are fixed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct LoadErrors(pub Vec<LoadError>);

/// The JSON file kinds, each with its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Workspace,
    Catalog,
    Audiences,
    Experiments,
    Component,
    Page,
    Entry,
    Profile,
    Products,
    Recommendations,
}

/// The longest path of a workspace document, and of one of its folder or file names.
pub const PATH_MAX: usize = 255;
const NAME_MAX: usize = 100;

/// Whether `path` names one of the workspace's own documents, in its one spelling: a file kind
/// of the format under its folder, a component's `template.html`, or `theme.css`. Names are
/// ASCII letters, digits, `-`, `_` and `.`, never starting with a dot, so no dot folder (`.git`,
/// `.vantage`), dot segment (`./`, `../`), drive letter, backslash or control character gets
/// through, and two spellings can never name one file. The error says why, in plain words.
pub fn check_document_path(path: &str) -> Result<(), String> {
    let shown = crate::render::shortened(&path.escape_debug().to_string());
    if path.is_empty() || path.len() > PATH_MAX {
        return Err(format!("`{shown}` is not a workspace document: a path has 1 to {PATH_MAX} characters"));
    }
    for name in path.split('/') {
        let allowed = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if name.is_empty() || name.starts_with('.') || name.len() > NAME_MAX || !allowed {
            return Err(format!(
                "`{shown}` is not a workspace document: folder and file names use letters, digits, `-`, `_` and `.`, and do not start with a dot"
            ));
        }
    }
    let parts: Vec<&str> = path.split('/').collect();
    let known = FileKind::of(path).is_some() || matches!(parts.as_slice(), ["components", _, "template.html"] | ["theme.css"]);
    if known {
        Ok(())
    } else {
        Err(format!("`{shown}` is not a workspace document: see docs/workspace-format.md for the files a workspace holds"))
    }
}

impl FileKind {
    /// Which kind of file `path` is, if the workspace format knows it.
    pub fn of(path: &str) -> Option<FileKind> {
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["vantage.json"] => Some(FileKind::Workspace),
            ["catalog.json"] => Some(FileKind::Catalog),
            ["audiences.json"] => Some(FileKind::Audiences),
            ["experiments.json"] => Some(FileKind::Experiments),
            ["components", _, "component.json"] => Some(FileKind::Component),
            ["pages", f] if f.ends_with(".json") => Some(FileKind::Page),
            ["entries", f] if f.ends_with(".json") => Some(FileKind::Entry),
            ["profiles", f] if f.ends_with(".json") => Some(FileKind::Profile),
            ["feeds", "products.json"] => Some(FileKind::Products),
            ["feeds", "recommendations.json"] => Some(FileKind::Recommendations),
            _ => None,
        }
    }

    fn schema_source(self) -> &'static str {
        match self {
            FileKind::Workspace => include_str!("../../../schemas/workspace.schema.json"),
            FileKind::Catalog => include_str!("../../../schemas/catalog.schema.json"),
            FileKind::Audiences => include_str!("../../../schemas/audiences.schema.json"),
            FileKind::Experiments => include_str!("../../../schemas/experiments.schema.json"),
            FileKind::Component => include_str!("../../../schemas/component.schema.json"),
            FileKind::Page => include_str!("../../../schemas/page.schema.json"),
            FileKind::Entry => include_str!("../../../schemas/entry.schema.json"),
            FileKind::Profile => include_str!("../../../schemas/profile.schema.json"),
            FileKind::Products => include_str!("../../../schemas/products.schema.json"),
            FileKind::Recommendations => include_str!("../../../schemas/recommendations.schema.json"),
        }
    }

    const ALL: [FileKind; 10] = [
        FileKind::Workspace,
        FileKind::Catalog,
        FileKind::Audiences,
        FileKind::Experiments,
        FileKind::Component,
        FileKind::Page,
        FileKind::Entry,
        FileKind::Profile,
        FileKind::Products,
        FileKind::Recommendations,
    ];
}

type Validators = BTreeMap<FileKind, Result<jsonschema::Validator, String>>;

fn validators() -> &'static Validators {
    static VALIDATORS: OnceLock<Validators> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        FileKind::ALL
            .iter()
            .map(|&kind| {
                let validator = serde_json::from_str::<Value>(kind.schema_source())
                    .map_err(|e| e.to_string())
                    .and_then(|schema| jsonschema::validator_for(&schema).map_err(|e| e.to_string()));
                (kind, validator)
            })
            .collect()
    })
}

/// Parses `text` as JSON, checks it against the file kind's schema, then reads it as `T`.
pub fn parse_file<T: DeserializeOwned>(path: &str, text: &str, kind: FileKind) -> Result<T, Vec<LoadError>> {
    let err = |line, column, pointer, message| LoadError { file: path.to_owned(), line, column, pointer, message };
    let value: Value = crate::strict_json::parse(text).map_err(|e| {
        let message = e.to_string();
        let message = message.rsplit_once(" at line").map_or(message.as_str(), |(m, _)| m).to_owned();
        vec![err(Some(e.line()), Some(e.column()), None, format!("not valid JSON: {message}"))]
    })?;
    match validators().get(&kind) {
        Some(Ok(validator)) => {
            let problems: Vec<LoadError> = validator
                .iter_errors(&value)
                .map(|e| err(None, None, Some(e.instance_path.to_string()), crate::render::bounded_message(&e.to_string())))
                .collect();
            if !problems.is_empty() {
                return Err(problems);
            }
        }
        Some(Err(schema_problem)) => {
            return Err(vec![err(None, None, None, format!("the schema for this file is broken: {schema_problem}"))])
        }
        None => {}
    }
    serde_json::from_value(value).map_err(|e| vec![err(None, None, None, crate::render::bounded_message(&e.to_string()))])
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    attributes: BTreeMap<String, Attribute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AudiencesFile {
    audiences: BTreeMap<String, Audience>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentsFile {
    experiments: Vec<Experiment>,
}

struct Loader<'a> {
    files: &'a SourceFiles,
    errors: Vec<LoadError>,
}

impl Loader<'_> {
    fn missing(&mut self, path: &str) {
        self.errors.push(LoadError { file: path.into(), line: None, column: None, pointer: None, message: "this file is missing".into() });
    }

    fn one<T: DeserializeOwned>(&mut self, path: &str, kind: FileKind) -> Option<T> {
        let Some(text) = self.files.get(path) else {
            self.missing(path);
            return None;
        };
        parse_file(path, text, kind).map_err(|e| self.errors.extend(e)).ok()
    }

    /// Every `<folder>/<id>.json`, checking that the file's `id` matches its name.
    fn each<T: DeserializeOwned>(&mut self, kind: FileKind, id_of: impl Fn(&T) -> &str) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        for (path, text) in self.files {
            if FileKind::of(path) != Some(kind) {
                continue;
            }
            let Ok(item) = parse_file::<T>(path, text, kind).map_err(|e| self.errors.extend(e)) else {
                continue;
            };
            let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".json");
            if id_of(&item) != stem {
                self.errors.push(LoadError {
                    file: path.clone(),
                    line: None,
                    column: None,
                    pointer: Some("/id".into()),
                    message: format!("the id `{}` must match the file name `{stem}.json`", id_of(&item)),
                });
                continue;
            }
            out.insert(stem.to_owned(), item);
        }
        out
    }
}

fn shared<T>(items: BTreeMap<String, T>) -> BTreeMap<String, Arc<T>> {
    items.into_iter().map(|(id, item)| (id, Arc::new(item))).collect()
}

/// `previous` (a workspace [`load`]ed from files) with one entry or page file now holding
/// `text`: exactly what [`load`] returns for those files with that one changed, without parsing
/// the others again (a keystroke in a workspace of 10,000 entries re-read all of them). `None`
/// for any other kind of file: load everything again then.
pub fn load_one_changed(previous: &Workspace, path: &str, text: &str) -> Option<Result<Workspace, LoadErrors>> {
    let kind = FileKind::of(path)?;
    let files: SourceFiles = [(path.to_owned(), text.to_owned())].into();
    let mut l = Loader { files: &files, errors: Vec::new() };
    let workspace = match kind {
        FileKind::Entry => {
            let mut one = shared(l.each::<Entry>(FileKind::Entry, |e| &e.id));
            let mut workspace = previous.clone();
            workspace.entries.append(&mut one);
            workspace
        }
        FileKind::Page => {
            let mut one = shared(l.each::<Page>(FileKind::Page, |p| &p.id));
            let mut workspace = previous.clone();
            workspace.pages.append(&mut one);
            workspace
        }
        _ => return None,
    };
    if !l.errors.is_empty() {
        return Some(Err(LoadErrors(l.errors)));
    }
    Some(Ok(workspace))
}

/// Loads a whole workspace, or every problem that keeps it from loading.
pub fn load(files: &SourceFiles) -> Result<Workspace, LoadErrors> {
    let mut l = Loader { files, errors: Vec::new() };
    let settings: Option<Settings> = l.one("vantage.json", FileKind::Workspace);
    let catalog = l.one::<CatalogFile>("catalog.json", FileKind::Catalog).and_then(|c| {
        Catalog::new(c.attributes)
            .map_err(|e| {
                l.errors.push(LoadError {
                    file: "catalog.json".into(),
                    line: None,
                    column: None,
                    pointer: Some(format!("/attributes/{}", e.path)),
                    message: e.message,
                })
            })
            .ok()
    });
    let audiences = l.one::<AudiencesFile>("audiences.json", FileKind::Audiences).map(|a| a.audiences);
    let experiments = if files.contains_key("experiments.json") {
        l.one::<ExperimentsFile>("experiments.json", FileKind::Experiments).map(|e| e.experiments)
    } else {
        Some(Vec::new())
    };
    let products: Option<ProductFeed> = l.one("feeds/products.json", FileKind::Products);
    let recommendations: Option<RecommendationFeed> = l.one("feeds/recommendations.json", FileKind::Recommendations);
    let pages = shared(l.each::<Page>(FileKind::Page, |p| &p.id));
    let entries = shared(l.each::<Entry>(FileKind::Entry, |e| &e.id));
    let profiles = l.each::<Profile>(FileKind::Profile, |p| &p.id);
    let mut components = BTreeMap::new();
    for (path, text) in files {
        if FileKind::of(path) != Some(FileKind::Component) {
            continue;
        }
        let id = path.split('/').nth(1).unwrap_or_default().to_owned();
        let Ok(mut component) = parse_file::<ComponentType>(path, text, FileKind::Component).map_err(|e| l.errors.extend(e)) else {
            continue;
        };
        let template_path = format!("components/{id}/template.html");
        match files.get(&template_path) {
            Some(template) => component.template = template.clone(),
            None => l.missing(&template_path),
        }
        component.id = id.clone();
        components.insert(id, component);
    }
    let theme = files.get("theme.css").cloned().unwrap_or_default();
    match (settings, catalog, audiences, experiments, products, recommendations) {
        (Some(settings), Some(catalog), Some(audiences), Some(experiments), Some(products), Some(recommendations))
            if l.errors.is_empty() =>
        {
            Ok(Workspace {
                settings,
                catalog,
                audiences,
                experiments,
                components,
                pages,
                entries,
                profiles,
                products,
                recommendations,
                theme,
            })
        }
        _ => Err(LoadErrors(l.errors)),
    }
}
