//! A contact point's rules: its channel, the channel's fields, priority and attributes.

use std::collections::BTreeMap;

use super::{below, given, not_in_list, Planner};
use crate::domain::card_number::refuse_card_number;
use crate::domain::catalog::contact::classifier;
use crate::domain::contact::spec::PointSpec;
use crate::domain::contact::{email_key, Channel, ContactField, ContactPoint, PointText};
use crate::domain::errors::FieldCode;
use crate::domain::path::FieldPath;

const EMAIL_CHARS: usize = 254;
const URL_CHARS: usize = 2048;
const PRIORITIES: &[&str] = &["low", "medium", "high"];

/// The fields a point of `channel` must have.
fn required(channel: Channel) -> &'static [PointText] {
    use PointText::*;
    match channel {
        Channel::Phone => &[PhoneType, PhoneNumber],
        Channel::Postal => &[PostalType, Address1],
        Channel::Email => &[EmailAddress],
        Channel::Web => &[Url],
        Channel::Social => &[SocialType, SocialId],
    }
}

impl Planner<'_> {
    /// `None` when the point has no channel to be made with (its problems are reported).
    pub(super) fn point(
        &mut self,
        at: FieldPath,
        spec: PointSpec,
        new_id: &mut dyn FnMut() -> String,
    ) -> Option<ContactPoint> {
        let channel = self.channel(below(&at, ContactField::Channel), spec.channel);
        let mut sent = spec.texts;
        let mut texts = BTreeMap::new();
        match channel {
            Some(channel) => {
                for &field in channel.fields() {
                    let value = sent.remove(&field);
                    let required = required(channel).contains(&field);
                    let path = below(&at, ContactField::Point(field));
                    if let Some(kept) = self.point_text(path, field, value, required) {
                        texts.insert(field, kept);
                    }
                }
                for (field, value) in sent {
                    if given(Some(value)).is_some() {
                        let message =
                            format!("a {} contact point has no {}", channel.name(), field.name());
                        let path = below(&at, ContactField::Point(field));
                        self.errors.push(path, FieldCode::NotAllowed, message);
                    }
                }
            }
            // Without a channel, each value is still held to its own rule.
            None => {
                for (field, value) in sent {
                    let path = below(&at, ContactField::Point(field));
                    self.point_text(path, field, Some(value), false);
                }
            }
        }
        let priority = self.priority(below(&at, ContactField::PointPriority), spec.priority);
        let attributes = self.attributes(&at, spec.attributes);
        let id = given(spec.id).unwrap_or_else(new_id);
        Some(ContactPoint {
            id,
            channel: channel?,
            texts,
            priority,
            attributes,
        })
    }

    fn channel(&mut self, path: FieldPath, value: Option<String>) -> Option<Channel> {
        let value = self.present(path.clone(), value, true)?;
        let channel = Channel::parse(value.trim());
        if channel.is_none() {
            let names: Vec<&str> = Channel::ALL.iter().map(|c| c.name()).collect();
            self.errors
                .push(path, FieldCode::NotConfigured, not_in_list(&names));
        }
        channel
    }

    fn point_text(
        &mut self,
        path: FieldPath,
        field: PointText,
        value: Option<String>,
        required: bool,
    ) -> Option<String> {
        use PointText::*;
        match field {
            PhoneType => self.listed(path, value, classifier::PHONE_TYPE, required),
            AvailableDays => self.listed(path, value, classifier::AVAILABILITY_DAYS, required),
            AvailableTimes => self.listed(path, value, classifier::AVAILABILITY_TIMES, required),
            PhoneNumber => self.text(path, value, 40, required),
            CountryCode => self.digits(path, value, 9, required),
            AreaCode | Extension => self.text(path, value, 10, required),
            PostalType | Address1 | Address2 | City | State | Zip | Country | Region => {
                self.text(path, value, 255, required)
            }
            SocialType | SocialId => self.text(path, value, 255, required),
            EmailAddress => self.email(path, value, required),
            Url => self.url(path, value, required),
        }
    }

    fn digits(
        &mut self,
        path: FieldPath,
        value: Option<String>,
        max: usize,
        required: bool,
    ) -> Option<String> {
        let value = self.present(path.clone(), value, required)?;
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            self.errors
                .push(path, FieldCode::InvalidFormat, "digits only");
            None
        } else if value.len() > max {
            self.errors
                .push(path, FieldCode::TooLong, format!("at most {max} digits"));
            None
        } else {
            Some(value)
        }
    }

    /// A valid address, kept as sent; the same address twice in one request is refused
    /// at the second (the store's unique index refuses one stored already).
    fn email(&mut self, path: FieldPath, value: Option<String>, required: bool) -> Option<String> {
        let value = self.present(path.clone(), value, required)?;
        if value.chars().count() > EMAIL_CHARS {
            let message = format!("at most {EMAIL_CHARS} characters");
            self.errors.push(path, FieldCode::TooLong, message);
            return None;
        }
        if !looks_like_email(&value) {
            self.errors.push(
                path,
                FieldCode::InvalidFormat,
                "is not a valid email address",
            );
            return None;
        }
        let before = self.errors.len();
        refuse_card_number(path.clone(), &value, &mut self.errors);
        if self.errors.len() > before {
            return None;
        }
        if !self.emails.insert(email_key(&value)) {
            self.errors.push(
                path,
                FieldCode::Duplicate,
                "this email address is given to another contact point of this request",
            );
            return None;
        }
        Some(value)
    }

    fn url(&mut self, path: FieldPath, value: Option<String>, required: bool) -> Option<String> {
        let value = self.present(path.clone(), value, required)?;
        if value.chars().count() > URL_CHARS {
            let message = format!("at most {URL_CHARS} characters");
            self.errors.push(path, FieldCode::TooLong, message);
            return None;
        }
        if !looks_like_web_url(&value) {
            self.errors.push(
                path,
                FieldCode::InvalidFormat,
                "an http or https URL such as https://example.com/",
            );
            return None;
        }
        let before = self.errors.len();
        refuse_card_number(path, &value, &mut self.errors);
        (self.errors.len() == before).then_some(value)
    }

    /// `low`, `medium` or `high`, in any case; kept lower-cased.
    fn priority(&mut self, path: FieldPath, value: Option<String>) -> Option<String> {
        let value = given(value)?.trim().to_lowercase();
        if PRIORITIES.contains(&value.as_str()) {
            Some(value)
        } else {
            self.errors
                .push(path, FieldCode::NotConfigured, not_in_list(PRIORITIES));
            None
        }
    }
}

/// A pragmatic check: one `@`, a local part, a domain of dotted non-empty labels, no spaces.
fn looks_like_email(address: &str) -> bool {
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// `http://` or `https://` (any case), a host, and no spaces.
fn looks_like_web_url(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    !host.is_empty() && !host.starts_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_pragmatically() {
        for good in ["john.russel@customer.com", "a+b@x.co.uk", "É@exämple.de"] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in [
            "john",
            "@customer.com",
            "john@",
            "john@localhost",
            "john@@customer.com",
            "jo hn@customer.com",
            "john@customer..com",
            "john@.customer.com",
            "a@b@c.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn urls_are_http_or_https_with_a_host() {
        for good in [
            "https://example.com",
            "HTTP://example.com/a?b#c",
            "https://user@host:8080/",
        ] {
            assert!(looks_like_web_url(good), "{good}");
        }
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
        ] {
            assert!(!looks_like_web_url(bad), "{bad}");
        }
    }
}
