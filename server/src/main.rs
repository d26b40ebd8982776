#[tokio::main]
async fn main() -> std::process::ExitCode {
    doorman_server::cli::run().await
}
