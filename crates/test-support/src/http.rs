//! A minimal blocking HTTP/1.1 client for tests of the delivery tiers (one request per
//! connection, `Connection: close`), and launchers for `vantage serve` and workerd that stop
//! their process when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// An answer: status, headers (names lower-cased) and body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends one request to `address` (`127.0.0.1:port`); `None` when the connection fails.
pub fn request(address: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<Answer> {
    let mut stream = TcpStream::connect(address).ok()?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines.next()?.get(9..12)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned())).collect();
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body);
    }
    Some(Answer { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}

/// A process killed (and waited for) when dropped.
pub struct Running {
    pub child: Child,
    /// `127.0.0.1:port`.
    pub address: String,
    /// A folder of the process's own, removed after it stops (fields drop after `drop`).
    scratch: Option<tempfile::TempDir>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `vantage` (the binary at `bin`) as `vantage serve <args>` with `env` (on a free
/// loopback port unless `args` has `--listen`), and waits for the address it prints.
pub fn start_serve(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
    let listen: &[&str] = if args.contains(&"--listen") { &[] } else { &["--listen", "127.0.0.1:0"] };
    let mut child = Command::new(bin)
        .arg("serve")
        .args(listen)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address =
        line.split("http://").nth(1).and_then(|rest| rest.split(',').next()).unwrap_or_else(|| panic!("vantage serve said: {line}"));
    Running { address: address.to_owned(), child, scratch: None }
}

/// The edge Worker's folder, checked to hold the built module and workerd (`scripts/edge`).
pub fn edge_dir() -> PathBuf {
    let dir = crate::repo().join("delivery/edge");
    for needed in ["vantage_edge.wasm", "node_modules/.bin/workerd"] {
        assert!(dir.join(needed).exists(), "{} is missing: run scripts/edge first", dir.join(needed).display());
    }
    dir
}

/// A free loopback port (bound and released: good enough for a test harness).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the edge Worker in workerd on a free loopback port, its `origin` service pointing at
/// `origin` (the server tier's address), with `env`; waits until it answers. Its Durable Objects
/// (CDP memberships) are kept in a fresh folder removed when it stops.
pub fn start_workerd(origin: &str, env: &[(&str, &str)]) -> Running {
    let scratch = tempfile::tempdir().unwrap();
    let mut running = start_workerd_with_storage(origin, env, scratch.path());
    running.scratch = Some(scratch);
    running
}

/// [`start_workerd`] keeping its Durable Objects in `storage` (created if missing), so that a
/// second workerd given the same folder finds what the first kept.
pub fn start_workerd_with_storage(origin: &str, env: &[(&str, &str)], storage: &Path) -> Running {
    let dir = edge_dir();
    std::fs::create_dir_all(storage).unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let child = Command::new(dir.join("node_modules/.bin/workerd"))
        .current_dir(&dir)
        .args(["serve", "workerd.capnp", "-s", &format!("http={address}"), "-e", &format!("origin={origin}")])
        .arg("-d")
        .arg(format!("segment-storage={}", storage.display()))
        .envs(env.iter().copied())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let running = Running { child, address, scratch: None };
    for _ in 0..200 {
        if TcpStream::connect(&running.address).is_ok() {
            return running;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("workerd did not start listening on {}", running.address);
}
