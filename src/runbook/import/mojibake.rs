//! Undo the commonest mojibake: UTF-8 bytes read as Windows-1252 or as
//! MacRoman and saved again ("Grafana â†’ Security" for "Grafana → Security",
//! "üè¢" for "🏢"). A line is changed only when every character maps back
//! to one byte of that code page and those bytes are UTF-8, which text
//! really written in either code page (a lone "é") almost never is.

use std::borrow::Cow;

pub fn repair_mojibake(line: &str) -> Cow<'_, str> {
    if line.is_ascii() {
        return line.into();
    }
    if line.chars().any(|c| ('\u{c2}'..='\u{f4}').contains(&c)) {
        if let Some(fixed) = back_to_bytes(line, cp1252_byte).and_then(|b| String::from_utf8(b).ok()) {
            if fixed != line {
                return fixed.into();
            }
        }
    }
    match back_to_bytes(line, macroman_byte).and_then(|b| String::from_utf8(restore_lost_lead(b)).ok()) {
        Some(fixed) if fixed != line => fixed.into(),
        _ => line.into(),
    }
}

fn back_to_bytes(line: &str, byte: fn(char) -> Option<u8>) -> Option<Vec<u8>> {
    line.chars().map(byte).collect()
}

fn cp1252_byte(c: char) -> Option<u8> {
    match c as u32 {
        0..=0xff => Some(c as u32 as u8),
        _ => CP1252.iter().position(|x| *x == c).map(|i| 0x80 + i as u8),
    }
}

fn macroman_byte(c: char) -> Option<u8> {
    match c as u32 {
        0..=0x7f => Some(c as u32 as u8),
        _ => MACROMAN.iter().position(|x| *x == c).map(|i| 0x80 + i as u8),
    }
}

/// MacRoman's 0xF0 is the Apple logo, a private-use character that is often
/// dropped on the way: three continuation bytes starting with 0x9F and no
/// lead byte before them are an emoji (F0 9F xx xx) that lost its lead.
fn restore_lost_lead(bytes: Vec<u8>) -> Vec<u8> {
    let cont = |b: u8| (0x80..=0xbf).contains(&b);
    let mut out = Vec::with_capacity(bytes.len() + 4);
    let mut i = 0;
    while i < bytes.len() {
        let orphan = bytes[i] == 0x9f
            && (i == 0 || bytes[i - 1] < 0x80)
            && bytes.get(i + 1..i + 3).is_some_and(|r| r.iter().all(|b| cont(*b)))
            && !bytes.get(i + 3).is_some_and(|b| cont(*b));
        if orphan {
            out.push(0xf0);
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Windows-1252 at 0x80..=0x9f (undefined positions hold the C1 control itself).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// MacRoman at 0x80..=0xff (0xDB as the euro sign, 0xF0 the Apple logo).
const MACROMAN: [char; 128] = [
    'Ä', 'Å', 'Ç', 'É', 'Ñ', 'Ö', 'Ü', 'á', 'à', 'â', 'ä', 'ã', 'å', 'ç', 'é', 'è', //
    'ê', 'ë', 'í', 'ì', 'î', 'ï', 'ñ', 'ó', 'ò', 'ô', 'ö', 'õ', 'ú', 'ù', 'û', 'ü', //
    '†', '°', '¢', '£', '§', '•', '¶', 'ß', '®', '©', '™', '´', '¨', '≠', 'Æ', 'Ø', //
    '∞', '±', '≤', '≥', '¥', 'µ', '∂', '∑', '∏', 'π', '∫', 'ª', 'º', 'Ω', 'æ', 'ø', //
    '¿', '¡', '¬', '√', 'ƒ', '≈', '∆', '«', '»', '…', '\u{a0}', 'À', 'Ã', 'Õ', 'Œ', 'œ', //
    '–', '—', '“', '”', '‘', '’', '÷', '◊', 'ÿ', 'Ÿ', '⁄', '€', '‹', '›', 'ﬁ', 'ﬂ', //
    '‡', '·', '‚', '„', '‰', 'Â', 'Ê', 'Á', 'Ë', 'È', 'Í', 'Î', 'Ï', 'Ì', 'Ó', 'Ô', //
    '\u{f8ff}', 'Ò', 'Ú', 'Û', 'Ù', 'ı', 'ˆ', '˜', '¯', '˘', '˙', '˚', '¸', '˝', '˛', 'ˇ',
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_is_repaired_and_real_text_left_alone() {
        assert_eq!(repair_mojibake("Grafana â†’ Security"), "Grafana → Security");
        assert_eq!(repair_mojibake("âœ… done"), "✅ done");
        assert_eq!(repair_mojibake("\u{f8ff}üè¢ OPS"), "🏢 OPS");
        assert_eq!(repair_mojibake("üè¢ OPS"), "🏢 OPS");
        assert_eq!(repair_mojibake("Grafana ‚Üí Security"), "Grafana → Security");
        for same in ["café", "plain", "→ already fine", "Ã", "über", "Straße ü", "ü é"] {
            assert_eq!(repair_mojibake(same), same);
        }
    }
}
