//! Small drawing helpers shared by the views.

use crate::app::{BackendStatus, Freshness, State};
use crate::config::theme::{Role, Theme};
pub use crate::text::{age, duration_text, fit, hms, short_bytes};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A status that can be drawn: symbol + word + style, never colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Crit,
    Warn,
    Stale,
    Unknown,
    Ok,
}

impl Status {
    pub fn role(self) -> Role {
        match self {
            Status::Crit => Role::Crit,
            Status::Warn => Role::Warn,
            Status::Stale => Role::Stale,
            Status::Unknown => Role::Muted,
            Status::Ok => Role::Ok,
        }
    }

    pub fn symbol(self, theme: &Theme) -> &str {
        match self {
            Status::Crit => &theme.symbols.crit,
            Status::Warn => &theme.symbols.warn,
            Status::Stale => &theme.symbols.stale,
            Status::Unknown => &theme.symbols.unknown,
            Status::Ok => &theme.symbols.ok,
        }
    }

    pub fn span(self, theme: &Theme) -> Span<'static> {
        Span::styled(self.symbol(theme).to_string(), theme.style(self.role()))
    }
}

impl From<Freshness> for Status {
    fn from(f: Freshness) -> Self {
        match f {
            Freshness::Ok => Status::Ok,
            Freshness::Stale => Status::Stale,
            Freshness::Down => Status::Crit,
            Freshness::Pending => Status::Unknown,
        }
    }
}

/// Lines saying why a backend has no fresh data, or nothing when it is fine.
pub fn backend_problem(b: &BackendStatus, state: &State, theme: &Theme) -> Option<Line<'static>> {
    let fresh = b.freshness(state.shell.now);
    match fresh {
        Freshness::Ok => None,
        Freshness::Pending => Some(Line::from(vec![
            Status::Unknown.span(theme),
            Span::styled(format!(" {}: connecting…", b.id.name), theme.style(Role::Muted)),
        ])),
        Freshness::Down => {
            let (at, err) = b.last_error.clone().unwrap_or((state.shell.now, String::new()));
            let since = b.last_ok.map(|t| format!(", data from {}", hms(t))).unwrap_or_default();
            Some(Line::from(vec![
                Status::Crit.span(theme),
                Span::styled(
                    format!(" {} DOWN at {}{since}: {err}", b.id.name, hms(at)),
                    theme.style(Role::Crit),
                ),
            ]))
        }
        Freshness::Stale => Some(Line::from(vec![
            Status::Stale.span(theme),
            Span::styled(
                format!(" {}: STALE since {}", b.id.name, b.last_ok.map(hms).unwrap_or_default()),
                theme.style(Role::Stale),
            ),
        ])),
    }
}

/// The style for data shown from a backend: stale data is drawn as stale.
pub fn data_style(b: &BackendStatus, state: &State, theme: &Theme, normal: Style) -> Style {
    match b.freshness(state.shell.now) {
        Freshness::Ok => normal,
        _ => theme.style(Role::Stale),
    }
}

/// " · also here: bob@laptop-2", when other opsdecks have `subject` open.
pub fn also_here(state: &State, theme: &Theme, subject: &str) -> Option<Span<'static>> {
    let here = state.others_on(subject);
    (!here.is_empty()).then(|| Span::styled(format!(" · also here: {}", here.join(", ")), theme.style(Role::Info)))
}

pub fn not_configured(theme: &Theme, what: &str, hint: &str) -> Vec<Line<'static>> {
    vec![
        Line::from(Span::styled(
            format!("not configured: add {what} to your config"),
            theme.style(Role::Muted),
        )),
        Line::from(Span::styled(format!("see {hint}"), theme.style(Role::Muted))),
    ]
}
