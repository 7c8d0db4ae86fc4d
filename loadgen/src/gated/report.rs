//! What the bench reports: nearest-rank percentiles of round trips, and the relay's own view
//! of the timed calls from its job records.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::bail;
use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::setup::{GATED, OPEN};

/// Round trips of one kind, microseconds (nearest-rank percentiles).
#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// The relay's own view of the timed calls, from `GET /v1/jobs`: medians, microseconds.
#[derive(Debug, Serialize)]
pub struct RelayView {
    pub jobs: usize,
    /// Dispatch to answer; for gated calls from the start of the call's checks.
    pub latency_p50_us: u64,
    /// The provider's execution time.
    pub exec_p50_us: u64,
}

/// One job record, as far as this needs it.
#[derive(Debug, Deserialize)]
struct JobView {
    id: String,
    latency_us: u64,
    exec_us: Option<u64>,
}

/// The relay's job records of the timed calls: gated ones by job id, open ones the newest
/// as many (they came after the warm-up). Waits up to 10 s for the batched journal.
pub async fn relay_view(
    authority: &str,
    gated_ids: &HashSet<&str>,
) -> anyhow::Result<(RelayView, RelayView)> {
    let mut client = Client::connect(authority).await?;
    let started = Instant::now();
    loop {
        let mut lists = Vec::new();
        for name in [OPEN, GATED] {
            let path = format!("/v1/jobs?function={name}&limit=1000");
            let answer = client.send(Method::GET, &path, None, Bytes::new()).await?;
            lists.push(answer.decode::<Vec<JobView>>("the job records")?);
        }
        let gated: Vec<&JobView> = lists[1]
            .iter()
            .filter(|job| gated_ids.contains(job.id.as_str()))
            .collect();
        if gated.len() == gated_ids.len() {
            let open: Vec<&JobView> = lists[0].iter().take(gated_ids.len()).collect();
            return Ok((view(&open), view(&gated)));
        }
        if started.elapsed() > Duration::from_secs(10) {
            bail!(
                "the relay recorded {} of {} gated jobs",
                gated.len(),
                gated_ids.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn view(jobs: &[&JobView]) -> RelayView {
    let mut latency: Vec<u64> = jobs.iter().map(|job| job.latency_us).collect();
    let mut exec: Vec<u64> = jobs.iter().filter_map(|job| job.exec_us).collect();
    latency.sort_unstable();
    exec.sort_unstable();
    RelayView {
        jobs: jobs.len(),
        latency_p50_us: rank(&latency, 0.5),
        exec_p50_us: rank(&exec, 0.5),
    }
}

pub fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}

/// The nearest-rank `q` quantile of sorted values (0 for none).
fn rank(sorted: &[u64], q: f64) -> u64 {
    let n = sorted.len();
    if n == 0 {
        return 0;
    }
    let index = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
    sorted[index]
}

pub fn percentiles(values: &[u64]) -> Percentiles {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let sum: u64 = sorted.iter().sum();
    Percentiles {
        count: sorted.len(),
        mean_us: if sorted.is_empty() {
            0.0
        } else {
            sum as f64 / sorted.len() as f64
        },
        p50_us: rank(&sorted, 0.5),
        p90_us: rank(&sorted, 0.9),
        p99_us: rank(&sorted, 0.99),
        max_us: sorted.last().copied().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=200).rev().collect();
        let p = percentiles(&values);
        assert_eq!(
            (p.p50_us, p.p90_us, p.p99_us, p.max_us),
            (100, 180, 198, 200)
        );
        assert_eq!(rank(&[7], 0.99), 7);
        assert_eq!(percentiles(&[]).p50_us, 0);
    }
}
