//! The seed's examples, and names resolved by namespace, not by prefix.

use super::*;

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
