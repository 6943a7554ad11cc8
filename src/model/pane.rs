//! The five panes, by identity.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    Services,
    Database,
    Alerts,
    Access,
    Checklist,
}

impl PaneId {
    pub const ALL: [PaneId; 5] = [
        PaneId::Services,
        PaneId::Database,
        PaneId::Alerts,
        PaneId::Access,
        PaneId::Checklist,
    ];

    /// Name in keymaps, the palette, `snapshot --pane` and the audit log.
    pub fn key(self) -> &'static str {
        match self {
            PaneId::Services => "services",
            PaneId::Database => "database",
            PaneId::Alerts => "alerts",
            PaneId::Access => "access",
            PaneId::Checklist => "checklist",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Services => "Services",
            PaneId::Database => "Database",
            PaneId::Alerts => "Alerts",
            PaneId::Access => "Access review",
            PaneId::Checklist => "Checklist",
        }
    }

    /// 1-based number shown on tiles and bound to the digit keys.
    pub fn number(self) -> usize {
        self.index() + 1
    }

    pub fn index(self) -> usize {
        match self {
            PaneId::Services => 0,
            PaneId::Database => 1,
            PaneId::Alerts => 2,
            PaneId::Access => 3,
            PaneId::Checklist => 4,
        }
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }

    /// Accepts the key, the number and short aliases (`svc`, `db`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| {
            p.key() == s
                || p.number().to_string() == s
                || matches!(
                    (p, s.as_str()),
                    (PaneId::Services, "svc") | (PaneId::Database, "db") | (PaneId::Checklist, "run")
                )
        })
    }
}
