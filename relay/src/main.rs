//! `webfn`: the one binary of WebFunctions. Relay, provider and command-line tools live behind
//! its subcommands; `main` only parses the command line and reports errors.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod keyfile;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
