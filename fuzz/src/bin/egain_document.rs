//! AFL++ target: each input goes to `clientele::fuzzing::egain_document`, whose doc says what it checks.

fn main() {
    afl::fuzz!(|data: &[u8]| clientele::fuzzing::egain_document(data));
}
