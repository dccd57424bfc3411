//! JSON as the workspace reads it: like `serde_json`, except that an object naming the same key
//! twice is refused with the key's pointer (by default the last one silently wins, so a file could
//! show a reviewer one value and serve another).

use serde::de::{DeserializeSeed, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses `text`, refusing duplicate keys; errors carry the line and column.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = At(String::new()).deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A value being read at a JSON pointer.
struct At(String);

impl<'de> DeserializeSeed<'de> for At {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for At {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom(format!("{v} is not a JSON number")))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(At(format!("{}/{}", self.0, items.len())))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let pointer = format!("{}/{}", self.0, key.replace('~', "~0").replace('/', "~1"));
            if map.contains_key(&key) {
                return Err(A::Error::custom(format!(
                    "the key `{}` appears twice (at {pointer}); keep one",
                    crate::render::shortened(&key)
                )));
            }
            let value = access.next_value_seed(At(pointer))?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_key_is_refused_with_its_pointer_and_line() {
        let text = "{\n  \"entries\": [{\"id\": \"a\"}, {\"id\": \"b\",\n  \"id\": \"c\"}]\n}";
        let e = parse(text).unwrap_err();
        assert!(e.to_string().contains("`id` appears twice (at /entries/1/id)"), "{e}");
        assert_eq!(e.line(), 3);
    }

    #[test]
    fn everything_else_reads_as_serde_json_reads_it() {
        let text = r#"{"a": [1, -2, 3.5, 1e300, true, null, "x"], "b": {"c~/d": {}}, "e": 18446744073709551615}"#;
        assert_eq!(parse(text).unwrap(), serde_json::from_str::<Value>(text).unwrap());
        assert!(parse("{} x").is_err());
    }
}
