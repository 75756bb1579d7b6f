//! What every request handler shares: the service and the metrics.

use crate::config::AppConfig;
use crate::metrics::Metrics;
use crate::service::Service;
use crate::store::Store;

pub struct AppState {
    pub service: Service,
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(store: Store, config: AppConfig) -> AppState {
        let metrics = Metrics::new(store.stats());
        AppState { service: Service::new(store, config), metrics }
    }
}
