// The name of every command the UI may call: the one list that `build.rs` declares to Tauri's
// permission system (it `include!`s this file) and that `tests/commands.rs` holds the
// registered commands (`lib.rs`) and the window's capability (`capabilities/main.json`) to.

/// Every command of `specta_builder` in `lib.rs`, in its order.
pub const COMMANDS: &[&str] = &[
    "get_session",
    "pick_workspace",
    "switch_user",
    "read_document",
    "preview_edit",
    "save_document",
    "undo_document",
    "redo_document",
    "render_page",
    "render_slots",
    "explain_slot",
    "coverage",
    "lint",
    "condition_text",
    "save_profile",
    "change_sets",
    "submit_change",
    "decide_change",
    "publish_change",
    "review_change",
    "render_review_page",
    "comments",
    "add_comment",
    "releases",
    "rollback",
    "audit_log",
    "sync_status",
    "sync_now",
    "sync_conflicts",
    "sync_waiting",
    "take_from_cms",
    "resolve_conflict",
];
