//! Writing an [`Element`] tree as a UTF-8 document, prefixes chosen from the caller's list.

use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::{is_xml_char, Element};

/// Writes `root` as a document. `namespaces` are `(prefix, uri)` pairs, prefix `""` for
/// the default namespace, all declared on the root; the first pair for a prefix wins.
/// A namespace of the tree not in the list is declared where it is used, under a prefix
/// made up for it. Names are written as given; text and values are escaped, and any
/// character XML cannot carry at all (most control characters) becomes U+FFFD.
pub fn write(root: &Element, namespaces: &[(&str, &str)]) -> Vec<u8> {
    let mut declared: Vec<Binding> = Vec::new();
    for &(prefix, uri) in namespaces {
        // `xmlns:p=""` is not XML 1.0, and `xmlns=""` on the root says nothing.
        if !uri.is_empty() && declared.iter().all(|(known, _)| known != prefix) {
            declared.push((prefix.to_owned(), uri.to_owned()));
        }
    }
    let mut out = Writer::new(Vec::new());
    emit(
        &mut out,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), Some("yes"))),
    );
    write_element(&mut out, root, &mut Scope::default(), declared);
    out.into_inner()
}

/// `(prefix, uri)`; prefix `""` is the default namespace, uri `""` undeclares it.
type Binding = (String, String);

/// The namespace bindings in force at the element being written, innermost last.
#[derive(Default)]
struct Scope {
    bindings: Vec<Binding>,
}

impl Scope {
    /// The prefix `uri` can be written with here, if any; a binding hidden by an inner one
    /// of the same prefix does not count.
    fn prefix_of(&self, uri: &str, default_allowed: bool) -> Option<&str> {
        let mut hidden: Vec<&str> = Vec::new();
        for (prefix, bound) in self.bindings.iter().rev() {
            if hidden.contains(&prefix.as_str()) {
                continue;
            }
            if bound == uri && (default_allowed || !prefix.is_empty()) {
                return Some(prefix);
            }
            hidden.push(prefix);
        }
        None
    }

    fn has_default(&self) -> bool {
        self.bindings
            .iter()
            .rev()
            .find(|(prefix, _)| prefix.is_empty())
            .is_some_and(|(_, uri)| !uri.is_empty())
    }

    /// A prefix bound nowhere in scope, so declaring it hides nothing.
    fn fresh_prefix(&self) -> String {
        (1..)
            .map(|n| format!("ns{n}"))
            .find(|candidate| self.bindings.iter().all(|(prefix, _)| prefix != candidate))
            .unwrap_or_default()
    }

    fn declare(&mut self, prefix: String, uri: &str, local: &mut Vec<Binding>) {
        self.bindings.push((prefix.clone(), uri.to_owned()));
        local.push((prefix, uri.to_owned()));
    }

    /// The written name of an element, declaring on it what that name needs.
    fn element_name(&mut self, ns: Option<&str>, name: &str, local: &mut Vec<Binding>) -> String {
        match ns {
            None => {
                if self.has_default() {
                    self.declare(String::new(), "", local);
                }
                name.to_owned()
            }
            Some(uri) => self.qualified(uri, name, true, local),
        }
    }

    /// The written name of an attribute: unprefixed names are in no namespace, so one in
    /// a namespace always needs a prefix.
    fn attribute_name(&mut self, ns: Option<&str>, name: &str, local: &mut Vec<Binding>) -> String {
        match ns {
            None => name.to_owned(),
            Some(uri) => self.qualified(uri, name, false, local),
        }
    }

    fn qualified(
        &mut self,
        uri: &str,
        name: &str,
        default_allowed: bool,
        local: &mut Vec<Binding>,
    ) -> String {
        match self.prefix_of(uri, default_allowed) {
            Some("") => name.to_owned(),
            Some(prefix) => format!("{prefix}:{name}"),
            None => {
                let prefix = self.fresh_prefix();
                let written = format!("{prefix}:{name}");
                self.declare(prefix, uri, local);
                written
            }
        }
    }
}

/// Writes one element; `declare` are bindings to declare on it (the caller's, on the root).
fn write_element(
    out: &mut Writer<Vec<u8>>,
    element: &Element,
    scope: &mut Scope,
    mut declare: Vec<Binding>,
) {
    let mark = scope.bindings.len();
    let ns = element.ns.as_deref().filter(|uri| !uri.is_empty());
    if ns.is_none() {
        // An element in no namespace cannot sit under a default declared on itself: that
        // namespace moves to a prefix of its own.
        if let Some(at) = declare.iter().position(|(prefix, _)| prefix.is_empty()) {
            let (_, uri) = declare.remove(at);
            let taken = scope.bindings.iter().chain(&declare).cloned().collect();
            let moved = Scope { bindings: taken }.fresh_prefix();
            declare.push((moved, uri));
        }
    }
    scope.bindings.extend(declare.iter().cloned());
    let mut local = declare;
    let name = scope.element_name(ns, &element.name, &mut local);
    let attributes: Vec<(String, Cow<str>)> = element
        .attributes
        .iter()
        .map(|attribute| {
            let ns = attribute.ns.as_deref().filter(|uri| !uri.is_empty());
            (
                scope.attribute_name(ns, &attribute.name, &mut local),
                carriable(&attribute.value),
            )
        })
        .collect();

    let mut start = BytesStart::new(name.as_str());
    for (prefix, uri) in &local {
        let key = if prefix.is_empty() {
            "xmlns".to_owned()
        } else {
            format!("xmlns:{prefix}")
        };
        start.push_attribute((key.as_str(), carriable(uri).as_ref()));
    }
    for (key, value) in &attributes {
        start.push_attribute((key.as_str(), value.as_ref()));
    }

    if element.children.is_empty() && element.text.is_empty() {
        emit(out, Event::Empty(start));
    } else {
        emit(out, Event::Start(start));
        if !element.text.is_empty() {
            emit(out, Event::Text(BytesText::new(&carriable(&element.text))));
        }
        for child in &element.children {
            write_element(out, child, scope, Vec::new());
        }
        emit(out, Event::End(BytesEnd::new(name.as_str())));
    }
    scope.bindings.truncate(mark);
}

fn emit(out: &mut Writer<Vec<u8>>, event: Event) {
    // Writing into a Vec cannot fail; there is no I/O to report.
    out.write_event(event)
        .unwrap_or_else(|e| unreachable!("writing XML into memory failed: {e}"));
}

/// Text XML can carry: characters it cannot, even as references, are replaced.
fn carriable(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if is_xml_char(c) {
                        c
                    } else {
                        char::REPLACEMENT_CHARACTER
                    }
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{parse, Attribute, XmlLimits};
    use super::*;

    const C: &str = "urn:customer";
    const P: &str = "urn:person";

    fn written(root: &Element, namespaces: &[(&str, &str)]) -> String {
        String::from_utf8(write(root, namespaces)).unwrap()
    }

    const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

    #[test]
    fn declares_the_namespaces_on_the_root_and_uses_their_prefixes() {
        let person = Element::new(Some(P), "contactPerson")
            .with_child(Element::new(Some(P), "firstName").with_text("Jack & Jill <3>"));
        let root = Element::new(Some(C), "customer")
            .with_child(
                Element::new(Some(C), "type")
                    .with_child(Element::new(Some(C), "value").with_text("individual")),
            )
            .with_child(Element::new(Some(C), "contactPersons").with_child(person));
        assert_eq!(
            written(&root, &[("", C), ("ns1", P)]),
            format!(
                "{DECL}<customer xmlns=\"{C}\" xmlns:ns1=\"{P}\"><type><value>individual</value></type>\
                 <contactPersons><ns1:contactPerson><ns1:firstName>Jack &amp; Jill &lt;3&gt;</ns1:firstName>\
                 </ns1:contactPerson></contactPersons></customer>"
            )
        );
    }

    #[test]
    fn a_namespace_not_given_is_declared_where_it_is_used() {
        let root = Element::new(Some(C), "a")
            .with_child(
                Element::new(Some("urn:x"), "b").with_child(Element::new(Some("urn:x"), "c")),
            )
            .with_child(Element::new(Some("urn:x"), "d"));
        assert_eq!(
            written(&root, &[("ns1", C)]),
            format!(
                "{DECL}<ns1:a xmlns:ns1=\"{C}\"><ns2:b xmlns:ns2=\"urn:x\"><ns2:c/></ns2:b>\
                 <ns2:d xmlns:ns2=\"urn:x\"/></ns1:a>"
            )
        );
    }

    #[test]
    fn no_namespace_under_a_default_one_undeclares_it() {
        let root = Element::new(Some(C), "a")
            .with_child(Element::new(None, "b").with_child(Element::new(Some(C), "c")));
        assert_eq!(
            written(&root, &[("", C)]),
            format!("{DECL}<a xmlns=\"{C}\"><b xmlns=\"\"><ns1:c xmlns:ns1=\"{C}\"/></b></a>")
        );
        let root = Element::new(None, "a").with_child(Element::new(Some(C), "b"));
        assert_eq!(
            written(&root, &[("", C)]),
            format!("{DECL}<a xmlns:ns1=\"{C}\"><ns1:b/></a>")
        );
    }

    #[test]
    fn attributes_in_a_namespace_get_a_prefix() {
        let mut root = Element::new(Some(C), "a").with_attribute("id", "1 \"2\"\t'3'");
        root.attributes.push(Attribute {
            ns: Some(C.to_owned()),
            name: "kind".to_owned(),
            value: "<&>".to_owned(),
        });
        assert_eq!(
            written(&root, &[("", C)]),
            format!(
                "{DECL}<a xmlns=\"{C}\" xmlns:ns1=\"{C}\" id=\"1 &quot;2&quot;&#9;&apos;3&apos;\" ns1:kind=\"&lt;&amp;&gt;\"/>"
            )
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        let root = Element::new(None, "a").with_text("a\u{0}b\u{1B}c\r");
        assert_eq!(
            written(&root, &[]),
            format!("{DECL}<a>a\u{FFFD}b\u{FFFD}c&#13;</a>")
        );
    }

    #[test]
    fn the_first_binding_of_a_prefix_wins() {
        let root = Element::new(Some("urn:second"), "a");
        assert_eq!(
            written(&root, &[("p", C), ("p", "urn:second"), ("q", "")]),
            format!("{DECL}<ns1:a xmlns:p=\"{C}\" xmlns:ns1=\"urn:second\"/>")
        );
    }

    const URIS: [&str; 3] = ["urn:a", "urn:b", "http://example.com/x?y=1&z=\"2\""];

    fn namespace() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            prop::sample::select(&URIS[..]).prop_map(|uri| Some(uri.to_owned()))
        ]
    }

    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(&["a", "b", "contactPerson", "x_y", "é-1"][..]).prop_map(str::to_owned)
    }

    /// Strings XML can carry, biased towards what needs escaping.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[<&>\"' \t\r\néa\u{FEFF}\u{10000}\\]]{0,12}",
            any::<String>().prop_map(|s| s.chars().filter(|&c| is_xml_char(c)).collect()),
        ]
    }

    fn attributes() -> impl Strategy<Value = Vec<Attribute>> {
        prop::collection::vec((namespace(), name(), text()), 0..4).prop_map(|drafts| {
            let mut attributes: Vec<Attribute> = Vec::new();
            for (ns, name, value) in drafts {
                if !attributes.iter().any(|a| a.ns == ns && a.name == name) {
                    attributes.push(Attribute { ns, name, value });
                }
            }
            attributes
        })
    }

    fn tree() -> impl Strategy<Value = Element> {
        let leaf =
            (namespace(), name(), attributes(), text()).prop_map(|(ns, name, attributes, text)| {
                Element {
                    ns,
                    name,
                    attributes,
                    children: Vec::new(),
                    text,
                }
            });
        leaf.prop_recursive(4, 32, 4, |inner| {
            (
                namespace(),
                name(),
                attributes(),
                prop::collection::vec(inner, 1..4),
            )
                .prop_map(|(ns, name, attributes, children)| Element {
                    ns,
                    name,
                    attributes,
                    children,
                    text: String::new(),
                })
        })
    }

    fn given() -> impl Strategy<Value = Vec<(&'static str, &'static str)>> {
        let candidates = vec![
            ("", URIS[0]),
            ("p", URIS[1]),
            ("ns1", URIS[0]),
            ("", URIS[2]),
            ("q", URIS[2]),
        ];
        prop::sample::subsequence(candidates, 0..=5).prop_shuffle()
    }

    proptest! {
        // Failures are reported, not saved: a regressions file would land outside this module.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn what_is_written_reads_back_the_same(root in tree(), namespaces in given()) {
            let body = write(&root, &namespaces);
            let read = parse(&body, &XmlLimits::default());
            prop_assert_eq!(read, Ok(root), "{}", String::from_utf8_lossy(&body));
        }
    }
}
