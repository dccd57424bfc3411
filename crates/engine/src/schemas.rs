//! The components' content schemas, compiled once per bundle: checking a variant against its
//! component's schema is then one validation, not a schema compilation plus a validation
//! (which made lint's content check, and every composed slot, pay for compiling the schema).

use crate::model::Workspace;
use jsonschema::Validator;
use serde_json::Value;
use std::collections::BTreeMap;

/// Each component's compiled schema, or why it does not compile.
pub struct Schemas {
    validators: BTreeMap<String, Result<Validator, String>>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas").field("components", &self.validators.keys().collect::<Vec<_>>()).finish()
    }
}

impl Schemas {
    pub fn new(workspace: &Workspace) -> Schemas {
        let validators = workspace
            .components
            .iter()
            .map(|(id, c)| (id.clone(), jsonschema::validator_for(&c.schema).map_err(|e| format!("the component schema is invalid: {e}"))))
            .collect();
        Schemas { validators }
    }

    /// Where `content` does not fit `component`'s schema, one bounded message each (nothing for
    /// an unknown component).
    pub fn problems(&self, component: &str, content: &Value) -> Vec<String> {
        match self.validators.get(component) {
            Some(Ok(validator)) => validator.iter_errors(content).map(|e| crate::compose::schema_message(&e)).collect(),
            Some(Err(invalid)) => vec![invalid.clone()],
            None => Vec::new(),
        }
    }
}
