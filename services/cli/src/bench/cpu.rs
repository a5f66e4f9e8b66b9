//! Who used the CPU during a benchmark, read from /proc (Linux): each named
//! process, every PostgreSQL process, the NATS server, the load generator
//! itself and the whole machine. The difference of two samples divided by
//! the orders completed is the CPU each party spends on one order: the
//! figure that says which service to make cheaper when the cores are full.
//! Elsewhere than Linux every party reads as zero.

use serde::Serialize;

/// The kernel's clock ticks per second in /proc (`USER_HZ`: 100 on Linux,
/// whatever `CONFIG_HZ` is).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds used so far, per party, and by the whole machine.
#[derive(Debug, Clone, Default)]
pub struct CpuSample {
    parties: Vec<(String, f64)>,
    machine: f64,
}

/// One party's CPU per completed order.
#[derive(Debug, Clone, Serialize)]
pub struct CpuShare {
    pub party: String,
    pub ms_per_order: f64,
}

/// What a run used: per party and order, and how busy the cores were.
#[derive(Debug, Clone, Serialize)]
pub struct CpuUse {
    pub per_order: Vec<CpuShare>,
    /// CPU seconds used by the machine ÷ (wall seconds × cores).
    pub machine_busy: f64,
}

impl CpuSample {
    /// Now: `processes` by name, then `postgres` (all its processes, and
    /// the children that ended), `nats-server` and `bench` (this process).
    pub fn take(processes: &[(String, u32)]) -> Self {
        let mut parties: Vec<(String, f64)> = processes
            .iter()
            .map(|(name, pid)| (name.clone(), process_seconds(*pid, false).unwrap_or(0.0)))
            .collect();
        parties.push(("postgres".to_owned(), named_seconds("postgres")));
        parties.push(("nats-server".to_owned(), named_seconds("nats-server")));
        parties.push((
            "bench".to_owned(),
            process_seconds(std::process::id(), false).unwrap_or(0.0),
        ));
        Self {
            parties,
            machine: machine_seconds().unwrap_or(0.0),
        }
    }

    /// What was used since `earlier`, over `orders` orders and `wall`
    /// seconds.
    pub fn since(&self, earlier: &CpuSample, orders: usize, wall: f64) -> CpuUse {
        let per_order = self
            .parties
            .iter()
            .zip(&earlier.parties)
            .map(|((party, now), (_, before))| CpuShare {
                party: party.clone(),
                ms_per_order: (now - before).max(0.0) * 1000.0 / orders.max(1) as f64,
            })
            .collect();
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get()) as f64;
        CpuUse {
            per_order,
            machine_busy: (self.machine - earlier.machine).max(0.0) / (wall * cores).max(1e-9),
        }
    }
}

/// User + system seconds of `pid` (with its ended children's when
/// `children`), from `/proc/<pid>/stat`.
fn process_seconds(pid: u32, children: bool) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count from after its ')'.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    // Fields 14–17 (utime, stime, cutime, cstime) are 11–14 after the name.
    let ticks = |index: usize| fields.get(index)?.parse::<f64>().ok();
    let own = ticks(11)? + ticks(12)?;
    let ended = if children {
        ticks(13)? + ticks(14)?
    } else {
        0.0
    };
    Some((own + ended) / TICKS_PER_SECOND)
}

/// Every process called `name`, with their ended children (PostgreSQL's
/// backends that closed are counted in the postmaster's).
fn named_seconds(name: &str) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .filter_map(|pid| process_seconds(pid, true))
        .sum()
}

/// Seconds the machine's cores were not idle, from `/proc/stat`.
fn machine_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<f64> = cpu
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle, iowait.
    let busy: f64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(index, _)| *index != 3 && *index != 4)
        .map(|(_, ticks)| ticks)
        .sum();
    Some(busy / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_process_is_seen_using_the_cpu() {
        let me = vec![("me".to_owned(), std::process::id())];
        let own = || process_seconds(std::process::id(), false).unwrap_or(0.0);
        let before = CpuSample::take(&me);
        let (started, spent) = (std::time::Instant::now(), own());
        let mut spin = 0u64;
        // 300 ms of CPU (the wall time bounded, should /proc read as zero).
        while own() - spent < 0.3 && started.elapsed() < std::time::Duration::from_secs(10) {
            for _ in 0..100_000 {
                spin = std::hint::black_box(spin.wrapping_add(1));
            }
        }
        let used = CpuSample::take(&me).since(&before, 10, started.elapsed().as_secs_f64());
        let mine = &used.per_order[0];
        assert_eq!(mine.party, "me");
        // At least 300 ms over 10 orders (other tests share the process).
        assert!(mine.ms_per_order >= 29.0, "{mine:?}");
        assert!(used.per_order.iter().any(|share| share.party == "bench"));
        assert!(used.machine_busy > 0.0, "{used:?}");
    }
}
