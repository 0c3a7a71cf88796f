//! A document's shape: its declaration, tags, one root, and the bounds on depth and size.

use super::*;

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
