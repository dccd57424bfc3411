//! # vantage-core
//!
//! The decision core of Vantage: the condition language, the attribute catalog, compilation into
//! a flat program, prepared contexts, allocation-free three-valued evaluation, bucketing,
//! experiments and page decisions over compiled [`rules::Rules`]. It knows nothing of component
//! schemas, templates, feeds or workspace files, does no I/O and reads no clock, so it builds
//! for `wasm32-unknown-unknown` and runs at the edge exactly as it runs in the studio.
//!
//! ```
//! use vantage_core::{catalog::Catalog, compile::compile_one, condition::Condition, context::Context, eval::Scratch};
//! let catalog = Catalog::from_contract_json(&serde_json::json!({"profile.tier": {"type": "string"}})).unwrap();
//! let vip = Condition::from_json(&serde_json::json!({"attr": "profile.tier", "op": "eq", "value": "vip"})).unwrap();
//! let (program, root) = compile_one(&vip, &catalog, &Default::default()).unwrap();
//! let ctx = Context::from_json_str(&program, r#"{"profile.tier": "vip"}"#).unwrap();
//! let mut scratch = Scratch::for_program(&program);
//! scratch.reset(&program);
//! assert!(program.eval(root, &ctx, &mut scratch).decide());
//! ```

pub mod bucket;
pub mod catalog;
pub mod compile;
pub mod condition;
pub mod conformance;
pub mod context;
pub mod decide;
pub mod diagnostic;
pub mod eval;
pub mod plan;
pub mod program;
pub mod reference;
pub mod rules;
pub mod time;

pub use decide::{Choice, CompiledPage, CompiledSlot, Decision, DecisionBundle};
pub use diagnostic::{Diagnostic, Severity};
pub use rules::Rules;
