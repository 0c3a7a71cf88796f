//! The checks every value of a bank batch goes through: presence, length, no card number,
//! dates, the catalog's lists and digit strings. Problems go to the planner's rules.

use super::batch::Planner;
use crate::domain::card_number::holds_card_number;
use crate::domain::catalog::BankList;
use crate::domain::errors::FieldCode;
use crate::domain::path::FieldPath;
use crate::domain::time::Timestamp;

impl Planner<'_> {
    pub(super) fn text(
        &mut self,
        path: FieldPath,
        value: &Option<String>,
        required: bool,
    ) -> Option<String> {
        self.bounded(path, value, required, self.limits.string_chars)
    }

    pub(super) fn bounded(
        &mut self,
        path: FieldPath,
        value: &Option<String>,
        required: bool,
        max_chars: usize,
    ) -> Option<String> {
        match value.as_deref() {
            None if required => {
                self.rules.push(path, FieldCode::Required, "is required");
                None
            }
            None => None,
            Some(text) if text.trim().is_empty() => {
                self.rules
                    .push(path, FieldCode::Required, "must not be empty");
                None
            }
            Some(text) if text.chars().count() > max_chars => {
                let message = format!("at most {max_chars} characters");
                self.rules.push(path, FieldCode::TooLong, message);
                None
            }
            Some(text) if holds_card_number(text) => {
                self.rules.push(
                    path,
                    FieldCode::NotAllowed,
                    "holds what looks like a payment card number, which is never stored",
                );
                None
            }
            Some(text) => Some(text.to_owned()),
        }
    }

    pub(super) fn date(
        &mut self,
        path: FieldPath,
        value: &Option<String>,
        required: bool,
    ) -> Option<Timestamp> {
        let text = self.text(path.clone(), value, required)?;
        let parsed = Timestamp::parse_rfc3339(&text);
        if parsed.is_none() {
            self.rules.push(
                path,
                FieldCode::InvalidFormat,
                "an RFC 3339 date-time such as 2023-01-01T08:00:00Z",
            );
        }
        parsed
    }

    /// A close date not before its open date.
    pub(super) fn not_before(
        &mut self,
        path: FieldPath,
        end: Option<Timestamp>,
        start: Option<Timestamp>,
    ) {
        if let (Some(end), Some(start)) = (end, start) {
            if end < start {
                self.rules
                    .push(path, FieldCode::NotAllowed, "is before the date it ends");
            }
        }
    }

    pub(super) fn listed(
        &mut self,
        path: FieldPath,
        value: &Option<String>,
        list: BankList,
        required: bool,
    ) -> Option<String> {
        let text = self.text(path.clone(), value, required)?;
        if self.catalog.bank_allows(list, &text) {
            Some(text)
        } else {
            let allowed = self.catalog.bank().list(list).join(", ");
            self.rules.push(
                path,
                FieldCode::NotConfigured,
                format!("is not one of the configured values ({allowed})"),
            );
            None
        }
    }

    pub(super) fn digits(
        &mut self,
        path: FieldPath,
        value: &Option<String>,
        lengths: (usize, usize),
    ) -> Option<String> {
        let text = self.text(path.clone(), value, true)?;
        let (min, max) = lengths;
        let fits = (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        if fits {
            Some(text)
        } else {
            let message = if min == max {
                format!("exactly {min} digits")
            } else {
                format!("{min} to {max} digits")
            };
            self.rules.push(path, FieldCode::InvalidFormat, message);
            None
        }
    }
}
