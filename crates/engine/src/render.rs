//! Renders a composed page to preview HTML with the workspace's minijinja templates.
//!
//! Autoescaping is always on, every slot is wrapped in a `<section>` whose data attributes name
//! page, slot, component, entry and variant, and the document carries a CSP that blocks every
//! load except inline styles and `data:` images, so author content can never run script.

use crate::compose::{ComposedPage, ComposedSlot};
use crate::model::Workspace;
use minijinja::{AutoEscape, Environment};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The CSP every preview document carries.
pub const PREVIEW_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The workspace's templates, parsed once.
#[derive(Debug, Clone)]
pub struct Templates {
    env: Environment<'static>,
    /// Each component's own words in each locale (see [`crate::messages`]).
    messages: BTreeMap<String, BTreeMap<String, Value>>,
    /// Template problems by component id.
    pub problems: Vec<(String, String)>,
}

impl Templates {
    pub fn new(workspace: &Workspace) -> Templates {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
        let mut problems = Vec::new();
        for (id, component) in &workspace.components {
            if let Err(e) = env.add_template_owned(id.clone(), component.template.clone()) {
                problems.push((id.clone(), describe(&e)));
            }
        }
        Templates { env, problems, messages: crate::messages::resolved(workspace) }
    }

    /// `component`'s messages as a reader of `locale` gets them (`None`: the one set of a
    /// workspace without locales, or the default's).
    pub fn messages(&self, component: &str, locale: Option<&str>) -> Option<&Value> {
        let per_locale = self.messages.get(component)?;
        locale.and_then(|l| per_locale.get(l)).or_else(|| per_locale.values().next())
    }

    /// Renders one slot's inner HTML (without the wrapping section) in `locale`.
    pub fn render_slot(&self, page: &str, locale: Option<&str>, slot: &ComposedSlot) -> Result<String, String> {
        let template = self.env.get_template(&slot.component).map_err(|e| describe(&e))?;
        let ctx = json!({
            "locale": locale,
            "messages": self.messages(&slot.component, locale),
            "content": slot.content,
            "product": slot.product,
            "products": slot.products,
            "slot": {"page": page, "slot": slot.slot, "entry": slot.entry, "variant": slot.variant},
        });
        template.render(ctx).map_err(|e| describe(&e))
    }

    /// Renders one slot wrapped in its `<section data-…>` element.
    pub fn render_section(&self, page: &str, locale: Option<&str>, slot: &ComposedSlot) -> String {
        let inner = match self.render_slot(page, locale, slot) {
            Ok(html) => html,
            Err(e) => format!("<div class=\"vantage-error\">This component could not be drawn: {}</div>", escape(&e)),
        };
        format!(
            "<section data-page=\"{}\" data-slot=\"{}\" data-component=\"{}\" data-entry=\"{}\" data-variant=\"{}\">{inner}</section>",
            escape(page),
            escape(&slot.slot),
            escape(&slot.component),
            escape(&slot.entry),
            escape(&slot.variant)
        )
    }

    /// Renders a whole preview document.
    pub fn render_page(&self, page: &ComposedPage, theme: &str) -> String {
        let sections: Vec<String> = page.slots.iter().map(|slot| self.render_section(&page.page, page.locale.as_deref(), slot)).collect();
        self.document(page, theme, sections.iter().map(String::as_str))
    }

    /// The preview document around already rendered slot sections, in order.
    pub fn document<'s>(&self, page: &ComposedPage, theme: &str, sections: impl Iterator<Item = &'s str>) -> String {
        let mut html = String::with_capacity(16 * 1024);
        // The language, not the region: a de-CH reader may be shown de-DE texts, and a page
        // whose texts are the same is the same file for both (the static tier relies on it).
        let lang = page.locale.as_deref().map_or("en", crate::locales::language);
        html.push_str(&format!("<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">", escape(lang)));
        html.push_str(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{PREVIEW_CSP}\">"));
        html.push_str(&format!("<title>{}</title>", escape(&page.title)));
        // The theme is developer-owned CSS; it still must not close the style element early.
        html.push_str(&format!(
            "<style>{}</style></head>\n<body><main data-page=\"{}\">\n",
            theme.replace("</", "<\\/"),
            escape(&page.page)
        ));
        for section in sections {
            html.push_str(section);
            html.push('\n');
        }
        html.push_str("</main></body></html>\n");
        html
    }
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("{} (template line {line})", e.detail().unwrap_or(&e.kind().to_string())),
        None => e.to_string(),
    }
}

/// `text` cut to a length a message can show (a hostile value may be megabytes long).
pub fn shortened(text: &str) -> String {
    cut(text, 80)
}

/// A whole message (which may quote a value) cut to a length a person reads: it never echoes a
/// huge value back.
pub fn bounded_message(text: &str) -> String {
    cut(text, 400)
}

fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((at, _)) => format!("{}… ({} characters in all)", &text[..at], text.chars().count()),
        None => text.to_owned(),
    }
}

/// HTML-escapes text for element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
