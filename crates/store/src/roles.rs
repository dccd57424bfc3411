//! Users and roles, checked by the store on every call.

use crate::error::{ErrorCode, Result, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Edits drafts and submits them.
    Marketer,
    /// Previews and comments.
    Qa,
    /// Approves, rejects, publishes and rolls back.
    Reviewer,
    /// Everything, including managing users.
    Admin,
}

/// What a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Edit content, rules and settings.
    Edit,
    /// Edit simulated visitor profiles (test data QA keeps for previews); also enough to start
    /// and submit a change set of them.
    EditProfiles,
    Submit,
    Comment,
    Decide,
    Publish,
    ManageUsers,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Marketer => "marketer",
            Role::Qa => "qa",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Result<Role> {
        [Role::Marketer, Role::Qa, Role::Reviewer, Role::Admin]
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| StoreError::new(ErrorCode::Invalid, format!("unknown role `{name}`: use marketer, qa, reviewer or admin")))
    }

    /// The action writing the document at `path` needs.
    pub fn edit_action(path: &str) -> Action {
        if path.starts_with("profiles/") {
            Action::EditProfiles
        } else {
            Action::Edit
        }
    }

    pub fn may(self, action: Action) -> bool {
        match self {
            Role::Admin => true,
            Role::Marketer => matches!(action, Action::Edit | Action::EditProfiles | Action::Submit | Action::Comment),
            Role::Qa => matches!(action, Action::EditProfiles | Action::Submit | Action::Comment),
            Role::Reviewer => matches!(action, Action::Decide | Action::Publish | Action::Comment),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_allow_exactly_their_jobs() {
        assert!(Role::Marketer.may(Action::Edit) && !Role::Marketer.may(Action::Decide));
        assert!(Role::Reviewer.may(Action::Publish) && !Role::Reviewer.may(Action::Edit));
        assert!(!Role::Qa.may(Action::Edit) && Role::Qa.may(Action::Comment));
        assert!(Role::Admin.may(Action::ManageUsers));
        assert!(Role::Qa.may(Role::edit_action("profiles/vip.json")) && !Role::Qa.may(Role::edit_action("entries/home-hero.json")));
    }
}
