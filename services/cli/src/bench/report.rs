//! The flow benchmark's figures: printed, written as JSON, and drawn as an
//! SVG (throughput over time, latency percentiles per stage, RSS) for
//! `docs/bench/`.

use std::path::Path;

use hdrhistogram::Histogram;
use plotters::prelude::*;
use serde::Serialize;

use super::cpu::CpuUse;
use super::limit::Limit;

/// Per process: its name and (seconds since the start, KiB) samples.
pub type RssSeries = Vec<(String, Vec<(f64, u64)>)>;

#[derive(Debug, Clone, Serialize)]
pub struct StageFigures {
    pub stage: String,
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl StageFigures {
    /// From a histogram of microseconds.
    pub fn of(stage: &str, histogram: &Histogram<u64>) -> Self {
        let ms = |micros: u64| micros as f64 / 1000.0;
        Self {
            stage: stage.to_owned(),
            count: histogram.len(),
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowReport {
    pub label: String,
    pub measured_at: String,
    pub orders: usize,
    /// Offered arrivals per second.
    pub rate: f64,
    /// How long the arrivals took.
    pub offered_seconds: f64,
    pub completed: usize,
    pub errors: usize,
    pub error_kinds: Vec<(String, usize)>,
    /// Orders READY_TO_SHIP per second, from the first arrival to the last
    /// READY_TO_SHIP event.
    pub throughput_per_second: f64,
    pub stages: Vec<StageFigures>,
    /// READY_TO_SHIP events in each second of the run.
    pub ready_per_second: Vec<u64>,
    /// Events the services published, per completed order.
    pub events_per_order: f64,
    /// PostgreSQL transactions committed per completed order (all services,
    /// reads included, the idle background taken off).
    pub commits_per_order: Option<f64>,
    /// What the services commit per second with no load.
    pub idle_commits_per_second: Option<f64>,
    /// Rows inserted, updated or deleted per completed order.
    pub rows_written_per_order: Option<f64>,
    /// (process, [(seconds since the start, KiB)]).
    pub rss_kib: RssSeries,
    /// CPU per order of each process named with `--rss`, PostgreSQL, NATS
    /// and the load generator, and how busy the cores were.
    pub cpu: CpuUse,
    pub limit: Option<Limit>,
}

impl FlowReport {
    /// The P2 figure (issue 18): the flow's throughput over what the
    /// database could do for orders of this many commits (pgbench's
    /// INSERT + UPDATE tps ÷ commits per order). Target ≥ 0.5.
    pub fn p2_ratio(&self) -> Option<f64> {
        let limit = self.limit?;
        let commits = self.commits_per_order?;
        (commits > 0.0).then(|| self.throughput_per_second / (limit.insert_update_tps / commits))
    }

    pub fn print(&self) {
        println!(
            "  completed   {} of {} orders READY_TO_SHIP, {} errors",
            self.completed, self.orders, self.errors
        );
        for (error, count) in &self.error_kinds {
            println!("    {count} x {error}");
        }
        println!(
            "  throughput  {:.2} orders/s to READY_TO_SHIP (offered {:.2}/s over {:.1} s)",
            self.throughput_per_second, self.rate, self.offered_seconds
        );
        println!(
            "  stages (ms)                                          p50      p90      p99      max"
        );
        for stage in &self.stages {
            println!(
                "    {:<50} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
                stage.stage, stage.p50_ms, stage.p90_ms, stage.p99_ms, stage.max_ms
            );
        }
        println!(
            "  events      {:.1} published per order",
            self.events_per_order
        );
        match (self.commits_per_order, self.rows_written_per_order) {
            (Some(commits), Some(rows)) => println!(
                "  database    {commits:.1} commits and {rows:.1} rows written per order (pg_stat_database; idle background {:.1} commits/s taken off)",
                self.idle_commits_per_second.unwrap_or(0.0)
            ),
            _ => println!("  database    commits not counted (no --postgres-url)"),
        }
        for (process, samples) in &self.rss_kib {
            let max = samples.iter().map(|(_, kib)| *kib).max().unwrap_or(0);
            println!(
                "  rss         {process}: max {:.1} MiB",
                max as f64 / 1024.0
            );
        }
        println!(
            "  cpu         {:.0} % of the cores busy; ms per order:",
            self.cpu.machine_busy * 100.0
        );
        for share in &self.cpu.per_order {
            println!("    {:<14} {:>7.2}", share.party, share.ms_per_order);
        }
        if let Some(limit) = self.limit {
            println!(
                "  limit       pgbench at {} clients: INSERT {:.0} tps, INSERT+UPDATE {:.0} tps",
                limit.clients, limit.insert_tps, limit.insert_update_tps
            );
            if let (Some(ratio), Some(commits)) = (self.p2_ratio(), self.commits_per_order) {
                println!(
                    "  P2          {:.2} orders/s ÷ ({:.0} tps ÷ {commits:.1} commits/order = {:.1} orders/s) = {ratio:.2} (target ≥ 0.50)",
                    self.throughput_per_second,
                    limit.insert_update_tps,
                    limit.insert_update_tps / commits
                );
            }
        }
    }
}

/// Writes `report` as JSON to `out` and its chart to `out` with `.svg`.
pub fn write(report: &FlowReport, out: &Path) -> anyhow::Result<()> {
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(report)?)?;
    draw(report, &out.with_extension("svg"))
}

fn draw(report: &FlowReport, path: &Path) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (960, 1080)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "orderflow bench flow: {} ({} orders at {}/s, {:.2} orders/s sustained)",
        report.label, report.orders, report.rate, report.throughput_per_second
    );
    let root = root.titled(&title, ("sans-serif", 20))?;
    let panels = root.split_evenly((3, 1));
    let error = |e: DrawingAreaErrorKind<_>| anyhow::anyhow!("cannot draw the chart: {e}");

    // Throughput over time.
    let seconds = report.ready_per_second.len().max(1) as f64;
    let most = report.ready_per_second.iter().copied().max().unwrap_or(0) as f64;
    let mut chart = ChartBuilder::on(&panels[0])
        .caption(
            "orders reaching READY_TO_SHIP per second",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..seconds, 0f64..(most * 1.2).max(1.0))
        .map_err(error)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the first arrival")
        .y_desc("orders/s")
        .draw()
        .map_err(error)?;
    chart
        .draw_series(LineSeries::new(
            report
                .ready_per_second
                .iter()
                .enumerate()
                .map(|(second, count)| (second as f64, *count as f64)),
            BLUE.stroke_width(2),
        ))
        .map_err(error)?
        .label("READY_TO_SHIP")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(
            [(0.0, report.rate), (report.offered_seconds, report.rate)],
            RED.stroke_width(1),
        ))
        .map_err(error)?
        .label("offered rate")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart
        .configure_series_labels()
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()
        .map_err(error)?;

    // Latency percentiles per stage, on a log scale.
    let slowest = report
        .stages
        .iter()
        .map(|stage| stage.p99_ms)
        .fold(1.0, f64::max);
    let stages = report.stages.len();
    let mut chart = ChartBuilder::on(&panels[1])
        .caption(
            "latency per stage: p50 / p90 / p99 (ms, log scale)",
            ("sans-serif", 16),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(
            -0.5f64..stages as f64 - 0.5,
            (0.1f64..slowest * 30.0).log_scale(),
        )
        .map_err(error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(stages + 1)
        .x_label_formatter(&|x| format!("S{}", x.round() as i64 + 1))
        .y_desc("ms")
        .draw()
        .map_err(error)?;
    for (offset, (name, color, pick)) in [
        (
            "p50",
            GREEN,
            (|s: &StageFigures| s.p50_ms) as fn(&StageFigures) -> f64,
        ),
        ("p90", BLUE, |s: &StageFigures| s.p90_ms),
        ("p99", RED, |s: &StageFigures| s.p99_ms),
    ]
    .into_iter()
    .enumerate()
    {
        let left = -0.36 + offset as f64 * 0.24;
        chart
            .draw_series(report.stages.iter().enumerate().map(|(index, stage)| {
                let x = index as f64 + left;
                Rectangle::new([(x, 0.1), (x + 0.22, pick(stage).max(0.1))], color.filled())
            }))
            .map_err(error)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()
        .map_err(error)?;
    for (index, stage) in report.stages.iter().enumerate() {
        panels[1]
            .draw(&Text::new(
                format!("S{}: {}", index + 1, stage.stage),
                (520, 36 + 15 * index as i32),
                ("sans-serif", 12),
            ))
            .map_err(error)?;
    }

    // RSS over time.
    let longest = report
        .rss_kib
        .iter()
        .flat_map(|(_, samples)| samples.iter().map(|(at, _)| *at))
        .fold(1.0, f64::max);
    let largest = report
        .rss_kib
        .iter()
        .flat_map(|(_, samples)| samples.iter().map(|(_, kib)| *kib as f64 / 1024.0))
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&panels[2])
        .caption("resident memory (MiB)", ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..longest, 0f64..largest * 1.2)
        .map_err(error)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the first arrival")
        .y_desc("MiB")
        .draw()
        .map_err(error)?;
    for (index, (process, samples)) in report.rss_kib.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        chart
            .draw_series(LineSeries::new(
                samples.iter().map(|(at, kib)| (*at, *kib as f64 / 1024.0)),
                color,
            ))
            .map_err(error)?
            .label(process.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    if !report.rss_kib.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()
            .map_err(error)?;
    }
    root.present().map_err(error)?;
    Ok(())
}
