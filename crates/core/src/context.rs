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
    Str(Box<str>),
    Num(f64),
    Bool(bool),
    List(Box<[Box<str>]>),
    /// A string that is (`Some`) or is not (`None`) a valid version.
    Semver(Option<Box<Version>>),
    /// A string that is (`Some`) or is not (`None`) a valid RFC 3339 timestamp.
    Time(Option<Instant>),
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
}

impl Context {
    /// Prepares a flat context (`{"profile.tier": "vip", ..., "consents": [...]}`).
    pub fn from_flat(program: &Program, flat: &Map<String, Value>) -> Context {
        let values = program.slots.iter().map(|slot| convert(slot.ty, flat.get(&slot.path))).collect();
        let mut granted = vec![false; program.purposes.len()];
        if let Some(Value::Array(consents)) = flat.get(CONSENTS) {
            for purpose in consents.iter().filter_map(Value::as_str) {
                if let Some(&id) = program.purpose_index.get(purpose) {
                    granted[id as usize] = true;
                }
            }
        }
        Context::finish(values, granted, zone_of(flat.get(crate::catalog::TIMEZONE)))
    }

    /// Parses a flat JSON object straight into a context (no intermediate JSON tree).
    pub fn from_json_str(program: &Program, json: &str) -> Result<Context, serde_json::Error> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(json);
        let ctx = raw::ContextSeed(program).deserialize(&mut de)?;
        de.end()?;
        Ok(ctx)
    }

    fn finish(values: Vec<Val>, granted: Vec<bool>, zone: Zone) -> Context {
        let local = values.iter().map(|v| local_of(v, &zone)).collect();
        Context { values, granted, zone, local }
    }

    /// Sets one attribute of a prepared context, such as a value derived after the visitor's data
    /// arrived (a computed segment, the product in view), without cloning or re-reading the
    /// visitor. `value` is checked against the attribute's type like any other. Returns `false`
    /// when no rule of `program` reads `path` (there is no slot for it).
    pub fn set(&mut self, program: &Program, path: &str, value: &Value) -> bool {
        let Some(slot) = program.slot_of(path) else { return false };
        let index = slot as usize;
        let (Some(meta), Some(place)) = (program.slots.get(index), self.values.get_mut(index)) else { return false };
        *place = convert(meta.ty, Some(value));
        if slot == TIMEZONE_SLOT {
            self.zone = zone_of(Some(value));
            self.local = self.values.iter().map(|v| local_of(v, &self.zone)).collect();
        } else if let Some(local) = self.local.get_mut(index) {
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

    pub(crate) fn now(&self) -> Option<Instant> {
        match self.values.get(NOW_SLOT as usize) {
            Some(Val::Time(t)) => *t,
            _ => None,
        }
    }

    /// The raw time zone value is kept as a slot too, for traces.
    pub fn timezone_value(&self) -> Option<&str> {
        match self.values.get(TIMEZONE_SLOT as usize) {
            Some(Val::Str(s)) => Some(s),
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

fn convert(ty: AttrType, value: Option<&Value>) -> Val {
    match (ty, value) {
        (AttrType::String, Some(Value::String(s))) => Val::Str(s.as_str().into()),
        (AttrType::Number, Some(Value::Number(n))) => n.as_f64().map_or(Val::Missing, Val::Num),
        (AttrType::Bool, Some(Value::Bool(b))) => Val::Bool(*b),
        (AttrType::StringList, Some(Value::Array(items))) => items
            .iter()
            .map(|v| v.as_str().map(Box::<str>::from))
            .collect::<Option<Vec<_>>>()
            .map_or(Val::Missing, |list| Val::List(list.into())),
        (AttrType::Semver, Some(Value::String(s))) => Val::Semver(Version::parse(s).ok().map(Box::new)),
        (AttrType::Timestamp, Some(Value::String(s))) => Val::Time(parse_timestamp(s)),
        _ => Val::Missing,
    }
}

mod raw {
    //! Straight from JSON text to a [`Context`]: keys are looked up as they stream by and values
    //! are parsed into their slot's type, with no intermediate `serde_json::Value` tree.

    use super::{Context, Val, Zone};
    use crate::catalog::AttrType;
    use crate::program::{Program, TIMEZONE_SLOT};
    use crate::time::parse_timestamp;
    use jiff::tz::TimeZone;
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    pub(super) struct ContextSeed<'a>(pub &'a Program);

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
    struct ValSeed(AttrType);

    impl<'de> DeserializeSeed<'de> for ValSeed {
        type Value = Val;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ValSeed {
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
                AttrType::String => Val::Str(s.into()),
                AttrType::Semver => Val::Semver(semver::Version::parse(s).ok().map(Box::new)),
                AttrType::Timestamp => Val::Time(parse_timestamp(s)),
                _ => Val::Missing,
            })
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Val, E> {
            Ok(Val::Missing)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
            let mut items: Vec<Box<str>> = Vec::new();
            let mut well_typed = self.0 == AttrType::StringList;
            while let Some(item) = seq.next_element_seed(StrOrOther)? {
                match item {
                    Some(s) if well_typed => items.push(s),
                    _ => well_typed = false,
                }
            }
            Ok(if well_typed { Val::List(items.into()) } else { Val::Missing })
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Val::Missing)
        }
    }

    /// A list element: `Some` for a string, `None` (consumed) for anything else.
    struct StrOrOther;

    impl<'de> DeserializeSeed<'de> for StrOrOther {
        type Value = Option<Box<str>>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for StrOrOther {
        type Value = Option<Box<str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(s.into()))
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
        type Value = Context;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Context, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for ContextSeed<'_> {
        type Value = Context;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a flat JSON object of attribute values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Context, A::Error> {
            let program = self.0;
            let mut values = vec![Val::Missing; program.slots.len()];
            let mut granted = vec![false; program.purposes.len()];
            // Absent or null means UTC; any other non-string means no usable zone.
            let mut zone = Zone::Known(TimeZone::UTC);
            while let Some(key) = map.next_key_seed(KeySeed(program))? {
                match key {
                    Key::Slot(TIMEZONE_SLOT) => {
                        // Null means UTC but a number means no usable zone: keep the raw value.
                        let raw = map.next_value::<serde_json::Value>()?;
                        zone = super::zone_of(Some(&raw));
                        values[TIMEZONE_SLOT as usize] = super::convert(AttrType::String, Some(&raw));
                    }
                    Key::Slot(slot) => {
                        let ty = program.slots[slot as usize].ty;
                        values[slot as usize] = map.next_value_seed(ValSeed(ty))?;
                    }
                    Key::Consents => {
                        granted.iter_mut().for_each(|g| *g = false);
                        // Non-string elements are skipped, exactly as `from_flat` does.
                        if let serde_json::Value::Array(purposes) = map.next_value::<serde_json::Value>()? {
                            for purpose in purposes.iter().filter_map(serde_json::Value::as_str) {
                                if let Some(&id) = program.purpose_index.get(purpose) {
                                    granted[id as usize] = true;
                                }
                            }
                        }
                    }
                    Key::Other => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(Context::finish(values, granted, zone))
        }
    }
}
