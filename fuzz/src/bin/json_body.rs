//! AFL++ target: each input goes to `clientele::fuzzing::json_body`, whose doc says what it checks.

fn main() {
    afl::fuzz!(|data: &[u8]| clientele::fuzzing::json_body(data));
}
