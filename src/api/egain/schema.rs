//! The shape of eGain's customer document, element by element with its namespace: one
//! description that reads XML (by namespace and local name, never by prefix), checks JSON
//! (which mirrors the XML, list wrappers included) and writes both.

/// eGain's namespaces, by what they hold.
pub const CUSTOMER: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/customer";
pub const PERSON: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson";
pub const POINT: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint";
pub const PLATFORM: &str = "http://bindings.egain.com/ws/model/v12/gen/platform";
pub const COMMON: &str = "http://bindings.egain.com/ws/model/v12/gen/common";

/// The prefixes answers declare, as eGain's own answers do.
pub const PREFIXES: &[(&str, &str)] = &[
    ("", CUSTOMER),
    ("ns1", PERSON),
    ("ns2", PLATFORM),
    ("ns3", COMMON),
    ("ns4", POINT),
];

#[derive(Debug)]
pub enum Shape {
    /// A value: an element's text, a JSON string.
    Text,
    /// An XML attribute; a JSON member like any other.
    Attribute,
    /// Named members, each at most once.
    Object(&'static [Node]),
    /// A wrapper of repeated items (`contactPersons` of `contactPerson`); in JSON an
    /// object with one member, the item's name, holding an array.
    List(&'static Node),
}

#[derive(Debug)]
pub struct Node {
    pub name: &'static str,
    pub ns: &'static str,
    pub shape: Shape,
    /// Shown on reads and ignored when sent back (a `link`).
    pub read_only: bool,
}

const fn node(ns: &'static str, name: &'static str, shape: Shape) -> Node {
    Node {
        name,
        ns,
        shape,
        read_only: false,
    }
}

const fn text(ns: &'static str, name: &'static str) -> Node {
    node(ns, name, Shape::Text)
}

/// `<name><ns3:value>…</ns3:value></name>`: eGain's classifier values.
macro_rules! valued {
    ($ns:expr, $name:literal) => {
        node($ns, $name, Shape::Object(&[text(COMMON, "value")]))
    };
}

const ID: Node = node("", "id", Shape::Attribute);

const LINK: Node = Node {
    name: "link",
    ns: CUSTOMER,
    shape: Shape::Object(&[
        node("", "rel", Shape::Attribute),
        node("", "href", Shape::Attribute),
    ]),
    read_only: true,
};

const ATTRIBUTE: Node = node(
    COMMON,
    "customAttribute",
    Shape::Object(&[
        text(COMMON, "attribName"),
        node(
            COMMON,
            "attribValues",
            Shape::List(&node(
                COMMON,
                "attribValue",
                Shape::Object(&[text(COMMON, "value")]),
            )),
        ),
    ]),
);

const fn attributes(ns: &'static str) -> Node {
    node(ns, "customAttributes", Shape::List(&ATTRIBUTE))
}

const PHONE: Node = node(
    POINT,
    "phone",
    Shape::Object(&[
        valued!(POINT, "type"),
        text(POINT, "phoneNo"),
        text(POINT, "countryCode"),
        text(POINT, "areaCode"),
        text(POINT, "extension"),
        node(
            POINT,
            "availability",
            Shape::Object(&[valued!(POINT, "days"), valued!(POINT, "times")]),
        ),
    ]),
);

const POSTAL: Node = node(
    POINT,
    "postal",
    Shape::Object(&[
        valued!(POINT, "type"),
        text(POINT, "address_1"),
        text(POINT, "address_2"),
        text(POINT, "city"),
        text(POINT, "state"),
        text(POINT, "zip"),
        text(POINT, "country"),
        text(POINT, "region"),
    ]),
);

const CONTACT_POINT: Node = node(
    POINT,
    "contactPoint",
    Shape::Object(&[
        ID,
        node(
            POINT,
            "type",
            Shape::Object(&[
                text(POINT, "value"),
                PHONE,
                POSTAL,
                node(
                    POINT,
                    "email",
                    Shape::Object(&[text(POINT, "emailAddress")]),
                ),
                node(POINT, "web", Shape::Object(&[text(POINT, "url")])),
                node(
                    POINT,
                    "social",
                    Shape::Object(&[valued!(POINT, "type"), text(POINT, "socialId")]),
                ),
            ]),
        ),
        valued!(POINT, "priority"),
        attributes(POINT),
    ]),
);

const CONTACT_PERSON: Node = node(
    PERSON,
    "contactPerson",
    Shape::Object(&[
        ID,
        text(PERSON, "salutation"),
        text(PERSON, "firstName"),
        text(PERSON, "middleName"),
        text(PERSON, "lastName"),
        text(PERSON, "loginId"),
        valued!(PERSON, "gender"),
        node(
            PERSON,
            "identification",
            Shape::Object(&[text(PERSON, "type"), text(PERSON, "value")]),
        ),
        valued!(PERSON, "suffix"),
        text(PERSON, "initials"),
        text(PERSON, "secretQuestion"),
        text(PERSON, "secretAnswer"),
        text(PERSON, "hasDirectMailingConsent"),
        text(PERSON, "hasDirectCallingConsent"),
        text(PERSON, "hasHoldingDataConsent"),
        text(PERSON, "jobTitle"),
        valued!(PERSON, "employmentStatus"),
        text(PERSON, "priority"),
        text(PERSON, "dateOfBirth"),
        valued!(PERSON, "maritalStatus"),
        valued!(PERSON, "type"),
        text(PERSON, "firstNameFurigana"),
        text(PERSON, "middleNameFurigana"),
        text(PERSON, "lastNameFurigana"),
        text(PERSON, "startGreeting"),
        text(PERSON, "endGreeting"),
        text(PERSON, "spouseName"),
        text(PERSON, "emergencyContact"),
        text(PERSON, "occupation"),
        text(PERSON, "incomeLevel"),
        valued!(PERSON, "educationLevel"),
        text(PERSON, "race"),
        text(PERSON, "dependents"),
        text(PERSON, "isSmoker"),
        text(PERSON, "hobbies"),
        text(PERSON, "interests"),
        text(PERSON, "contactOrder"),
        attributes(PERSON),
        node(PERSON, "contactPoints", Shape::List(&CONTACT_POINT)),
    ]),
);

/// One customer, as a create sends it and a read answers it.
pub const CUSTOMER_DOC: Node = node(
    CUSTOMER,
    "customer",
    Shape::Object(&[
        ID,
        node(
            CUSTOMER,
            "department",
            Shape::Object(&[text(PLATFORM, "name")]),
        ),
        node(CUSTOMER, "type", Shape::Object(&[text(CUSTOMER, "value")])),
        valued!(CUSTOMER, "level"),
        valued!(CUSTOMER, "role"),
        text(CUSTOMER, "pin"),
        valued!(CUSTOMER, "howReferred"),
        valued!(CUSTOMER, "industry"),
        text(CUSTOMER, "marketSegment"),
        text(CUSTOMER, "entitlements"),
        attributes(CUSTOMER),
        node(CUSTOMER, "contactPersons", Shape::List(&CONTACT_PERSON)),
        LINK,
    ]),
);

/// Several customers, as a search or a read of several ids answers them.
pub const CUSTOMERS_DOC: Node = node(CUSTOMER, "customers", Shape::List(&CUSTOMER_DOC));
