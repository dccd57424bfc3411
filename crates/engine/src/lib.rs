//! # vantage-engine
//!
//! The personalization engine of Vantage: the condition language, compile, evaluate, compose,
//! lint, diff and impact. Pure: it does no I/O, reads no clock and touches no database; callers
//! hand it what it needs (file contents, the time as part of the context, a seed).
//!
//! ```
//! use vantage_engine::{catalog::Catalog, compile::compile_one, condition::Condition, context::Context, eval::Scratch};
//! let catalog = Catalog::from_contract_json(&serde_json::json!({"profile.tier": {"type": "string"}})).unwrap();
//! let vip = Condition::from_json(&serde_json::json!({"attr": "profile.tier", "op": "eq", "value": "vip"})).unwrap();
//! let (program, root) = compile_one(&vip, &catalog, &Default::default()).unwrap();
//! let ctx = Context::from_json_str(&program, r#"{"profile.tier": "vip"}"#).unwrap();
//! let mut scratch = Scratch::for_program(&program);
//! scratch.reset(&program);
//! assert!(program.eval(root, &ctx, &mut scratch).decide());
//! ```

pub mod bucket;
pub mod bundle;
pub mod catalog;
pub mod compile;
pub mod compose;
pub mod condition;
pub mod conformance;
pub mod context;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod impact;
pub mod lint;
pub mod load;
pub mod matrix;
pub mod model;
pub mod population;
pub mod program;
pub mod reference;
pub mod render;
pub mod synthetic;
pub mod time;
