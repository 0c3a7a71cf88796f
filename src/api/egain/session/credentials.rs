//! What a login sends: a name and a password, in XML or JSON, each read strictly and
//! refused with a message that never quotes the password.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::api::egain::error::EgainError;
use crate::api::egain::schema::PLATFORM as PLATFORM_NS;
use crate::api::egain::xml::{self, clip, XmlLimits};

/// A login's name and password, as sent.
pub(super) struct Credentials {
    pub(super) user_name: String,
    pub(super) password: String,
}

fn missing(user_name: Option<String>, password: Option<String>) -> Result<Credentials, String> {
    match (user_name, password) {
        (Some(user_name), Some(password)) => Ok(Credentials {
            user_name,
            password,
        }),
        (None, _) => Err("the login has no userName".into()),
        (_, None) => Err("the login has no password".into()),
    }
}

/// `{"userName": "…", "password": "…"}`, nothing else, each once. Messages never quote a
/// value, only member names.
struct JsonLogin(Result<Credentials, String>);

impl<'de> Deserialize<'de> for JsonLogin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;

        impl<'de> Visitor<'de> for Members {
            type Value = JsonLogin;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object with userName and password")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonLogin, A::Error> {
                let (mut user_name, mut password) = (None, None);
                // The first problem is kept, and the rest of the object still read, as the
                // parser must see it end.
                let mut problem: Option<String> = None;
                while let Some(name) = map.next_key::<String>()? {
                    let slot = match name.as_str() {
                        "userName" => &mut user_name,
                        "password" => &mut password,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            problem.get_or_insert_with(|| {
                                format!(
                                    "unknown member {:?}: a login has userName and password only",
                                    clip(&name)
                                )
                            });
                            continue;
                        }
                    };
                    let value = map.next_value::<serde_json::Value>()?;
                    if slot.is_some() {
                        problem.get_or_insert_with(|| format!("{name} is sent more than once"));
                    }
                    match value {
                        serde_json::Value::String(text) => *slot = Some(text),
                        _ => {
                            problem.get_or_insert_with(|| format!("{name} must be a string"));
                        }
                    }
                }
                Ok(JsonLogin(match problem {
                    Some(problem) => Err(problem),
                    None => missing(user_name, password),
                }))
            }
        }

        deserializer.deserialize_map(Members)
    }
}

pub(super) fn from_json(bytes: &[u8]) -> Result<Credentials, EgainError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = JsonLogin::deserialize(&mut deserializer).and_then(|login| {
        deserializer.end()?;
        Ok(login)
    });
    match parsed {
        Ok(JsonLogin(login)) => login.map_err(EgainError::bad_request),
        Err(e) => Err(EgainError::bad_request(format!(
            "the body is not a JSON login ({}): send {{\"userName\": …, \"password\": …}}",
            e.classify_message()
        ))),
    }
}

/// Why serde_json refused, without the value it may quote.
trait Classify {
    fn classify_message(&self) -> String;
}

impl Classify for serde_json::Error {
    fn classify_message(&self) -> String {
        match self.classify() {
            serde_json::error::Category::Data => {
                format!(
                    "not an object, at line {} column {}",
                    self.line(),
                    self.column()
                )
            }
            _ => self.to_string(),
        }
    }
}

/// `<user><userName>…</userName><password>…</password></user>` in eGain's namespace or in
/// none, with any prefix; nothing else, each once.
pub(super) fn from_xml(bytes: &[u8]) -> Result<Credentials, EgainError> {
    let root = xml::parse(bytes, &XmlLimits::default())
        .map_err(|e| EgainError::bad_request(e.to_string()))?;
    if !root.is(PLATFORM_NS, "user") {
        return Err(EgainError::bad_request(format!(
            "the root element is {:?}; a login is <user> in namespace {PLATFORM_NS}",
            clip(&root.name)
        )));
    }
    if !root.text.trim().is_empty() {
        return Err(EgainError::bad_request(
            "<user> holds userName and password, not text",
        ));
    }
    let (mut user_name, mut password) = (None, None);
    for child in &root.children {
        let slot = if child.is(PLATFORM_NS, "userName") {
            &mut user_name
        } else if child.is(PLATFORM_NS, "password") {
            &mut password
        } else {
            return Err(EgainError::bad_request(format!(
                "unknown element {:?}: a login has userName and password only",
                clip(&child.name)
            )));
        };
        if slot.is_some() {
            return Err(EgainError::bad_request(format!(
                "{} is sent more than once",
                child.name
            )));
        }
        if !child.children.is_empty() {
            return Err(EgainError::bad_request(format!(
                "{} holds text only",
                child.name
            )));
        }
        *slot = Some(child.text.clone());
    }
    missing(user_name, password).map_err(EgainError::bad_request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &str) -> Result<(String, String), String> {
        from_json(body.as_bytes())
            .map(|c| (c.user_name, c.password))
            .map_err(|e| e.message)
    }

    fn xml_login(body: &str) -> Result<(String, String), String> {
        from_xml(body.as_bytes())
            .map(|c| (c.user_name, c.password))
            .map_err(|e| e.message)
    }

    fn pair(name: &str, password: &str) -> Result<(String, String), String> {
        Ok((name.to_owned(), password.to_owned()))
    }

    #[test]
    fn a_json_login_names_its_two_members_once() {
        assert_eq!(
            json(r#"{"userName":"a","password":"p w"}"#),
            pair("a", "p w")
        );
        assert_eq!(json(r#"{"password":"p","userName":"a"}"#), pair("a", "p"));
        let refused = |body: &str, says: &str| {
            let message = json(body).unwrap_err();
            assert!(message.contains(says), "{body}: {message}");
            assert!(!message.contains("s3cret"), "{body}: {message}");
        };
        refused(r#"{"userName":"a"}"#, "no password");
        refused(r#"{"password":"s3cret"}"#, "no userName");
        refused(
            r#"{"userName":"a","password":"s3cret","x":1}"#,
            "unknown member \"x\"",
        );
        refused(
            r#"{"userName":"a","password":"s3cret","password":"s3cret"}"#,
            "more than once",
        );
        refused(
            r#"{"userName":"a","password":["s3cret"]}"#,
            "password must be a string",
        );
        refused(r#"["s3cret"]"#, "not a JSON login");
        refused(r#""s3cret""#, "not a JSON login");
        refused(
            r#"{"userName":"a","password":"s3cret"} x"#,
            "not a JSON login",
        );
        refused(r#"{"userName":"a","password":"s3cret""#, "not a JSON login");
    }

    #[test]
    fn an_xml_login_is_known_by_namespace_and_local_name() {
        let ns = PLATFORM_NS;
        assert_eq!(
            xml_login(&format!(
                r#"<user xmlns="{ns}"><userName>a</userName><password>p w</password></user>"#
            )),
            pair("a", "p w")
        );
        assert_eq!(
            xml_login(&format!(
                r#"<e:user xmlns:e="{ns}"><e:userName>a</e:userName><e:password>p</e:password></e:user>"#
            )),
            pair("a", "p")
        );
        assert_eq!(
            xml_login("<user><userName>a</userName><password>&lt;p&gt;</password></user>"),
            pair("a", "<p>")
        );
        let refused = |body: &str, says: &str| {
            let message = xml_login(body).unwrap_err();
            assert!(message.contains(says), "{body}: {message}");
        };
        refused(
            r#"<user xmlns="urn:other"><userName>a</userName><password>p</password></user>"#,
            "root element",
        );
        refused(
            r#"<user><userName xmlns="urn:other">a</userName><password>p</password></user>"#,
            "unknown element",
        );
        refused(
            "<login><userName>a</userName><password>p</password></login>",
            "root element",
        );
        refused("<user><userName>a</userName></user>", "no password");
        refused(
            "<user><userName>a</userName><password>p</password><x/></user>",
            "unknown element \"x\"",
        );
        refused(
            "<user><userName>a</userName><userName>b</userName><password>p</password></user>",
            "more than once",
        );
        refused(
            "<user><userName><b>a</b></userName><password>p</password></user>",
            "text only",
        );
        refused(
            r#"<!DOCTYPE user [<!ENTITY x "y">]><user><userName>&x;</userName><password>p</password></user>"#,
            "DOCTYPE",
        );
    }
}
