//! `mashangban user …`: staff accounts from the host, as the operator (a
//! city-wide admin on no account, `Actor::operator()`).

use std::io::BufRead;

use anyhow::Context;
use domain::actor::{Actor, Role};
use infra::usecase::{accounts, people};
use uuid::Uuid;

use crate::app::AppState;
use crate::cli::UserCommand;

pub async fn run(state: &AppState, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { username, display_name, role, region, phone } => {
            create(state, username, display_name, role, region, phone).await
        }
        UserCommand::Disable { username } => {
            let id = find(state, &username).await?;
            accounts::set_disabled(&state.db, Actor::operator(), id, true).await?;
            println!("{username} disabled: its logins have ended");
            Ok(())
        }
        UserCommand::Enable { username } => {
            let id = find(state, &username).await?;
            accounts::set_disabled(&state.db, Actor::operator(), id, false).await?;
            println!("{username} enabled");
            Ok(())
        }
        UserCommand::ResetPassword { username } => {
            let id = find(state, &username).await?;
            let (_, secret) = accounts::reset_password(&state.db, Actor::operator(), id).await?;
            eprintln!("{username}: one-time password (shown once; it must be changed at the first login):");
            println!("{secret}");
            Ok(())
        }
    }
}

async fn find(state: &AppState, username: &str) -> anyhow::Result<Uuid> {
    let name = username.trim().to_ascii_lowercase();
    people::find_username(&state.db, name).await?.with_context(|| format!("no user named {username}"))
}

async fn create(
    state: &AppState,
    username: String,
    display_name: String,
    role: String,
    region: Option<String>,
    phone: Option<String>,
) -> anyhow::Result<()> {
    let role: Role = role.parse()?;
    let password = match std::env::var("MSB_NEW_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password for {username} (one line on stdin):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let new = people::NewStaffAccount { username, display_name, password, role, region, phone };
    let created = people::create_staff(&state.db, new).await?;
    println!("created {} ({}) as {}", created.username.as_deref().unwrap_or(""), created.id, role.as_str());
    Ok(())
}
