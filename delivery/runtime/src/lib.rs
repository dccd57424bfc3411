//! # vantage-delivery
//!
//! What a visitor's request gets, for every delivery tier. A tier (`vantage serve` over hyper,
//! the Worker at the edge over wasm) turns its request into a [`Request`], hands it to
//! [`respond`] with the [`LiveRelease`] it serves, and copies the [`Response`] out byte for byte.
//! The request format (`vantage-request/1`) is documented in `docs/delivery.md`.
//!
//! Pure like the engine: no clock (the tier gives the arrival time), no randomness (the tier
//! gives a fresh unit id), no I/O.

pub mod config;
pub mod conform;
pub mod http;
pub mod release;
pub mod respond;
pub mod segments;
pub mod token;
pub mod visitor;

pub use config::Config;
pub use http::{Request, Response};
pub use release::LiveRelease;
pub use respond::{respond, respond_with, segments_to_look_up, Answer, Arrival, Outcome};
pub use segments::{NoSegments, SegmentSource};
