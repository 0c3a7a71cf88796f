// glibc's malloc and free were a fifth of a create's instructions (callgrind, bench/profile.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    clientele::cli::main()
}
