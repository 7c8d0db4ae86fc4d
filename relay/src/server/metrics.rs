//! Counters exposed at `/metrics` in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use webfn_protocol::ErrorCode;

/// Upper bounds of the call latency histogram, seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

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
    /// Calls through the gateway and the caller WebSocket.
    pub calls: CallMetrics,
}

/// Calls by outcome, and their latency.
#[derive(Debug, Default)]
pub struct CallMetrics {
    /// Calls answered by the function.
    succeeded: AtomicU64,
    /// Failed calls by error code.
    failed: Mutex<BTreeMap<&'static str, u64>>,
    /// Count of calls at or under each bound of [`LATENCY_BUCKETS`] (not cumulative).
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    /// Calls over the last bound.
    over: AtomicU64,
    /// Sum of latencies, microseconds.
    sum_us: AtomicU64,
}

impl CallMetrics {
    /// Counts a finished call: `None` when the function answered, else the error code.
    pub fn observe(&self, error: Option<ErrorCode>, latency: Duration) {
        match error {
            None => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
            }
            Some(code) => {
                let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
                *failed.entry(code.as_str()).or_default() += 1;
            }
        }
        let seconds = latency.as_secs_f64();
        match LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            Some(i) => self.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => self.over.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.sum_us.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String) {
        let name = "webfn_calls_total";
        let _ = writeln!(
            out,
            "# HELP {name} Calls by result (ok, or the error code).\n# TYPE {name} counter"
        );
        let _ = writeln!(
            out,
            "{name}{{result=\"ok\"}} {}",
            self.succeeded.load(Ordering::Relaxed)
        );
        let failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        for (code, count) in failed.iter() {
            let _ = writeln!(out, "{name}{{result=\"{code}\"}} {count}");
        }
        drop(failed);
        let name = "webfn_call_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from a call's arrival to its answer.\n# TYPE {name} histogram"
        );
        let mut cumulative = 0u64;
        for (bound, count) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.over.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

impl Metrics {
    /// Adds one to a counter.
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition, with `extra` metrics kept elsewhere added as they are:
    /// (name, help, type, value).
    pub fn render(&self, extra: &[(&str, &str, &str, u64)]) -> String {
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
        self.calls.render(&mut out);
        for (name, help, kind, value) in extra {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}
