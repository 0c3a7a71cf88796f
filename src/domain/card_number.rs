//! No full card number is ever stored, on any door: free text and ids that hold what looks
//! like a payment card number (a PAN) are refused, and the value is never repeated back.

use super::errors::{FieldCode, FieldErrors};
use super::path::FieldPath;

const MIN_DIGITS: usize = 13;
const MAX_DIGITS: usize = 19;

/// Separators a run of digits may have between its digits, at most this many together.
const MAX_SEPARATORS: usize = 3;

/// A digit's value, in ASCII or in the scripts and forms a digit is commonly written in
/// (full-width, Arabic-Indic, Devanagari, Bengali): a number is refused however it is typed.
fn digit_value(c: char) -> Option<u8> {
    const ZEROS: [u32; 6] = [0x30, 0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6];
    let code = u32::from(c);
    ZEROS
        .iter()
        .find(|zero| (**zero..**zero + 10).contains(&code))
        .map(|zero| (code - zero) as u8)
}

/// Spaces of any kind, dashes, and characters that show nothing (zero-width spaces and
/// joiners, soft hyphens), which people and forms put between a card's digits.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{00AD}' | '\u{200B}'..='\u{200D}'
                | '\u{2060}' | '\u{FEFF}'
        )
}

/// Whether `text` holds a run of 13 to 19 digits — with up to three separators between
/// digits — that passes the Luhn check and starts as a card network's numbers do.
pub fn holds_card_number(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        if digit_value(chars[start]).is_none() {
            start += 1;
            continue;
        }
        // One run: digits, with a few separators between two digits.
        let mut digits = Vec::with_capacity(MAX_DIGITS + 1);
        let mut at = start;
        while at < chars.len() {
            if let Some(d) = digit_value(chars[at]) {
                digits.push(d);
                at += 1;
                continue;
            }
            let gap = chars[at..].iter().take_while(|c| is_separator(**c)).count();
            let resumes = chars
                .get(at + gap)
                .is_some_and(|c| digit_value(*c).is_some());
            if gap == 0 || gap > MAX_SEPARATORS || !resumes {
                break;
            }
            at += gap;
        }
        if any_window_is_a_card(&digits) {
            return true;
        }
        start = at.max(start + 1);
    }
    false
}

/// A long run may hide a number inside it: every window of a card's length is tried.
fn any_window_is_a_card(digits: &[u8]) -> bool {
    (MIN_DIGITS..=MAX_DIGITS.min(digits.len())).any(|len| {
        digits
            .windows(len)
            .any(|window| has_network_prefix(window) && passes_luhn(window))
    })
}

fn passes_luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn prefix(digits: &[u8], len: usize) -> u32 {
    digits
        .iter()
        .take(len)
        .fold(0, |n, &d| n * 10 + u32::from(d))
}

/// Visa, Mastercard, American Express, Discover, Diners, JCB, UnionPay, Maestro and Mir.
fn has_network_prefix(digits: &[u8]) -> bool {
    let (p1, p2, p3, p4, p6) = (
        prefix(digits, 1),
        prefix(digits, 2),
        prefix(digits, 3),
        prefix(digits, 4),
        prefix(digits, 6),
    );
    p1 == 4
        || (51..=55).contains(&p2)
        || (2221..=2720).contains(&p4)
        || p2 == 34
        || p2 == 37
        || p4 == 6011
        || p2 == 65
        || (644..=649).contains(&p3)
        || (622126..=622925).contains(&p6)
        || (300..=305).contains(&p3)
        || p2 == 36
        || p2 == 38
        || p2 == 39
        || (3528..=3589).contains(&p4)
        || p2 == 62
        || p2 == 50
        || (56..=69).contains(&p2)
        || (2200..=2204).contains(&p4)
}

/// Refuses `value` at `path` when it holds a card number; the message never repeats it.
pub fn refuse_card_number(path: impl Into<FieldPath>, value: &str, errors: &mut FieldErrors) {
    if holds_card_number(value) {
        errors.push(
            path,
            FieldCode::NotAllowed,
            "holds what looks like a payment card number, which is never stored",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn card_numbers_are_found_in_text() {
        for text in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "card: 5555555555554444 thanks",
            "378282246310005",
            "6011111111111117",
            "x4111111111111111x",
            "4111  1111  1111  1111",
            "4111 - 1111 - 1111 - 1111",
            "4111\t1111\n1111\u{a0}1111",
            "\u{ff14}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}\u{ff11}",
            "4\u{200b}1\u{200b}1\u{200b}1111111111111",
        ] {
            assert!(holds_card_number(text), "{text}");
        }
    }

    #[test]
    fn other_numbers_pass() {
        for text in [
            "4111111111111112",
            "421900123456",
            "customer_external_id",
            "1234567890123",
            "4111    1111 1111 1111",
            "9111111111111111",
            "",
        ] {
            assert!(!holds_card_number(text), "{text}");
        }
    }

    fn luhn_complete(body: &[u8]) -> Vec<u8> {
        for check in 0..10 {
            let mut digits = body.to_vec();
            digits.push(check);
            if passes_luhn(&digits) {
                return digits;
            }
        }
        unreachable!("one check digit always completes a number")
    }

    proptest! {
        /// Any Visa-like number with a right check digit is found, whatever surrounds it.
        #[test]
        fn every_luhn_valid_visa_number_is_found(
            body in proptest::collection::vec(0u8..10, 14),
            before in "[a-z ]{0,5}",
            after in "[a-z ]{0,5}",
        ) {
            let mut digits = vec![4];
            digits.extend(body);
            let number: String = luhn_complete(&digits).iter().map(|d| char::from(b'0' + d)).collect();
            let text = format!("{before}{number}{after}");
            prop_assert!(holds_card_number(&text), "{}", text);
        }
    }
}
