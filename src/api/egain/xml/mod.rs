//! XML for the eGain door: a namespace-aware reader into a small element tree, and a writer.
//!
//! The tree is all the door needs of XML: elements known by namespace URI and local name
//! (never by prefix, which clients choose freely), their attributes, and text. Bodies come
//! from strangers, so the reader refuses anything that could make it expand or fetch
//! something (DOCTYPEs, entities other than XML's five) and bounds depth and size.

mod reader;
mod writer;

pub use reader::parse;
pub use writer::write;

/// An element of a document, with its namespace resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The namespace URI; `None` when in no namespace.
    pub ns: Option<String>,
    /// The local name, without prefix.
    pub name: String,
    /// Attributes in document order; namespace declarations are not among them.
    pub attributes: Vec<Attribute>,
    pub children: Vec<Element>,
    /// The text content (unescaped, CDATA included); empty for an element with children,
    /// as the reader refuses mixed content and drops whitespace between children.
    pub text: String,
}

/// An attribute; unprefixed attributes are in no namespace, whatever the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub ns: Option<String>,
    pub name: String,
    pub value: String,
}

/// Bounds on what one document may cost to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// The deepest nesting allowed; the root is at depth 1.
    pub max_depth: usize,
    pub max_elements: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_elements: 100_000,
        }
    }
}

/// Why a body is not a document the door reads. Each message can be shown to the client:
/// what it quotes of the input (a name, a prefix) is clipped short.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the body is not valid UTF-8 (at byte {at})")]
    InvalidUtf8 { at: usize },
    #[error("the XML declaration names encoding `{0}`; only UTF-8 is accepted")]
    UnsupportedEncoding(String),
    #[error("the body contains U+{0:04X}, a character XML does not allow")]
    InvalidChar(u32),
    #[error("character reference `&{0};` does not name a character XML allows")]
    CharRef(String),
    #[error("entity reference `&{0};` is not allowed; only lt, gt, amp, apos and quot are")]
    Entity(String),
    #[error("DOCTYPE declarations are not allowed")]
    Doctype,
    #[error("malformed XML at byte {at}: {detail}")]
    Syntax { at: u64, detail: String },
    #[error("namespace prefix `{0}` is not declared")]
    UndeclaredPrefix(String),
    #[error("invalid namespace declaration: {0}")]
    Namespace(String),
    #[error("end tag `</{found}>` does not match start tag `<{expected}>`")]
    MismatchedEnd { expected: String, found: String },
    #[error("end tag `</{0}>` has no start tag")]
    UnmatchedEnd(String),
    #[error("element `{0}` is not closed at the end of the body")]
    Unclosed(String),
    #[error("the document has more than one root element")]
    SecondRoot,
    #[error("the document has text outside its root element")]
    TextOutsideRoot,
    #[error("the document has no root element")]
    NoRoot,
    #[error("elements are nested deeper than {max} levels")]
    TooDeep { max: usize },
    #[error("the document has more than {max} elements")]
    TooManyElements { max: usize },
    #[error("element `{0}` has both text and child elements")]
    MixedContent(String),
    #[error("attribute `{0}` appears twice on one element")]
    DuplicateAttribute(String),
}

impl Element {
    pub fn new(ns: Option<&str>, name: &str) -> Self {
        Self {
            ns: ns.map(str::to_owned),
            name: name.to_owned(),
            ..Self::default()
        }
    }

    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    /// Adds an attribute in no namespace.
    pub fn with_attribute(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attributes.push(Attribute {
            ns: None,
            name: name.to_owned(),
            value: value.into(),
        });
        self
    }

    pub fn push(&mut self, child: Element) {
        self.children.push(child);
    }

    /// true when local name equals `name` and the namespace is `ns` or none at all
    /// (an element in no namespace is read as if it were in the one expected there)
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.name == name && self.ns.as_deref().is_none_or(|own| own == ns)
    }

    /// The value of the first attribute with this local name, in whatever namespace.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|attribute| attribute.name == name)
            .map(|attribute| attribute.value.as_str())
    }
}

/// XML 1.0's `Char`: what a document may carry, raw or as a character reference.
pub(in crate::api::egain) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Input quoted back in a message, cut so a hostile body cannot make the answer long, and
/// never a card number (a name can hold one): that is shown as `?`.
pub(in crate::api::egain) fn clip(quoted: &str) -> String {
    clip_to(quoted, 40)
}

/// [`clip`] to `max_chars`, for what is longer when well formed (a namespace URI).
pub(in crate::api::egain) fn clip_to(quoted: &str, max_chars: usize) -> String {
    if crate::domain::card_number::holds_card_number(quoted) {
        return "?".to_owned();
    }
    match quoted.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &quoted[..end]),
        None => quoted.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "urn:a";

    #[test]
    fn is_matches_the_namespace_or_none() {
        assert!(Element::new(Some(NS), "a").is(NS, "a"));
        assert!(Element::new(None, "a").is(NS, "a"));
        assert!(!Element::new(Some("urn:other"), "a").is(NS, "a"));
        assert!(!Element::new(Some(NS), "b").is(NS, "a"));
    }

    #[test]
    fn attribute_is_found_by_local_name() {
        let mut element = Element::new(None, "a").with_attribute("id", "1");
        element.attributes.push(Attribute {
            ns: Some(NS.to_owned()),
            name: "kind".to_owned(),
            value: "x".to_owned(),
        });
        assert_eq!(element.attribute("id"), Some("1"));
        assert_eq!(element.attribute("kind"), Some("x"));
        assert_eq!(element.attribute("missing"), None);
    }

    #[test]
    fn builders_build() {
        let mut element =
            Element::new(Some(NS), "a").with_child(Element::new(None, "b").with_text("t"));
        element.push(Element::new(None, "c"));
        assert_eq!(element.children.len(), 2);
        assert_eq!(element.children[0].text, "t");
        assert_eq!(element.ns.as_deref(), Some(NS));
    }

    #[test]
    fn clip_keeps_short_input_and_cuts_long() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(100);
        assert_eq!(clip(&long).chars().count(), 41);
        assert_eq!(clip("a4111111111111111"), "?");
    }

    #[test]
    fn xml_chars() {
        assert!(is_xml_char('a') && is_xml_char('\t') && is_xml_char('\u{10FFFF}'));
        assert!(!is_xml_char('\0') && !is_xml_char('\u{1}') && !is_xml_char('\u{FFFE}'));
    }
}
