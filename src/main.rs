fn main() -> std::process::ExitCode {
    clientele::cli::main()
}
