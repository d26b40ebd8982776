//! The `doorman` command line: serve, migrate, and the operator commands.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use doorman_store::admins::Role;
use doorman_store::reputation::{parse_list_file, List};
use doorman_store::Store;
use leptos::config::LeptosOptions;

use crate::config::{
    AdminCommand, Cli, Command, DbConfig, KeyCommand, ListCommand, ReputationCommand, RulesCommand,
    ServeConfig, TenantCommand,
};
use crate::demo::DemoBackend;
use crate::rate_limit::RateLimiter;
use crate::state::{AppState, ReputationCache};

/// Who the audit log names for changes made on the command line.
const CLI_ACTOR: &str = "cli";

/// Any failure of a command: printed as one line, exit code 1.
type CliResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    let command = cli.command.unwrap_or_else(|| Command::Serve(Box::new(ServeConfig::from_env())));
    match execute(&cli.db, command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn open(db: &DbConfig) -> Result<Store, doorman_store::StoreError> {
    let store = Store::connect_with(&db.database_url, db.db_max_connections, db.sqlite_synchronous).await?;
    store.migrate().await?;
    Ok(store)
}

async fn execute(db: &DbConfig, command: Command) -> CliResult {
    match command {
        Command::Serve(config) => serve(db, *config).await,
        Command::Backup { file } => {
            let store = Store::connect(&db.database_url, 1).await?;
            store.backup_to(&file).await?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Restore { file } => {
            doorman_store::backup::restore_sqlite(&file, &db.database_url).await?;
            println!("database restored from {}", file.display());
            Ok(())
        }
        Command::Migrate => {
            let store = open(db).await?;
            seed_reputation(&store, &ServeConfig::from_env().data_dir).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin(AdminCommand::Create { email, tenant }) => {
            let store = open(db).await?;
            let tenant_id = match tenant {
                Some(slug) => Some(tenant_id(&store, &slug).await?),
                None => None,
            };
            let role = if tenant_id.is_some() { Role::ClientAdmin } else { Role::SuperAdmin };
            let password = read_password()?;
            let admin = store.create_admin(&email, &password, role, tenant_id.as_deref()).await?;
            let action = if tenant_id.is_some() { "client_admin.create" } else { "super_admin.create" };
            store.record_audit(CLI_ACTOR, tenant_id.as_deref(), action, &admin.email, "").await?;
            println!("created {} {}", role.as_str(), admin.email);
            Ok(())
        }
        Command::Tenant(TenantCommand::Create { slug, name }) => {
            let store = open(db).await?;
            let tenant = store.create_tenant(&slug, &name).await?;
            let detail = format!("name {:?}", tenant.name);
            store.record_audit(CLI_ACTOR, Some(&tenant.id), "tenant.create", &tenant.slug, &detail).await?;
            println!("created tenant {} ({})", tenant.slug, tenant.name);
            Ok(())
        }
        Command::Tenant(TenantCommand::List) => {
            for t in open(db).await?.list_tenants().await? {
                println!("{}\t{}\t{}", t.slug, t.status, t.name);
            }
            Ok(())
        }
        Command::Key(KeyCommand::Create { tenant, name }) => {
            let store = open(db).await?;
            let tenant_id = tenant_id(&store, &tenant).await?;
            let (key, secret) = store.create_api_key(&tenant_id, &name).await?;
            let detail = format!("name {:?}", key.name);
            store.record_audit(CLI_ACTOR, Some(&tenant_id), "api_key.create", &key.prefix, &detail).await?;
            // Only the key on stdout, so that scripts can capture it.
            println!("{secret}");
            Ok(())
        }
        Command::Reputation(ReputationCommand::Import { list, file }) => {
            let list = List::parse(&list)?;
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let parsed = parse_list_file(list, &text);
            // An import is all or nothing, so that a typo is fixed before anything is added.
            if let Some(first) = parsed.rejected.first() {
                return Err(format!(
                    "{} invalid lines in {}; first: {first}",
                    parsed.rejected.len(),
                    file.display()
                )
                .into());
            }
            let source = format!("file:{}", file.display());
            let store = open(db).await?;
            let added = store.import_reputation(list, &parsed.entries, &source).await?;
            let detail = format!("{added} new from {}", file.display());
            store.record_audit(CLI_ACTOR, None, "reputation.import", list.as_str(), &detail).await?;
            println!("{added} new entries in {} ({} in the file)", list.as_str(), parsed.entries.len());
            Ok(())
        }
        Command::List(ListCommand::Add { tenant, action, kind, value, reason, hours }) => {
            use doorman_engine::lists::{parse_entry, ListAction, ListKind};
            let action = ListAction::parse(&action)?;
            let entry = parse_entry(ListKind::parse(&kind)?, &value)?;
            let store = open(db).await?;
            let tenant_id = tenant_id(&store, &tenant).await?;
            let now = doorman_store::now_ms();
            let until = hours.map(|h| now + i64::from(h) * 3_600_000);
            store.add_list_entry(&tenant_id, action, &entry, &reason, CLI_ACTOR, until, now).await?;
            let target = format!("{} {}", entry.kind.as_str(), entry.value);
            let what = format!("list.{}.add", action.as_str());
            store.record_audit(CLI_ACTOR, Some(&tenant_id), &what, &target, reason.trim()).await?;
            match hours {
                Some(h) => println!("{} {target} for {h} hours", action.as_str()),
                None => println!("{} {target}", action.as_str()),
            }
            Ok(())
        }
        Command::List(ListCommand::Remove { tenant, kind, value }) => {
            use doorman_engine::lists::{parse_entry, ListKind};
            let kind = ListKind::parse(&kind)?;
            let value = parse_entry(kind, &value).map(|e| e.value).unwrap_or(value);
            let store = open(db).await?;
            let tenant_id = tenant_id(&store, &tenant).await?;
            if !store.remove_list_entry(&tenant_id, kind, &value).await? {
                return Err(format!("no {} entry {value}", kind.as_str()).into());
            }
            let target = format!("{} {value}", kind.as_str());
            store.record_audit(CLI_ACTOR, Some(&tenant_id), "list.remove", &target, "").await?;
            println!("removed {target}");
            Ok(())
        }
        Command::List(ListCommand::Show { tenant }) => {
            let store = open(db).await?;
            let page = store.list_entries(&tenant_id(&store, &tenant).await?, &Default::default()).await?;
            for e in page.entries {
                let until = e.expires_at.map_or("-".to_string(), |at| at.to_string());
                println!("{}\t{}\t{}\t{until}\t{}", e.action, e.kind, e.value, e.note);
            }
            Ok(())
        }
        Command::Rules(RulesCommand::Show { tenant }) => {
            let store = open(db).await?;
            let config = match tenant {
                Some(slug) => store.effective_rule_config(&tenant_id(&store, &slug).await?).await?,
                None => store.global_rule_config().await?,
            };
            println!("{}", serde_json::to_string_pretty(&config)?);
            Ok(())
        }
        Command::Rules(RulesCommand::Set { tenant, file }) => {
            let store = open(db).await?;
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let bad_json = |e: serde_json::Error| format!("{}: {e}", file.display());
            match tenant {
                Some(slug) => {
                    let overrides = serde_json::from_str(&text).map_err(bad_json)?;
                    let tenant_id = tenant_id(&store, &slug).await?;
                    store.set_tenant_overrides(&tenant_id, &overrides).await?;
                    store
                        .record_audit(CLI_ACTOR, Some(&tenant_id), "rules.set_overrides", &slug, &text)
                        .await?;
                    println!("saved the overrides of {slug}");
                }
                None => {
                    store.set_global_rule_config(&serde_json::from_str(&text).map_err(bad_json)?).await?;
                    store.record_audit(CLI_ACTOR, None, "rules.set_global", "global", &text).await?;
                    println!("saved the global defaults");
                }
            }
            Ok(())
        }
    }
}

async fn tenant_id(store: &Store, slug: &str) -> Result<String, String> {
    match store.tenant_by_slug(slug).await {
        Ok(Some(tenant)) => Ok(tenant.id),
        Ok(None) => Err(format!("no tenant with slug {slug:?}")),
        Err(err) => Err(err.to_string()),
    }
}

/// The password from the first line of standard input, so it never shows in the process
/// list or shell history.
fn read_password() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(password)
}

/// Loads the bundled reputation lists into an empty database (first migrate or start only).
async fn seed_reputation(store: &Store, data_dir: &std::path::Path) -> CliResult {
    for list in List::ALL {
        if store.count_reputation(list).await? > 0 {
            continue;
        }
        let path = data_dir.join(format!("{}.txt", list.as_str()));
        let Ok(text) = std::fs::read_to_string(&path) else {
            tracing::warn!(path = %path.display(), "no bundled list; {} stays empty", list.as_str());
            continue;
        };
        // A third-party list may hold a few odd lines; they are skipped, not fatal to start.
        let parsed = parse_list_file(list, &text);
        if !parsed.rejected.is_empty() {
            tracing::warn!(list = list.as_str(), skipped = parsed.rejected.len(), first = %parsed.rejected[0], "skipped invalid lines");
        }
        let added =
            store.import_reputation(list, &parsed.entries, &format!("bundled:{}", path.display())).await?;
        tracing::info!(list = list.as_str(), added, "loaded bundled reputation list");
    }
    Ok(())
}

/// Builds the server's state: the store must already be migrated.
pub async fn build_state(store: Store, config: ServeConfig) -> Result<AppState, Box<dyn std::error::Error>> {
    seed_reputation(&store, &config.data_dir).await?;
    let version = store.reputation_version().await?;
    let reputation = ReputationCache::new(store.load_reputation().await?);
    if config.reputation_refresh_ms > 0 {
        let every = std::time::Duration::from_millis(config.reputation_refresh_ms);
        crate::reputation::spawn(store.clone(), reputation.clone(), every, version);
    }
    let geo = Arc::new(crate::geo::load(&config)?);
    let demo =
        if config.demo { Some(Arc::new(DemoBackend::setup(&store, config.addr).await?)) } else { None };
    let leptos_options = LeptosOptions::builder()
        .output_name("doorman")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build();
    let rate_limiter = Arc::new(RateLimiter::new(config.rate_limit, config.rate_limit_burst));
    let live = app::live::LiveFeed::new(config.live_buffer as usize, config.live_max_subscribers);
    Ok(AppState::new(crate::state::Shared {
        live,
        deadlines: Default::default(),
        leptos_options,
        store,
        reputation,
        geo,
        config: Arc::new(config),
        demo,
        metrics: Default::default(),
        rate_limiter,
    }))
}

async fn serve(db: &DbConfig, config: ServeConfig) -> CliResult {
    let store = open(db).await?;
    if let Some(sync) = store.sqlite_synchronous().await? {
        let survives = match sync {
            doorman_store::SqliteSync::Normal => "a crash of the process",
            doorman_store::SqliteSync::Full => "a crash of the process and a power loss",
        };
        tracing::info!(synchronous = sync.as_str(), "an acknowledged event survives {survives}");
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr()?;
    let state = build_state(store.clone(), ServeConfig { addr, ..config }).await?;
    let demo = state.demo.is_some();
    if state.config.retention_interval_secs > 0 {
        crate::retention::spawn(
            state.store.clone(),
            state.metrics.clone(),
            std::time::Duration::from_secs(state.config.retention_interval_secs),
        );
    }
    crate::webhooks::spawn(state.store.clone(), state.config.webhooks.clone());
    crate::statistics::spawn(state.store.clone());
    let app = crate::routes::router(state);
    tracing::info!(%addr, demo, "doorman listening");
    if demo {
        tracing::info!("demo signup page: http://{addr}/demo");
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    store.close().await;
    tracing::info!("doorman stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; axum then finishes the requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
