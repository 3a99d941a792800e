//! The `mashangban` command line: serve (default), migrate, seed, openapi,
//! user create, token.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use infra::seed;
use infra::usecase::people;

use crate::app::AppState;
use crate::config::{Config, Env};

#[derive(Debug, Parser)]
#[command(name = "mashangban", version, about = "码上办: scan, report, dispatch, resolve, rate")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default)
    Serve {
        /// Load the fixtures first (demo accounts too, unless MSB_ENV=prod)
        #[arg(long)]
        seed: bool,
    },
    /// Apply pending migrations and exit
    Migrate,
    /// Load the fixtures; running it again changes nothing
    Seed {
        /// Skip the demo accounts (always skipped with MSB_ENV=prod)
        #[arg(long)]
        no_demo_accounts: bool,
    },
    /// Print the OpenAPI document
    Openapi,
    /// One pass of the sweeper: flag overdue orders, close resolved ones nobody rated
    Sweep,
    /// Send every notification that is due (the outbox), then exit
    Dispatch,
    /// Show the notification queue (newest first) and retry dead notifications
    Outbox {
        /// Only this status: pending, sending, failed, sent, dead
        #[arg(long)]
        status: Option<String>,
        /// Only notifications this channel tried: inbox, wechat, wecom, webhook
        #[arg(long)]
        channel: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Put every dead notification back in the queue
        #[arg(long)]
        retry_dead: bool,
    },
    /// Print a community's posters into a folder (PNG or SVG per poster, or one PDF)
    Posters {
        /// The community's code or id, e.g. `dd-hean`
        #[arg(long)]
        community: String,
        #[arg(long, default_value = "posters")]
        out: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = crate::print_cli::PrintFormat::Png)]
        format: crate::print_cli::PrintFormat,
    },
    /// Fill the database with realistic generated orders (a region tree, workers,
    /// residents, a year of orders through the loop), for benchmarks and demos
    Gen {
        #[arg(long, default_value_t = 100_000)]
        orders: u64,
        /// The same seed gives the same orders
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The statistics' counters: check them against a recount from the orders, or rebuild them
    Stats {
        #[command(subcommand)]
        command: crate::gen_cli::StatsCommand,
    },
    /// Manage accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print an access token for a user (development only): how to act as a
    /// WeChat user without WeChat
    Token {
        /// Username, e.g. `jumin` (resident) or `dangyuan` (party member)
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account; the password is read from stdin (or MSB_NEW_PASSWORD)
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// grid_worker, community_staff, street_staff, department_staff, org_member or admin
        #[arg(long)]
        role: String,
        /// Region code or id the role covers (omit for a city-wide admin or department)
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Disable an account: its logins end at once
    Disable { username: String },
    /// Enable a disabled account
    Enable { username: String },
    /// Give an account a one-time password (printed once) and end its logins
    ResetPassword { username: String },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve { seed: false }) {
        Command::Openapi => {
            print!("{}", crate::openapi::render()?);
            Ok(())
        }
        Command::Migrate => {
            let state = AppState::connect(Config::from_env()?).await?;
            println!("migrations applied");
            crate::gen_cli::ensure_stats(&state).await
        }
        Command::Seed { no_demo_accounts } => {
            let state = AppState::connect(Config::from_env()?).await?;
            seed_now(&state, !no_demo_accounts).await
        }
        Command::Serve { seed } => serve(seed).await,
        Command::Sweep => {
            let state = AppState::connect(Config::from_env()?).await?;
            let swept = crate::serve::sweep_once(&state).await?;
            let report = &swept.orders;
            println!(
                "sweep: {} overdue flagged, {} escalated, {} closed without rating, {} contacts erased (retention)",
                report.overdue_flagged, report.escalated, report.auto_closed, swept.contacts_erased
            );
            Ok(())
        }
        Command::Dispatch => {
            let state = AppState::connect(Config::from_env()?).await?;
            let r = infra::usecase::notifications::dispatch(&state.db, &state.notify, infra::ids::now_utc()).await?;
            println!("dispatch: {} sent, {} to retry, {} dead", r.sent, r.retried, r.dead);
            Ok(())
        }
        Command::Outbox { status, channel, limit, retry_dead } => {
            let state = AppState::connect(Config::from_env()?).await?;
            if retry_dead {
                let n = infra::usecase::notifications::retry_all_dead(&state.db).await?;
                println!("outbox: {n} dead notifications back in the queue");
                return Ok(());
            }
            let filter = infra::usecase::notifications::DeliveryFilter {
                status: status.as_deref().map(choice).transpose()?,
                channel: channel.as_deref().map(choice).transpose()?,
            };
            let page = infra::usecase::Page::new(None, Some(limit));
            let queue = infra::usecase::notifications::queue(&state.db, filter, page).await?;
            print!("{}", crate::outbox_table::render(&queue.items));
            Ok(())
        }
        Command::Gen { orders, seed } => {
            let state = AppState::connect(Config::from_env()?).await?;
            crate::gen_cli::run(&state, orders, seed).await
        }
        Command::Stats { command } => {
            let state = AppState::connect(Config::from_env()?).await?;
            crate::gen_cli::stats(&state, command).await
        }
        Command::Posters { community, out, format } => {
            let state = AppState::connect(Config::from_env()?).await?;
            crate::print_cli::run(&state, community, out, format).await
        }
        Command::User { command } => {
            let state = AppState::connect(Config::from_env()?).await?;
            crate::account_cli::run(&state, command).await
        }
        Command::Token { username } => {
            let config = Config::from_env()?;
            if config.env == Env::Prod {
                bail!("`token` is for development; with MSB_ENV=prod users log in");
            }
            let state = AppState::connect(config).await?;
            let user = people::find_username(&state.db, username.clone())
                .await?
                .with_context(|| format!("no user named {username}"))?;
            let tokens = crate::auth::login::for_user(&state, user).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", tokens.access_token);
            Ok(())
        }
    }
}

async fn seed_now(state: &AppState, demo_accounts: bool) -> anyhow::Result<()> {
    let with_accounts = demo_accounts && state.config.env != Env::Prod;
    let report = seed::load(&state.db, with_accounts).await?;
    println!(
        "seed: {} regions, {} posters, {} categories, {} items, {} accounts created ({})",
        report.regions_created,
        report.posters_created,
        report.categories_created,
        report.items_created,
        report.accounts_created,
        if with_accounts { "with demo accounts" } else { "without demo accounts" },
    );
    Ok(())
}

async fn serve(seed_first: bool) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let state = AppState::connect(config).await?;
    if seed_first {
        seed_now(&state, true).await?;
    }
    check_prod_ready(&state).await?;
    crate::gen_cli::ensure_stats(&state).await?;
    crate::serve::serve(state, print_banner).await
}

/// With `MSB_ENV=prod`, refuses to serve while a demo fixture password works.
/// A command-line value from a closed set, refused with the set's own message.
fn choice<T: std::str::FromStr<Err = domain::DomainError>>(value: &str) -> anyhow::Result<T> {
    value.parse().map_err(|e| match e {
        domain::DomainError::Validation(errors) => {
            anyhow::anyhow!(
                "{value}: {}",
                errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            )
        }
        other => anyhow::anyhow!(other),
    })
}

pub async fn check_prod_ready(state: &AppState) -> anyhow::Result<()> {
    if state.config.env != Env::Prod {
        return Ok(());
    }
    let in_use = seed::demo_passwords_in_use(&state.db).await?;
    if !in_use.is_empty() {
        bail!(
            "MSB_ENV=prod refuses to start: these accounts still have their demo fixture password: {}",
            in_use.join(", ")
        );
    }
    let robots = seed::demo_robots_in_use(&state.db).await?;
    if !robots.is_empty() {
        bail!(
            "MSB_ENV=prod refuses to start: the WeCom robots of these regions have development keys: {} \
             (set real ones with POST /api/v1/wecom-robots)",
            robots.join(", ")
        );
    }
    Ok(())
}

fn print_banner(state: &AppState, addr: String) {
    let base = format!("http://{addr}");
    println!(
        "\n码上办 mashangban is serving on {base}  ({} database: {})",
        state.db.backend(),
        state.config.database_url
    );
    println!("  Swagger UI:   {base}/swagger-ui/");
    println!("  Console:      {base}/console/   (staff: new orders arrive live with a 叮咚)");
    println!("  OpenAPI:      {base}/api-docs/openapi.json");
    println!("  Try a poster: curl {base}/api/v1/scan/dd-hean");
    println!("  Print one:    curl -o poster.png {base}/api/v1/posters/dd-hean/poster.png -H \"Authorization: Bearer $TOKEN\"  (staff)");
    println!("  Print all:    ./target/debug/mashangban posters --community diandeng --format pdf");
    println!("  Media:        {}", state.media.describe());
    if state.config.env == Env::Prod {
        return;
    }
    println!("\nDemo accounts (development fixtures):");
    for account in seed::demo_accounts().unwrap_or_default() {
        let region = account.region.as_deref().unwrap_or("whole city");
        match &account.password {
            Some(pw) => println!(
                "  {:<16} {:<10} {:<16} curl -X POST {base}/api/v1/auth/login -H 'Content-Type: application/json' -d '{{\"username\":\"{}\",\"password\":\"{}\"}}'",
                account.role.as_str(), account.username, region, account.username, pw
            ),
            None => println!(
                "  {:<16} {:<10} {:<16} WeChat user: TOKEN=$(./target/debug/mashangban token {})",
                account.role.as_str(), account.username, region, account.username
            ),
        }
    }
    println!("\nThen: curl {base}/api/v1/me -H \"Authorization: Bearer $TOKEN\"\n");
}
