//! Counters exposed at `/metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The relay's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Bundles accepted.
    pub bundles_uploaded: AtomicU64,
    /// Uploads refused.
    pub bundles_refused: AtomicU64,
    /// Deploys accepted.
    pub deploys: AtomicU64,
    /// Deploys refused.
    pub deploys_refused: AtomicU64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters = [
            (
                "webfn_bundles_uploaded_total",
                "Bundles accepted.",
                &self.bundles_uploaded,
            ),
            (
                "webfn_bundles_refused_total",
                "Bundle uploads refused.",
                &self.bundles_refused,
            ),
            ("webfn_deploys_total", "Deploys accepted.", &self.deploys),
            (
                "webfn_deploys_refused_total",
                "Deploys refused.",
                &self.deploys_refused,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out
    }
}
