//! Shared state of the HTTP server: handed to axum handlers and, as context, to the
//! dashboard's server functions.

use std::sync::{Arc, RwLock};

use axum::extract::FromRef;
use doorman_engine::geo::Geo;
use doorman_engine::reputation::Reputation;
use doorman_store::Store;
use leptos::config::LeptosOptions;

use crate::config::ServeConfig;
use crate::demo::DemoBackend;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;

/// Cloned for every request by axum's `State` extractor, so one reference count: cloning
/// the parts themselves (the dashboard's options alone are a dozen strings) took a twentieth
/// of the server's time under ingest.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub reputation: ReputationCache,
    /// IP and time-zone databases, loaded at start.
    pub geo: Arc<Geo>,
    pub config: Arc<ServeConfig>,
    pub demo: Option<Arc<DemoBackend>>,
    pub metrics: Arc<Metrics>,
    pub rate_limiter: Arc<RateLimiter>,
    /// Scored events and review changes for the dashboard pages that follow them.
    pub live: app::live::LiveFeed,
    /// Each API key's deadline policy as last read, for when the database cannot be asked.
    pub deadlines: Arc<crate::deadline::Deadlines>,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts that extractors and leptos_axum take from the state.
macro_rules! parts {
    ($($part:ty => $field:ident),* $(,)?) => {$(
        impl FromRef<AppState> for $part {
            fn from_ref(state: &AppState) -> Self {
                state.$field.clone()
            }
        }
    )*};
}
parts! {
    LeptosOptions => leptos_options,
    Store => store,
    ReputationCache => reputation,
    Arc<Geo> => geo,
    Arc<ServeConfig> => config,
    Arc<Metrics> => metrics,
    Arc<RateLimiter> => rate_limiter,
    app::live::LiveFeed => live,
    Arc<crate::deadline::Deadlines> => deadlines,
}

/// The reputation lists in memory. Read on every event; replaced whole when lists change,
/// so readers never wait on a reload.
#[derive(Clone, Default)]
pub struct ReputationCache(Arc<RwLock<Arc<Reputation>>>);

impl ReputationCache {
    pub fn new(reputation: Reputation) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(reputation))))
    }

    pub fn get(&self) -> Arc<Reputation> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, reputation: Reputation) {
        let mut guard = match self.0.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(reputation);
    }
}
