//! A real Strapi (the project in `cms/strapi`) for scenarios with people who sign in, run by
//! `scripts/strapi` from the install in `$VANTAGE_STRAPI_HOME` on a free loopback port with a
//! fresh data dir, and stopped when dropped.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use vantage_test_support::repo;

pub struct Cms {
    pub url: String,
    data: tempfile::TempDir,
}

fn strapi(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(repo().join("scripts/strapi"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("scripts/strapi runs");
    if let Some(text) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "scripts/strapi {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Cms {
    /// Starts Strapi, provisions its admin, and makes an account for each `(name, role)` with
    /// `password`.
    pub fn start(people: &[(&str, &str)], password: &str) -> Cms {
        assert!(
            std::env::var_os("VANTAGE_STRAPI_HOME").is_some(),
            "set VANTAGE_STRAPI_HOME to the Strapi install (scripts/e2e does: scripts/strapi install)"
        );
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
        let dir = data.path().to_str().unwrap().to_owned();
        let url = strapi(&["start", &dir, &port], None);
        strapi(&["provision", &url, &dir], None);
        for (name, role) in people {
            strapi(&["person", &url, name, role, &dir], Some(&format!("{password}\n")));
        }
        Cms { url, data }
    }

    /// The CMS's database, to check what it recorded.
    pub fn db(&self) -> PathBuf {
        self.data.path().join("data.db")
    }
}

impl Drop for Cms {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("scripts/strapi")).args(["stop", self.data.path().to_str().unwrap_or_default()]).status();
    }
}
