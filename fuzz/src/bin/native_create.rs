//! AFL++ target: each input goes to `clientele::fuzzing::native_create`, whose doc says what it checks.

fn main() {
    afl::fuzz!(|data: &[u8]| clientele::fuzzing::native_create(data));
}
