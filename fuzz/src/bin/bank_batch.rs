//! AFL++ target: each input goes to `clientele::fuzzing::bank_batch`, whose doc says what it checks.

fn main() {
    afl::fuzz!(|data: &[u8]| clientele::fuzzing::bank_batch(data));
}
