//! The typed form recorded traffic is kept in: one Arrow column per catalog attribute, of the
//! attribute's type, plus the visitor's consents. Every import is turned into this schema, and
//! replays read only this schema, so a replay never meets a column it does not expect.

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;
use vantage_engine::catalog::{AttrType, Catalog, CONSENTS};

/// The consents column: the purposes each visitor granted.
pub const CONSENTS_COLUMN: &str = CONSENTS;

/// The Arrow type an attribute of type `ty` is kept as.
pub fn data_type(ty: AttrType) -> DataType {
    match ty {
        AttrType::String | AttrType::Semver => DataType::Utf8,
        AttrType::Number => DataType::Float64,
        AttrType::Bool => DataType::Boolean,
        AttrType::StringList => list_of_text(),
        AttrType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    }
}

/// `List<Utf8>` with a nullable item, as Arrow's list builders make it.
pub fn list_of_text() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// The attributes a visitor can carry: the catalog's, except those the moment of a replay sets
/// (`request.now`).
pub fn attributes(catalog: &Catalog) -> Vec<(String, AttrType)> {
    let mut out: Vec<(String, AttrType)> = catalog
        .attributes
        .iter()
        .filter(|(path, _)| path.as_str() != vantage_engine::catalog::NOW)
        .map(|(path, attr)| (path.clone(), attr.ty))
        .collect();
    for (path, ty) in [(vantage_engine::catalog::TIMEZONE, AttrType::String)] {
        if !out.iter().any(|(p, _)| p == path) {
            out.push((path.to_owned(), ty));
        }
    }
    out
}

/// The schema of the kept file for `catalog`: its attributes in catalog order, then consents.
pub fn schema(catalog: &Catalog) -> Schema {
    let mut fields: Vec<Field> = attributes(catalog).into_iter().map(|(path, ty)| Field::new(path, data_type(ty), true)).collect();
    fields.push(Field::new(CONSENTS_COLUMN, list_of_text(), true));
    Schema::new(fields)
}
