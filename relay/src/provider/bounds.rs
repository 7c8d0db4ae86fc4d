//! Bounded serving, for providers run as CI jobs (`webfn provider --for 50m --max-jobs N`):
//! after a time or a number of jobs the agent stops taking jobs, lets the calls in flight
//! finish (draining), closes its connection and returns.
//!
//! Draining with the relay's existing protocol: once stopped, the agent reports its capacity as
//! the number of calls it still runs (a `status` frame before each result), so the relay sends
//! it nothing new; a job that arrives anyway (sent before the relay read the status) is not
//! run and not answered, and the relay re-dispatches it to another provider when the
//! connection closes. Calls still running after the drain timeout are left the same way.

use std::time::Duration;

use tokio::time::Instant;

/// When a provider stops taking jobs. The default never stops.
#[derive(Debug, Clone, Copy)]
pub struct ServeBounds {
    /// Stop taking jobs after this many (counted over reconnections).
    pub max_jobs: Option<u64>,
    /// Stop taking jobs after this long.
    pub duration: Option<Duration>,
    /// Longest wait for the calls in flight once stopped; then the connection closes anyway.
    pub drain_timeout: Duration,
}

impl Default for ServeBounds {
    fn default() -> ServeBounds {
        ServeBounds {
            max_jobs: None,
            duration: None,
            drain_timeout: Duration::from_secs(120),
        }
    }
}

/// Why serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The stop future resolved (Ctrl-C, SIGTERM).
    Stopped,
    /// `max_jobs` jobs were taken and drained.
    MaxJobs,
    /// `duration` elapsed and the calls in flight drained.
    Elapsed,
}

/// What a bounded run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeSummary {
    /// Jobs taken (and run) in all.
    pub jobs: u64,
    /// Why it ended.
    pub reason: StopReason,
}

/// Parses a duration with a unit: `90s`, `50m`, `2h`, or several, `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration (use e.g. 90s, 50m, 2h)".to_owned());
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(format!("{text:?}: unknown unit {c:?} (use s, m or h)")),
        };
        let value: u64 = number
            .parse()
            .map_err(|_| format!("{text:?}: a number must come before {c:?}"))?;
        total = value
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("{text:?} is too long"))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("{text:?}: the number needs a unit (s, m or h)"));
    }
    Ok(Duration::from_secs(total))
}

/// The state of one connection's drain.
#[derive(Debug, Clone, Copy)]
pub(super) struct Drain {
    pub(super) reason: StopReason,
    pub(super) until: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("50m"), Ok(Duration::from_secs(3000)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1h30m5s"), Ok(Duration::from_secs(5405)));
        for bad in ["", "50", "m", "5d", "1.5h", "-3s", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
