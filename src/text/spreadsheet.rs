//! The one CSV writer: every CSV opsdeck writes (audit export, review
//! export) goes through it, so every cell is guarded the same way.

use crate::text::clean;

/// A CSV document: a header line, then one line per row. Each cell is
/// cleaned of control characters (line breaks and tabs become spaces) and
/// guarded against formulas.
pub fn csv<R, C>(header: &[&str], rows: R) -> Result<String, String>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.iter().map(|h| cell(h.to_string())))
        .map_err(|e| e.to_string())?;
    for row in rows {
        w.write_record(row.into_iter().map(cell)).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// A spreadsheet takes a cell starting with `=`, `+`, `-` or `@` (or a tab
/// or CR before one) as a formula: `=HYPERLINK(...)` in a justification
/// must stay text when an auditor opens the file. A leading `'` keeps it
/// text, and shows as nothing in the spreadsheet.
pub fn cell(s: String) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let s = clean::flat(s);
    if formula {
        format!("'{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_stay_text() {
        for f in [
            "=HYPERLINK(\"http://evil.example/x\",\"ok\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert!(cell(f.into()).starts_with('\''), "{f}");
        }
        assert_eq!(cell("plain = fine".into()), "plain = fine");
        assert_eq!(cell("".into()), "");
    }

    #[test]
    fn cells_carry_no_control_bytes() {
        let out = csv(
            &["a", "b"],
            [vec!["x\x1b]2;T\x07y".to_string(), "two\nlines".to_string()]],
        )
        .unwrap();
        assert_eq!(out, "a,b\nx␛]2;T␇y,two lines\n");
    }
}
