//! Filling a context value by value, as recorded traffic arrives column by column (Arrow record
//! batches): no JSON text, no map, and no allocation once the context's buffers have grown. A
//! value is read as its slot's type exactly as [`Context::from_flat`] reads the same JSON value,
//! so a visitor filled here decides as the same visitor read from JSON
//! (`tests/differential.rs`).

use super::{Context, Val, Zone};
use crate::catalog::AttrType;
use crate::program::{Program, TIMEZONE_SLOT};
use crate::time::{parse_timestamp, Instant};
use jiff::tz::TimeZone;

impl Context {
    /// Starts the next visitor on this context: every value missing, no consent, UTC, the
    /// memory of earlier visitors kept.
    pub fn start_row(&mut self, program: &Program) {
        self.values.clear();
        self.values.resize(program.slots.len(), Val::Missing);
        self.granted.clear();
        self.granted.resize(program.purposes.len(), false);
        self.local.clear();
        self.local.resize(program.slots.len(), None);
        self.strings.clear(0);
        self.zone = Zone::Known(TimeZone::UTC);
    }

    /// A string for `slot`: text, a version or a timestamp as the slot's type says (for a slot
    /// of another type, as JSON would: missing). The time zone slot also sets the zone.
    pub fn put_str(&mut self, program: &Program, slot: u32, s: &str) {
        let Some(ty) = slot_type(program, slot) else { return };
        let value = match ty {
            AttrType::String => self.strings.push(s).map_or(Val::Missing, Val::Str),
            AttrType::Semver => Val::Semver(self.strings.push_version(s)),
            AttrType::Timestamp => Val::Time(parse_timestamp(s)),
            _ => Val::Missing,
        };
        if slot == TIMEZONE_SLOT {
            self.zone = self.zone_named(s);
        }
        self.put(slot, value);
    }

    /// A number for `slot` (missing unless the slot is a number; NaN and infinities are not
    /// numbers JSON could carry, so they are missing too).
    pub fn put_number(&mut self, program: &Program, slot: u32, n: f64) {
        let value = if slot_type(program, slot) == Some(AttrType::Number) && n.is_finite() { Val::Num(n) } else { Val::Missing };
        self.put(slot, value);
    }

    /// A yes/no value for `slot` (missing unless the slot is one).
    pub fn put_bool(&mut self, program: &Program, slot: u32, b: bool) {
        let value = if slot_type(program, slot) == Some(AttrType::Bool) { Val::Bool(b) } else { Val::Missing };
        self.put(slot, value);
    }

    /// A list of strings for `slot` (missing unless the slot is a string list).
    pub fn put_list<'s>(&mut self, program: &Program, slot: u32, items: impl IntoIterator<Item = &'s str>) {
        if slot_type(program, slot) != Some(AttrType::StringList) {
            return self.put(slot, Val::Missing);
        }
        let start = self.strings.start_list();
        let kept = items.into_iter().all(|item| self.strings.push_item(item));
        let value = self.strings.end_list(start).filter(|_| kept).map_or(Val::Missing, Val::List);
        self.put(slot, value);
    }

    /// A timestamp already parsed (a typed Arrow column) for `slot`.
    pub fn put_instant(&mut self, program: &Program, slot: u32, t: Instant) {
        let value = if slot_type(program, slot) == Some(AttrType::Timestamp) { Val::Time(Some(t)) } else { Val::Missing };
        self.put(slot, value);
    }

    /// Grants `purpose` to this visitor (a purpose no rule depends on changes nothing).
    pub fn grant(&mut self, program: &Program, purpose: &str) {
        if let Some(place) = program.purpose_index.get(purpose).and_then(|&id| self.granted.get_mut(id as usize)) {
            *place = true;
        }
    }

    /// Finishes the visitor: the local weekday and hour of its timestamps in its time zone.
    pub fn end_row(&mut self, program: &Program) {
        self.localize(program);
    }

    fn put(&mut self, slot: u32, value: Val) {
        // A time zone that is not a string is no usable zone, as from JSON.
        if slot == TIMEZONE_SLOT && !matches!(value, Val::Str(_)) {
            self.zone = Zone::Invalid;
        }
        if let Some(place) = self.values.get_mut(slot as usize) {
            *place = value;
        }
    }

    /// The zone `name` names, looked up once per distinct name seen recently.
    fn zone_named(&mut self, name: &str) -> Zone {
        if let Some(zone) = self.recent_zones.iter().find(|z| z.iana_name() == Some(name)) {
            return Zone::Known(zone.clone());
        }
        match TimeZone::get(name) {
            Ok(zone) => {
                if self.recent_zones.len() >= 8 {
                    self.recent_zones.remove(0);
                }
                self.recent_zones.push(zone.clone());
                Zone::Known(zone)
            }
            Err(_) => Zone::Invalid,
        }
    }
}

fn slot_type(program: &Program, slot: u32) -> Option<AttrType> {
    program.slots.get(slot as usize).map(|s| s.ty)
}
