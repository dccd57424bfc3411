//! # vantage-studio
//!
//! The use cases of Vantage, one function per user action (`open_workspace`, `lint`,
//! `preview`, `matrix`, `write_bundle`, `impact`, `conform`). The CLI and the desktop app are
//! thin layers over these functions, and tests call them directly.
//!
//! ```no_run
//! let workspace = vantage_studio::open_workspace(std::path::Path::new("fixtures/demo-store")).unwrap();
//! let report = vantage_studio::lint(&workspace, Some("2026-11-20T12:00:00Z")).unwrap();
//! println!("{} findings", report.findings.len());
//! ```

mod bundle_cache;
pub mod deliver;
mod error;
mod export;
mod files;
mod live;
pub mod session;
mod static_export;
mod store_cases;
pub mod sync;
pub mod traffic;
mod usecases;
pub mod visits;

pub use error::{ErrorCode, StudioError};
pub use files::{read_bundle_or_workspace, read_workspace_dir, BundleFile};
pub use live::{LiveWorkspace, SlotRef, WorkspaceEvent};
pub use session::{store_path, Session, SharedSession, STARTER_TEAM};
pub use static_export::{export_static, StaticExport};
pub use store_cases::*;
pub use usecases::*;
pub use vantage_store::{ChainStatus, Role, Store};
