//! The frames `LeanBackend` writes, read back by a terminal emulator
//! (vt100): after any run of frames — colours, attributes, wide
//! characters, clears — the screen shows every frame exactly, while the
//! pen and the cursor are carried from one frame to the next; and an idle
//! screen's changes cost bytes in proportion to what changed.

use opsdeck::runtime::lean_backend::LeanBackend;
use ratatui::backend::{Backend, ClearType};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

const W: u16 = 40;
const H: u16 = 8;

/// A small deterministic generator (xorshift): the same frames every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const COLORS: [Color; 7] = [
    Color::Reset,
    Color::Blue,
    Color::White,
    Color::DarkGray,
    Color::Indexed(208),
    Color::Rgb(10, 200, 30),
    Color::Rgb(250, 250, 250),
];
const MODIFIERS: [Modifier; 6] = [
    Modifier::empty(),
    Modifier::BOLD,
    Modifier::DIM,
    Modifier::ITALIC,
    Modifier::UNDERLINED,
    Modifier::REVERSED,
];
const TEXTS: [&str; 8] = ["a", "12:00:01", "cpu 27%", "●", "┃ db ┃", "日本", "x", "   "];

fn style(rng: &mut Rng) -> Style {
    let mut modifier = rng.pick(&MODIFIERS);
    if rng.below(3) == 0 {
        modifier |= rng.pick(&MODIFIERS);
    }
    Style::default()
        .fg(rng.pick(&COLORS))
        .bg(rng.pick(&COLORS))
        .add_modifier(modifier)
}

/// A screen as the UI draws it: rows of styled segments, each row
/// written whole (a buffer cannot hold half of a wide character).
struct Screen {
    rows: Vec<Vec<(&'static str, Style)>>,
}

impl Screen {
    fn new(rng: &mut Rng) -> Screen {
        let rows = (0..H)
            .map(|_| (0..6).map(|_| (rng.pick(&TEXTS), style(rng))).collect())
            .collect();
        Screen { rows }
    }

    /// The next frame: a few segments changed, in text or in style.
    fn next(&mut self, rng: &mut Rng) -> Buffer {
        for _ in 0..=rng.below(4) {
            let row = rng.below(self.rows.len());
            let seg = rng.below(6);
            self.rows[row][seg] = match rng.below(3) {
                0 => (rng.pick(&TEXTS), self.rows[row][seg].1),
                1 => (self.rows[row][seg].0, style(rng)),
                _ => (rng.pick(&TEXTS), style(rng)),
            };
        }
        let mut buf = Buffer::empty(Rect::new(0, 0, W, H));
        for (y, row) in self.rows.iter().enumerate() {
            let mut x = 0;
            for (text, st) in row {
                x = buf.set_stringn(x, y as u16, text, usize::from(W - x), *st).0;
            }
        }
        buf
    }
}

fn vt_color(c: Color) -> vt100::Color {
    let named = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Indexed(i) => vt100::Color::Idx(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        other => vt100::Color::Idx(named.iter().position(|n| *n == other).unwrap_or(0) as u8),
    }
}

/// Every cell the emulator shows is the buffer's: text, colours, attributes.
fn assert_shows(screen: &vt100::Screen, buf: &Buffer, frame: usize) {
    for y in 0..H {
        for x in 0..W {
            let vt = screen.cell(y, x).expect("a cell inside the screen");
            if vt.is_wide_continuation() {
                continue;
            }
            let cell = &buf[(x, y)];
            let shown = match vt.contents() {
                s if s.is_empty() => " ".to_string(),
                s => s,
            };
            let at = format!("frame {frame}, cell ({x}, {y})");
            assert_eq!(shown, cell.symbol(), "{at}: text");
            assert_eq!(vt.fgcolor(), vt_color(cell.fg), "{at}: foreground");
            assert_eq!(vt.bgcolor(), vt_color(cell.bg), "{at}: background");
            assert_eq!(vt.bold(), cell.modifier.contains(Modifier::BOLD), "{at}: bold");
            assert_eq!(vt.italic(), cell.modifier.contains(Modifier::ITALIC), "{at}: italic");
            assert_eq!(
                vt.underline(),
                cell.modifier.contains(Modifier::UNDERLINED),
                "{at}: underline"
            );
            assert_eq!(
                vt.inverse(),
                cell.modifier.contains(Modifier::REVERSED),
                "{at}: reverse"
            );
        }
    }
}

fn backend() -> LeanBackend<Vec<u8>> {
    let mut b = LeanBackend::new(Vec::new());
    b.assume_width(W);
    b
}

/// Draws `next` over `last` and returns the bytes it took.
fn draw(backend: &mut LeanBackend<Vec<u8>>, last: &Buffer, next: &Buffer) -> Vec<u8> {
    let before = backend.writer().len();
    backend.draw(last.diff(next).into_iter()).expect("drawn into memory");
    backend.writer()[before..].to_vec()
}

/// What ratatui's crossterm backend writes, kept to count it.
#[derive(Clone, Default)]
struct Written(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Written {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_terminal_shows_every_frame_exactly() {
    let (mut ours, mut theirs) = (0, 0);
    for seed in [1u64, 7, 42, 2026] {
        let mut rng = Rng(seed);
        let mut parser = vt100::Parser::new(H, W, 0);
        let mut b = backend();
        // ratatui's own backend, for the bytes it takes. (It also loses
        // bold where dim is unset: SGR 22 unsets both.)
        let written = Written::default();
        let mut reference = ratatui::backend::CrosstermBackend::new(written.clone());
        let mut screen = Screen::new(&mut rng);
        let mut last = Buffer::empty(Rect::new(0, 0, W, H));
        let mut seen = 0;
        for frame in 0..300 {
            let next = screen.next(&mut rng);
            if rng.below(40) == 0 {
                // A resize or ^L: the screen is cleared and drawn whole.
                b.clear_region(ClearType::All).expect("cleared");
                reference.clear_region(ClearType::All).expect("cleared");
                last = Buffer::empty(last.area);
            }
            draw(&mut b, &last, &next);
            reference.draw(last.diff(&next).into_iter()).expect("drawn into memory");
            // Everything written since the last frame, the clear included.
            parser.process(&b.writer()[seen..]);
            seen = b.writer().len();
            assert_shows(parser.screen(), &next, frame);
            last = next;
        }
        ours += seen;
        theirs += written.0.borrow().len();
    }
    // Busy random frames: less to save than on an idle screen, but some.
    assert!(ours < theirs, "{ours} bytes, ratatui's backend {theirs}");
}

/// The header's clock as it ticks: after the first frame, one digit in
/// the pen already set costs a backspace and the digit.
#[test]
fn a_clock_tick_costs_two_bytes() {
    let mut b = backend();
    let header = Style::default().fg(Color::White).bg(Color::Blue);
    let mut last = Buffer::empty(Rect::new(0, 0, W, H));
    let mut parser = vt100::Parser::new(H, W, 0);
    let mut costs = Vec::new();
    for s in 0..12 {
        let mut next = last.clone();
        next.set_string(0, 0, " opsdeck ", header);
        next.set_string(30, 0, format!("03:12:{s:02}"), header);
        next.set_string(0, 3, "services", Style::default());
        let bytes = draw(&mut b, &last, &next);
        parser.process(&bytes);
        assert_shows(parser.screen(), &next, s);
        costs.push(bytes.len());
        last = next;
    }
    // 03:12:01 .. 03:12:09: the seconds digit alone.
    assert!(costs[2..10].iter().all(|c| *c == 2), "bytes per tick: {costs:?}");
    // 03:12:10: two digits, two backspaces.
    assert_eq!(costs[10], 4, "bytes per tick: {costs:?}");
}

/// A frame that changes several rows is one synchronized update; one that
/// changes a row is not wrapped.
#[test]
fn only_frames_of_several_rows_are_synchronized() {
    let mut b = backend();
    let blank = Buffer::empty(Rect::new(0, 0, W, H));
    let mut one_row = blank.clone();
    one_row.set_string(0, 2, "cpu 27%", Style::default());
    let bytes = String::from_utf8(draw(&mut b, &blank, &one_row)).expect("text");
    assert!(!bytes.contains("\x1b[?2026h"), "{bytes:?}");
    let mut two_rows = one_row.clone();
    two_rows.set_string(0, 3, "mem 15%", Style::default());
    two_rows.set_string(0, 4, "load 0.3", Style::default());
    let bytes = String::from_utf8(draw(&mut b, &one_row, &two_rows)).expect("text");
    assert!(
        bytes.starts_with("\x1b[?2026h") && bytes.ends_with("\x1b[?2026l"),
        "{bytes:?}"
    );
}

/// A clear resets the pen first (a terminal erases with the current
/// background), and the clear and the frame after it are one update.
#[test]
fn a_clear_erases_with_the_default_background() {
    let mut b = backend();
    let blank = Buffer::empty(Rect::new(0, 0, W, H));
    let mut blue = blank.clone();
    blue.set_string(0, 0, "x", Style::default().bg(Color::Blue));
    draw(&mut b, &blank, &blue);
    b.clear_region(ClearType::All).expect("cleared");
    let mut parser = vt100::Parser::new(H, W, 0);
    parser.process(b.writer());
    assert_eq!(
        parser.screen().cell(5, 5).map(|c| c.bgcolor()),
        Some(vt100::Color::Default)
    );
    let after = String::from_utf8(b.writer().clone()).expect("text");
    let clear = after.rfind("\x1b[2J").expect("a clear");
    assert!(after[..clear].ends_with("\x1b[0m"), "{after:?}");
    assert!(after[..clear].contains("\x1b[?2026h"), "{after:?}");
    let end = draw(&mut b, &Buffer::empty(blank.area), &blue);
    assert!(String::from_utf8(end).expect("text").ends_with("\x1b[?2026l"));
}

/// The diff the console uses is ratatui's, cell for cell, wide characters
/// written over halves of others included.
#[test]
fn the_diff_finds_the_cells_ratatuis_finds() {
    let mut rng = Rng(99);
    let mut last = Buffer::empty(Rect::new(0, 0, W, H));
    for _ in 0..2000 {
        let mut next = last.clone();
        for _ in 0..=rng.below(5) {
            let (x, y) = (rng.below(usize::from(W)) as u16, rng.below(usize::from(H)) as u16);
            let st = style(&mut rng);
            next.set_stringn(x, y, rng.pick(&TEXTS), usize::from(W - x), st);
        }
        let ours: Vec<_> = opsdeck::runtime::lean_backend::diff(&last, &next)
            .into_iter()
            .map(|(x, y, c)| (x, y, c.clone()))
            .collect();
        let theirs: Vec<_> = last
            .diff(&next)
            .into_iter()
            .map(|(x, y, c)| (x, y, c.clone()))
            .collect();
        assert_eq!(ours, theirs);
        last = next;
    }
}
