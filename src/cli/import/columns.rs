//! The CSV layout of the native door: a header line naming columns after the members of
//! `POST /v1/customers`, then one customer a row. Each row becomes the JSON body that door
//! takes, so that it is decoded and checked as the door does it.

use std::path::Path;

use serde_json::{Map, Value};

use super::report::LineError;
use crate::domain::FieldCode;

/// The columns a file may have, in any order; every one may be left out or left empty.
pub const COLUMNS: &str = "externalId, customerProfile, customerSegment, customName, state, \
     stateReason, testCustomer, parentExternalId, attr.NAME";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    /// A text member of the body, by its name.
    Member(&'static str),
    State,
    StateReason,
    TestCustomer,
    /// The parent customer's external id.
    Parent,
    /// A custom attribute, by its name.
    Attribute(String),
}

const MEMBERS: [&str; 4] = [
    "externalId",
    "customerProfile",
    "customerSegment",
    "customName",
];

impl Column {
    fn named(name: &str) -> Option<Self> {
        if let Some(member) = MEMBERS.iter().find(|m| **m == name) {
            return Some(Column::Member(member));
        }
        match name {
            "state" => Some(Column::State),
            "stateReason" => Some(Column::StateReason),
            "testCustomer" => Some(Column::TestCustomer),
            "parentExternalId" => Some(Column::Parent),
            _ => match name.strip_prefix("attr.") {
                Some(key) if !key.is_empty() => Some(Column::Attribute(key.to_owned())),
                _ => None,
            },
        }
    }

    /// Where the column's value is in the body, as the native door names problems.
    fn field(&self) -> String {
        match self {
            Column::Member(name) => (*name).to_owned(),
            Column::State => "state.state".to_owned(),
            Column::StateReason => "state.stateReason".to_owned(),
            Column::TestCustomer => "testCustomer".to_owned(),
            Column::Parent => "parent.externalId".to_owned(),
            Column::Attribute(key) => format!("customAttributes.{key}"),
        }
    }
}

fn columns(header: &csv::ByteRecord, path: &Path) -> Result<Vec<Column>, String> {
    let mut columns: Vec<Column> = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(name);
        let name = name.trim_start_matches('\u{feff}').trim();
        let column = Column::named(name).ok_or_else(|| {
            format!(
                "{}: column {} is {name:?}; the columns are {COLUMNS}",
                path.display(),
                i + 1
            )
        })?;
        if columns.contains(&column) {
            return Err(format!(
                "{}: the column {name:?} is there twice",
                path.display()
            ));
        }
        columns.push(column);
    }
    Ok(columns)
}

/// The body a row stands for; an empty cell is a member not sent.
fn body(columns: &[Column], record: &csv::ByteRecord) -> Result<Value, Vec<LineError>> {
    let mut members = Map::new();
    let mut state = Map::new();
    let mut attributes = Map::new();
    let mut errors = Vec::new();
    for (column, cell) in columns.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let Ok(text) = std::str::from_utf8(cell) else {
            errors.push(LineError::new(
                column.field(),
                FieldCode::InvalidFormat,
                "is not UTF-8 text",
            ));
            continue;
        };
        if text.contains('\0') {
            errors.push(LineError::new(
                column.field(),
                FieldCode::InvalidFormat,
                "holds a NUL character",
            ));
            continue;
        }
        let text = Value::String(text.to_owned());
        match column {
            Column::Member(name) => {
                members.insert((*name).to_owned(), text);
            }
            Column::State => {
                state.insert("state".to_owned(), text);
            }
            Column::StateReason => {
                state.insert("stateReason".to_owned(), text);
            }
            Column::TestCustomer => {
                // Anything but true or false is left as text, for the door to refuse.
                let value = match text.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("true") => Value::Bool(true),
                    Some("false") => Value::Bool(false),
                    _ => text,
                };
                members.insert("testCustomer".to_owned(), value);
            }
            Column::Parent => {
                let mut parent = Map::new();
                parent.insert("externalId".to_owned(), text);
                members.insert("parent".to_owned(), Value::Object(parent));
            }
            Column::Attribute(key) => {
                attributes.insert(key.clone(), text);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if !state.is_empty() {
        members.insert("state".to_owned(), Value::Object(state));
    }
    if !attributes.is_empty() {
        members.insert("customAttributes".to_owned(), Value::Object(attributes));
    }
    Ok(Value::Object(members))
}

/// Reads every row, calling `row` with the line it starts on and its body; stops early when
/// `row` answers `false`.
pub fn read(
    path: &Path,
    row: &mut dyn FnMut(u64, Result<Value, Vec<LineError>>) -> bool,
) -> Result<(), String> {
    let cannot = |e: csv::Error| format!("cannot read {}: {e}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(cannot)?;
    let columns = columns(reader.byte_headers().map_err(cannot)?, path)?;
    let mut record = csv::ByteRecord::new();
    loop {
        let (line, value) = match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                (line, body(&columns, &record))
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    pos: Some(pos),
                    expected_len,
                    len,
                } => {
                    let problem = LineError::new(
                        "",
                        FieldCode::InvalidFormat,
                        format!("the row has {len} cells; the header has {expected_len}"),
                    );
                    (pos.line(), Err(vec![problem]))
                }
                _ => return Err(cannot(e)),
            },
        };
        if !row(line, value) {
            return Ok(());
        }
    }
}
