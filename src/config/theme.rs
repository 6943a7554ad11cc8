//! Themes name UI roles, not widgets. Severity stays readable without colour:
//! every status is also a symbol and a word, and `mono` uses bold/reverse only.

use super::source::{read_text, FileError};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Built-in themes, embedded so the binary works from any directory.
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorSupport {
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorSupport {
    /// Judge from `NO_COLOR`, `COLORTERM` and `TERM`, as terminals announce it.
    pub fn detect(no_color: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> Self {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return Self::None;
        }
        let term = term.unwrap_or("");
        if term.is_empty() || term == "dumb" {
            return Self::None;
        }
        if matches!(colorterm, Some("truecolor") | Some("24bit")) {
            return Self::TrueColor;
        }
        if term.contains("256color") || term.contains("direct") {
            return Self::Ansi256;
        }
        Self::Ansi16
    }

    pub fn from_env() -> Self {
        let get = |k: &str| std::env::var(k).ok();
        Self::detect(
            get("NO_COLOR").as_deref(),
            get("COLORTERM").as_deref(),
            get("TERM").as_deref(),
        )
    }
}

/// The roles a view may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Ok,
    Warn,
    Crit,
    Info,
    Stale,
    Muted,
    Selected,
    Border,
    Focus,
    Title,
    Header,
    Text,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::Ok,
        Role::Warn,
        Role::Crit,
        Role::Info,
        Role::Stale,
        Role::Muted,
        Role::Selected,
        Role::Border,
        Role::Focus,
        Role::Title,
        Role::Header,
        Role::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Ok => "ok",
            Role::Warn => "warn",
            Role::Crit => "crit",
            Role::Info => "info",
            Role::Stale => "stale",
            Role::Muted => "muted",
            Role::Selected => "selected",
            Role::Border => "border",
            Role::Focus => "focus",
            Role::Title => "title",
            Role::Header => "header",
            Role::Text => "text",
        }
    }
}

/// Status symbols; shown beside words so colour is never the only signal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Symbols {
    pub ok: String,
    pub warn: String,
    pub crit: String,
    pub stale: String,
    pub unknown: String,
}

impl Default for Symbols {
    fn default() -> Self {
        Self {
            ok: "●".into(),
            warn: "▲".into(),
            crit: "✖".into(),
            stale: "◌".into(),
            unknown: "·".into(),
        }
    }
}

impl Symbols {
    /// For the Linux console and other fonts without these glyphs.
    pub fn ascii() -> Self {
        Self {
            ok: "+".into(),
            warn: "!".into(),
            crit: "X".into(),
            stale: "?".into(),
            unknown: "-".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
    pub symbols: Symbols,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    roles: BTreeMap<String, StyleSpec>,
    #[serde(default)]
    symbols: Option<Symbols>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
    reverse: bool,
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// `role` drawn on the background of `base` (a title or a status dot on
    /// the header bar): a colour the same as the background it sits on
    /// gives way to `base`'s own, so no theme draws white on white.
    pub fn on(&self, base: Role, role: Role) -> Style {
        let (under, over) = (self.style(base), self.style(role));
        let mut style = under.patch(over);
        if over.fg.is_some() && over.fg == under.bg {
            style.fg = under.fg;
        }
        style
    }

    /// Parse a theme file, then fit its colours to what the terminal supports.
    pub fn parse(text: &str, file: &Path, support: ColorSupport) -> Result<Self, FileError> {
        let raw: ThemeFile = toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
        let mut styles = BTreeMap::new();
        for (key, spec) in &raw.roles {
            let Some(role) = Role::ALL.iter().copied().find(|r| r.name() == key) else {
                let known: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
                return Err(
                    FileError::new(file, format!("unknown role {key:?}; roles are: {}", known.join(", ")))
                        .with_key(key.clone())
                        .locate(text, key),
                );
            };
            let color = |value: &Option<String>, which: &str| -> Result<Option<Color>, FileError> {
                value
                    .as_deref()
                    .map(|v| {
                        parse_color(v).map(|c| downgrade(c, support)).ok_or_else(|| {
                            FileError::new(file, format!("roles.{key}.{which}: unknown colour {v:?} (use a name like \"red\", \"darkgray\", an index 0-255, or \"#rrggbb\")"))
                                .with_key(format!("{key}.{which}"))
                                .locate(text, key)
                        })
                    })
                    .transpose()
                    .map(Option::flatten)
            };
            let mut style = Style::default();
            if let Some(c) = color(&spec.fg, "fg")? {
                style = style.fg(c);
            }
            if let Some(c) = color(&spec.bg, "bg")? {
                style = style.bg(c);
            }
            for (on, m) in [
                (spec.bold, Modifier::BOLD),
                (spec.dim, Modifier::DIM),
                (spec.italic, Modifier::ITALIC),
                (spec.underline, Modifier::UNDERLINED),
                (spec.reverse, Modifier::REVERSED),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            styles.insert(role, style);
        }
        let name = raw.name.unwrap_or_else(|| {
            file.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Self {
            name,
            styles,
            symbols: raw.symbols.unwrap_or_default(),
        })
    }

    /// Built-in theme by name.
    pub fn builtin(name: &str, support: ColorSupport) -> Option<Self> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Self::parse(text, Path::new(&format!("themes/{name}.toml")), support).ok()
    }

    /// Resolve `--theme NAME|PATH`: a path when it looks like one, else a theme
    /// in the user's config dir, else a built-in. No colour support means mono.
    /// The file a theme spec names: a path, or NAME.toml in the user's
    /// themes dir; `None` for a built-in theme.
    pub fn file_for(spec: &str, user_dir: Option<&Path>) -> Option<PathBuf> {
        if spec.contains('/') || spec.ends_with(".toml") {
            Some(PathBuf::from(spec))
        } else {
            user_dir.map(|d| d.join(format!("{spec}.toml"))).filter(|p| p.exists())
        }
    }

    pub fn load(spec: Option<&str>, user_dir: Option<&Path>, support: ColorSupport) -> Result<Self, FileError> {
        let spec = spec.unwrap_or("default");
        let path = Self::file_for(spec, user_dir);
        // The requested theme is always parsed, so a broken file is reported
        // even on a terminal that will show no colour.
        let mut theme = match path {
            Some(p) => Self::parse(&read_text(&p)?, &p, support)?,
            None => Self::builtin(spec, support).ok_or_else(|| {
                let names: Vec<_> = BUILTIN.iter().map(|(n, _)| *n).collect();
                FileError::new(
                    Path::new(spec),
                    format!("no such theme; built-in themes: {}", names.join(", ")),
                )
            })?,
        };
        if support == ColorSupport::None {
            if let Some(mono) = Self::builtin("mono", support) {
                theme = mono;
            }
        }
        if std::env::var("TERM").is_ok_and(|t| t == "linux") {
            theme.symbols = Symbols::ascii();
        }
        Ok(theme)
    }
}

fn parse_color(v: &str) -> Option<Color> {
    let v = v.trim().to_ascii_lowercase();
    if let Some(hex) = v.strip_prefix('#') {
        if hex.len() == 6 && hex.is_ascii() {
            let n = u32::from_str_radix(hex, 16).ok()?;
            return Some(Color::Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8));
        }
        return None;
    }
    if let Ok(i) = v.parse::<u8>() {
        return Some(Color::Indexed(i));
    }
    Some(match v.replace(['-', '_', ' '], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

/// Fit a colour to the terminal: RGB to the 256 palette or the 16 ANSI colours,
/// and nothing at all when the terminal has no colour.
fn downgrade(c: Color, support: ColorSupport) -> Option<Color> {
    match (support, c) {
        (ColorSupport::None, _) => None,
        (ColorSupport::TrueColor, c) => Some(c),
        (ColorSupport::Ansi256, Color::Rgb(r, g, b)) => Some(Color::Indexed(rgb_to_256(r, g, b))),
        (ColorSupport::Ansi16, Color::Rgb(r, g, b)) => Some(nearest_ansi16(r, g, b)),
        (ColorSupport::Ansi16, Color::Indexed(i)) if i >= 16 => {
            let (r, g, b) = indexed_to_rgb(i);
            Some(nearest_ansi16(r, g, b))
        }
        (_, c) => Some(c),
    }
}

fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            (v - 35) / 40
        }
    };
    16 + 36 * level(r) + 6 * level(g) + level(b)
}

fn indexed_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        16..=231 => {
            let i = i - 16;
            let step = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (step(i / 36), step((i / 6) % 6), step(i % 6))
        }
        232..=255 => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
        _ => ANSI16[i as usize].1,
    }
}

const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn nearest_ansi16(r: u8, g: u8, b: u8) -> Color {
    let dist = |(cr, cg, cb): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, cr) + d(g, cg) + d(b, cb)
    };
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| dist(*rgb))
        .map(|(c, _)| *c)
        .unwrap_or(Color::Reset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_on_the_header_bar_is_drawn_in_its_background_colour() {
        for (name, _) in BUILTIN {
            let t = Theme::builtin(name, ColorSupport::TrueColor).unwrap_or_else(|| panic!("{name}"));
            for role in [
                Role::Title,
                Role::Info,
                Role::Ok,
                Role::Warn,
                Role::Stale,
                Role::Muted,
                Role::Crit,
            ] {
                let s = t.on(Role::Header, role);
                let bg = s.bg.or(t.style(Role::Header).bg);
                assert!(s.fg.is_none() || s.fg != bg, "{name}: {role:?} on the header is {s:?}");
            }
        }
    }

    #[test]
    fn every_builtin_theme_parses_and_defines_every_role() {
        for (name, _) in BUILTIN {
            let t = Theme::builtin(name, ColorSupport::TrueColor).unwrap_or_else(|| panic!("{name}"));
            for role in Role::ALL {
                assert!(t.styles.contains_key(&role), "{name} lacks role {}", role.name());
            }
        }
    }

    #[test]
    fn mono_has_no_colours() {
        let t = Theme::builtin("mono", ColorSupport::TrueColor).unwrap();
        for role in Role::ALL {
            let s = t.style(role);
            assert!(s.fg.is_none() && s.bg.is_none(), "{}", role.name());
        }
        assert!(t.style(Role::Crit).add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn colour_support_detection() {
        assert_eq!(
            ColorSupport::detect(Some("1"), None, Some("xterm-256color")),
            ColorSupport::None
        );
        assert_eq!(
            ColorSupport::detect(None, None, Some("tmux-256color")),
            ColorSupport::Ansi256
        );
        assert_eq!(ColorSupport::detect(None, None, Some("screen")), ColorSupport::Ansi16);
        assert_eq!(ColorSupport::detect(None, None, Some("linux")), ColorSupport::Ansi16);
        assert_eq!(
            ColorSupport::detect(None, Some("truecolor"), Some("xterm")),
            ColorSupport::TrueColor
        );
        assert_eq!(ColorSupport::detect(None, None, Some("dumb")), ColorSupport::None);
    }

    #[test]
    fn rgb_is_downgraded() {
        assert_eq!(
            downgrade(Color::Rgb(255, 0, 0), ColorSupport::Ansi16),
            Some(Color::LightRed)
        );
        assert_eq!(
            downgrade(Color::Rgb(0, 0, 0), ColorSupport::Ansi256),
            Some(Color::Indexed(16))
        );
        assert_eq!(downgrade(Color::Red, ColorSupport::None), None);
    }

    #[test]
    fn bad_colour_names_file_line_and_role() {
        let text = "[roles]\nok = { fg = \"green\" }\nwarn = { fg = \"yelow\" }\n";
        let e = Theme::parse(text, Path::new("t.toml"), ColorSupport::Ansi256).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.to_string().contains("yelow"), "{e}");
    }

    #[test]
    fn unknown_role_is_an_error() {
        let e = Theme::parse("[roles]\nokay = {}\n", Path::new("t.toml"), ColorSupport::Ansi256).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }
}
