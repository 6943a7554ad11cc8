//! The machine opsdeck runs on: CPU, memory, load and disks.

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DiskUsage {
    pub mount: String,
    pub used_pct: f64,
    pub free_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HostSummary {
    /// Busy share of all CPUs since the previous poll; `None` on the first.
    pub cpu_pct: Option<f64>,
    pub memory_pct: f64,
    pub memory_total_bytes: u64,
    pub load: [f64; 3],
    pub cores: usize,
    pub disks: Vec<DiskUsage>,
    pub cpu_warn: f64,
    pub memory_warn: f64,
    pub disk_warn: f64,
}

impl HostSummary {
    pub fn cpu_high(&self) -> bool {
        self.cpu_pct.is_some_and(|c| c >= self.cpu_warn)
    }
    pub fn memory_high(&self) -> bool {
        self.memory_pct >= self.memory_warn
    }
    pub fn full_disks(&self) -> impl Iterator<Item = &DiskUsage> {
        self.disks.iter().filter(|d| d.used_pct >= self.disk_warn)
    }
    pub fn any_high(&self) -> bool {
        self.cpu_high() || self.memory_high() || self.full_disks().next().is_some()
    }
}
