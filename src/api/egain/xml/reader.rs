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
mod tests {
    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use super::*;

    const CUSTOMER: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/customer";
    const PERSON: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson";
    const COMMON: &str = "http://bindings.egain.com/ws/model/v12/gen/common";
    const POINT: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint";

    fn read(xml: &str) -> Result<Element, XmlError> {
        parse(xml.as_bytes(), &XmlLimits::default())
    }

    fn refused(xml: &str) -> XmlError {
        match read(xml) {
            Ok(tree) => panic!("accepted {xml:?} as {tree:?}"),
            Err(e) => e,
        }
    }

    /// The first request body of the seed's example 1, as eGain documents it.
    const EXAMPLE_1: &str = r#"<customer xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/customer" 
		xmlns:ns1="http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson"
		xmlns:ns2="http://bindings.egain.com/ws/model/v12/gen/platform" >
	<type>
		<value>individual</value>
	</type>
	<contactPersons>
		<ns1:contactPerson>
			<ns1:firstName>Jack</ns1:firstName>
		</ns1:contactPerson>
	</contactPersons>
</customer>"#;

    /// A part of the seed's example 2, keeping its declaration and its ns1:, ns3:, ns4:.
    const EXAMPLE_2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<customer xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/customer" xmlns:ns1="http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson" xmlns:ns2="http://bindings.egain.com/ws/model/v12/gen/platform" xmlns:ns3="http://bindings.egain.com/ws/model/v12/gen/common" xmlns:ns4="http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint">
   <department>
      <ns2:name>Service</ns2:name>
   </department>
   <type>
      <value>individual</value>
   </type>
   <marketSegment>Medical Products</marketSegment>
   <contactPersons>
      <ns1:contactPerson>
         <ns1:firstName>John</ns1:firstName>
         <ns1:gender>
            <ns3:value>male</ns3:value>
         </ns1:gender>
         <ns1:contactPoints>
            <ns4:contactPoint>
               <ns4:type>
                  <ns4:value>email</ns4:value>
                  <ns4:email>
                     <ns4:emailAddress>john.russel@customer.com</ns4:emailAddress>
                  </ns4:email>
               </ns4:type>
               <ns4:priority>
                  <ns3:value>medium</ns3:value>
               </ns4:priority>
            </ns4:contactPoint>
         </ns1:contactPoints>
      </ns1:contactPerson>
   </contactPersons>
</customer>"#;

    fn child<'e>(element: &'e Element, ns: &str, name: &str) -> &'e Element {
        element
            .children
            .iter()
            .find(|c| c.is(ns, name))
            .unwrap_or_else(|| panic!("no {name} in {element:?}"))
    }

    #[test]
    fn seed_example_1_parses() {
        let customer = read(EXAMPLE_1).unwrap();
        assert_eq!(
            (customer.ns.as_deref(), customer.name.as_str()),
            (Some(CUSTOMER), "customer")
        );
        assert!(
            customer.attributes.is_empty(),
            "xmlns declarations are not attributes"
        );
        assert_eq!(customer.text, "");
        let value = child(child(&customer, CUSTOMER, "type"), CUSTOMER, "value");
        assert_eq!(value.ns.as_deref(), Some(CUSTOMER));
        assert_eq!(value.text, "individual");
        let person = child(
            child(&customer, CUSTOMER, "contactPersons"),
            PERSON,
            "contactPerson",
        );
        assert_eq!(person.ns.as_deref(), Some(PERSON));
        assert_eq!(child(person, PERSON, "firstName").text, "Jack");
    }

    #[test]
    fn seed_example_2_parses() {
        let customer = read(EXAMPLE_2).unwrap();
        assert_eq!(
            child(&customer, CUSTOMER, "marketSegment").text,
            "Medical Products"
        );
        let person = child(
            child(&customer, CUSTOMER, "contactPersons"),
            PERSON,
            "contactPerson",
        );
        let gender = child(child(person, PERSON, "gender"), COMMON, "value");
        assert_eq!(gender.ns.as_deref(), Some(COMMON));
        assert_eq!(gender.text, "male");
        let point = child(
            child(person, PERSON, "contactPoints"),
            POINT,
            "contactPoint",
        );
        let kind = child(point, POINT, "type");
        assert_eq!(child(kind, POINT, "value").text, "email");
        let email = child(child(kind, POINT, "email"), POINT, "emailAddress");
        assert_eq!(email.text, "john.russel@customer.com");
    }

    #[test]
    fn prefixes_do_not_matter_only_namespaces() {
        let as_sent = read(EXAMPLE_1).unwrap();
        let others = read(&format!(
            r#"<c:customer xmlns:c="{CUSTOMER}" xmlns:p="{PERSON}"><c:type><c:value>individual</c:value></c:type>
               <c:contactPersons><p:contactPerson><p:firstName>Jack</p:firstName></p:contactPerson></c:contactPersons></c:customer>"#
        ))
        .unwrap();
        let defaults = read(&format!(
            r#"<customer xmlns="{CUSTOMER}"><type><value>individual</value></type><contactPersons>
               <contactPerson xmlns="{PERSON}"><firstName>Jack</firstName></contactPerson></contactPersons></customer>"#
        ))
        .unwrap();
        // ns1 names the customer namespace, then the person one deeper down.
        let rebound = read(&format!(
            r#"<ns1:customer xmlns:ns1="{CUSTOMER}"><ns1:type><x:value xmlns:x="{CUSTOMER}">individual</x:value></ns1:type>
               <ns1:contactPersons><ns1:contactPerson xmlns:ns1="{PERSON}"><ns1:firstName>Jack</ns1:firstName></ns1:contactPerson></ns1:contactPersons></ns1:customer>"#
        ))
        .unwrap();
        let elsewhere = read(&format!(
            r#"<customer xmlns="{CUSTOMER}"><type><value>individual</value></type>
               <contactPersons xmlns="{PERSON}"><contactPerson><firstName>Jack</firstName></contactPerson></contactPersons></customer>"#
        ))
        .unwrap();
        assert_eq!(as_sent, others);
        assert_eq!(as_sent, defaults);
        assert_eq!(as_sent, rebound);
        // contactPersons in the person namespace is another element.
        assert_ne!(as_sent, elsewhere);
    }

    #[test]
    fn elements_in_no_namespace_have_none() {
        let tree = read(r#"<a><b xmlns="urn:x"><c xmlns=""/></b></a>"#).unwrap();
        assert_eq!(tree.ns, None);
        assert_eq!(tree.children[0].ns.as_deref(), Some("urn:x"));
        assert_eq!(tree.children[0].children[0].ns, None);
    }

    #[test]
    fn namespace_uris_are_unescaped_like_attribute_values() {
        let tree = read(r#"<p:a xmlns:p="urn:x?a=1&amp;b=&#34;2&#34;"/>"#).unwrap();
        assert_eq!(tree.ns.as_deref(), Some("urn:x?a=1&b=\"2\""));
        assert_eq!(
            refused(r#"<a xmlns="urn:&ent;"/>"#),
            XmlError::Entity("ent".to_owned())
        );
        assert!(matches!(
            refused(r#"<a xmlns:p="urn:&#0;"/>"#),
            XmlError::CharRef(_)
        ));
    }

    #[test]
    fn undeclared_prefix_is_refused() {
        assert!(matches!(refused("<x:a/>"), XmlError::UndeclaredPrefix(p) if p == "x"));
        assert!(matches!(refused(r#"<a y:b="1"/>"#), XmlError::UndeclaredPrefix(p) if p == "y"));
        // A declaration ends with its element.
        assert!(matches!(
            refused(r#"<a><b xmlns:x="urn:x"/><x:c/></a>"#),
            XmlError::UndeclaredPrefix(p) if p == "x"
        ));
    }

    #[test]
    fn bad_namespace_declarations_are_refused() {
        assert!(matches!(
            refused(r#"<a xmlns:xmlns="urn:x"/>"#),
            XmlError::Namespace(_)
        ));
        assert!(matches!(
            refused(r#"<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>"#),
            XmlError::Namespace(_)
        ));
    }

    #[test]
    fn doctype_is_refused_wherever_it_is() {
        for xml in [
            "<!DOCTYPE a><a/>",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE a SYSTEM \"http://example.com/a.dtd\"><a/>",
            "<!doctype a><a/>",
            "<a/><!DOCTYPE a>",
            "<!DOCTYPE a [<!ELEMENT a ANY>]><a/>",
            "<!DOCTYPE a [",
        ] {
            assert_eq!(refused(xml), XmlError::Doctype, "{xml}");
        }
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut dtd = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for i in 1..10 {
            let previous = if i == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", i - 1)
            };
            dtd.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">",
                format!("&{previous};").repeat(10)
            ));
        }
        let xml = format!("<?xml version=\"1.0\"?>{dtd}]><lolz>&lol9;</lolz>");
        let started = Instant::now();
        assert_eq!(refused(&xml), XmlError::Doctype);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn external_entities_are_refused_quickly() {
        let started = Instant::now();
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"#;
        assert_eq!(refused(xxe), XmlError::Doctype);
        let parameter =
            r#"<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]><foo/>"#;
        assert_eq!(refused(parameter), XmlError::Doctype);
        // Without a DOCTYPE the reference is simply unknown.
        assert_eq!(
            refused("<foo>&xxe;</foo>"),
            XmlError::Entity("xxe".to_owned())
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn only_predefined_entities_resolve() {
        let tree =
            read(r#"<a b="&lt;&gt;&amp;&apos;&quot;">&lt;&gt;&amp;&apos;&quot;</a>"#).unwrap();
        assert_eq!(tree.text, "<>&'\"");
        assert_eq!(tree.attribute("b"), Some("<>&'\""));
        assert_eq!(
            refused("<a>&nbsp;</a>"),
            XmlError::Entity("nbsp".to_owned())
        );
        assert_eq!(
            refused(r#"<a b="x&copy;"/>"#),
            XmlError::Entity("copy".to_owned())
        );
        assert!(matches!(refused("<a>&amp</a>"), XmlError::Syntax { .. }));
        assert!(matches!(
            refused(r#"<a b="&amp"/>"#),
            XmlError::Syntax { .. }
        ));
    }

    #[test]
    fn character_references_resolve() {
        let tree = read(r#"<a b="&#65;&#x42;&#x1F600;">&#65;&#x41;&#xE9;&#13;</a>"#).unwrap();
        assert_eq!(tree.text, "AAé\r");
        assert_eq!(tree.attribute("b"), Some("AB😀"));
    }

    #[test]
    fn references_to_characters_xml_forbids_are_refused() {
        for reference in [
            "#0",
            "#x0",
            "#1",
            "#x1F",
            "#xD800",
            "#xDFFF",
            "#x110000",
            "#xFFFE",
            "#99999999999",
            "#x",
            "#-1",
            "#",
        ] {
            assert!(
                matches!(
                    refused(&format!("<a>&{reference};</a>")),
                    XmlError::CharRef(_)
                ),
                "{reference} in text"
            );
            assert!(
                matches!(
                    refused(&format!(r#"<a b="x&{reference};"/>"#)),
                    XmlError::CharRef(_)
                ),
                "{reference} in an attribute"
            );
        }
        assert_eq!(
            refused(r#"<a b="&#65;&#1;"/>"#),
            XmlError::CharRef("#1".to_owned())
        );
    }

    #[test]
    fn raw_characters_xml_forbids_are_refused() {
        assert_eq!(refused("<a>\u{1}</a>"), XmlError::InvalidChar(1));
        assert_eq!(refused("<a b=\"\u{0}\"/>"), XmlError::InvalidChar(0));
        assert_eq!(refused("<a>\u{FFFF}</a>"), XmlError::InvalidChar(0xFFFF));
    }

    #[test]
    fn invalid_utf8_is_refused_anywhere() {
        let limits = XmlLimits::default();
        for body in [
            &b"<a>\xFF</a>"[..],
            b"<a\xC3>x</a\xC3>",
            b"<a b=\"\xED\xA0\x80\"/>",
            b"<a/>\xE2\x82",
            b"\xFE\xFF<a/>",
        ] {
            assert!(
                matches!(parse(body, &limits), Err(XmlError::InvalidUtf8 { .. })),
                "{body:?}"
            );
        }
        assert_eq!(
            parse(b"<a>\xFF</a>", &limits),
            Err(XmlError::InvalidUtf8 { at: 3 })
        );
    }

    #[test]
    fn a_bom_is_fine() {
        let tree = parse(
            b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>x</a>",
            &XmlLimits::default(),
        );
        assert_eq!(tree.unwrap().text, "x");
    }

    #[test]
    fn encodings_other_than_utf8_are_refused() {
        assert!(read(r#"<?xml version="1.0" encoding="utf-8"?><a/>"#).is_ok());
        assert!(read(r#"<?xml version="1.0"?><a/>"#).is_ok());
        for encoding in ["ISO-8859-1", "UTF-16", "windows-1252", "utf8"] {
            assert_eq!(
                refused(&format!(
                    r#"<?xml version="1.0" encoding="{encoding}"?><a/>"#
                )),
                XmlError::UnsupportedEncoding(encoding.to_owned())
            );
        }
    }

    #[test]
    fn declarations_must_be_first_and_1_0() {
        assert!(matches!(
            refused("<a/><?xml version=\"1.0\"?>"),
            XmlError::Syntax { .. }
        ));
        assert!(matches!(
            refused(" <?xml version=\"1.0\"?><a/>"),
            XmlError::Syntax { .. }
        ));
        assert!(matches!(
            refused("<?xml version=\"1.1\"?><a/>"),
            XmlError::Syntax { .. }
        ));
        assert!(matches!(
            refused("<?xml encoding=\"UTF-8\"?><a/>"),
            XmlError::Syntax { .. }
        ));
    }

    #[test]
    fn mismatched_end_tags_are_refused() {
        assert_eq!(
            refused("<a><b></a></b>"),
            XmlError::MismatchedEnd {
                expected: "b".to_owned(),
                found: "a".to_owned()
            }
        );
        // The same namespace under another prefix is still another tag.
        assert!(matches!(
            refused(r#"<x:a xmlns:x="urn:u" xmlns:y="urn:u"></y:a>"#),
            XmlError::MismatchedEnd { .. }
        ));
        assert_eq!(refused("<a/></a>"), XmlError::UnmatchedEnd("a".to_owned()));
    }

    #[test]
    fn unclosed_elements_are_refused() {
        assert_eq!(refused("<a><b></b>"), XmlError::Unclosed("a".to_owned()));
        assert_eq!(refused("<a><b>text"), XmlError::Unclosed("b".to_owned()));
        assert!(matches!(refused("<a><b"), XmlError::Syntax { .. }));
        assert!(matches!(refused("<a b=\"1></a>"), XmlError::Syntax { .. }));
    }

    #[test]
    fn a_second_root_is_refused() {
        assert_eq!(refused("<a/><b/>"), XmlError::SecondRoot);
        assert_eq!(refused("<a></a>\n<a></a>"), XmlError::SecondRoot);
    }

    #[test]
    fn text_outside_the_root_is_refused() {
        assert_eq!(refused("hello<a/>"), XmlError::TextOutsideRoot);
        assert_eq!(refused("<a/>hello"), XmlError::TextOutsideRoot);
        assert_eq!(refused("<a/><![CDATA[ ]]>"), XmlError::TextOutsideRoot);
        assert_eq!(refused("<a/>&#32;"), XmlError::TextOutsideRoot);
        assert!(read("\n <a/> \n\t").is_ok());
    }

    #[test]
    fn no_root_is_refused() {
        for xml in [
            "",
            "   \n",
            "<!-- nothing -->",
            "<?xml version=\"1.0\"?>",
            "<?pi here?>",
        ] {
            assert_eq!(refused(xml), XmlError::NoRoot, "{xml:?}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let limits = XmlLimits {
            max_depth: 3,
            ..XmlLimits::default()
        };
        assert!(parse(b"<a><b><c/></b></a>", &limits).is_ok());
        assert!(parse(b"<a><b><c></c></b></a>", &limits).is_ok());
        assert_eq!(
            parse(b"<a><b><c><d/></c></b></a>", &limits),
            Err(XmlError::TooDeep { max: 3 })
        );
        let deep = "<a>".repeat(100_000);
        assert_eq!(refused(&deep), XmlError::TooDeep { max: 32 });
    }

    #[test]
    fn element_count_is_bounded() {
        let limits = XmlLimits {
            max_elements: 3,
            ..XmlLimits::default()
        };
        assert!(parse(b"<a><b/><c/></a>", &limits).is_ok());
        assert_eq!(
            parse(b"<a><b/><c/><d/></a>", &limits),
            Err(XmlError::TooManyElements { max: 3 })
        );
        let wide = format!("<a>{}</a>", "<b/>".repeat(100_001));
        assert_eq!(refused(&wide), XmlError::TooManyElements { max: 100_000 });
    }

    #[test]
    fn mixed_content_is_refused() {
        assert_eq!(
            refused("<a>text<b/></a>"),
            XmlError::MixedContent("a".to_owned())
        );
        assert_eq!(
            refused("<a><b/>text</a>"),
            XmlError::MixedContent("a".to_owned())
        );
        assert_eq!(
            refused("<a><b/><![CDATA[x]]></a>"),
            XmlError::MixedContent("a".to_owned())
        );
        assert_eq!(
            refused("<a><b/>&amp;</a>"),
            XmlError::MixedContent("a".to_owned())
        );
        assert_eq!(
            refused("<a>&#65;<b/></a>"),
            XmlError::MixedContent("a".to_owned())
        );
        // A no-break space is not XML whitespace.
        assert_eq!(
            refused("<a>\u{A0}<b/></a>"),
            XmlError::MixedContent("a".to_owned())
        );
    }

    #[test]
    fn whitespace_between_children_is_dropped_and_leaf_text_kept() {
        let tree = read("<a>\n  <b>  two  spaces  </b>\r\n\t<c> </c> <!-- x --> </a>").unwrap();
        assert_eq!(tree.text, "");
        assert_eq!(tree.children[0].text, "  two  spaces  ");
        assert_eq!(tree.children[1].text, " ");
    }

    #[test]
    fn line_ends_are_normalized_as_xml_requires() {
        assert_eq!(read("<a>1\r\n2\r3</a>").unwrap().text, "1\n2\n3");
        assert_eq!(
            read("<a b=\"1\r\n2\t3\"/>").unwrap().attribute("b"),
            Some("1 2 3")
        );
    }

    #[test]
    fn comments_and_processing_instructions_are_ignored_and_cdata_is_text() {
        let tree = read(
            "<?xml version=\"1.0\"?><!-- before --><?app x?><a>one<!-- c -->two<?app y?><![CDATA[<three> & ]]>four</a><!-- after -->",
        )
        .unwrap();
        assert_eq!(tree.text, "onetwo<three> & four");
        assert!(tree.children.is_empty());
        assert!(matches!(
            refused("<a><!-- a -- b --></a>"),
            XmlError::Syntax { .. }
        ));
    }

    #[test]
    fn duplicate_attributes_are_refused() {
        assert_eq!(
            refused(r#"<a b="1" b="2"/>"#),
            XmlError::DuplicateAttribute("b".to_owned())
        );
        assert_eq!(
            refused(r#"<a xmlns:x="urn:u" xmlns:y="urn:u" x:b="1" y:b="2"/>"#),
            XmlError::DuplicateAttribute("y:b".to_owned())
        );
        assert_eq!(
            refused(r#"<a xmlns:x="urn:u" xmlns:x="urn:v"/>"#),
            XmlError::DuplicateAttribute("xmlns:x".to_owned())
        );
        // The same local name in two namespaces is two attributes.
        assert_eq!(
            read(r#"<a xmlns:x="urn:u" b="1" x:b="2"/>"#)
                .unwrap()
                .attributes
                .len(),
            2
        );
    }

    #[test]
    fn attributes_are_resolved_and_unescaped() {
        let tree = read(r#"<p:a xmlns:p="urn:p" xmlns="urn:d" id="1 &amp; 2" p:kind='it&apos;s' xml:lang="en"/>"#).unwrap();
        assert_eq!(
            tree.attributes,
            vec![
                Attribute {
                    ns: None,
                    name: "id".to_owned(),
                    value: "1 & 2".to_owned()
                },
                Attribute {
                    ns: Some("urn:p".to_owned()),
                    name: "kind".to_owned(),
                    value: "it's".to_owned()
                },
                Attribute {
                    ns: Some("http://www.w3.org/XML/1998/namespace".to_owned()),
                    name: "lang".to_owned(),
                    value: "en".to_owned()
                },
            ]
        );
        assert!(matches!(refused(r#"<a b="<"/>"#), XmlError::Syntax { .. }));
    }

    #[test]
    fn names_must_be_xml_names() {
        for xml in [
            "<>",
            "<1/>",
            "<a::b xmlns:a=\"u\"/>",
            "<-a/>",
            "<a 1b=\"x\"/>",
            "<xmlns:a/>",
            "<a x:=\"1\"/>",
        ] {
            assert!(
                matches!(
                    refused(xml),
                    XmlError::Syntax { .. } | XmlError::UndeclaredPrefix(_)
                ),
                "{xml}"
            );
        }
        assert_eq!(read("<é.ü-1 _b·=\"x\"/>").unwrap().name, "é.ü-1");
    }

    #[test]
    fn cdata_end_is_not_allowed_in_text() {
        assert!(matches!(refused("<a>]]></a>"), XmlError::Syntax { .. }));
        assert_eq!(read("<a>]] ></a>").unwrap().text, "]] >");
    }

    #[test]
    fn empty_forms_are_the_same() {
        assert_eq!(read("<a/>").unwrap(), read("<a></a>").unwrap());
        assert_eq!(read("<a/>").unwrap(), Element::new(None, "a"));
    }

    #[test]
    fn messages_do_not_echo_long_input() {
        let name = "n".repeat(10_000);
        for xml in [
            format!("<{name}>"),
            format!("<a>&{name};</a>"),
            format!("<{name}:a/>"),
            format!("<a><{name}></a>"),
            format!("<a b=\"1\" {name}=\"\" {name}=\"\"/>"),
        ] {
            let message = refused(&xml).to_string();
            assert!(message.len() < 200, "{message}");
        }
    }

    proptest! {
        // Failures are reported, not saved: a regressions file would land outside this module.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&body, &XmlLimits::default());
        }

        #[test]
        fn arbitrary_markup_never_panics(body in r#"[<>/!?&;#x:="' a-c0-9\[\]\-DOCTYPECDATA]{0,200}"#) {
            let _ = parse(body.as_bytes(), &XmlLimits { max_depth: 4, max_elements: 20 });
        }
    }
}
