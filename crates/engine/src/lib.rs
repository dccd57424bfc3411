//! # vantage-engine
//!
//! The workspace on top of the decision core (`vantage-core`): load and validate workspace
//! files, compile them into a [`bundle::Bundle`], and the one way to see a page as a visitor
//! does ([`visit`]: decide, compose, render, explain), plus lint, diff, impact, population and
//! the coverage matrix. Pure: it does no I/O, reads no clock and touches no database; callers
//! hand it what it needs (file contents, the clock's time, a seed).

// The decision core, under the names the rest of Vantage has always used.
pub use vantage_core::{bucket, catalog, compile, condition, conformance, context, eval, program, reference, time};

pub mod bundle;
pub mod compose;
pub mod diff;
pub mod explain;
pub mod impact;
pub mod lint;
pub mod load;
mod locale_lint;
pub mod locales;
pub mod matrix;
pub mod messages;
pub mod model;
pub mod population;
pub mod reach;
pub mod release;
pub mod render;
pub mod safe_url;
mod schedule;
pub mod schemas;
pub mod stale_translations;
pub mod static_tier;
pub mod strict_json;
pub mod synthetic;
pub mod tally;
pub mod visit;
