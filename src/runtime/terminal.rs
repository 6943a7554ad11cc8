//! The terminal: raw mode and alternate screen in, and always back out —
//! on quit, on signals, on a dead tty and on panic.

use super::lean_backend::LeanBackend;
use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::style::{Attribute, SetAttribute};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

pub type Tui = Terminal<LeanBackend<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Raw mode + alternate screen for as long as this lives.
pub struct TerminalGuard {
    pub terminal: Tui,
    /// What the screen shows: the last frame written (`runtime::draw`
    /// diffs against it, not ratatui's `Terminal`).
    pub shown: Buffer,
}

impl TerminalGuard {
    pub fn enter(mouse: bool) -> io::Result<Self> {
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        // Bracketed paste: a paste arrives as text, never as keys.
        execute!(out, EnterAlternateScreen, cursor::Hide, EnableBracketedPaste)?;
        if mouse {
            execute!(out, EnableMouseCapture)?;
            MOUSE.store(true, Ordering::SeqCst);
        }
        let terminal = Terminal::new(LeanBackend::new(io::stdout()))?;
        Ok(Self {
            terminal,
            shown: Buffer::empty(Rect::default()),
        })
    }

    /// Clear the screen: the next frame is written whole.
    pub fn clear(&mut self) -> io::Result<()> {
        self.terminal.clear()?;
        self.shown = Buffer::empty(self.shown.area);
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Put the terminal back. Safe to call any number of times, from anywhere
/// (panic hook included); errors are ignored because the tty may be gone.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    // The frames leave their pen set (`lean_backend`): the shell gets the default one.
    let _ = execute!(
        out,
        SetAttribute(Attribute::Reset),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Panics restore the terminal first, then print color-eyre's report, and log it.
pub fn install_hooks() -> color_eyre::Result<()> {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        restore();
        let report = panic_hook.panic_report(info);
        tracing::error!("panic: {report}");
        eprintln!("{report}");
    }));
    Ok(())
}
