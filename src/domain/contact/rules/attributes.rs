//! Custom attributes of contact data (the customer's, a person's, a point's): configured
//! names, each sent once, with values the catalog allows.

use std::collections::BTreeSet;

use super::{below, given, not_in_list, Planner};
use crate::domain::card_number::{holds_card_number, refuse_card_number};
use crate::domain::catalog::contact::attribute_name_is_valid;
use crate::domain::contact::spec::AttributeSpec;
use crate::domain::contact::{ContactField, MultiAttributes};
use crate::domain::errors::FieldCode;
use crate::domain::path::FieldPath;

impl Planner<'_> {
    /// The custom attributes of `owner` (the customer, a person, a point).
    pub(super) fn attributes(
        &mut self,
        owner: &FieldPath,
        specs: Vec<AttributeSpec>,
    ) -> MultiAttributes {
        let list = below(owner, ContactField::Attributes);
        let mut kept = MultiAttributes::new();
        if specs.len() > self.limits.attribute_keys {
            let message = format!(
                "at most {} custom attributes are allowed, {} were sent",
                self.limits.attribute_keys,
                specs.len()
            );
            self.errors.push(list, FieldCode::TooMany, message);
            // Too many to be worth a word on each.
            return kept;
        }
        let mut names = BTreeSet::new();
        for (i, spec) in specs.into_iter().enumerate() {
            let item = list.clone().index(i);
            let name_at = below(&item, ContactField::AttributeName);
            let allowed = self.attribute_name(name_at.clone(), &spec.name);
            if allowed.is_some() && !names.insert(spec.name.clone()) {
                self.errors.push(
                    name_at,
                    FieldCode::Duplicate,
                    "this attribute is sent twice; send its values once, together",
                );
                continue;
            }
            let values = self.attribute_values(&item, spec.values, allowed.as_deref());
            if allowed.is_some() && !values.is_empty() {
                kept.insert(spec.name, values);
            }
        }
        kept
    }

    /// A configured attribute name: its allowed values (empty: any), or `None` if refused.
    fn attribute_name(&mut self, path: FieldPath, name: &str) -> Option<Vec<String>> {
        let max = self.limits.attribute_key_chars;
        let problem = if name.trim().is_empty() {
            Some((FieldCode::Required, "is required".to_owned()))
        } else if holds_card_number(name) {
            let message = "holds what looks like a payment card number, which is never stored";
            Some((FieldCode::NotAllowed, message.to_owned()))
        } else if name.chars().count() > max {
            Some((FieldCode::TooLong, format!("at most {max} characters")))
        } else if !attribute_name_is_valid(name) {
            let message = "attribute names use only letters, digits, '_', '.' and '-'";
            Some((FieldCode::InvalidFormat, message.to_owned()))
        } else if self.catalog.contact_attribute(name).is_none() {
            let message = format!("attribute {name:?} is not configured");
            Some((FieldCode::NotConfigured, message))
        } else {
            None
        };
        if let Some((code, message)) = problem {
            self.errors.push(path, code, message);
            return None;
        }
        self.catalog.contact_attribute(name).map(<[String]>::to_vec)
    }

    /// An attribute's values, in order; blank ones dropped. `allowed` empty: any value.
    fn attribute_values(
        &mut self,
        item: &FieldPath,
        values: Vec<String>,
        allowed: Option<&[String]>,
    ) -> Vec<String> {
        let list = below(item, ContactField::AttributeValues);
        let max = self.limits.attribute_value_chars;
        let mut kept = Vec::new();
        for (n, value) in values.into_iter().enumerate() {
            let Some(value) = given(Some(value)) else {
                continue;
            };
            let path = list.clone().index(n);
            let before = self.errors.len();
            if value.chars().count() > max {
                let message = format!("attribute values are at most {max} characters");
                self.errors.push(path.clone(), FieldCode::TooLong, message);
            } else if let Some(allowed) = allowed.filter(|a| !a.is_empty()) {
                if !allowed.contains(&value) {
                    let names: Vec<&str> = allowed.iter().map(String::as_str).collect();
                    self.errors
                        .push(path.clone(), FieldCode::NotConfigured, not_in_list(&names));
                }
            }
            refuse_card_number(path, &value, &mut self.errors);
            if self.errors.len() == before {
                kept.push(value);
            }
        }
        kept
    }
}
