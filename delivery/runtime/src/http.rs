//! The HTTP exchange as plain data, so each tier (hyper in `vantage serve`, the Worker's
//! `Request` at the edge) only copies bytes in and out and every decision about the answer is
//! made once, here.

use serde::{Deserialize, Serialize};

/// A request as a tier received it. Header names are compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub method: String,
    /// The path without the query (`/pages/home`).
    pub path: String,
    /// The query string without `?` (may be empty).
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
}

impl Request {
    pub fn get(path: &str) -> Request {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Request { method: "GET".into(), path: path.into(), query: query.into(), ..Request::default() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The value of cookie `name` (from every `Cookie` header).
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim_matches('"'))
    }

    /// The value of query parameter `name` (undecoded: the values Vantage reads are plain ids).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.split('&').filter_map(|pair| pair.split_once('=')).find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// The answer, complete: status, headers and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A JSON error naming the field (or header, cookie, parameter) at fault.
    pub fn error(status: u16, field: &str, message: &str) -> Response {
        let body = serde_json::json!({ "error": { "field": field, "message": message } }).to_string();
        Response { status, headers: vec![json_type(), no_store()], body }
    }

    pub fn json(status: u16, body: String) -> Response {
        Response { status, headers: vec![json_type(), no_store()], body }
    }
}

pub(crate) fn json_type() -> (String, String) {
    ("content-type".into(), "application/json".into())
}

pub(crate) fn no_store() -> (String, String) {
    ("cache-control".into(), "no-store".into())
}
