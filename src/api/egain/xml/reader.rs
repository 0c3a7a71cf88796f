//! Reading a body into an [`Element`] tree with quick-xml's namespace-aware reader.
//!
//! quick-xml tokenizes and resolves prefixes; this module decides what the door accepts:
//! it never expands anything (a DOCTYPE is refused outright, so no entity can be defined),
//! and it checks what quick-xml leaves to its callers (characters, references, limits,
//! the shape of the document).

use std::borrow::Cow;
use std::collections::HashSet;

use quick_xml::errors::{Error as QuickError, IllFormedError, SyntaxError};
use quick_xml::escape::{resolve_xml_entity, EscapeError};
use quick_xml::events::attributes::Attribute as QuickAttribute;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::name::{NamespaceError, NamespaceResolver, QName, ResolveResult};
use quick_xml::reader::NsReader;
use quick_xml::XmlVersion;

use super::{clip, is_xml_char, Attribute, Element, XmlError, XmlLimits};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads one document. Every refusal is an `Err`; nothing the body declares is expanded.
pub fn parse(input: &[u8], limits: &XmlLimits) -> Result<Element, XmlError> {
    let body = input.strip_prefix(UTF8_BOM).unwrap_or(input);
    let text = std::str::from_utf8(body).map_err(|e| XmlError::InvalidUtf8 {
        at: input.len() - body.len() + e.valid_up_to(),
    })?;
    // Checked once here, so a bad character found later can only have come from a reference.
    if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
        return Err(XmlError::InvalidChar(c.into()));
    }
    let mut reader = NsReader::from_str(text);
    reader.config_mut().enable_all_checks(true);
    Tree::new(limits).read(&mut reader)
}

/// The document as far as it has been read.
struct Tree<'l> {
    limits: &'l XmlLimits,
    open: Vec<Element>,
    root: Option<Element>,
    elements: usize,
    started: bool,
}

impl<'l> Tree<'l> {
    fn new(limits: &'l XmlLimits) -> Self {
        Self {
            limits,
            open: Vec::new(),
            root: None,
            elements: 0,
            started: false,
        }
    }

    fn read(mut self, reader: &mut NsReader<&[u8]>) -> Result<Element, XmlError> {
        loop {
            let event = reader
                .read_event()
                .map_err(|e| refusal(e, reader.error_position()))?;
            let first = !std::mem::replace(&mut self.started, true);
            match event {
                Event::Decl(decl) if first => check_declaration(&decl, reader.buffer_position())?,
                Event::Decl(_) => {
                    return Err(syntax(
                        reader.buffer_position(),
                        "the XML declaration must open the document",
                    ))
                }
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Start(start) => {
                    let element =
                        self.open_element(reader.resolver(), &start, reader.buffer_position())?;
                    self.open.push(element);
                }
                Event::Empty(start) => {
                    let element =
                        self.open_element(reader.resolver(), &start, reader.buffer_position())?;
                    self.close(element)?;
                }
                Event::End(end) => {
                    // quick-xml has already matched the end tag's name to the open one.
                    let element = self
                        .open
                        .pop()
                        .ok_or_else(|| XmlError::UnmatchedEnd(clip(end.name().0)))?;
                    self.close(element)?;
                }
                Event::Text(text) if text.contains("]]>") => {
                    return Err(syntax(
                        reader.buffer_position(),
                        "`]]>` is not allowed in text",
                    ))
                }
                Event::Text(text) => self.text(&text.xml10_content(), false)?,
                Event::CData(cdata) => self.text(&cdata.xml10_content(), true)?,
                Event::GeneralRef(reference) => self.text(&resolve_reference(&reference)?, true)?,
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return self.finish(),
            }
        }
    }

    fn open_element(
        &mut self,
        resolver: &NamespaceResolver,
        start: &BytesStart,
        at: u64,
    ) -> Result<Element, XmlError> {
        if self.open.is_empty() && self.root.is_some() {
            return Err(XmlError::SecondRoot);
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep {
                max: self.limits.max_depth,
            });
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(XmlError::TooManyElements {
                max: self.limits.max_elements,
            });
        }
        check_name(start.name(), at)?;
        if start
            .name()
            .prefix()
            .is_some_and(|prefix| prefix.is_xmlns())
        {
            return Err(syntax(at, "the prefix `xmlns` is only for declarations"));
        }
        let (ns, local) = resolver.resolve_element(start.name());
        Ok(Element {
            ns: namespace(ns, at)?,
            name: local.as_ref().to_owned(),
            attributes: attributes(resolver, start, at)?,
            children: Vec::new(),
            text: String::new(),
        })
    }

    fn close(&mut self, element: Element) -> Result<(), XmlError> {
        let Some(parent) = self.open.last_mut() else {
            self.root = Some(element);
            return Ok(());
        };
        if !is_blank(&parent.text) {
            return Err(XmlError::MixedContent(clip(&parent.name)));
        }
        parent.text.clear();
        parent.children.push(element);
        Ok(())
    }

    /// `markup` is text that cannot be mere formatting (CDATA, a reference): never
    /// allowed outside the root, even when it is whitespace.
    fn text(&mut self, text: &str, markup: bool) -> Result<(), XmlError> {
        match self.open.last_mut() {
            Some(element) if element.children.is_empty() => element.text.push_str(text),
            Some(_) if is_blank(text) => {}
            Some(element) => return Err(XmlError::MixedContent(clip(&element.name))),
            None if !markup && is_blank(text) => {}
            None => return Err(XmlError::TextOutsideRoot),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Element, XmlError> {
        if let Some(element) = self.open.pop() {
            return Err(XmlError::Unclosed(clip(&element.name)));
        }
        self.root.ok_or(XmlError::NoRoot)
    }
}

fn attributes(
    resolver: &NamespaceResolver,
    start: &BytesStart,
    at: u64,
) -> Result<Vec<Attribute>, XmlError> {
    let mut written = HashSet::new();
    let mut resolved = HashSet::new();
    let mut attributes = Vec::new();
    // quick-xml's own duplicate check would only say where; ours names the attribute, and
    // also catches two prefixes bound to one namespace.
    for attribute in start.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| syntax(at, &e.to_string()))?;
        let written_name = attribute.key.0;
        check_name(attribute.key, at)?;
        if !written.insert(written_name) {
            return Err(XmlError::DuplicateAttribute(clip(written_name)));
        }
        if attribute.key.as_namespace_binding().is_some() {
            // Read only to refuse what it may not contain; see `namespace`.
            attribute_value(&attribute.value, at)?;
            continue;
        }
        let (ns, local) = resolver.resolve_attribute(attribute.key);
        let ns = namespace(ns, at)?;
        let name = local.as_ref().to_owned();
        if !resolved.insert((ns.clone(), name.clone())) {
            return Err(XmlError::DuplicateAttribute(clip(written_name)));
        }
        let value = attribute_value(&attribute.value, at)?;
        attributes.push(Attribute { ns, name, value });
    }
    Ok(attributes)
}

fn attribute_value(raw: &str, at: u64) -> Result<String, XmlError> {
    if raw.contains('<') {
        return Err(syntax(at, "`<` is not allowed in an attribute value"));
    }
    let attribute = QuickAttribute {
        key: QName(""),
        value: Cow::Borrowed(raw),
    };
    // Only the five predefined entities resolve; quick-xml reports any other by name.
    let value = attribute
        .normalized_value_with(XmlVersion::Implicit1_0, 1, resolve_xml_entity)
        .map_err(|e| match e {
            QuickError::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                XmlError::Entity(clip(&name))
            }
            QuickError::Escape(EscapeError::InvalidCharRef(_)) => {
                XmlError::CharRef(clip(bad_char_ref(raw)))
            }
            _ => syntax(at, "`&` must start a reference that ends with `;`"),
        })?;
    if value.chars().any(|c| !is_xml_char(c)) {
        return Err(XmlError::CharRef(clip(bad_char_ref(raw))));
    }
    Ok(value.into_owned())
}

/// The first character reference of a raw value that names no character XML allows,
/// to say which one was refused.
fn bad_char_ref(raw: &str) -> &str {
    raw.split('&')
        .skip(1)
        .filter_map(|part| part.split_once(';').map(|(name, _)| name))
        .find(|name| {
            name.starts_with('#')
                && !matches!(BytesRef::new(*name).resolve_char_ref(), Ok(Some(c)) if is_xml_char(c))
        })
        .unwrap_or_default()
}

fn resolve_reference(reference: &BytesRef) -> Result<String, XmlError> {
    let name: &str = reference;
    match reference.resolve_char_ref() {
        Ok(Some(c)) if is_xml_char(c) => Ok(c.to_string()),
        Ok(Some(_)) | Err(_) => Err(XmlError::CharRef(clip(name))),
        Ok(None) => resolve_xml_entity(name)
            .map(str::to_owned)
            .ok_or_else(|| XmlError::Entity(clip(name))),
    }
}

fn check_declaration(decl: &BytesDecl, at: u64) -> Result<(), XmlError> {
    // XML 1.1 reads line ends and references differently; nobody sends it to eGain.
    match decl.xml_version() {
        Ok(XmlVersion::Explicit1_0) => {}
        _ => return Err(syntax(at, "the XML declaration must give version 1.0")),
    }
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(encoding)) if encoding.eq_ignore_ascii_case("utf-8") => Ok(()),
        Some(Ok(encoding)) => Err(XmlError::UnsupportedEncoding(clip(&encoding))),
        Some(Err(e)) => Err(syntax(at, &e.to_string())),
    }
}

/// quick-xml keeps a declared namespace as written, so a URI with a reference in it
/// (`&amp;` in a query) is read here as its attribute value would be.
fn namespace(resolved: ResolveResult<'_>, at: u64) -> Result<Option<String>, XmlError> {
    match resolved {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => Ok(Some(attribute_value(ns.0, at)?)),
        ResolveResult::Unknown(prefix) => Err(XmlError::UndeclaredPrefix(clip(&prefix))),
    }
}

/// quick-xml takes whatever stands between `<` and a space as a name; XML does not.
fn check_name(name: QName, at: u64) -> Result<(), XmlError> {
    let valid = match name.0.split_once(':') {
        Some((prefix, local)) => is_ncname(prefix) && is_ncname(local),
        None => is_ncname(name.0),
    };
    if valid {
        Ok(())
    } else {
        Err(syntax(
            at,
            &format!("`{}` is not a valid XML name", clip(name.0)),
        ))
    }
}

/// XML's `NCName`: a `Name` without colons.
fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// XML's whitespace, which is narrower than Unicode's.
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

fn syntax(at: u64, detail: &str) -> XmlError {
    XmlError::Syntax {
        at,
        detail: clip_detail(detail),
    }
}

/// quick-xml's messages name positions, not input, but are still kept to one line's length.
fn clip_detail(detail: &str) -> String {
    match detail.char_indices().nth(160) {
        Some((end, _)) => format!("{}…", &detail[..end]),
        None => detail.to_owned(),
    }
}

fn refusal(error: QuickError, at: u64) -> XmlError {
    match error {
        QuickError::Syntax(SyntaxError::UnclosedDoctype) => XmlError::Doctype,
        QuickError::Syntax(e) => syntax(at, &e.to_string()),
        QuickError::IllFormed(e) => ill_formed(e, at),
        QuickError::InvalidAttr(e) => syntax(at, &e.to_string()),
        QuickError::Escape(e) => syntax(at, &e.to_string()),
        QuickError::Namespace(e) => namespace_refusal(e),
        // The body was checked to be UTF-8 before quick-xml saw it.
        QuickError::Encoding(_) => XmlError::InvalidUtf8 { at: at as usize },
        QuickError::Io(_) => syntax(at, "the body could not be read"),
    }
}

fn ill_formed(error: IllFormedError, at: u64) -> XmlError {
    match error {
        IllFormedError::MismatchedEndTag { expected, found } => XmlError::MismatchedEnd {
            expected: clip(&expected),
            found: clip(&found),
        },
        IllFormedError::UnmatchedEndTag(name) => XmlError::UnmatchedEnd(clip(&name)),
        IllFormedError::MissingEndTag(name) => XmlError::Unclosed(clip(&name)),
        IllFormedError::MissingDoctypeName => XmlError::Doctype,
        IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion => {
            syntax(at, "the XML declaration must give version 1.0")
        }
        IllFormedError::DoubleHyphenInComment => syntax(at, "`--` inside a comment"),
        IllFormedError::UnclosedReference => {
            syntax(at, "`&` must start a reference that ends with `;`")
        }
    }
}

fn namespace_refusal(error: NamespaceError) -> XmlError {
    // Messages of our own: quick-xml's quote the namespace URI, which can be long.
    let detail = match error {
        NamespaceError::UnknownPrefix(prefix) => return XmlError::UndeclaredPrefix(clip(&prefix)),
        NamespaceError::TooDeeplyNested(max) => return XmlError::TooDeep { max },
        NamespaceError::InvalidXmlPrefixBind(_) => {
            "the prefix `xml` cannot be bound to another namespace".to_owned()
        }
        NamespaceError::InvalidXmlnsPrefixBind(_) => {
            "the prefix `xmlns` cannot be declared".to_owned()
        }
        NamespaceError::InvalidPrefixForXml(prefix)
        | NamespaceError::InvalidPrefixForXmlns(prefix) => {
            format!(
                "the prefix `{}` cannot be bound to a reserved namespace",
                clip(&prefix)
            )
        }
        NamespaceError::TooManyBindings(max) => {
            format!("more than {max} namespace declarations in scope")
        }
    };
    XmlError::Namespace(detail)
}

#[cfg(test)]
mod tests;
