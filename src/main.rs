#[tokio::main]
async fn main() -> std::process::ExitCode {
    fieldops::cli::run().await
}
