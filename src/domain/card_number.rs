//! No full card number is ever stored, on any door: free text and ids that hold what looks
//! like a payment card number (a PAN) are refused, and the value is never repeated back.

use super::errors::{FieldCode, FieldErrors};
use super::path::FieldPath;

const MIN_DIGITS: usize = 13;
const MAX_DIGITS: usize = 19;

/// Separators between two groups of a card's digits, at most this many together.
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

/// How many digits `text` holds, of any script [`digit_value`] reads.
fn digit_count(text: &str) -> usize {
    // Every other script's digits are outside ASCII, so ASCII text needs no char decoding.
    if text.is_ascii() {
        return text.bytes().filter(u8::is_ascii_digit).count();
    }
    text.chars().filter(|c| digit_value(*c).is_some()).count()
}

/// Characters that show nothing (zero-width spaces and joiners, the soft hyphen): read as
/// absent, so digits they split are one number, as a reader sees it.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// Spaces of any kind and dashes, which people and forms put between a card's groups.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// Digits written together, and whether a letter touches them (`4abc`, `k686…`).
struct Group {
    digits: Vec<u8>,
    glued: bool,
}

/// Whether `text` holds what looks like a card number that passes the Luhn check and starts
/// as a card network's numbers do: 13 to 19 digits written together (any such stretch of a
/// longer one), or groups of them with up to three separators between, grouped as cards
/// are written (4-4-4-4, 4-4-4-4-3, 4-6-5, one digit at a time…). Groups grouped otherwise,
/// or touching a letter, are not a card written out: a UUID's `12345678-1234-4abc` is none.
pub fn holds_card_number(text: &str) -> bool {
    // Almost every value holds fewer digits than any card: answered without allocating.
    if digit_count(text) < MIN_DIGITS {
        return false;
    }
    let chars: Vec<char> = text.chars().filter(|c| !is_invisible(*c)).collect();
    let mut run: Vec<Group> = Vec::new();
    let mut last_end: Option<usize> = None;
    let mut at = 0;
    while at < chars.len() {
        if digit_value(chars[at]).is_none() {
            at += 1;
            continue;
        }
        let start = at;
        let mut digits = Vec::new();
        while let Some(d) = chars.get(at).and_then(|c| digit_value(*c)) {
            digits.push(d);
            at += 1;
        }
        let glued = (start > 0 && chars[start - 1].is_alphabetic())
            || chars.get(at).is_some_and(|c| c.is_alphabetic());
        let joined = last_end.is_some_and(|end| {
            (1..=MAX_SEPARATORS).contains(&(start - end))
                && chars[end..start].iter().all(|c| is_separator(*c))
        });
        if !joined {
            if run_holds_card(&run) {
                return true;
            }
            run.clear();
        }
        run.push(Group { digits, glued });
        last_end = Some(at);
    }
    run_holds_card(&run)
}

/// Digits separated by separators only: any one group, or any card-like grouping of
/// consecutive groups that no letter touches.
fn run_holds_card(run: &[Group]) -> bool {
    if run.iter().any(|group| any_window_is_a_card(&group.digits)) {
        return true;
    }
    (0..run.len()).any(|first| {
        (first + 2..=run.len()).any(|end| {
            let groups = &run[first..end];
            if groups.iter().any(|group| group.glued) || !grouped_as_cards(groups) {
                return false;
            }
            let digits: Vec<u8> = groups
                .iter()
                .flat_map(|g| g.digits.iter().copied())
                .collect();
            (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
                && has_network_prefix(&digits)
                && passes_luhn(&digits)
        })
    })
}

/// Groups of one size with a last one no longer (4-4-4-4, 4-4-4-4-3, 1-1-…-1), or the
/// American Express and Diners groupings.
fn grouped_as_cards(groups: &[Group]) -> bool {
    let sizes: Vec<usize> = groups.iter().map(|g| g.digits.len()).collect();
    if matches!(sizes.as_slice(), [4, 6, 5] | [4, 6, 4]) {
        return true;
    }
    let (last, head) = sizes.split_last().expect("two groups or more");
    head.iter().all(|size| *size == head[0]) && *last <= head[0]
}

/// A long stretch of digits may hide a number inside it: every window of a card's length
/// is tried.
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

/// What a value refused for holding a card number is told; it never repeats the number.
pub const CARD_NUMBER_REFUSED: &str =
    "holds what looks like a payment card number, which is never stored";

/// Refuses `value` at `path` when it holds a card number.
pub fn refuse_card_number(path: impl Into<FieldPath>, value: &str, errors: &mut FieldErrors) {
    if holds_card_number(value) {
        errors.push(path, FieldCode::NotAllowed, CARD_NUMBER_REFUSED);
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
            "3782 822463 10005",
            "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            "4111 1111 1111 1111 123",
            "my card: 4111-1111-1111-1111, exp 12/25",
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
            // UUIDs whose digit groups a looser rule read as a Visa number.
            "44d50172-6227-4051-813b-c6bad8a9f8f4",
            "f31aeb00-4982-4407-8941-965096ee86ef",
            "67d80702-7091-4526-9548-052b61b95afe",
            "a4111-1111-1111-1111",
            "k686045369-109-0",
            "",
        ] {
            assert!(!holds_card_number(text), "{text}");
        }
    }

    /// A random UUID is an id clients use for keys and external ids; 1 in 250 of them was
    /// refused when any 13 digits across its dashes counted.
    #[test]
    fn random_uuids_pass() {
        let refused: Vec<String> = (0..50_000)
            .map(|_| uuid::Uuid::new_v4().to_string())
            .filter(|id| holds_card_number(id))
            .collect();
        assert!(refused.is_empty(), "{refused:?}");
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

        /// The count that lets most text through early counts what the full scan reads.
        #[test]
        fn digits_are_counted_as_digit_value_reads_them(text in "[0-9a-z \u{ff10}-\u{ff19}\u{0660}-\u{0669}\u{00e9}]{0,40}") {
            let read = text.chars().filter(|c| digit_value(*c).is_some()).count();
            prop_assert_eq!(digit_count(&text), read);
        }
    }
}
