use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = api::cli::Cli::parse();
    api::cli::init_tracing();
    match actix_web::rt::System::new().block_on(api::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
