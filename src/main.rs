use clap::Parser;
use opsdeck::cli::{Cli, EXIT_CHECK_FAILED};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = opsdeck::runtime::terminal::install_hooks() {
        eprintln!("opsdeck: cannot install error hooks: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("opsdeck: cannot start: {e}");
            return ExitCode::from(EXIT_CHECK_FAILED);
        }
    };
    let code = runtime.block_on(opsdeck::cli::run(&cli));
    // The relays' sockets of PostgreSQL targets behind a bastion.
    opsdeck::backends::postgres::tunnel::close_all();
    code
}
