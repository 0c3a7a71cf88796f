//! Reading an import file into chunks of rows: each row decoded as its door decodes a body
//! (the same wire types, the same messages and field paths), checked on its own against the
//! domain's rules, and either kept for writing or answered with its problems.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::report::{LineError, Reject};
use crate::api::bank::fields as bank_fields;
use crate::api::bank::wire::CustomerRequest;
use crate::api::http::body::{decode, parse_json};
use crate::api::http::problem::ApiError;
use crate::api::native::accounts::CreateAccountRequest;
use crate::api::native::customers::CreateCustomerRequest;
use crate::api::native::fields as native_fields;
use crate::api::native::subscribers::CreateSubscriberRequest;
use crate::app::import::LineRules;
use crate::domain::bank::BankCustomerSpec;
use crate::domain::object::ObjectSpec;
use crate::domain::path::{FieldPath, Step};
use crate::domain::{FieldCode, FieldErrors, Kind};

/// How the file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object a line.
    Ndjson,
    /// A header line of column names, then one customer a line.
    Csv,
}

/// Which door's shapes a row has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Door {
    /// `POST /v1/customers` bodies (or accounts and subscribers, by a `kind` member).
    Native,
    /// One customer of `POST /v2/data/customers`, with its accounts and cards.
    Bank,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }
}

impl Door {
    pub fn name(self) -> &'static str {
        match self {
            Door::Native => "native",
            Door::Bank => "bank",
        }
    }

    /// What the door calls an object's external id.
    pub fn external_id_field(self) -> &'static str {
        match self {
            Door::Native => "externalId",
            Door::Bank => "sourceCustomerId",
        }
    }
}

/// A row that passed every rule it can pass on its own.
#[derive(Debug, Clone)]
pub enum Item {
    Native { kind: Kind, spec: ObjectSpec },
    Bank(BankCustomerSpec),
}

impl Item {
    pub fn kind(&self) -> Kind {
        match self {
            Item::Native { kind, .. } => *kind,
            Item::Bank(_) => Kind::Customer,
        }
    }

    pub fn external_id(&self) -> Option<&str> {
        match self {
            Item::Native { spec, .. } => match spec {
                ObjectSpec::Customer(s) => s.common.external_id.as_deref(),
                ObjectSpec::Account(s) => s.common.external_id.as_deref(),
                ObjectSpec::Subscriber(s) => s.common.external_id.as_deref(),
            },
            Item::Bank(spec) => spec.source_customer_id.as_deref(),
        }
    }
}

/// A row to write, by the line it starts on.
#[derive(Debug, Clone)]
pub struct Good {
    pub line: u64,
    pub item: Item,
}

/// Up to a chunk's worth of rows, from line `first` to line `last`: those to write and
/// those answered already. Its claim is named after the two lines.
#[derive(Debug)]
pub struct Chunk {
    pub first: u64,
    pub last: u64,
    pub rows: u64,
    pub good: Vec<Good>,
    pub rejects: Vec<Reject>,
    /// Blank lines read since the chunk before.
    pub blank: u64,
}

/// The file's SHA-256 (hex) and how many rows it has at most (its lines that are not blank).
pub fn fingerprint(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut rows = Rows::default();
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
        rows.count(&buffer[..n]);
    }
    Ok((hex::encode(hash.finalize()), rows.rows))
}

/// Counts the lines that hold more than whitespace, a piece of the file at a time. It jumps
/// from a row's first byte to its end with `memchr`: a byte at a time, counting alone took as
/// long as hashing the file, before the import could start.
#[derive(Default)]
struct Rows {
    rows: u64,
    in_row: bool,
}

impl Rows {
    fn count(&mut self, mut piece: &[u8]) {
        loop {
            if self.in_row {
                let Some(end) = memchr::memchr(b'\n', piece) else {
                    return;
                };
                piece = &piece[end + 1..];
                self.in_row = false;
            } else {
                let Some(start) = piece.iter().position(|b| !b.is_ascii_whitespace()) else {
                    return;
                };
                piece = &piece[start..];
                self.in_row = true;
                self.rows += 1;
            }
        }
    }
}

/// The path below a batch's item and the item's index: `[3].state` is `(Some(3), state)`.
pub fn split_item(path: &FieldPath) -> (Option<usize>, FieldPath) {
    let steps = path.steps();
    let (index, rest) = match steps.first() {
        Some(Step::Index(i)) => (Some(*i), &steps[1..]),
        _ => (None, steps),
    };
    let mut out = FieldPath::root();
    for step in rest {
        out = match step {
            Step::Field(field) => out.then(*field),
            Step::Index(i) => out.index(*i),
            Step::Key(key) => out.key(key.clone()),
            Step::Member(name) => out.and_member(name),
        };
    }
    (index, out)
}

/// A field of the bank door (`customers[3].accounts[0].type`) as seen from the customer
/// itself (`accounts[0].type`); the customer itself is the empty field.
pub fn bank_relative(field: &str) -> String {
    let Some(rest) = field.strip_prefix("customers") else {
        return field.to_owned();
    };
    let rest = match rest.strip_prefix('[') {
        Some(indexed) => indexed.split_once(']').map_or("", |(_, after)| after),
        None => rest,
    };
    rest.strip_prefix('.').unwrap_or(rest).to_owned()
}

/// The domain's problems of one row, in the door's words.
pub fn render(errors: &FieldErrors, door: Door, kind: Kind) -> Vec<LineError> {
    errors
        .as_slice()
        .iter()
        .map(|e| {
            let field = match door {
                Door::Native => native_fields::render(&split_item(&e.path).1, Some(kind)),
                Door::Bank => bank_relative(&bank_fields::render(&e.path.clone())),
            };
            LineError::new(field, e.code, e.message.clone())
        })
        .collect()
}

/// Turns rows into checked items, and groups them into chunks.
struct Chunker {
    door: Door,
    rules: LineRules,
    size: usize,
    /// The first line of each external id, by the first 128 bits of its SHA-256: two
    /// `u64`s rather than a `u128`, whose 16-byte alignment would pad every entry to 32 bytes.
    seen: HashMap<[u64; 2], u64>,
    current: Option<Chunk>,
    blank: u64,
    out: mpsc::Sender<Result<Chunk, String>>,
}

impl Chunker {
    fn blank(&mut self) {
        self.blank += 1;
    }

    /// One row, starting on `line`: its JSON, or the problems that kept it from being JSON.
    /// `false` when nobody reads the chunks any more.
    fn row(&mut self, line: u64, value: Result<Value, Vec<LineError>>) -> bool {
        let outcome = value.and_then(|value| self.item(value));
        let outcome = outcome.and_then(|item| self.first_time(line, item));
        let blank = std::mem::take(&mut self.blank);
        let chunk = self.current.get_or_insert_with(|| Chunk {
            first: line,
            last: line,
            rows: 0,
            good: Vec::new(),
            rejects: Vec::new(),
            blank: 0,
        });
        chunk.last = line;
        chunk.rows += 1;
        chunk.blank += blank;
        match outcome {
            Ok(item) => chunk.good.push(Good { line, item }),
            Err(errors) => chunk.rejects.push(Reject { line, errors }),
        }
        if chunk.rows as usize >= self.size {
            return self.flush();
        }
        true
    }

    fn flush(&mut self) -> bool {
        match self.current.take() {
            Some(chunk) => self.out.blocking_send(Ok(chunk)).is_ok(),
            None => true,
        }
    }

    fn item(&self, value: Value) -> Result<Item, Vec<LineError>> {
        match self.door {
            Door::Native => native_item(value, &self.rules),
            Door::Bank => bank_item(value, &self.rules),
        }
    }

    /// The item, unless an earlier row has its external id: the first row with an id is
    /// the one written, the others are answered as duplicates.
    fn first_time(&mut self, line: u64, item: Item) -> Result<Item, Vec<LineError>> {
        let Some(id) = item.external_id() else {
            return Ok(item);
        };
        let mut hash = Sha256::new();
        hash.update(item.kind().name().as_bytes());
        hash.update([0]);
        hash.update(id.as_bytes());
        let digest = hash.finalize();
        let half = |at: usize| u64::from_be_bytes(digest[at..at + 8].try_into().expect("8 bytes"));
        let key = [half(0), half(8)];
        match self.seen.get(&key) {
            Some(first) => Err(vec![LineError::new(
                self.door.external_id_field(),
                FieldCode::Duplicate,
                format!(
                    "repeats the {} of line {first}",
                    self.door.external_id_field()
                ),
            )]),
            None => {
                self.seen.insert(key, line);
                Ok(item)
            }
        }
    }
}

fn problems(problem: &ApiError, door: Door) -> Vec<LineError> {
    LineError::from_problem(problem, |field| match door {
        Door::Native => field.to_owned(),
        Door::Bank => bank_relative(field),
    })
}

fn native_item(mut value: Value, rules: &LineRules) -> Result<Item, Vec<LineError>> {
    let kind = match value
        .as_object_mut()
        .and_then(|members| members.remove("kind"))
    {
        None => Kind::Customer,
        Some(Value::String(name)) if name == "customer" => Kind::Customer,
        Some(Value::String(name)) if name == "account" => Kind::Account,
        Some(Value::String(name)) if name == "subscriber" => Kind::Subscriber,
        Some(_) => {
            return Err(vec![LineError::new(
                "kind",
                FieldCode::InvalidFormat,
                "kind is customer, account or subscriber",
            )])
        }
    };
    let decoded = match kind {
        Kind::Customer => {
            decode::<CreateCustomerRequest>(&value).map(|r| ObjectSpec::Customer(r.into()))
        }
        Kind::Account => {
            decode::<CreateAccountRequest>(&value).map(|r| ObjectSpec::Account(r.into()))
        }
        Kind::Subscriber => {
            decode::<CreateSubscriberRequest>(&value).map(|r| ObjectSpec::Subscriber(r.into()))
        }
    };
    let spec = decoded.map_err(|problem| problems(&problem, Door::Native))?;
    rules
        .check(&spec)
        .map_err(|errors| render(&errors, Door::Native, kind))?;
    Ok(Item::Native { kind, spec })
}

fn bank_item(value: Value, rules: &LineRules) -> Result<Item, Vec<LineError>> {
    let request: CustomerRequest =
        decode(&value).map_err(|problem| problems(&problem, Door::Bank))?;
    let spec = BankCustomerSpec::from(request);
    rules
        .check_bank(&spec)
        .map_err(|errors| render(&errors, Door::Bank, Kind::Customer))?;
    Ok(Item::Bank(spec))
}

/// Reads the whole file into chunks of `size` rows, sent to `out` as they fill; an error
/// that stops the reading (not a bad row) is sent last.
pub fn read(
    path: &Path,
    format: Format,
    door: Door,
    rules: LineRules,
    size: usize,
    out: mpsc::Sender<Result<Chunk, String>>,
) {
    let mut chunker = Chunker {
        door,
        rules,
        size,
        seen: HashMap::new(),
        current: None,
        blank: 0,
        out: out.clone(),
    };
    let read = match format {
        Format::Ndjson => read_ndjson(path, &mut chunker),
        Format::Csv => super::columns::read(path, &mut |line, value| chunker.row(line, value)),
    };
    match read {
        Ok(()) => {
            if chunker.flush() && chunker.blank > 0 {
                // Blank lines after the last row are told in a chunk of no rows.
                let _ = out.blocking_send(Ok(Chunk {
                    first: 0,
                    last: 0,
                    rows: 0,
                    good: Vec::new(),
                    rejects: Vec::new(),
                    blank: chunker.blank,
                }));
            }
        }
        Err(e) => {
            let _ = out.blocking_send(Err(e));
        }
    }
}

fn read_ndjson(path: &Path, chunker: &mut Chunker) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut input = BufReader::with_capacity(1 << 20, file);
    let limits = chunker.rules.limits().clone();
    let mut buffer = Vec::new();
    let mut line = 0u64;
    loop {
        buffer.clear();
        let n = input
            .read_until(b'\n', &mut buffer)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        if buffer.iter().all(u8::is_ascii_whitespace) {
            chunker.blank();
            continue;
        }
        let value = if buffer.len() > limits.body_bytes {
            let problem = ApiError::too_large(format!(
                "the line is larger than {} bytes",
                limits.body_bytes
            ));
            Err(problems(&problem, chunker.door))
        } else {
            parse_json(&buffer, limits.nesting_depth)
                .map_err(|problem| problems(&problem, chunker.door))
        };
        if !chunker.row(line, value) {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Rows;

    /// The rows of `text` read a byte at a time.
    fn rows_bytewise(text: &[u8]) -> u64 {
        text.split(|b| *b == b'\n')
            .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
            .count() as u64
    }

    proptest! {
        #[test]
        fn rows_are_the_lines_with_more_than_whitespace(
            text in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b' '), Just(b'\t'), Just(b'\r'), Just(b'{'), Just(b'x')],
                0..200,
            ),
            cut in 0usize..200,
        ) {
            // Split anywhere, as reads of the file may be.
            let cut = cut.min(text.len());
            let mut rows = Rows::default();
            rows.count(&text[..cut]);
            rows.count(&text[cut..]);
            prop_assert_eq!(rows.rows, rows_bytewise(&text));
        }
    }
}
