//! The interval extension in Rust, with the behaviour of
//! extensions/interval/interval-extension.ts: a run of each subscribed pipeline every `every`,
//! on a grid anchored at the subscription's phase (gofer_anchor_ms, kept by the kernel), and at
//! most one catch-up run for grid points missed while the extension was down (judged from
//! gofer_last_run_ms).

#[path = "../gofer_extension.rs"]
mod gofer_extension;

use gofer_extension::{get, host, Extension, ExtensionInfo, Kv, LogLevel, Param, SubscriptionRef};

const DEFAULT_MIN_EVERY: &str = "1m";

struct Subscription {
    sub: SubscriptionRef,
    every: i64,
    anchor: Option<i64>,
    /// Index k of the last grid point a run was started (or deliberately skipped) for.
    last_k: Option<i64>,
    last_run: Option<i64>,
}

struct Interval {
    min_every: i64,
    subs: Vec<Subscription>,
}

/// Durations as sdk/config/duration.ts reads them: one or more <number><ms|s|m|h> parts.
fn parse_duration(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let (mut i, mut total) = (0, 0f64);
    if b.is_empty() {
        return None;
    }
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        let value: f64 = text[start..i].parse().ok()?;
        let unit = match (b.get(i), b.get(i + 1)) {
            (Some(b'm'), Some(b's')) => (1.0, 2),
            (Some(b's'), _) => (1000.0, 1),
            (Some(b'm'), _) => (60000.0, 1),
            (Some(b'h'), _) => (3600000.0, 1),
            _ => return None,
        };
        total += value * unit.0;
        i += unit.1;
    }
    Some((total + 0.5).floor() as i64)
}

fn duration_setting(name: &str, text: &str) -> Result<i64, String> {
    match parse_duration(text) {
        Some(ms) if ms > 0 => Ok(ms),
        _ => Err(format!(
            "{} \"{}\" is not a duration; write it like \"30s\", \"5m\" or \"1h30m\"",
            name, text
        )),
    }
}

fn epoch_setting(name: &str, text: Option<&str>) -> Result<Option<i64>, String> {
    match text {
        None | Some("") => Ok(None),
        Some(t) => match t.parse::<u64>() {
            Ok(ms) if ms <= 9_007_199_254_740_991 && t.bytes().all(|c| c.is_ascii_digit()) => {
                Ok(Some(ms as i64))
            }
            _ => Err(format!(
                "{} \"{}\" is not an epoch time in ms; the kernel sets it, not users",
                name, t
            )),
        },
    }
}

fn key_of(sub: &SubscriptionRef) -> String {
    format!("{}/{}/{}", sub.namespace, sub.pipeline, sub.label)
}

/// ISO 8601 in UTC with milliseconds, as JavaScript's Date.prototype.toISOString writes it.
fn iso_time(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        year,
        month,
        day,
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn start_run(sub: &Subscription, at: i64) {
    let reason = format!("interval: every {} ms, due at {}", sub.every, iso_time(at));
    match host::start_run(&sub.sub, &Vec::new(), &reason) {
        Ok(run) => host::log(LogLevel::Debug, &format!("started run {} of {}", run, key_of(&sub.sub))),
        Err(err) => host::log(
            LogLevel::Error,
            &format!("could not start a run of {}: {}", key_of(&sub.sub), err),
        ),
    }
}

/// Fires at most once per call: the newest grid point at or before `now` that has no run yet.
fn advance(sub: &mut Subscription, now: i64) -> i64 {
    let anchor = *sub.anchor.get_or_insert(now);
    let k = (now - anchor).div_euclid(sub.every);
    let last_k = match sub.last_k {
        Some(k) => k,
        None => {
            let seen = sub.last_run.unwrap_or(now);
            0.max((seen - anchor).div_euclid(sub.every))
        }
    };
    sub.last_k = Some(last_k);
    if k > last_k {
        sub.last_k = Some(k);
        start_run(sub, anchor + k * sub.every);
    }
    anchor + (k.max(0) + 1) * sub.every - now
}

fn param(key: &str, required: bool, documentation: &str) -> Param {
    Param { key: key.into(), required, documentation: documentation.into() }
}

impl Extension for Interval {
    fn info(&self) -> ExtensionInfo {
        ExtensionInfo {
            name: "interval".into(),
            version: "0.1.0".into(),
            documentation: "Starts a run of each subscribed pipeline every `every` (a duration \
                such as \"5m\"). Runs keep the phase of the subscription across restarts; ticks \
                missed while the extension was down produce at most one catch-up run."
                .into(),
            config_params: vec![param(
                "min_every",
                false,
                &format!(
                    "Shortest interval a subscription may ask for (default \"{}\").",
                    DEFAULT_MIN_EVERY
                ),
            )],
            subscription_params: vec![param("every", true, "How often to start a run, e.g. \"5m\".")],
        }
    }

    fn init(&mut self, config: &Kv) -> Result<(), String> {
        let text = get(config, "min_every").unwrap_or(DEFAULT_MIN_EVERY);
        self.min_every = duration_setting("min_every", text)?;
        Ok(())
    }

    fn subscribe(&mut self, sub: &SubscriptionRef, settings: &Kv) -> Result<(), String> {
        let every_text = get(settings, "every").ok_or_else(|| {
            "setting \"every\" is required; subscribe with --setting every=5m, say".to_string()
        })?;
        let every = duration_setting("every", every_text)?;
        if every < self.min_every {
            return Err(format!(
                "every \"{}\" is below this installation's minimum of {} ms (config min_every); \
                 choose a longer interval",
                every_text, self.min_every
            ));
        }
        let anchor = epoch_setting("gofer_anchor_ms", get(settings, "gofer_anchor_ms"))?;
        let last_run = epoch_setting("gofer_last_run_ms", get(settings, "gofer_last_run_ms"))?;
        let next = Subscription { sub: sub.clone(), every, anchor, last_k: None, last_run };
        match self.subs.iter_mut().find(|s| s.sub == *sub) {
            Some(existing) if existing.every == every && existing.anchor == anchor => {}
            Some(existing) => *existing = next,
            None => self.subs.push(next),
        }
        Ok(())
    }

    // Removing what is not there is harmless, as subscribing twice is: the kernel may replay both.
    fn unsubscribe(&mut self, sub: &SubscriptionRef) -> Result<(), String> {
        self.subs.retain(|s| s.sub != *sub);
        Ok(())
    }

    fn tick(&mut self, now_ms: u64) -> u64 {
        let mut wait = 0;
        for sub in self.subs.iter_mut() {
            let due = advance(sub, now_ms as i64);
            if wait == 0 || due < wait {
                wait = due;
            }
        }
        wait.max(0) as u64
    }

    fn shutdown(&mut self) {
        self.subs.clear();
    }
}

export_extension!(Interval, Interval { min_every: 60_000, subs: Vec::new() });
