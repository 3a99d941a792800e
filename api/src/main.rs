use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = api::cli::Cli::parse();
    match api::logs::LogFormat::parse(std::env::var("MSB_LOG_FORMAT").ok().as_deref()) {
        Ok(format) => api::logs::init(format),
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    match actix_web::rt::System::new().block_on(api::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
