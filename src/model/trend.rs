//! Trends: a few numbers taken from every report (database size and
//! connections, host memory and disks, firing alerts, container restarts),
//! kept at one value a minute for the last 24 hours, and where a growing
//! one is heading ("disk full in ~3 d at the last 24 h's rate").
//!
//! Memory is bounded: at most `SPAN_MINUTES` points a metric and
//! `MAX_METRICS` metrics. The flight recorder stores the same samples
//! (`store::history::samples`), so a console that starts has the last day.

use crate::model::backend::{BackendData, BackendReport};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// How far back a series reaches: 24 hours of one-minute points.
pub const SPAN_MINUTES: i64 = 24 * 60;
/// Metrics kept at most; samples of further ones are dropped.
pub const MAX_METRICS: usize = 512;
/// A projection needs points spread over at least this long.
pub const MIN_FIT: Duration = Duration::from_secs(3600);
/// A projection further out than this says nothing useful.
pub const MAX_PROJECTION: Duration = Duration::from_secs(365 * 86_400);

/// The metric names: `kind:<name>:what`.
pub mod key {
    /// A PostgreSQL target's database size, bytes.
    pub fn pg_size(target: &str) -> String {
        format!("pg:{target}:size")
    }
    /// A PostgreSQL target's client connections.
    pub fn pg_connections(target: &str) -> String {
        format!("pg:{target}:connections")
    }
    /// The host's memory in use, percent.
    pub fn host_memory(host: &str) -> String {
        format!("host:{host}:memory")
    }
    /// A mount's space in use, percent of what users can have.
    pub fn host_disk(host: &str, mount: &str) -> String {
        format!("host:{host}:disk:{mount}")
    }
    /// Alerts firing at an alert source (a cluster, or one Alertmanager).
    pub fn alerts_firing(source: &str) -> String {
        format!("alerts:{source}:firing")
    }
    /// Every firing-alerts metric starts so.
    pub const ALERTS: &str = "alerts:";
    /// The sum of a Docker host's containers' restart counts.
    pub fn docker_restarts(host: &str) -> String {
        format!("docker:{host}:restarts")
    }
}

/// One value of a metric at a time, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub metric: String,
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// What a report says that a trend shows. `source` is the alert source an
/// Alertmanager belongs to (its cluster), when it has one.
pub fn samples(report: &BackendReport, source: Option<&str>) -> Vec<(String, f64)> {
    let Ok(data) = &report.result else {
        return Vec::new();
    };
    let name = report.id.name.as_str();
    match data {
        BackendData::Postgres(p) => vec![
            (key::pg_size(name), p.db_size_bytes as f64),
            (key::pg_connections(name), p.connections as f64),
        ],
        BackendData::Host(h) => std::iter::once((key::host_memory(name), h.memory_pct))
            .chain(h.disks.iter().map(|d| (key::host_disk(name, &d.mount), d.used_pct)))
            .collect(),
        BackendData::Alerts(a) => vec![(key::alerts_firing(source.unwrap_or(name)), a.firing().count() as f64)],
        BackendData::Docker(d) => vec![(
            key::docker_restarts(name),
            d.containers.iter().filter_map(|c| c.restarts).sum::<i64>() as f64,
        )],
        BackendData::Http(_) => Vec::new(),
        BackendData::Redis(_) => Vec::new(),
        BackendData::Prometheus(_) => Vec::new(),
    }
}

/// The minute a time falls in, as minutes since the epoch.
fn minute_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// The end of the last whole minute before `now`: what a sparkline is drawn
/// to. The current minute's point moves with every poll, and a sparkline
/// that ends on it redraws (and rescales) every few seconds for nothing;
/// the live value is printed beside it.
pub fn last_whole_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    time_of(minute_of(now)) - chrono::Duration::seconds(1)
}

fn time_of(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minute.saturating_mul(60), 0).unwrap_or_default()
}

/// One metric: the last value of each minute, oldest first, reaching back
/// `SPAN_MINUTES` from its newest point.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    points: VecDeque<(i64, f64)>,
}

/// A straight line through a stretch of a series (least squares).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Change per second.
    pub slope: f64,
    /// From the first point used to the last.
    pub span: Duration,
    /// The last value used.
    pub last: f64,
}

impl Fit {
    /// Change per day.
    pub fn per_day(&self) -> f64 {
        self.slope * 86_400.0
    }
}

impl Series {
    /// The value of the minute `at` falls in (a later value of the same
    /// minute replaces an earlier one). Not finite: ignored.
    pub fn put(&mut self, at: DateTime<Utc>, value: f64) {
        if !value.is_finite() {
            return;
        }
        let m = minute_of(at);
        match self.points.back() {
            Some((last, _)) if *last == m => {
                if let Some(p) = self.points.back_mut() {
                    p.1 = value;
                }
            }
            Some((last, _)) if *last > m => match self.points.binary_search_by_key(&m, |p| p.0) {
                Ok(i) => self.points[i].1 = value,
                Err(i) => self.points.insert(i, (m, value)),
            },
            _ => self.points.push_back((m, value)),
        }
        let newest = self.points.back().map_or(m, |p| p.0);
        while self.points.front().is_some_and(|p| p.0 <= newest - SPAN_MINUTES) {
            self.points.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The points from `from` to `to` (both included), oldest first.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Iterator<Item = (DateTime<Utc>, f64)> + '_ {
        let (from, to) = (minute_of(from), minute_of(to));
        let start = self.points.partition_point(|p| p.0 < from);
        self.points
            .range(start..)
            .take_while(move |p| p.0 <= to)
            .map(|&(m, v)| (time_of(m), v))
    }

    /// The last value at or before `to`.
    pub fn last_at(&self, to: DateTime<Utc>) -> Option<f64> {
        let to = minute_of(to);
        let end = self.points.partition_point(|p| p.0 <= to);
        end.checked_sub(1).map(|i| self.points[i].1)
    }

    /// `width` columns over `window` ending at `to`: each the highest value
    /// of its stretch (a spike shows), `None` where nothing was recorded.
    /// Fewer than two points in the window: nothing to draw.
    pub fn columns(&self, to: DateTime<Utc>, window: Duration, width: usize) -> Option<Vec<Option<f64>>> {
        let from = to - chrono::Duration::from_std(window).ok()?;
        if width == 0 || self.between(from, to).nth(1).is_none() {
            return None;
        }
        let (lo, hi) = (minute_of(from), minute_of(to) + 1);
        let span = (hi - lo).max(1) as f64;
        let mut cols: Vec<Option<f64>> = vec![None; width];
        for (t, v) in self.between(from, to) {
            let col = (((minute_of(t) - lo) as f64 / span) * width as f64) as usize;
            let c = &mut cols[col.min(width - 1)];
            *c = Some(c.map_or(v, |old| old.max(v)));
        }
        Some(cols)
    }

    /// The least-squares line through the points of the `window` ending
    /// at `to`; `None` with fewer than two points.
    pub fn fit(&self, to: DateTime<Utc>, window: Duration) -> Option<Fit> {
        let from = to - chrono::Duration::from_std(window).ok()?;
        let points: Vec<(f64, f64)> = self
            .between(from, to)
            .map(|(t, v)| ((t - from).num_seconds() as f64, v))
            .collect();
        let (first, last) = (points.first()?, points.last()?);
        if points.len() < 2 {
            return None;
        }
        let n = points.len() as f64;
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        if sxx <= 0.0 {
            return None;
        }
        Some(Fit {
            slope: sxy / sxx,
            span: Duration::from_secs_f64((last.0 - first.0).max(0.0)),
            last: last.1,
        })
    }

    /// The sum of several series: at each minute any of them has, each
    /// one's last value until then (a source that answered earlier still
    /// counts).
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a Series>) -> Series {
        let all: Vec<&Series> = all.into_iter().collect();
        let mut minutes: Vec<i64> = all.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
        minutes.sort_unstable();
        minutes.dedup();
        let mut at = vec![0usize; all.len()];
        let mut out = Series::default();
        for m in minutes {
            let mut total = 0.0;
            for (s, i) in all.iter().zip(at.iter_mut()) {
                while *i < s.points.len() && s.points[*i].0 <= m {
                    *i += 1;
                }
                if let Some(i) = i.checked_sub(1) {
                    total += s.points[i].1;
                }
            }
            out.points.push_back((m, total));
        }
        out
    }
}

/// How long until a growing series reaches `capacity`, at the rate of the
/// `window` ending at `to` (least squares). Nothing when it is not
/// growing, when the points span less than `MIN_FIT`, when it is already
/// there, or when that is more than `MAX_PROJECTION` away.
pub fn projection(series: &Series, to: DateTime<Utc>, window: Duration, capacity: f64) -> Option<(Duration, Fit)> {
    let fit = growth(series, to, window)?;
    let left = capacity - fit.last;
    if left <= 0.0 {
        return None;
    }
    let secs = left / fit.slope;
    (secs.is_finite() && secs <= MAX_PROJECTION.as_secs_f64()).then(|| (Duration::from_secs_f64(secs), fit))
}

/// The line through the `window` ending at `to` when it climbs and spans
/// at least `MIN_FIT`: how fast the series grows.
pub fn growth(series: &Series, to: DateTime<Utc>, window: Duration) -> Option<Fit> {
    let fit = series.fit(to, window)?;
    (fit.span >= MIN_FIT && fit.slope > 0.0).then_some(fit)
}

/// Which stretch a zoomed pane's trends cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Window {
    #[default]
    Hour,
    Day,
}

impl Window {
    pub fn duration(self) -> Duration {
        match self {
            Window::Hour => Duration::from_secs(3600),
            Window::Day => Duration::from_secs(86_400),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Hour => "1 h",
            Window::Day => "24 h",
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            Window::Hour => Window::Day,
            Window::Day => Window::Hour,
        }
    }
}

/// Every metric's series, and the window the zoomed panes show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trends {
    series: BTreeMap<String, Series>,
    pub window: Window,
}

impl Trends {
    /// A metric's value at `at`; a new metric past `MAX_METRICS` is dropped.
    pub fn put(&mut self, metric: &str, at: DateTime<Utc>, value: f64) {
        if let Some(s) = self.series.get_mut(metric) {
            s.put(at, value);
        } else if self.series.len() < MAX_METRICS {
            self.series.entry(metric.to_string()).or_default().put(at, value);
        }
    }

    /// What a report says (see `samples`), at its time.
    pub fn record(&mut self, report: &BackendReport, source: Option<&str>) {
        for (metric, value) in samples(report, source) {
            self.put(&metric, report.at, value);
        }
    }

    /// Samples read back from the store.
    pub fn load(&mut self, samples: impl IntoIterator<Item = Sample>) {
        for s in samples {
            self.put(&s.metric, s.at, s.value);
        }
    }

    pub fn get(&self, metric: &str) -> Option<&Series> {
        self.series.get(metric)
    }

    /// The series whose metric starts with `prefix`.
    pub fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Series> + 'a {
        self.series
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(_, s)| s)
    }

    pub fn metrics(&self) -> usize {
        self.series.len()
    }
}

/// Samples to store: at most one per metric per minute, the minute's last
/// value, given once the minute is over (or on `flush`).
#[derive(Debug, Default)]
pub struct Minutes {
    open: BTreeMap<String, (i64, f64)>,
}

impl Minutes {
    /// A report's samples; those of minutes now over, to be stored.
    pub fn take(&mut self, at: DateTime<Utc>, samples: Vec<(String, f64)>) -> Vec<Sample> {
        let m = minute_of(at);
        let mut due = Vec::new();
        for (metric, value) in samples {
            let room = self.open.len() < MAX_METRICS;
            if !value.is_finite() {
                continue;
            }
            match self.open.get_mut(&metric) {
                Some(open) if open.0 == m => open.1 = value,
                Some(open) if open.0 > m => {}
                Some(open) => {
                    due.push(Sample {
                        metric: metric.clone(),
                        at: time_of(open.0),
                        value: open.1,
                    });
                    *open = (m, value);
                }
                None if room => {
                    self.open.insert(metric, (m, value));
                }
                None => {}
            }
        }
        due
    }

    /// Every open minute's value, now (at shutdown), emptied.
    pub fn flush(&mut self) -> Vec<Sample> {
        std::mem::take(&mut self.open)
            .into_iter()
            .map(|(metric, (m, value))| Sample {
                metric,
                at: time_of(m),
                value,
            })
            .collect()
    }

    /// Forget what is open (another process recorded meanwhile).
    pub fn clear(&mut self) {
        self.open.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::backend::{BackendId, BackendKind};
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    fn series(points: &[(i64, f64)]) -> Series {
        let mut s = Series::default();
        for &(m, v) in points {
            s.put(t(m), v);
        }
        s
    }

    #[test]
    fn sparklines_end_at_the_last_whole_minute() {
        let now = t(10) + chrono::Duration::seconds(42);
        assert_eq!(last_whole_minute(now), t(10) - chrono::Duration::seconds(1));
        // The current minute's point, which every poll moves, is left out.
        let s = series(&[(8, 1.0), (9, 2.0), (10, 9.0)]);
        let cols = s.columns(last_whole_minute(now), Duration::from_secs(180), 3);
        assert_eq!(cols, Some(vec![None, Some(1.0), Some(2.0)]));
    }

    fn values(s: &Series) -> Vec<f64> {
        s.points.iter().map(|p| p.1).collect()
    }

    const HOUR: Duration = Duration::from_secs(3600);
    const DAY: Duration = Duration::from_secs(86_400);

    fn report(kind: BackendKind, name: &str, data: BackendData) -> BackendReport {
        BackendReport {
            id: BackendId {
                kind,
                name: name.into(),
            },
            at: t(0),
            result: Ok(data),
            next_in: Duration::ZERO,
        }
    }

    #[test]
    fn samples_take_what_each_report_says() {
        let pg = crate::model::postgres::PgSummary {
            db_size_bytes: 5_000,
            connections: 7,
            ..Default::default()
        };
        let got = samples(
            &report(BackendKind::Postgres, "main", BackendData::Postgres(Box::new(pg))),
            None,
        );
        assert_eq!(
            got,
            vec![("pg:main:size".into(), 5_000.0), ("pg:main:connections".into(), 7.0)]
        );

        let host = crate::model::host::HostSummary {
            cpu_pct: None,
            memory_pct: 41.5,
            memory_total_bytes: 1,
            load: [0.0; 3],
            cores: 1,
            disks: vec![crate::model::host::DiskUsage {
                mount: "/".into(),
                used_pct: 80.0,
                free_bytes: 10,
            }],
            cpu_warn: 90.0,
            memory_warn: 90.0,
            disk_warn: 90.0,
        };
        let got = samples(&report(BackendKind::Host, "box", BackendData::Host(host)), None);
        assert_eq!(
            got,
            vec![("host:box:memory".into(), 41.5), ("host:box:disk:/".into(), 80.0)]
        );

        let alert = |state: &str| crate::model::alerts::AlertRow {
            fingerprint: state.into(),
            name: "x".into(),
            severity: crate::model::alerts::Severity::Warning,
            state: state.into(),
            starts_at: t(0),
            summary: String::new(),
            instance: String::new(),
            labels: Default::default(),
            silenced_by: Vec::new(),
            annotations: Default::default(),
            generator_url: String::new(),
        };
        let alerts = crate::model::alerts::AlertsSummary {
            alerts: vec![alert("active"), alert("suppressed"), alert("active")],
            ..Default::default()
        };
        let r = report(BackendKind::Alertmanager, "am-1", BackendData::Alerts(alerts.into()));
        assert_eq!(samples(&r, None), vec![("alerts:am-1:firing".into(), 2.0)]);
        assert_eq!(samples(&r, Some("prod")), vec![("alerts:prod:firing".into(), 2.0)]);

        let mut failed = r.clone();
        failed.result = Err("down".into());
        assert!(samples(&failed, None).is_empty());
    }

    #[test]
    fn a_minute_keeps_its_last_value_and_a_day_is_kept() {
        let mut s = series(&[(0, 1.0), (1, 2.0)]);
        s.put(t(1) + chrono::Duration::seconds(30), 3.0);
        assert_eq!(values(&s), vec![1.0, 3.0]);
        // Late samples (read back from the store after live ones) fall in place.
        s.put(t(-5), 9.0);
        s.put(t(0), 4.0);
        assert_eq!(values(&s), vec![9.0, 4.0, 3.0]);
        s.put(t(2), f64::NAN);
        assert_eq!(s.len(), 3);
        // A day after the first point, it goes.
        s.put(t(SPAN_MINUTES - 5), 5.0);
        assert_eq!(values(&s), vec![4.0, 3.0, 5.0]);
        let mut long = Series::default();
        for m in 0..3 * SPAN_MINUTES {
            long.put(t(m), m as f64);
        }
        assert_eq!(long.len(), SPAN_MINUTES as usize);
    }

    #[test]
    fn reads_between_times_and_the_last_value_then() {
        let s = series(&[(0, 1.0), (10, 2.0), (20, 3.0)]);
        let got: Vec<f64> = s.between(t(5), t(20)).map(|p| p.1).collect();
        assert_eq!(got, vec![2.0, 3.0]);
        assert_eq!(s.last_at(t(15)), Some(2.0));
        assert_eq!(s.last_at(t(-1)), None);
    }

    #[test]
    fn columns_show_the_highest_value_of_each_stretch_and_gaps() {
        // One hour in six columns: ten minutes each.
        let s = series(&[(0, 1.0), (3, 7.0), (5, 2.0), (45, 4.0)]);
        let cols = s.columns(t(59), HOUR, 6).unwrap();
        assert_eq!(cols, vec![Some(7.0), None, None, None, Some(4.0), None]);
        // What is after the moment shown is left out.
        let early = s.columns(t(10), HOUR, 6).unwrap();
        assert_eq!(early.iter().flatten().count(), 2);
        // Fewer than two points: no trend.
        assert!(s.columns(t(2), HOUR, 6).is_none());
        assert!(Series::default().columns(t(0), HOUR, 6).is_none());
        assert!(s.columns(t(59), HOUR, 0).is_none());
    }

    #[test]
    fn least_squares_gives_the_rate() {
        let s = series(&[(0, 10.0), (60, 70.0), (120, 130.0)]);
        let fit = s.fit(t(120), DAY).unwrap();
        assert!((fit.slope - 1.0 / 60.0).abs() < 1e-12);
        assert!((fit.per_day() - 1440.0).abs() < 1e-6);
        assert_eq!(fit.span, Duration::from_secs(7200));
        assert_eq!(fit.last, 130.0);
        assert!(series(&[(0, 1.0)]).fit(t(0), DAY).is_none());
    }

    #[test]
    fn projects_when_growing_over_an_hour_or_more() {
        // One percent an hour, at 50% now: full in 50 h.
        let s = series(&(0..=120).map(|m| (m, 48.0 + m as f64 / 60.0)).collect::<Vec<_>>());
        let (left, fit) = projection(&s, t(120), DAY, 100.0).unwrap();
        assert!((left.as_secs_f64() - 50.0 * 3600.0).abs() < 1.0, "{left:?}");
        assert_eq!(fit.last, 50.0);
        // Only what is before the moment shown counts.
        let (left, _) = projection(&s, t(90), DAY, 100.0).unwrap();
        assert!((left.as_secs_f64() - 50.5 * 3600.0).abs() < 1.0, "{left:?}");
        // Less than an hour of points: nothing.
        assert!(projection(&s, t(50), DAY, 100.0).is_none());
        // The window is what is fitted.
        assert!(projection(&s, t(120), Duration::from_secs(1800), 100.0).is_none());
        // Flat, shrinking, already full, or years away: nothing.
        let flat = series(&(0..=120).map(|m| (m, 50.0)).collect::<Vec<_>>());
        assert!(projection(&flat, t(120), DAY, 100.0).is_none());
        let down = series(&(0..=120).map(|m| (m, 50.0 - m as f64)).collect::<Vec<_>>());
        assert!(projection(&down, t(120), DAY, 100.0).is_none());
        assert!(projection(&s, t(120), DAY, 40.0).is_none());
        let slow = series(&(0..=120).map(|m| (m, 50.0 + m as f64 * 1e-9)).collect::<Vec<_>>());
        assert!(projection(&slow, t(120), DAY, 100.0).is_none());
        assert!(growth(&slow, t(120), DAY).is_some());
        assert!(growth(&down, t(120), DAY).is_none());
    }

    #[test]
    fn sums_carry_each_series_last_value() {
        let a = series(&[(0, 1.0), (2, 3.0)]);
        let b = series(&[(1, 10.0), (2, 20.0), (4, 0.0)]);
        assert_eq!(values(&Series::sum([&a, &b])), vec![1.0, 11.0, 23.0, 3.0]);
        assert!(Series::sum([]).is_empty());
    }

    #[test]
    fn metrics_are_capped_and_found_by_prefix() {
        let mut tr = Trends::default();
        for i in 0..MAX_METRICS + 10 {
            tr.put(&format!("m{i}"), t(0), 1.0);
        }
        assert_eq!(tr.metrics(), MAX_METRICS);
        tr.put("m0", t(1), 2.0);
        assert_eq!(tr.get("m0").map(Series::len), Some(2));
        let mut tr = Trends::default();
        tr.load([
            Sample {
                metric: key::alerts_firing("a"),
                at: t(0),
                value: 1.0,
            },
            Sample {
                metric: key::alerts_firing("b"),
                at: t(0),
                value: 2.0,
            },
            Sample {
                metric: key::docker_restarts("a"),
                at: t(0),
                value: 5.0,
            },
        ]);
        assert_eq!(tr.starting_with(key::ALERTS).count(), 2);
    }

    #[test]
    fn minutes_give_one_sample_a_minute_once_it_is_over() {
        let mut m = Minutes::default();
        assert!(m.take(t(0), vec![("a".into(), 1.0)]).is_empty());
        assert!(m
            .take(t(0) + chrono::Duration::seconds(50), vec![("a".into(), 2.0)])
            .is_empty());
        let due = m.take(t(1), vec![("a".into(), 3.0), ("b".into(), f64::INFINITY)]);
        assert_eq!(
            due,
            vec![Sample {
                metric: "a".into(),
                at: t(0),
                value: 2.0
            }]
        );
        assert_eq!(
            m.flush(),
            vec![Sample {
                metric: "a".into(),
                at: t(1),
                value: 3.0
            }]
        );
        assert!(m.flush().is_empty());
    }

    #[test]
    fn the_window_toggles() {
        assert_eq!(Window::default(), Window::Hour);
        assert_eq!(Window::Hour.toggled(), Window::Day);
        assert_eq!(Window::Day.toggled().duration(), HOUR);
        assert_eq!(Window::Day.label(), "24 h");
    }
}
