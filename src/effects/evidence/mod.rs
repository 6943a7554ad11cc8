//! Evidence packs: in the first minutes of an incident, what the containers,
//! databases, alerts, host and audit log showed, one file each in a new
//! directory, sealed by `MANIFEST.sha256` whose own hash goes into the audit
//! chain; and the check that a pack is still what was sealed. Shared by the
//! Checklist pane (`E`) and `opsdeck evidence`.

pub mod collect;
pub mod host;
pub mod manifest;
pub mod mask;
pub mod pack;

use crate::config::Config;
use crate::model::identity::Identity;
use crate::model::redact::Redactor;
use crate::runbook::session::{Event, EventKind, SessionMeta};
use crate::store::{AuditRecord, Outcome, Store};
use manifest::{sha256_hex, MANIFEST};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The audit log's action for a sealed pack.
pub const ACTION: &str = "evidence.capture";

/// What to capture. Empty lists: every unhealthy or exited container,
/// every PostgreSQL target.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub incident: Option<String>,
    pub containers: Vec<String>,
    pub postgres: Vec<String>,
    /// The pack's directory (new or empty); default: a new one in the
    /// evidence directory.
    pub out: Option<PathBuf>,
}

/// A pack written.
#[derive(Debug)]
pub struct Captured {
    pub dir: PathBuf,
    /// Files listed in the manifest (the manifest not counted).
    pub files: usize,
    pub manifest_sha256: String,
    /// Sources that could not be read (the pack says so in pack.json too),
    /// and a seal that could not be written.
    pub problems: Vec<String>,
    /// The incident's session event, when it was open and took it.
    pub event: Option<Event>,
    /// The manifest's hash is in the audit log.
    pub sealed: bool,
}

/// Packs go beside the reports, in `evidence/`.
pub fn evidence_dir(reports_dir: &Path) -> PathBuf {
    reports_dir.with_file_name("evidence")
}

/// Capture a pack. An error means no pack (bad request, no directory);
/// a source that cannot be read is one of `Captured::problems`.
pub async fn capture(
    config: &Config,
    store: &Store,
    who: &Identity,
    evidence_dir: &Path,
    req: &Request,
) -> Result<Captured, String> {
    let incident = match &req.incident {
        Some(id) => match store.session(id).await {
            Ok(Some(s)) => Some(s.meta),
            Ok(None) => return Err(format!("no incident {id} (opsdeck incident list shows them)")),
            Err(e) => return Err(format!("incident {id}: {e}")),
        },
        None => None,
    };
    if let Some(unknown) = req
        .postgres
        .iter()
        .find(|p| !config.postgres.iter().any(|c| &c.name == *p))
    {
        return Err(format!("no [[postgres]] target named {unknown}"));
    }
    let now = chrono::Utc::now();
    let name = format!(
        "{}-{}",
        mask::file_part(incident.as_ref().map_or("capture", |m| m.id.as_str())),
        now.format("%Y%m%dT%H%M%SZ")
    );
    let dir = pack::create_dir(req.out.as_deref(), evidence_dir, &name)?;
    let head = store.newest_head().await.ok();
    let (files, problems) = gather(config, store, incident.as_ref(), req).await;

    let mut written = BTreeMap::new();
    for (file, bytes) in &files {
        pack::write_new(&dir, file, bytes)?;
        written.insert(file.clone(), sha256_hex(bytes));
    }
    let info = json!({
        "operator": who.operator,
        "ssh_client": who.ssh_client,
        "host": who.host,
        "captured_at": now,
        "incident": incident.as_ref().map(|m| &m.id),
        "opsdeck_version": concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("OPSDECK_GIT_COMMIT"), ")"),
        "audit_head": head.as_ref().map(|h| json!({ "seq": h.seq, "hash": h.hash })),
        "files": written.iter().map(|(n, h)| json!({ "name": n, "sha256": h })).collect::<Vec<_>>(),
        "problems": problems,
    });
    let info = to_bytes(&mask::json(info, &config.redactor()));
    pack::write_new(&dir, "pack.json", &info)?;
    written.insert("pack.json".into(), sha256_hex(&info));
    let text = manifest::write(&written);
    pack::write_new(&dir, MANIFEST, text.as_bytes())?;
    let manifest_sha256 = sha256_hex(text.as_bytes());

    let mut captured = Captured {
        dir,
        files: written.len(),
        manifest_sha256,
        problems,
        event: None,
        sealed: false,
    };
    match seal(store, who, incident.as_ref(), &mut captured).await {
        Ok(()) => captured.sealed = true,
        Err(e) => captured
            .problems
            .push(format!("the manifest's hash is NOT in the audit log: {e}")),
    }
    Ok(captured)
}

/// Every file's bytes, masked, by name; and the sources not read.
async fn gather(
    config: &Config,
    store: &Store,
    incident: Option<&SessionMeta>,
    req: &Request,
) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let (containers, mut problems) = collect::containers(&config.docker, &req.containers).await;
    // Secret-named environment values are secrets in every file of the pack.
    let env_secrets: Vec<String> = containers.iter().flat_map(|c| mask::env_secrets(&c.inspect)).collect();
    let known: Vec<String> = config.secrets().iter().map(|s| s.expose().to_string()).collect();
    let red = Redactor::new(known.iter().chain(&env_secrets));
    let mut files = BTreeMap::new();
    for c in containers {
        let base = format!("container-{}-{}", mask::file_part(&c.host), mask::file_part(&c.name));
        files.insert(
            format!("{base}.inspect.json"),
            to_bytes(&mask::inspect(c.inspect, &red)),
        );
        match c.log {
            Ok(log) => {
                files.insert(format!("{base}.log"), mask::text(&log, &red).into_bytes());
            }
            Err(e) => problems.push(format!("log of {} on {}: {e}", c.name, c.host)),
        }
    }
    let targets = config
        .postgres
        .iter()
        .filter(|p| req.postgres.is_empty() || req.postgres.contains(&p.name));
    for cfg in targets {
        match collect::postgres(cfg).await {
            Ok((sessions, locks)) => {
                let sessions: Vec<_> = sessions
                    .into_iter()
                    .map(|mut s| {
                        // As the Database pane shows it: literals masked, then secrets.
                        s.query = crate::model::postgres::mask_literals(&s.query);
                        s
                    })
                    .collect();
                let base = format!("postgres-{}", mask::file_part(&cfg.name));
                let activity = json!({ "target": cfg.name, "sessions": sessions });
                files.insert(format!("{base}.activity.json"), to_bytes(&mask::json(activity, &red)));
                files.insert(format!("{base}.locks.json"), to_bytes(&mask::json(locks, &red)));
            }
            Err(e) => problems.push(format!("PostgreSQL {}: {e}", cfg.name)),
        }
    }
    let alerts = collect::alerts(&config.alertmanager).await;
    files.insert("alerts.json".into(), to_bytes(&mask::json(alerts, &red)));
    let host = host::facts(&config.host).await;
    files.insert("host.json".into(), to_bytes(&mask::json(host, &red)));
    match collect::audit(store, incident).await {
        Ok(entries) => {
            let v = json!({ "incident": incident.map(|m| &m.id), "entries": entries });
            files.insert("audit.json".into(), to_bytes(&mask::json(v, &red)));
        }
        Err(e) => problems.push(format!("audit log: {e}")),
    }
    (files, problems)
}

fn to_bytes(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The manifest's hash into the audit chain: as the incident's session
/// event when it is open (the event's audit entry carries it), otherwise
/// as an entry of its own.
async fn seal(store: &Store, who: &Identity, incident: Option<&SessionMeta>, c: &mut Captured) -> Result<(), String> {
    let dir = c.dir.display().to_string();
    if let Some(meta) = incident.filter(|m| m.is_open()) {
        let event = Event {
            at: chrono::Utc::now(),
            operator: who.operator.clone(),
            step: None,
            what: EventKind::Evidence {
                dir,
                manifest_sha256: c.manifest_sha256.clone(),
                files: c.files,
            },
        };
        let msgs = super::checklist::commit(store, who, &meta.id, event.clone(), None)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(crate::app::Msg::AuditFailed(e)) =
            msgs.iter().find(|m| matches!(m, crate::app::Msg::AuditFailed(_)))
        {
            return Err(e.clone());
        }
        c.event = Some(event);
        return Ok(());
    }
    let rec = AuditRecord::new("evidence", ACTION, Outcome::Ok)
        .target(incident.map_or_else(|| dir.clone(), |m| m.id.clone()))
        .details(details(
            &dir,
            &c.manifest_sha256,
            c.files,
            incident.map(|m| m.id.as_str()),
        ));
    store
        .append_audit(who, rec)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What the audit log records of a pack.
pub fn details(dir: &str, manifest_sha256: &str, files: usize, incident: Option<&str>) -> Value {
    json!({ "dir": dir, "manifest_sha256": manifest_sha256, "files": files, "incident": incident })
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verified {
    /// Files the manifest lists.
    pub files: usize,
    pub manifest_sha256: String,
    /// The audit entry that holds the manifest's hash.
    pub sealed_at: Option<i64>,
    /// Each changed, missing or added file, a manifest not sealed, a
    /// broken chain: empty when all is well.
    pub problems: Vec<String>,
}

/// Check a pack: every file against the manifest, and the manifest's hash
/// in an intact audit chain.
pub async fn verify(store: &Store, dir: &Path) -> Result<Verified, String> {
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read(&manifest_path).map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let mut v = Verified {
        manifest_sha256: sha256_hex(&text),
        ..Verified::default()
    };
    let listed = manifest::parse(&String::from_utf8_lossy(&text))?;
    v.files = listed.len();
    let found = files_now(dir)?;
    v.problems = manifest::compare(&listed, &found)
        .iter()
        .map(|d| d.to_string())
        .collect();
    match store.verify_audit().await {
        Ok(r) => {
            if let Some((seq, why)) = r.broken {
                v.problems.push(format!("audit log BROKEN at sequence {seq}: {why}"));
            }
        }
        Err(e) => v.problems.push(format!("audit log not verified: {e}")),
    }
    match store.audit_entries(None).await {
        Ok(entries) => {
            v.sealed_at = entries
                .iter()
                .filter(|e| e.action == ACTION)
                .find(|e| {
                    serde_json::from_str::<Value>(&e.details)
                        .ok()
                        .and_then(|d| d.get("manifest_sha256").and_then(Value::as_str).map(str::to_string))
                        .is_some_and(|h| h == v.manifest_sha256)
                })
                .map(|e| e.seq);
            if v.sealed_at.is_none() {
                v.problems.push(format!(
                    "the manifest's sha256 {} is in no {ACTION} entry of the audit log",
                    v.manifest_sha256
                ));
            }
        }
        Err(e) => v.problems.push(format!("audit log not read: {e}")),
    }
    Ok(v)
}

/// Each entry of the pack's directory but the manifest, with the sha256 of
/// its bytes; what is not a plain file (a directory, a link) gets no hash,
/// so it is never taken for a listed file.
fn files_now(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let say = |e: std::io::Error| format!("cannot read {}: {e}", dir.display());
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(say)? {
        let entry = entry.map_err(say)?;
        let name = crate::text::clean::line(entry.file_name().to_string_lossy().into_owned());
        if name == MANIFEST {
            continue;
        }
        let plain = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        let hash = if plain {
            std::fs::read(entry.path()).map(|b| sha256_hex(&b)).map_err(say)?
        } else {
            "not a plain file".to_string()
        };
        out.insert(name, hash);
    }
    Ok(out)
}
