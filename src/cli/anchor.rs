//! `opsdeck audit verify --head … --witness …`: the heads recorded earlier,
//! read from the command line and from witness files (signatures checked
//! under a public key), and what is said when the log no longer holds one.

use crate::model::checkpoint::{parse_public_key, Checkpoint, Head, SigProblem};
use std::path::PathBuf;

/// A head to look for, and where it was recorded (for the message).
pub struct Recorded {
    pub head: Head,
    pub said: String,
}

/// Every head from `--head` and the witness files. An unreadable witness,
/// a checkpoint line that does not read, or (with a public key) one not
/// signed by it is an error: a witness that was tampered with proves nothing.
pub async fn recorded(
    heads: &[String],
    witnesses: &[PathBuf],
    public_key: Option<&str>,
) -> Result<Vec<Recorded>, String> {
    let key = public_key
        .map(|k| parse_public_key(k).map_err(|e| format!("--public-key: {e}")))
        .transpose()?;
    let mut out = Vec::new();
    for h in heads {
        out.push(Recorded {
            head: Head::parse(h).map_err(|e| format!("--head: {e}"))?,
            said: "given with --head".into(),
        });
    }
    for file in witnesses {
        let (shown, lines) = witness_lines(file).await?;
        let mut found = 0;
        for (i, line) in lines.iter().enumerate() {
            // A syslog file holds other programs' lines too.
            if !line.trim_start().starts_with('{') && !line.contains("audit checkpoint {") {
                continue;
            }
            let at = format!("{shown} line {}", i + 1);
            let c = Checkpoint::parse_line(line).map_err(|e| format!("{at}: {e}"))?;
            if let Some(key) = &key {
                c.check_signature(key).map_err(|p| match p {
                    SigProblem::Unsigned => format!("{at}: checkpoint {} is not signed", c.head().short()),
                    SigProblem::Forged => format!(
                        "{at}: checkpoint {} is not signed by this key: a forged or altered line",
                        c.head().short()
                    ),
                })?;
            }
            found += 1;
            out.push(Recorded {
                head: c.head(),
                said: format!("recorded at {} by {} on {} ({at})", when(&c.time), c.operator, c.host),
            });
        }
        if found == 0 {
            return Err(format!("witness {shown}: no audit checkpoint in it"));
        }
    }
    Ok(out)
}

/// A witness file's lines, or a witness database's rows (`postgres://…`),
/// with how messages name it.
async fn witness_lines(witness: &std::path::Path) -> Result<(String, Vec<String>), String> {
    let text = witness.to_string_lossy();
    if crate::config::is_team_url(&text) {
        let url = crate::config::ConfigUrl::new(text);
        let lines = crate::store::witness_db::lines(&url).await?;
        return Ok((url.to_string(), lines));
    }
    let shown = witness.display().to_string();
    let text = std::fs::read_to_string(witness).map_err(|e| format!("witness {shown}: {e}"))?;
    Ok((shown, text.lines().map(str::to_string).collect()))
}

/// `2026-12-06T03:12:07Z` → `2026-12-06 03:12:07 UTC`.
fn when(t: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        Err(_) => t.to_string(),
    }
}

/// The sentence for the first head the log no longer holds.
pub fn missing_text(missing: &Head, recorded: &[Recorded]) -> String {
    let said = recorded
        .iter()
        .find(|r| r.head == *missing)
        .map(|r| r.said.as_str())
        .unwrap_or("");
    format!(
        "audit log REWRITTEN: the log no longer contains head {} {said}\n",
        missing.short()
    )
}
