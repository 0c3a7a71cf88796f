//! AFL++ target: each input goes to `clientele::fuzzing::xml`, whose doc says what it checks.

fn main() {
    afl::fuzz!(|data: &[u8]| clientele::fuzzing::xml(data));
}
