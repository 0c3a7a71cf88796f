// glibc's malloc and free were a fifth of a create's instructions (callgrind, bench/profile.sh).
// The crate's `override` feature hands C's malloc to mimalloc too, so SQLite's own
// allocations (the bound values it copies, its statement journals) take the same path.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    clientele::cli::main()
}
