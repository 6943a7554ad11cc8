//! Stamps the binary with the commit it was built from and the build date,
//! for `opsdeck --version`. Outside a git checkout (a crates.io download, a
//! tarball) or without git both read "unknown".
//!
//! The script reruns only when HEAD moves (a commit, a checkout) or
//! SOURCE_DATE_EPOCH changes, never on every build: the date is the day this
//! script last ran, which is the day the commit was first built here.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let commit = in_own_checkout()
        .then(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .flatten();
    if commit.is_some() {
        for file in head_files() {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    println!(
        "cargo:rustc-env=OPSDECK_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!("cargo:rustc-env=OPSDECK_BUILD_DATE={}", build_date());
}

/// The files whose change means HEAD names another commit: HEAD itself, the
/// branch it points at (loose), and packed-refs. Only files that exist are
/// named: cargo reruns a script on every build while a named file is missing.
fn head_files() -> Vec<PathBuf> {
    let mut paths = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(branch);
    }
    paths
        .iter()
        // --git-path resolves each name in a linked worktree too (HEAD is the
        // worktree's own, refs are the common repository's).
        .filter_map(|p| git(&["rev-parse", "--git-path", p]))
        .map(|p| manifest_dir().join(p))
        .filter(|p| p.is_file())
        .collect()
}

/// The package is the top of a git work tree, not a directory inside someone
/// else's repository (an unpacked crate under a home directory kept in git).
fn in_own_checkout() -> bool {
    let top = git(&["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    match (top.map(|t| t.canonicalize()), manifest_dir().canonicalize()) {
        (Some(Ok(top)), Ok(dir)) => top == dir,
        _ => false,
    }
}

/// UTC date of the build, or of SOURCE_DATE_EPOCH when set (reproducible builds).
fn build_date() -> String {
    let secs = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(epoch) => epoch.trim().parse::<i64>().ok(),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok()),
    };
    match secs {
        Some(secs) => {
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            format!("{y:04}-{m:02}-{d:02}")
        }
        None => "unknown".into(),
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `civil_from_days`), so the script needs no date crate.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(manifest_dir())
        .args(args)
        .output()
        .ok()?;
    out.status.success().then_some(())?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}
