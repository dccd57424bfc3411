//! The text-form parser never panics, and whatever it accepts prints back to text that parses
//! to the same condition.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vantage_engine::condition::{parse, print};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(condition) = parse(text) {
        let printed = print(&condition);
        assert_eq!(parse(&printed).ok(), Some(condition), "round trip failed for {printed}");
    }
});
