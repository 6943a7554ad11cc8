// TEMPORARY stub (not committed): replaced by the runbook loader.
pub struct LoadedRunbook {
    pub runbook: super::Runbook,
}
pub struct Loaded {
    pub runbooks: Vec<LoadedRunbook>,
    pub errors: Vec<crate::config::source::FileError>,
}
pub fn load(c: &crate::config::Config) -> Loaded {
    let mut runbooks = Vec::new();
    for d in &c.runbooks.dirs {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                if let Ok(r) = toml::from_str(&t) {
                    runbooks.push(LoadedRunbook { runbook: r });
                }
            }
        }
    }
    Loaded {
        runbooks,
        errors: Vec::new(),
    }
}
