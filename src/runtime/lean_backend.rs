//! Frames in as few bytes as the terminal needs. Over a slow SSH link an
//! idle console's traffic is escape sequences more than text: ratatui's
//! crossterm backend starts every frame from the default pen and resets it
//! after, so a clock tick (one digit) cost ~50 bytes, 46 of them colours.
//!
//! This backend remembers what the terminal already has between frames —
//! the pen (colours and attributes) and, when it is sure, the cursor — and
//! writes only the difference: one SGR sequence per pen change, a
//! backspace or a relative move where that is shorter than an absolute
//! one. The clock's tick is two bytes. A frame that changes more than one
//! row is wrapped in synchronized-output markers (it could be seen half
//! drawn); a one-row change, the clock's or a figure's, is not: those 16
//! bytes would be most of its cost.
//!
//! The pen is reset before the screen is cleared (a terminal erases with
//! the current background) and when opsdeck leaves (`terminal::restore`).

use crossterm::{cursor, execute, queue, terminal};
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};

const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";
const RESET_PEN: &[u8] = b"\x1b[0m";

/// What a printed character looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }
}

/// Each attribute's SGR codes, to set and to unset. Bold and dim share
/// their "off" (22), both blinks theirs (25).
const ATTRIBUTES: [(Modifier, u8, u8); 9] = [
    (Modifier::BOLD, 1, 22),
    (Modifier::DIM, 2, 22),
    (Modifier::ITALIC, 3, 23),
    (Modifier::UNDERLINED, 4, 24),
    (Modifier::SLOW_BLINK, 5, 25),
    (Modifier::RAPID_BLINK, 6, 25),
    (Modifier::REVERSED, 7, 27),
    (Modifier::HIDDEN, 8, 28),
    (Modifier::CROSSED_OUT, 9, 29),
];

/// The SGR parameters that turn pen `from` into `to`, in one sequence.
fn pen_change(from: Pen, to: Pen, out: &mut Vec<u8>) {
    let mut params: Vec<String> = Vec::new();
    let mut now = from.modifier;
    for (attr, _, off) in ATTRIBUTES {
        if now.contains(attr) && !to.modifier.contains(attr) {
            params.push(off.to_string());
            // An "off" shared with another attribute unsets both.
            for (other, _, other_off) in ATTRIBUTES {
                if other_off == off {
                    now.remove(other);
                }
            }
        }
    }
    for (attr, on, _) in ATTRIBUTES {
        if to.modifier.contains(attr) && !now.contains(attr) {
            params.push(on.to_string());
        }
    }
    if from.fg != to.fg {
        params.push(color(to.fg, 38));
    }
    if from.bg != to.bg {
        params.push(color(to.bg, 48));
    }
    if !params.is_empty() {
        let _ = write!(out, "\x1b[{}m", params.join(";"));
    }
}

/// A colour's SGR parameters, `base` 38 for the foreground and 48 for the
/// background. Named colours are written as indexed ones (as crossterm
/// does) so that a terminal's "bold is bright" does not change them.
fn color(c: Color, base: u8) -> String {
    let indexed = |i: u8| format!("{base};5;{i}");
    match c {
        Color::Reset => format!("{}", base + 1),
        Color::Black => indexed(0),
        Color::Red => indexed(1),
        Color::Green => indexed(2),
        Color::Yellow => indexed(3),
        Color::Blue => indexed(4),
        Color::Magenta => indexed(5),
        Color::Cyan => indexed(6),
        Color::Gray => indexed(7),
        Color::DarkGray => indexed(8),
        Color::LightRed => indexed(9),
        Color::LightGreen => indexed(10),
        Color::LightYellow => indexed(11),
        Color::LightBlue => indexed(12),
        Color::LightMagenta => indexed(13),
        Color::LightCyan => indexed(14),
        Color::White => indexed(15),
        Color::Indexed(i) => indexed(i),
        Color::Rgb(r, g, b) => format!("{base};2;{r};{g};{b}"),
    }
}

/// The cells of `next` to write over `last`, as ratatui's `Buffer::diff`
/// finds them, with a cell's width taken without a Unicode table lookup
/// when it is one printable ASCII byte (most cells). Three lookups a cell,
/// 10,000 cells a frame and a frame a second (the clock) were a seventh
/// of an idle console's CPU.
pub fn diff<'a>(last: &Buffer, next: &'a Buffer) -> Vec<(u16, u16, &'a Cell)> {
    fn width(c: &Cell) -> usize {
        if printable_ascii(c.symbol()) {
            1
        } else {
            unicode_width::UnicodeWidthStr::width(c.symbol())
        }
    }
    let mut updates = Vec::new();
    // Cells a wide character drawn or replaced before them covers or uncovers.
    let mut invalidated: usize = 0;
    // Cells a wide character of `next` takes the place of.
    let mut to_skip: usize = 0;
    for (i, (cur, prev)) in next.content.iter().zip(&last.content).enumerate() {
        if !cur.skip && (cur != prev || invalidated > 0) && to_skip == 0 {
            let (x, y) = last.pos_of(i);
            updates.push((x, y, cur));
        }
        let (w_cur, w_prev) = (width(cur), width(prev));
        to_skip = w_cur.saturating_sub(1);
        invalidated = w_cur.max(w_prev).max(invalidated).saturating_sub(1);
    }
    updates
}

/// One printable ASCII character: one column on every terminal.
fn printable_ascii(symbol: &str) -> bool {
    matches!(symbol.as_bytes(), [b] if (0x20..0x7f).contains(b))
}

/// The shortest way from the cursor at `from` (when known) to `to`.
fn move_cursor(from: Option<Position>, to: Position, out: &mut Vec<u8>) {
    let absolute = format!("\x1b[{};{}H", to.y + 1, to.x + 1);
    let relative = match from {
        Some(p) if p == to => return,
        Some(p) if p.y == to.y && p.x > to.x && p.x - to.x <= 3 => "\x08".repeat(usize::from(p.x - to.x)),
        Some(p) if p.y == to.y && p.x > to.x => format!("\x1b[{}D", p.x - to.x),
        Some(p) if p.y == to.y => format!("\x1b[{}C", to.x - p.x),
        _ => absolute.clone(),
    };
    let shortest = if relative.len() < absolute.len() {
        relative
    } else {
        absolute
    };
    out.extend_from_slice(shortest.as_bytes());
}

/// A ratatui backend over crossterm that writes only what changed,
/// pen and cursor included.
pub struct LeanBackend<W: Write> {
    writer: W,
    /// The terminal's pen; `None` until the first frame resets it.
    pen: Option<Pen>,
    /// Where the cursor is, when that is sure: after an absolute move and
    /// ASCII text short of the last column. After any other character the
    /// terminal's idea of its width may differ from ours.
    cursor: Option<Position>,
    /// The screen's width as last measured.
    width: std::cell::Cell<u16>,
    /// A clear began a synchronized update that the next frame ends.
    syncing: bool,
}

impl<W: Write> LeanBackend<W> {
    pub fn new(writer: W) -> Self {
        Self {
            writer,
            pen: None,
            cursor: None,
            width: std::cell::Cell::new(0),
            syncing: false,
        }
    }

    /// The writer, for tests that read what was written.
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// For terminals of a known size (tests): what `size()` would measure.
    pub fn assume_width(&mut self, width: u16) {
        self.width.set(width);
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
    }
}

impl<W: Write> Backend for LeanBackend<W> {
    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
            if std::mem::take(&mut self.syncing) {
                self.write(END_SYNC)?;
            }
            return Ok(());
        };
        let sync = self.syncing || first.1 != last.1;
        let mut out = Vec::with_capacity(cells.len() * 4 + 32);
        if sync && !self.syncing {
            out.extend_from_slice(BEGIN_SYNC);
        }
        let width = self.width.get();
        for (x, y, cell) in cells {
            let at = Position { x, y };
            move_cursor(self.cursor, at, &mut out);
            let pen = Pen::of(cell);
            match self.pen {
                Some(current) => pen_change(current, pen, &mut out),
                None => {
                    out.extend_from_slice(RESET_PEN);
                    pen_change(Pen::DEFAULT, pen, &mut out);
                }
            }
            self.pen = Some(pen);
            let symbol = cell.symbol();
            out.extend_from_slice(symbol.as_bytes());
            self.cursor = (printable_ascii(symbol) && x + 1 < width).then_some(Position { x: x + 1, y });
        }
        if sync {
            out.extend_from_slice(END_SYNC);
        }
        self.syncing = false;
        self.write(&out)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        execute!(self.writer, cursor::Hide)
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        execute!(self.writer, cursor::Show)
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        let (x, y) = cursor::position()?;
        Ok(Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        self.cursor = Some(Position { x, y }).filter(|p| p.x < self.width.get());
        execute!(self.writer, cursor::MoveTo(x, y))
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    /// A terminal erases with the current background: the pen is reset
    /// first. A whole-screen clear is followed by a whole frame, and both
    /// are one synchronized update.
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        if matches!(clear_type, ClearType::All) && !self.syncing {
            self.write(BEGIN_SYNC)?;
            self.syncing = true;
        }
        self.write(RESET_PEN)?;
        self.pen = Some(Pen::DEFAULT);
        self.cursor = None;
        let region = match clear_type {
            ClearType::All => terminal::ClearType::All,
            ClearType::AfterCursor => terminal::ClearType::FromCursorDown,
            ClearType::BeforeCursor => terminal::ClearType::FromCursorUp,
            ClearType::CurrentLine => terminal::ClearType::CurrentLine,
            ClearType::UntilNewLine => terminal::ClearType::UntilNewLine,
        };
        execute!(self.writer, terminal::Clear(region))
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.cursor = None;
        for _ in 0..n {
            queue!(self.writer, crossterm::style::Print("\n"))?;
        }
        self.writer.flush()
    }

    fn size(&self) -> io::Result<Size> {
        let (width, height) = terminal::size()?;
        self.width.set(width);
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let terminal::WindowSize {
            columns,
            rows,
            width,
            height,
        } = terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: columns,
                height: rows,
            },
            pixels: Size { width, height },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pen(fg: Color, bg: Color, modifier: Modifier) -> Pen {
        Pen { fg, bg, modifier }
    }

    fn change(from: Pen, to: Pen) -> String {
        let mut out = Vec::new();
        pen_change(from, to, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn a_pen_change_is_one_sequence_of_what_differs() {
        let header = pen(Color::White, Color::Blue, Modifier::empty());
        assert_eq!(change(header, header), "");
        assert_eq!(
            change(Pen::DEFAULT, header),
            "\x1b[38;5;15;48;5;4m",
            "both colours in one sequence"
        );
        assert_eq!(
            change(header, pen(Color::Red, Color::Blue, Modifier::empty())),
            "\x1b[38;5;1m"
        );
        assert_eq!(
            change(header, pen(Color::White, Color::Rgb(1, 2, 3), Modifier::empty())),
            "\x1b[48;2;1;2;3m"
        );
        assert_eq!(
            change(Pen::DEFAULT, pen(Color::Reset, Color::Reset, Modifier::REVERSED)),
            "\x1b[7m"
        );
    }

    #[test]
    fn unsetting_bold_keeps_dim() {
        let both = pen(Color::Reset, Color::Reset, Modifier::BOLD | Modifier::DIM);
        let dim = pen(Color::Reset, Color::Reset, Modifier::DIM);
        // 22 turns both off: dim is set again.
        assert_eq!(change(both, dim), "\x1b[22;2m");
        assert_eq!(change(dim, Pen::DEFAULT), "\x1b[22m");
    }

    fn moved(from: Option<(u16, u16)>, to: (u16, u16)) -> String {
        let mut out = Vec::new();
        move_cursor(from.map(Position::from), Position::from(to), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn the_cursor_moves_the_shortest_way() {
        assert_eq!(moved(Some((9, 0)), (9, 0)), "");
        assert_eq!(moved(Some((9, 0)), (8, 0)), "\x08");
        assert_eq!(moved(Some((9, 0)), (6, 0)), "\x08\x08\x08");
        assert_eq!(moved(Some((90, 3)), (40, 3)), "\x1b[50D");
        assert_eq!(moved(Some((10, 3)), (40, 3)), "\x1b[30C");
        assert_eq!(moved(Some((10, 3)), (40, 4)), "\x1b[5;41H");
        assert_eq!(moved(None, (0, 0)), "\x1b[1;1H");
        // Relative is not always shorter.
        assert_eq!(moved(Some((150, 0)), (2, 0)), "\x1b[1;3H");
    }
}
