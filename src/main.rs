// mimalloc returns freed memory to the OS: with glibc's malloc, each blocking
// thread's arena kept the 19 MiB of its last argon2 hash, and a burst of sign-ins
// left the server at ~430 MB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    fieldops::cli::run().await
}
