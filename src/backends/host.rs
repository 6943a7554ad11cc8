//! Resources of the machine opsdeck runs on: CPU, memory, disks, load.
//! Read from /proc and statvfs; nothing to connect to, nothing that can hang.

use crate::config::HostConfig;
pub use crate::model::host::{DiskUsage, HostSummary};

pub struct HostPoller {
    cfg: HostConfig,
    /// (busy, total) jiffies at the previous poll.
    last_cpu: Option<(u64, u64)>,
}

/// File systems that hold data; pseudo and in-memory ones are left out.
const REAL_FS: [&str; 8] = ["ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat"];

impl HostPoller {
    pub fn new(cfg: &HostConfig) -> Self {
        Self {
            cfg: cfg.clone(),
            last_cpu: None,
        }
    }

    pub async fn poll(&mut self) -> Result<HostSummary, String> {
        let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("cannot read {p}: {e}"));
        let cpu_now = parse_cpu(&read("/proc/stat")?).ok_or("unexpected /proc/stat")?;
        let cpu_pct = self.last_cpu.and_then(|(busy, total)| {
            let dt = cpu_now.1.checked_sub(total).filter(|d| *d > 0)?;
            let db = cpu_now.0.saturating_sub(busy);
            Some(100.0 * db as f64 / dt as f64)
        });
        self.last_cpu = Some(cpu_now);
        let (memory_total_bytes, memory_pct) =
            parse_meminfo(&read("/proc/meminfo")?).ok_or("unexpected /proc/meminfo")?;
        let load = parse_loadavg(&read("/proc/loadavg")?).ok_or("unexpected /proc/loadavg")?;
        let cores = read("/proc/stat")?
            .lines()
            .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
            .count();
        Ok(HostSummary {
            cpu_pct,
            memory_pct,
            memory_total_bytes,
            load,
            cores,
            disks: disks(&read("/proc/mounts")?),
            cpu_warn: f64::from(self.cfg.cpu_warn),
            memory_warn: f64::from(self.cfg.memory_warn),
            disk_warn: f64::from(self.cfg.disk_warn),
        })
    }
}

/// (busy, total) jiffies from the first line of /proc/stat.
pub fn parse_cpu(stat: &str) -> Option<(u64, u64)> {
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// (total bytes, used %) from /proc/meminfo, counting reclaimable cache as free.
pub fn parse_meminfo(text: &str) -> Option<(u64, f64)> {
    let kb = |key: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.trim().trim_end_matches("kB").trim().parse().ok())
    };
    let total = kb("MemTotal:")?;
    let available = kb("MemAvailable:")?;
    (total > 0).then(|| (total * 1024, 100.0 * (1.0 - available as f64 / total as f64)))
}

pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut it = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

fn disks(mounts: &str) -> Vec<DiskUsage> {
    let mut seen_devices = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in mounts.lines() {
        let mut f = line.split_whitespace();
        let (Some(device), Some(mount), Some(fstype)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if !REAL_FS.contains(&fstype) || !seen_devices.insert(device.to_string()) {
            continue;
        }
        // /proc/mounts escapes spaces as \040.
        let mount = mount.replace("\\040", " ");
        let Ok(st) = rustix::fs::statvfs(mount.as_str()) else {
            continue;
        };
        let size = st.f_blocks.saturating_mul(st.f_frsize);
        if size == 0 {
            continue;
        }
        let free = st.f_bavail.saturating_mul(st.f_frsize);
        let used = st.f_blocks.saturating_sub(st.f_bfree).saturating_mul(st.f_frsize);
        // As df computes it: used over what users can have (used + available).
        let used_pct = 100.0 * used as f64 / (used + free).max(1) as f64;
        out.push(DiskUsage {
            mount,
            used_pct,
            free_bytes: free,
        });
    }
    out.sort_by(|a, b| b.used_pct.total_cmp(&a.used_pct));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files() {
        assert_eq!(
            parse_cpu("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n"),
            Some((150, 1000))
        );
        assert!(parse_cpu("garbage").is_none());
        let (total, pct) =
            parse_meminfo("MemTotal:       1000 kB\nMemFree: 10 kB\nMemAvailable:    250 kB\n").unwrap_or_default();
        assert_eq!(total, 1_024_000);
        assert!((pct - 75.0).abs() < 1e-9);
        assert_eq!(parse_loadavg("0.52 0.40 0.30 1/123 4567\n"), Some([0.52, 0.40, 0.30]));
        assert!(parse_loadavg("x y z").is_none());
    }
}
