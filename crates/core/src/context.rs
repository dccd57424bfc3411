//! A prepared context: the visitor's attribute values in the program's slot order, parsed once.

use crate::catalog::{AttrType, CONSENTS};
use crate::program::{Program, NOW_SLOT, TIMEZONE_SLOT};
use crate::time::parse_timestamp;
use crate::time::Instant;
use jiff::tz::TimeZone;
use semver::Version;
use serde_json::{Map, Value};

/// One attribute's value, already checked against its catalog type.
#[derive(Debug, Clone)]
pub enum Val {
    /// Absent, null, or of the wrong JSON type (the two behave the same).
    Missing,
    Str(Text),
    Num(f64),
    Bool(bool),
    List(TextList),
    /// A string that is (`Some`) or is not (`None`) a valid version.
    Semver(Option<VersionAt>),
    /// A string that is (`Some`) or is not (`None`) a valid RFC 3339 timestamp.
    Time(Option<Instant>),
}

/// A string of a [`Context`]: a range of its one text buffer, so that preparing a visitor does
/// not allocate once per string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    start: u32,
    len: u32,
}

/// A list of strings of a [`Context`]: a range of its item table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextList {
    start: u32,
    len: u32,
}

/// A version number of a [`Context`]: an index into its version table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionAt(u32);

/// Every string of a context in one buffer, every list's items in one table, and every parsed
/// version number in another.
#[derive(Debug, Clone, Default)]
pub(crate) struct Strings {
    text: String,
    items: Vec<Text>,
    versions: Vec<Version>,
}

impl Strings {
    /// Forgets every string, keeping the memory, and makes room for `bytes` more.
    fn clear(&mut self, bytes: usize) {
        self.text.clear();
        self.text.reserve(bytes);
        self.items.clear();
        self.versions.clear();
    }

    /// Parses and keeps a version number; `None` when `s` is not one.
    fn push_version(&mut self, s: &str) -> Option<VersionAt> {
        let at = VersionAt(u32::try_from(self.versions.len()).ok()?);
        self.versions.push(Version::parse(s).ok()?);
        Some(at)
    }

    /// Keeps `s`; `None` only past 4 GiB of text, which callers treat as a missing value.
    fn push(&mut self, s: &str) -> Option<Text> {
        let start = u32::try_from(self.text.len()).ok()?;
        let len = u32::try_from(s.len()).ok()?;
        start.checked_add(len)?;
        self.text.push_str(s);
        Some(Text { start, len })
    }

    fn str(&self, t: Text) -> &str {
        self.text.get(t.start as usize..(t.start as usize + t.len as usize)).unwrap_or_default()
    }

    fn list(&self, l: TextList) -> &[Text] {
        self.items.get(l.start as usize..(l.start as usize + l.len as usize)).unwrap_or_default()
    }

    /// Starts a list: its items are the texts [`Strings::push_item`] adds until [`Strings::end_list`].
    fn start_list(&self) -> usize {
        self.items.len()
    }

    fn push_item(&mut self, s: &str) -> bool {
        match self.push(s) {
            Some(t) => {
                self.items.push(t);
                true
            }
            None => false,
        }
    }

    fn end_list(&self, start: usize) -> Option<TextList> {
        Some(TextList { start: u32::try_from(start).ok()?, len: u32::try_from(self.items.len() - start).ok()? })
    }
}

/// The visitor's time zone for day and hour windows.
#[derive(Debug, Clone)]
pub enum Zone {
    Known(TimeZone),
    /// Not a string, or not an IANA zone name: day and hour predicates are false.
    Invalid,
}

/// A context ready for evaluation against one [`Program`].
#[derive(Debug, Clone)]
pub struct Context {
    pub(crate) values: Vec<Val>,
    pub(crate) granted: Vec<bool>,
    pub(crate) zone: Zone,
    /// Local (weekday from Monday = 0, hour) of each timestamp slot in the visitor's zone,
    /// computed once here so that day and hour windows cost nothing at evaluation.
    pub(crate) local: Vec<Option<(u8, u8)>>,
    strings: Strings,
    /// Zones that visitors read into this context were in ([`Context::read_json_str`]).
    recent_zones: Vec<TimeZone>,
}

impl Context {
    /// Prepares a flat context (`{"profile.tier": "vip", ..., "consents": [...]}`).
    pub fn from_flat(program: &Program, flat: &Map<String, Value>) -> Context {
        let mut strings = Strings::default();
        let values = program.slots.iter().map(|slot| convert(slot.ty, flat.get(&slot.path), &mut strings)).collect();
        let mut granted = vec![false; program.purposes.len()];
        if let Some(Value::Array(consents)) = flat.get(CONSENTS) {
            for purpose in consents.iter().filter_map(Value::as_str) {
                if let Some(&id) = program.purpose_index.get(purpose) {
                    granted[id as usize] = true;
                }
            }
        }
        Context::finish(program, values, granted, zone_of(flat.get(crate::catalog::TIMEZONE)), strings)
    }

    /// Parses a flat JSON object straight into a context (no intermediate JSON tree).
    pub fn from_json_str(program: &Program, json: &str) -> Result<Context, serde_json::Error> {
        let mut ctx = Context::empty();
        ctx.read_json_str(program, json)?;
        Ok(ctx)
    }

    /// A context of no values, to be filled by [`Context::read_json_str`].
    pub fn empty() -> Context {
        Context {
            values: Vec::new(),
            granted: Vec::new(),
            zone: Zone::Known(TimeZone::UTC),
            local: Vec::new(),
            strings: Strings::default(),
            recent_zones: Vec::new(),
        }
    }

    /// Replaces this context's values with a flat JSON object's, as [`Context::from_json_str`]
    /// reads it, reusing this context's memory: a server or a replay of recorded traffic reads
    /// each visitor into the same context without allocating (a visitor's version numbers
    /// aside). On an error the context holds no values and grants no consent.
    pub fn read_json_str(&mut self, program: &Program, json: &str) -> Result<(), serde_json::Error> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(json);
        let read = raw::ContextSeed { program, ctx: &mut *self, capacity: json.len() }.deserialize(&mut de).and_then(|()| de.end());
        if read.is_err() {
            // Not half a visitor: every value missing, no consent.
            self.values.iter_mut().for_each(|v| *v = Val::Missing);
            self.granted.iter_mut().for_each(|g| *g = false);
            self.local.iter_mut().for_each(|l| *l = None);
        }
        read
    }

    fn finish(program: &Program, values: Vec<Val>, granted: Vec<bool>, zone: Zone, strings: Strings) -> Context {
        let mut ctx = Context { values, granted, zone, local: Vec::new(), strings, recent_zones: Vec::new() };
        ctx.localize(program);
        ctx
    }

    /// Computes the local weekday and hour of the timestamps a day or hour window reads.
    fn localize(&mut self, program: &Program) {
        let zone = &self.zone;
        self.local.clear();
        self.local.extend(self.values.iter().zip(&program.slots).map(|(v, slot)| if slot.local { local_of(v, zone) } else { None }));
    }

    /// Sets one attribute of a prepared context, such as a value derived after the visitor's data
    /// arrived (a computed segment, the product in view), without cloning or re-reading the
    /// visitor. `value` is checked against the attribute's type like any other. Returns `false`
    /// when no rule of `program` reads `path` (there is no slot for it).
    pub fn set(&mut self, program: &Program, path: &str, value: &Value) -> bool {
        let Some(slot) = program.slot_of(path) else { return false };
        let index = slot as usize;
        let (Some(meta), Some(place)) = (program.slots.get(index), self.values.get_mut(index)) else { return false };
        *place = convert(meta.ty, Some(value), &mut self.strings);
        if slot == TIMEZONE_SLOT {
            self.zone = zone_of(Some(value));
            self.localize(program);
        } else if let (Some(local), true) = (self.local.get_mut(index), meta.local) {
            *local = local_of(&self.values[index], &self.zone);
        }
        true
    }

    /// Grants or withdraws a consent purpose on a prepared context. Returns `false` when no rule
    /// of `program` depends on `purpose`.
    pub fn set_consent(&mut self, program: &Program, purpose: &str, granted: bool) -> bool {
        match program.purpose_index.get(purpose).and_then(|&id| self.granted.get_mut(id as usize)) {
            Some(place) => {
                *place = granted;
                true
            }
            None => false,
        }
    }

    /// The text of a string value.
    pub(crate) fn str(&self, t: Text) -> &str {
        self.strings.str(t)
    }

    /// A version number value.
    pub(crate) fn version(&self, v: VersionAt) -> Option<&Version> {
        self.strings.versions.get(v.0 as usize)
    }

    /// The items of a list value.
    pub(crate) fn list(&self, l: TextList) -> impl Iterator<Item = &str> {
        self.strings.list(l).iter().map(|t| self.strings.str(*t))
    }

    pub(crate) fn now(&self) -> Option<Instant> {
        match self.values.get(NOW_SLOT as usize) {
            Some(Val::Time(t)) => *t,
            _ => None,
        }
    }

    /// The raw time zone value is kept as a slot too, for traces.
    pub fn timezone_value(&self) -> Option<&str> {
        match self.values.get(TIMEZONE_SLOT as usize) {
            Some(Val::Str(s)) => Some(self.strings.str(*s)),
            _ => None,
        }
    }
}

/// The (weekday from Monday = 0, hour) of a timestamp value in the visitor's zone.
fn local_of(value: &Val, zone: &Zone) -> Option<(u8, u8)> {
    match (value, zone) {
        (Val::Time(Some(t)), Zone::Known(tz)) => t.to_jiff().map(|t| {
            let dt = tz.to_offset(t).to_datetime(t);
            (dt.weekday().to_monday_zero_offset() as u8, dt.hour() as u8)
        }),
        _ => None,
    }
}

/// The zone named by `request.timezone`: absent or null is UTC; a non-string or unknown name is
/// no usable zone.
fn zone_of(value: Option<&Value>) -> Zone {
    match value {
        None | Some(Value::Null) => Zone::Known(TimeZone::UTC),
        Some(Value::String(name)) => TimeZone::get(name).map(Zone::Known).unwrap_or(Zone::Invalid),
        Some(_) => Zone::Invalid,
    }
}

fn convert(ty: AttrType, value: Option<&Value>, strings: &mut Strings) -> Val {
    match (ty, value) {
        (AttrType::String, Some(Value::String(s))) => strings.push(s).map_or(Val::Missing, Val::Str),
        (AttrType::Number, Some(Value::Number(n))) => n.as_f64().map_or(Val::Missing, Val::Num),
        (AttrType::Bool, Some(Value::Bool(b))) => Val::Bool(*b),
        (AttrType::StringList, Some(Value::Array(items))) if items.iter().all(Value::is_string) => {
            let start = strings.start_list();
            let kept = items.iter().filter_map(Value::as_str).all(|item| strings.push_item(item));
            strings.end_list(start).filter(|_| kept).map_or(Val::Missing, Val::List)
        }
        (AttrType::Semver, Some(Value::String(s))) => Val::Semver(strings.push_version(s)),
        (AttrType::Timestamp, Some(Value::String(s))) => Val::Time(parse_timestamp(s)),
        _ => Val::Missing,
    }
}

mod rows;

mod raw {
    //! Straight from JSON text to a [`Context`]: keys are looked up as they stream by and values
    //! are parsed into their slot's type, with no intermediate `serde_json::Value` tree.

    use super::{Context, Strings, Val, Zone};
    use crate::catalog::AttrType;
    use crate::program::{Program, TIMEZONE_SLOT};
    use crate::time::parse_timestamp;
    use jiff::tz::TimeZone;
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    pub(super) struct ContextSeed<'a> {
        pub program: &'a Program,
        /// Filled in place: its values are replaced, its memory kept.
        pub ctx: &'a mut Context,
        /// The input's length: its strings fit in that many bytes, so one buffer holds them all.
        pub capacity: usize,
    }

    enum Key {
        Slot(u32),
        Consents,
        Other,
    }

    struct KeySeed<'a>(&'a Program);

    impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
        type Value = Key;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl Visitor<'_> for KeySeed<'_> {
        type Value = Key;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an attribute path")
        }
        fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key, E> {
            Ok(match self.0.slot_index.get(key) {
                Some(&slot) => Key::Slot(slot),
                None if key == crate::catalog::CONSENTS => Key::Consents,
                None => Key::Other,
            })
        }
    }

    /// Parses one value as the slot's type; anything else is consumed and becomes `Missing`.
    struct ValSeed<'a>(AttrType, &'a mut Strings);

    impl<'de> DeserializeSeed<'de> for ValSeed<'_> {
        type Value = Val;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ValSeed<'_> {
        type Value = Val;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Val, E> {
            Ok(if self.0 == AttrType::Bool { Val::Bool(b) } else { Val::Missing })
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Val, E> {
            self.visit_f64(n as f64)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Val, E> {
            self.visit_f64(n as f64)
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Val, E> {
            Ok(if self.0 == AttrType::Number { Val::Num(n) } else { Val::Missing })
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Val, E> {
            Ok(match self.0 {
                AttrType::String => self.1.push(s).map_or(Val::Missing, Val::Str),
                AttrType::Semver => Val::Semver(self.1.push_version(s)),
                AttrType::Timestamp => Val::Time(parse_timestamp(s)),
                _ => Val::Missing,
            })
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Val, E> {
            Ok(Val::Missing)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
            let strings = self.1;
            let start = strings.start_list();
            let mut well_typed = self.0 == AttrType::StringList;
            while let Some(kept) = seq.next_element_seed(ItemSeed { strings: &mut *strings, keep: well_typed })? {
                well_typed &= kept;
            }
            Ok(match strings.end_list(start) {
                Some(list) if well_typed => Val::List(list),
                _ => Val::Missing,
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Val::Missing)
        }
    }

    /// A list element: a string is kept (when `keep`) and answers true; anything else is
    /// consumed and answers false.
    struct ItemSeed<'a> {
        strings: &'a mut Strings,
        keep: bool,
    }

    impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
        type Value = bool;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ItemSeed<'_> {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(!self.keep || self.strings.push_item(s))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(false)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(false)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(false)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(false)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(false)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(false)
        }
    }

    /// `request.timezone`: a string names the zone, null means UTC, anything else is no usable
    /// zone (as [`super::zone_of`] decides for a parsed value).
    struct ZoneSeed<'a> {
        strings: &'a mut Strings,
        /// Zones earlier visitors were in: looking a zone up by name costs more than the rest
        /// of a visitor, and most visitors come from a few zones.
        recent: &'a mut Vec<TimeZone>,
    }

    /// How many zones a context remembers.
    const RECENT_ZONES: usize = 8;

    impl<'de> DeserializeSeed<'de> for ZoneSeed<'_> {
        type Value = (Val, Zone);
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ZoneSeed<'_> {
        type Value = (Val, Zone);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a time zone name")
        }
        fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
            let zone = match self.recent.iter().find(|tz| tz.iana_name() == Some(name)) {
                Some(tz) => Zone::Known(tz.clone()),
                None => match TimeZone::get(name) {
                    Ok(tz) => {
                        if self.recent.len() == RECENT_ZONES {
                            self.recent.remove(0);
                        }
                        self.recent.push(tz.clone());
                        Zone::Known(tz)
                    }
                    Err(_) => Zone::Invalid,
                },
            };
            Ok((self.strings.push(name).map_or(Val::Missing, Val::Str), zone))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok((Val::Missing, Zone::Known(TimeZone::UTC)))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok((Val::Missing, Zone::Invalid))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok((Val::Missing, Zone::Invalid))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok((Val::Missing, Zone::Invalid))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok((Val::Missing, Zone::Invalid))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok((Val::Missing, Zone::Invalid))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok((Val::Missing, Zone::Invalid))
        }
    }

    /// `consents`: each string element that names a purpose of the program grants it; other
    /// elements are skipped, and a value that is not a list grants nothing (as `from_flat`).
    struct ConsentsSeed<'a> {
        program: &'a Program,
        granted: &'a mut [bool],
    }

    impl<'de> DeserializeSeed<'de> for ConsentsSeed<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ConsentsSeed<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of consent purposes")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(purpose) = seq.next_element_seed(PurposeSeed(self.program))? {
                if let Some(id) = purpose {
                    if let Some(place) = self.granted.get_mut(id as usize) {
                        *place = true;
                    }
                }
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(())
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
            Ok(())
        }
    }

    /// One element of `consents`: the purpose's id, or `None` (consumed) for anything else.
    struct PurposeSeed<'a>(&'a Program);

    impl<'de> DeserializeSeed<'de> for PurposeSeed<'_> {
        type Value = Option<u16>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for PurposeSeed<'_> {
        type Value = Option<u16>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a consent purpose")
        }
        fn visit_str<E: serde::de::Error>(self, purpose: &str) -> Result<Self::Value, E> {
            Ok(self.0.purpose_index.get(purpose).copied())
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    impl<'de> DeserializeSeed<'de> for ContextSeed<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for ContextSeed<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a flat JSON object of attribute values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let program = self.program;
            let Context { values, granted, zone, strings, recent_zones, .. } = &mut *self.ctx;
            strings.clear(self.capacity);
            values.clear();
            values.resize(program.slots.len(), Val::Missing);
            granted.clear();
            granted.resize(program.purposes.len(), false);
            // Absent or null means UTC; any other non-string means no usable zone.
            *zone = Zone::Known(TimeZone::UTC);
            while let Some(key) = map.next_key_seed(KeySeed(program))? {
                match key {
                    Key::Slot(TIMEZONE_SLOT) => {
                        let (value, named) = map.next_value_seed(ZoneSeed { strings: &mut *strings, recent: &mut *recent_zones })?;
                        *zone = named;
                        values[TIMEZONE_SLOT as usize] = value;
                    }
                    Key::Slot(slot) => {
                        let ty = program.slots[slot as usize].ty;
                        values[slot as usize] = map.next_value_seed(ValSeed(ty, &mut *strings))?;
                    }
                    Key::Consents => {
                        granted.iter_mut().for_each(|g| *g = false);
                        map.next_value_seed(ConsentsSeed { program, granted: &mut *granted })?;
                    }
                    Key::Other => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            self.ctx.localize(program);
            Ok(())
        }
    }
}
