//! The state store on a full disk and on a read-only one, for real: a small
//! tmpfs filled up under a running store, an ext4 image the kernel turns
//! read-only after an error (what `errors=remount-ro` does to a failing disk
//! under a running process), and a tmpfs remounted read-only between runs.
//! Every refused write says why and names the file, nothing that was refused
//! is read back or shown, the audit chain stays intact and goes on once there
//! is room again, and a read-only store can still be read.
//!
//! Needs root (mount, loop devices, mkfs.ext4); a mount that fails fails the
//! test with the reason, it never skips. Each mount is undone by a guard,
//! also when the test fails.

mod fixtures;
#[allow(dead_code)]
#[path = "common/tmux.rs"]
mod tmux;

use chrono::Utc;
use opsdeck::app::{update, AckTarget, Command, Msg};
use opsdeck::backends::access::ReviewItem;
use opsdeck::effects::alerts::acknowledge;
use opsdeck::effects::review::{review_decide, DecideContext};
use opsdeck::model::access::{AccessRow, LastLogin};
use opsdeck::model::identity::Identity;
use opsdeck::runbook::session::{Event, EventKind, SessionMeta, StepState};
use opsdeck::store::review::{Decision, NewDecision, KEPT};
use opsdeck::store::{AckRecord, AuditEntry, AuditRecord, Outcome, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tmux::Tmux;

const FULL: &str = "disk full — nothing was saved";
const READ_ONLY: &str = "read-only file system — nothing was saved";

// ---------------------------------------------------------------- disks

fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"))
}

/// Run a command that must succeed; `why` says what the test needs it for.
fn must(why: &str, cmd: &str, args: &[&str]) {
    let out = run(cmd, args);
    assert!(
        out.status.success(),
        "{why}: `{cmd} {}` failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A filesystem mounted for one test; unmounted on drop, and its loop
/// device (if any) detached by name.
struct Disk {
    mount: tempfile::TempDir,
    /// The loop device an ext4 image is attached to, as losetup named it.
    loop_dev: Option<String>,
    /// Where an ext4 image lives (removed after the unmount).
    _image: Option<tempfile::TempDir>,
}

impl Disk {
    fn tmpfs(size: &str) -> Self {
        let mount = tempfile::tempdir().expect("mount point");
        must(
            "these tests put the state store on a small tmpfs and need root (CAP_SYS_ADMIN)",
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                path_str(mount.path()),
            ],
        );
        Self {
            mount,
            loop_dev: None,
            _image: None,
        }
    }

    /// An ext4 image on a loop device, mounted `errors=remount-ro`.
    fn ext4(mib: u64) -> Self {
        let image_dir = tempfile::tempdir().expect("image dir");
        let image = image_dir.path().join("disk.img");
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(mib << 20))
            .expect("image file");
        must(
            "an ext4 image (mkfs.ext4 from e2fsprogs)",
            "mkfs.ext4",
            &["-q", "-F", path_str(&image)],
        );
        let mount = tempfile::tempdir().expect("mount point");
        // Attached here rather than by `mount -o loop`, so the guard knows the
        // device to detach even when the mount fails.
        let out = run("losetup", &["--find", "--show", path_str(&image)]);
        assert!(
            out.status.success(),
            "an ext4 image on a loop device (needs root and /dev/loop-control): `losetup --find --show` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let disk = Self {
            mount,
            loop_dev: Some(dev.clone()),
            _image: Some(image_dir),
        };
        must(
            "mount the ext4 image",
            "mount",
            &["-o", "errors=remount-ro", &dev, path_str(disk.path())],
        );
        disk
    }

    fn path(&self) -> &Path {
        self.mount.path()
    }

    fn state(&self) -> PathBuf {
        self.path().join("state.db")
    }

    fn filler(&self) -> PathBuf {
        self.path().join("filler")
    }

    /// Write (on) a filler file until the disk says ENOSPC.
    fn fill(&self) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.filler())
            .expect("filler");
        for chunk in [1 << 20, 4096, 1] {
            let buf = vec![0xa5u8; chunk];
            let err = loop {
                if let Err(e) = f.write_all(&buf) {
                    break e;
                }
            };
            assert_eq!(err.raw_os_error(), Some(28), "the filler stops at ENOSPC: {err}");
        }
    }

    fn free(&self) {
        std::fs::remove_file(self.filler()).expect("remove the filler");
    }

    /// tmpfs: only with no file on it open for writing (the kernel refuses
    /// with EBUSY otherwise), so between runs. Retried for a moment: a child
    /// another test forks holds copies of this process's descriptors until
    /// it execs.
    fn remount_read_only(&self) {
        let dir = path_str(self.path());
        let deadline = Instant::now() + Duration::from_secs(5);
        while !run("mount", &["-o", "remount,ro", dir]).status.success() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let open: Vec<String> = std::fs::read_dir("/proc/self/fd")
            .map(|fds| {
                fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                    .filter(|target| target.starts_with(self.path()))
                    .map(|target| target.display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        must(
            &format!("remount the tmpfs read-only (no file on it may be open for writing; open here: {open:?})"),
            "mount",
            &["-o", "remount,ro", dir],
        );
    }

    /// ext4: an error as the kernel meets it on a failing disk; with
    /// errors=remount-ro the filesystem refuses every write from then on,
    /// files open for writing included.
    fn go_read_only_under_the_running_store(&self) {
        let out = run("findmnt", &["-n", "-o", "SOURCE", path_str(self.path())]);
        let source = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let dev = source.rsplit('/').next().unwrap_or_default().to_string();
        let trigger = format!("/sys/fs/ext4/{dev}/trigger_fs_error");
        std::fs::write(&trigger, "opsdeck store_faults test")
            .unwrap_or_else(|e| panic!("cannot write {trigger} (mounted from {source:?}): {e}"));
        let deadline = Instant::now() + Duration::from_secs(5);
        let probe = self.path().join("probe");
        while std::fs::write(&probe, "x").is_ok() {
            let _ = std::fs::remove_file(&probe);
            assert!(Instant::now() < deadline, "the ext4 image did not go read-only");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let dir = path_str(self.path()).to_string();
        if !run("umount", &[&dir]).status.success() {
            // Still in use (by a process of a failed test): detach it anyway.
            let _ = run("umount", &["-l", &dir]);
        }
        // Detached by its name; still busy (a lazy unmount), the kernel
        // detaches it once the file system lets go.
        if let Some(dev) = &self.loop_dev {
            let _ = run("losetup", &["-d", dev]);
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

// ---------------------------------------------------------------- data

fn who() -> Identity {
    Identity {
        operator: "alice".into(),
        host: "jump-1".into(),
        ssh_client: None,
    }
}

const SESSION: &str = "INC-20261123-024000";

fn event(step: Option<&str>, what: EventKind) -> Event {
    Event {
        at: Utc::now(),
        operator: "alice".into(),
        step: step.map(String::from),
        what,
    }
}

fn tick(step: &str) -> Event {
    event(Some(step), EventKind::Done { verified: false })
}

fn note(step: &str, text: &str) -> Event {
    event(Some(step), EventKind::Note { text: text.into() })
}

fn item(subject: &str, role: &str) -> ReviewItem {
    ReviewItem {
        id: 0,
        row: AccessRow {
            source: "app users".into(),
            subject: subject.into(),
            role: role.into(),
            status: Some("active".into()),
            last_login: LastLogin::Never,
            created_at: None,
            mfa_enabled: Some(true),
            organization: None,
            granted_by: None,
            extra: Default::default(),
        },
        flags: Vec::new(),
    }
}

fn own_alert(name: &str) -> AckTarget {
    AckTarget {
        source: None,
        fingerprint: format!("opsdeck/{name}"),
        name: name.into(),
        labels: Default::default(),
    }
}

fn ctx() -> DecideContext<'static> {
    static NONE_SEEN: std::sync::LazyLock<std::collections::HashMap<i64, i64>> =
        std::sync::LazyLock::new(Default::default);
    DecideContext {
        sources: &[],
        postgres: &[],
        aliases: &[],
        seen: &NONE_SEEN,
    }
}

/// What a store holds of everything these tests write.
#[derive(Debug, Clone, PartialEq)]
struct Held {
    audit: Vec<AuditEntry>,
    events: usize,
    decisions: usize,
    acks: Vec<AckRecord>,
}

/// A session with a tick and a note, a campaign of two items with one
/// decision, an acknowledged alert, and the audit entries of all that.
/// Returns the campaign's items as stored.
async fn seed(store: &Store) -> (i64, Vec<ReviewItem>) {
    let meta = SessionMeta {
        id: SESSION.into(),
        title: "Checkout returns 502".into(),
        severity: Some("P1".into()),
        started_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
        started_by: "alice".into(),
        closed_at: None,
        closed_by: None,
        resolution: None,
    };
    store
        .create_session(&meta, &fixtures::checklist::runbook())
        .await
        .expect("session");
    for e in [note("announce", "posted in #ops"), tick("announce")] {
        let msgs = opsdeck::effects::checklist::record(store, &who(), SESSION, e, None).await;
        assert!(stored(&msgs), "seeding: {msgs:?}");
    }
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    let campaign = store
        .create_campaign(
            "Q4 admins",
            "alice",
            now,
            now + chrono::Duration::days(14),
            &serde_json::json!({}),
            &[item("bob@corp.example", "admin"), item("carol@corp.example", "viewer")],
        )
        .await
        .expect("campaign");
    let items = store.campaign_items(campaign).await.expect("items");
    let (records, msg) = review_decide(store, &who(), &ctx(), campaign, &items[..1], Decision::Keep, "on call").await;
    assert_eq!(records.len(), 1, "seeding: {msg:?}");
    let (acked, msg) = acknowledge(
        store,
        &who(),
        &[],
        &[own_alert("ContainerUnhealthy")],
        "ack: looking",
        Duration::from_secs(1800),
    )
    .await;
    assert_eq!(acked.len(), 1, "seeding: {msg:?}");
    (campaign, items)
}

async fn held(store: &Store, campaign: i64) -> Held {
    Held {
        audit: store.audit_entries(None).await.expect("audit entries"),
        events: store
            .session(SESSION)
            .await
            .expect("session")
            .map(|s| s.events.len())
            .unwrap_or(0),
        decisions: store.campaign_decisions(campaign).await.expect("decisions").len(),
        acks: store
            .acks_since(Utc::now() - chrono::Duration::days(1))
            .await
            .expect("acks"),
    }
}

/// The same through every connection of the pool at once (one left inside
/// a failed transaction would show what was refused), and through a store
/// opened anew, as the next process sees it.
async fn assert_holds(store: &Store, campaign: i64, want: &Held) {
    let all = futures::future::join_all((0..4).map(|_| held(store, campaign))).await;
    for (i, h) in all.iter().enumerate() {
        assert_eq!(h, want, "connection {i} reads something else");
    }
    let other = Store::open(store.path().expect("a file store"))
        .await
        .expect("a second store on the same file");
    assert_eq!(&held(&other, campaign).await, want, "as a new process reads it");
    let report = other.verify_audit().await.expect("verify");
    assert_eq!(report.broken, None);
    assert_eq!(report.rows, want.audit.len() as u64);
    shut(other).await;
}

/// Close a store (a connection sqlx was still returning to the pool when it
/// closed stays open until the pool itself is dropped).
async fn shut(store: Store) {
    store.close().await;
    drop(store);
}

/// Close the last store on a directory and wait until this process holds
/// none of its files, as when the process is gone.
async fn shut_all(store: Store) {
    let dir = store
        .path()
        .expect("a file store")
        .parent()
        .expect("a directory")
        .to_path_buf();
    shut(store).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let open = std::fs::read_dir("/proc/self/fd")
            .map(|fds| {
                fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                    .any(|target| target.starts_with(&dir))
            })
            .unwrap_or(false);
        if !open {
            return;
        }
        assert!(Instant::now() < deadline, "the store's files are still open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn stored(msgs: &[Msg]) -> bool {
    msgs.iter().any(|m| matches!(m, Msg::SessionEvent { .. }))
}

/// `text` says `what` and names the state file.
#[track_caller]
fn says(text: &str, what: &str, state: &Path) {
    assert!(
        text.contains(what) && text.contains(path_str(state)),
        "wanted {what:?} naming {}, got: {text}",
        state.display()
    );
}

/// The one failure a refused checklist event comes back as.
#[track_caller]
fn refused_event(msgs: &[Msg], what: &str, state: &Path) {
    assert!(!stored(msgs), "shown as recorded: {msgs:?}");
    match msgs {
        [Msg::ActionDone { ok: false, text }] => {
            assert!(text.starts_with("NOT recorded: "), "{text}");
            says(text, what, state);
        }
        other => panic!("{other:?}"),
    }
}

#[track_caller]
fn refused_action(msg: &Msg, what: &str, state: &Path) {
    match msg {
        Msg::ActionDone { ok: false, text } => says(text, what, state),
        other => panic!("{other:?}"),
    }
}

fn audit(i: usize) -> AuditRecord {
    AuditRecord::new("services", "container.restart", Outcome::Intent)
        .target(format!("api-{i}"))
        .details(serde_json::json!({ "i": i }))
}

/// Every kind of write the store takes, each refused with `what`. Before
/// each, `refill` takes what the disk may have got back meanwhile (SQLite
/// frees a -wal when its last connection closes).
async fn every_write_refused(store: &Store, campaign: i64, items: &[ReviewItem], what: &str, refill: &dyn Fn()) {
    let state = store.path().expect("a file store").to_path_buf();
    refill();
    let e = store.append_audit(&who(), audit(99)).await.expect_err("an audit entry");
    says(&e.to_string(), what, &state);

    refill();
    let msgs = opsdeck::effects::checklist::record(store, &who(), SESSION, tick("status-page"), None).await;
    refused_event(&msgs, what, &state);
    refill();
    let msgs =
        opsdeck::effects::checklist::record(store, &who(), SESSION, note("status-page", "owner paged"), None).await;
    refused_event(&msgs, what, &state);
    refill();
    let e = store
        .append_session_event(SESSION, &tick("rollback"))
        .await
        .expect_err("a tick");
    says(&e.to_string(), what, &state);

    refill();
    let (records, msg) = review_decide(store, &who(), &ctx(), campaign, &items[1..], Decision::Keep, "needed").await;
    assert!(records.is_empty(), "{records:?}");
    refused_action(&msg, what, &state);
    refill();
    let e = store
        .record_decision(NewDecision {
            seen: None,
            campaign_id: campaign,
            item: &items[1],
            decision: Decision::Keep,
            outcome: KEPT,
            justification: "needed",
            reviewer: "alice",
            details: serde_json::json!({}),
        })
        .await
        .expect_err("a decision");
    says(&e.to_string(), what, &state);

    refill();
    let (acked, msg) = acknowledge(
        store,
        &who(),
        &[],
        &[own_alert("DiskAlmostFull")],
        "ack: freeing space",
        Duration::from_secs(600),
    )
    .await;
    assert!(acked.is_empty(), "{acked:?}");
    refused_action(&msg, what, &state);
    let mut ack = held(store, campaign).await.acks[0].clone();
    ack.fingerprint = "opsdeck/DiskAlmostFull".into();
    refill();
    let e = store.add_ack(&ack).await.expect_err("an ack");
    says(&e.to_string(), what, &state);
    refill();
    let e = store
        .end_ack("opsdeck", "opsdeck/ContainerUnhealthy", Utc::now())
        .await
        .expect_err("the end of an ack");
    says(&e.to_string(), what, &state);
}

/// The real binary, with a HOME of its own (no user config).
fn opsdeck(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("HOME", home)
        .env_remove("OPSDECK_CONFIG")
        .output()
        .expect("run opsdeck");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!stderr.contains("panicked"), "opsdeck {args:?} panicked: {stderr}");
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// `audit verify` and `incident list` in a process of their own.
fn binary_reads(state: &Path, audit_rows: usize) {
    let home = tempfile::tempdir().expect("home");
    let state = path_str(state);
    let (code, out, err) = opsdeck(home.path(), &["--state", state, "audit", "verify"]);
    assert_eq!(
        (code, out.as_str()),
        (0, format!("audit log intact: {audit_rows} entries\n").as_str()),
        "{err}"
    );
    let (code, out, err) = opsdeck(home.path(), &["--state", state, "incident", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{SESSION}\tOPEN")), "{out}");
    let (code, out, err) = opsdeck(home.path(), &["--state", state, "incident", "report", SESSION]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("note on «Announce the incident in #ops»: posted in #ops"),
        "{out}"
    );
}

// ---------------------------------------------------------------- full disk

#[tokio::test]
async fn a_full_disk_refuses_every_write_and_the_chain_goes_on_once_there_is_room() {
    let disk = Disk::tmpfs("6m");
    let state = disk.state();
    let store = Store::open(&state).await.expect("open");
    let (campaign, items) = seed(&store).await;
    let before = held(&store, campaign).await;

    disk.fill();
    // Twice: a refusal must leave nothing behind that breaks the next one.
    for _ in 0..2 {
        every_write_refused(&store, campaign, &items, FULL, &|| disk.fill()).await;
    }
    assert_holds(&store, campaign, &before).await;
    binary_reads(&state, before.audit.len());

    disk.free();
    let next = store.append_audit(&who(), audit(100)).await.expect("room again");
    let head = before.audit.last().expect("seeded entries");
    assert_eq!((next.seq, next.prev_hash.as_str()), (head.seq + 1, head.hash.as_str()));
    let msgs = opsdeck::effects::checklist::record(&store, &who(), SESSION, tick("status-page"), None).await;
    assert!(stored(&msgs) && msgs.len() == 1, "{msgs:?}");
    let (records, msg) = review_decide(&store, &who(), &ctx(), campaign, &items[1..], Decision::Keep, "needed").await;
    assert_eq!(records.len(), 1, "{msg:?}");
    let (acked, msg) = acknowledge(
        &store,
        &who(),
        &[],
        &[own_alert("DiskAlmostFull")],
        "ack",
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(acked.len(), 1, "{msg:?}");
    // A second writer is not held up by anything the refusals left open.
    let other = Store::open(&state).await.expect("second store");
    other.append_audit(&who(), audit(101)).await.expect("second writer");
    shut(other).await;
    let after = held(&store, campaign).await;
    assert_eq!(
        (after.events, after.decisions, after.acks.len()),
        (before.events + 1, before.decisions + 1, before.acks.len() + 1)
    );
    // intent + outcome for the decision and the ack, the tick, and two entries of our own.
    assert_eq!(after.audit.len(), before.audit.len() + 7);
    let report = store.verify_audit().await.expect("verify");
    assert_eq!((report.rows, report.broken), (after.audit.len() as u64, None));
    shut(store).await;
}

#[tokio::test]
async fn a_store_on_a_disk_that_is_full_at_start_reads_and_refuses_writes() {
    let disk = Disk::tmpfs("6m");
    let state = disk.state();
    let store = Store::open(&state).await.expect("open");
    let (campaign, items) = seed(&store).await;
    let before = held(&store, campaign).await;
    shut_all(store).await;

    disk.fill();
    let store = Store::open(&state)
        .await
        .expect("an existing store opens on a full disk");
    assert_eq!(held(&store, campaign).await, before);
    every_write_refused(&store, campaign, &items, FULL, &|| disk.fill()).await;
    assert_holds(&store, campaign, &before).await;
    binary_reads(&state, before.audit.len());
    // Opened read-only, it stays so when space comes back, and says how to write.
    disk.free();
    let e = store.append_audit(&who(), audit(1)).await.expect_err("still read-only");
    says(
        &e.to_string(),
        "opened read-only while the disk refused writes (restart opsdeck to save) — nothing was saved",
        &state,
    );
    shut_all(store).await;
    let store = Store::open(&state).await.expect("reopened with room");
    store.append_audit(&who(), audit(2)).await.expect("writes again");
    shut(store).await;
}

#[tokio::test]
async fn no_store_is_created_on_a_full_disk_and_one_is_once_there_is_room() {
    let disk = Disk::tmpfs("2m");
    let state = disk.state();
    disk.fill();
    let e = Store::open(&state).await.err().expect("no store on a full disk");
    says(&e.to_string(), "disk full", &state);

    // `opsdeck check` runs the checks and says the results were not kept.
    let home = tempfile::tempdir().expect("home");
    let runbook = home.path().join("drill.toml");
    std::fs::write(&runbook, check_runbook(&runbook)).expect("runbook");
    let (code, out, err) = opsdeck(
        home.path(),
        &["--state", path_str(&state), "check", "--runbook", path_str(&runbook)],
    );
    assert_eq!(code, 0, "the check passed: {out}{err}");
    says(&err, "results NOT recorded: state store", &state);
    says(&err, "disk full", &state);

    disk.free();
    let store = Store::open(&state).await.expect("room again");
    store.append_audit(&who(), audit(1)).await.expect("append");
    let report = store.verify_audit().await.expect("verify");
    assert_eq!((report.rows, report.broken), (1, None));
    shut(store).await;
}

fn check_runbook(file: &Path) -> String {
    format!(
        "id = \"disk-drill\"\ntitle = \"Disk drill\"\nkind = \"daily\"\n\n[[phase]]\nname = \"Only\"\n\n\
         [[phase.step]]\nid = \"here\"\ntitle = \"The runbook file is there\"\n\
         check = {{ type = \"file\", path = \"{}\" }}\n",
        file.display()
    )
}

// ---------------------------------------------------------------- read-only disk

#[tokio::test]
async fn a_disk_gone_read_only_under_a_running_store_refuses_writes_and_still_reads() {
    let disk = Disk::ext4(32);
    let state = disk.state();
    let store = Store::open(&state).await.expect("open");
    let (campaign, items) = seed(&store).await;
    let before = held(&store, campaign).await;

    disk.go_read_only_under_the_running_store();
    for _ in 0..2 {
        every_write_refused(&store, campaign, &items, READ_ONLY, &|| {}).await;
    }
    assert_holds(&store, campaign, &before).await;
    binary_reads(&state, before.audit.len());
    // And once this process is gone too (it could not tidy up its -wal).
    shut(store).await;
    binary_reads(&state, before.audit.len());
    let store = Store::open(&state).await.expect("reopened");
    assert_eq!(held(&store, campaign).await, before);
    every_write_refused(&store, campaign, &items, READ_ONLY, &|| {}).await;
    shut(store).await;
}

#[tokio::test]
async fn a_store_on_a_disk_remounted_read_only_opens_for_reading_and_refuses_writes() {
    let disk = Disk::tmpfs("6m");
    let state = disk.state();
    let store = Store::open(&state).await.expect("open");
    let (campaign, items) = seed(&store).await;
    let before = held(&store, campaign).await;
    shut_all(store).await;

    disk.remount_read_only();
    let store = Store::open(&state)
        .await
        .expect("a store on a read-only disk opens for reading");
    assert_eq!(held(&store, campaign).await, before);
    every_write_refused(&store, campaign, &items, READ_ONLY, &|| {}).await;
    assert_holds(&store, campaign, &before).await;
    binary_reads(&state, before.audit.len());
    shut(store).await;
    let names: Vec<_> = std::fs::read_dir(disk.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["state.db"], "nothing else appeared");
}

#[tokio::test]
async fn what_a_killed_process_left_in_its_wal_is_read_from_a_read_only_disk() {
    // The files a SIGKILL leaves: the main file, and the -wal and -shm
    // holding every commit since the last checkpoint, copied while the
    // store is open. Then the disk goes read-only.
    let live = tempfile::tempdir().expect("live dir");
    let store = Store::open(&live.path().join("state.db")).await.expect("open");
    let (campaign, items) = seed(&store).await;
    let before = held(&store, campaign).await;
    let disk = Disk::tmpfs("6m");
    for suffix in ["", "-wal", "-shm"] {
        std::fs::copy(
            live.path().join(format!("state.db{suffix}")),
            disk.path().join(format!("state.db{suffix}")),
        )
        .unwrap_or_else(|e| panic!("state.db{suffix}: {e}"));
    }
    let wal = std::fs::metadata(disk.path().join("state.db-wal")).expect("wal").len();
    assert!(wal > 0, "the commits are in the -wal");
    shut(store).await;
    disk.remount_read_only();

    let state = disk.state();
    let ro = Store::open(&state).await.expect("opens for reading");
    assert_eq!(
        held(&ro, campaign).await,
        before,
        "everything committed, the -wal's too"
    );
    every_write_refused(&ro, campaign, &items, READ_ONLY, &|| {}).await;
    binary_reads(&state, before.audit.len());
    shut(ro).await;
}

#[tokio::test]
async fn no_store_is_created_on_a_read_only_disk() {
    let disk = Disk::tmpfs("1m");
    disk.remount_read_only();
    let state = disk.state();
    let e = Store::open(&state).await.err().expect("no store on a read-only disk");
    says(&e.to_string(), "read-only file system", &state);
    let home = tempfile::tempdir().expect("home");
    let (code, _, err) = opsdeck(home.path(), &["--state", path_str(&state), "audit", "verify"]);
    assert_eq!(code, 2, "{err}");
    says(&err, "does not exist", &state);
    let runbook = home.path().join("drill.toml");
    std::fs::write(&runbook, check_runbook(&runbook)).expect("runbook");
    let (code, out, err) = opsdeck(
        home.path(),
        &["--state", path_str(&state), "check", "--runbook", path_str(&runbook)],
    );
    assert_eq!(code, 0, "the check passed: {out}{err}");
    says(&err, "results NOT recorded: state store", &state);
    says(&err, "read-only file system", &state);
}

// ---------------------------------------------------------------- the screen

fn key(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

/// What the executor does with a RecordEvent or RunChecks: the store, then
/// the messages back into `update`.
async fn execute(store: &Store, s: &mut opsdeck::app::State, cmds: Vec<Command>) {
    let io = opsdeck::effects::checklist::ChecklistIo {
        config: std::sync::Arc::new(opsdeck::config::Config::default()),
        reports_dir: store.path().expect("a file store").with_file_name("reports"),
        draw: None,
    };
    for c in cmds {
        let msgs = match c {
            Command::RecordEvent { session, event, seen } => {
                opsdeck::effects::checklist::record(store, &who(), &session, event, seen.map(|s| s.map(|e| *e))).await
            }
            Command::RunChecks {
                session,
                checks,
                auto_tick,
            } => opsdeck::effects::checklist::run_checks(store, &who(), &io, &session, checks, auto_tick).await,
            _ => Vec::new(),
        };
        for m in msgs {
            update(s, m);
        }
    }
}

/// The selection on the step `id` of the session on screen.
fn select_step(s: &mut opsdeck::app::State, id: &str) {
    let line = opsdeck::app::panes::checklist::session_lines(s.panes.checklist.active.as_ref().expect("open"))
        .iter()
        .position(|l| matches!(l, opsdeck::app::panes::checklist::SessionLine::Step(_, st) if st.id == id))
        .expect("step");
    s.panes.checklist.selected = line;
}

#[tokio::test]
async fn a_tick_the_full_disk_refused_is_not_shown_ticked_and_the_status_says_why() {
    let disk = Disk::tmpfs("6m");
    let state = disk.state();
    let store = Store::open(&state).await.expect("open");
    seed(&store).await;
    let mut s = fixtures::state();
    update(
        &mut s,
        Msg::SessionOpened(Box::new(store.session(SESSION).await.expect("read").expect("there"))),
    );
    select_step(&mut s, "status-page");
    let step_state = |s: &opsdeck::app::State| {
        s.panes
            .checklist
            .active
            .as_ref()
            .expect("open")
            .step_state("status-page")
    };

    disk.fill();
    let cmds = update(&mut s, key(' '));
    assert!(
        matches!(step_state(&s), StepState::Pending),
        "not before the store has it"
    );
    execute(&store, &mut s, cmds).await;
    assert!(matches!(step_state(&s), StepState::Pending), "{:?}", step_state(&s));
    let status = s.shell.status.as_ref().expect("a status line");
    assert_eq!(status.level, opsdeck::app::Level::Error);
    assert!(status.text.starts_with("NOT recorded: "), "{}", status.text);
    says(&status.text, FULL, &state);

    // A check's result the disk refused: not shown, no longer running, and
    // the status says why.
    select_step(&mut s, "api-healthy");
    let cmds = update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Enter,
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert!(
        s.panes.checklist.running.contains("api-healthy"),
        "{cmds:?} {:?}",
        s.shell.status
    );
    execute(&store, &mut s, cmds).await;
    let active = s.panes.checklist.active.as_ref().expect("open");
    assert!(active.last_check("api-healthy").is_none() && s.panes.checklist.running.is_empty());
    let status = &s.shell.status.as_ref().expect("a status line").text;
    assert!(status.starts_with("check results NOT recorded: "), "{status}");
    says(status, FULL, &state);

    disk.free();
    select_step(&mut s, "status-page");
    let cmds = update(&mut s, key(' '));
    execute(&store, &mut s, cmds).await;
    assert!(
        matches!(step_state(&s), StepState::Done { verified: false, .. }),
        "{:?}",
        step_state(&s)
    );
    let kept = store.session(SESSION).await.expect("read").expect("there");
    assert!(matches!(kept.step_state("status-page"), StepState::Done { .. }));
    shut(store).await;
}

const DRILL: &str = r#"
id = "aaa-disk-drill"
title = "Disk drill"
kind = "incident"
severities = ["P2"]

[[phase]]
name = "Only"
budget = "15m"

[[phase.step]]
id = "page"
title = "Page the database owner"

[[phase.step]]
id = "wrap-up"
title = "Wrap up by hand"
"#;

/// A config with the drill runbook and nothing to poll; its path.
fn drill_config(dir: &Path) -> String {
    let runbooks = dir.join("runbooks");
    std::fs::create_dir_all(&runbooks).expect("runbooks dir");
    std::fs::write(runbooks.join("drill.toml"), DRILL).expect("runbook");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[host]\nenabled = false\n\n[runbooks]\ndirs = [\"{}\"]\n",
            runbooks.display()
        ),
    )
    .expect("config");
    config.display().to_string()
}

#[test]
fn the_screen_says_a_tick_was_not_saved_when_the_disk_is_full() {
    let disk = Disk::tmpfs("6m");
    let state = disk.state();
    let dir = tempfile::tempdir().expect("config dir");
    let config = drill_config(dir.path());
    let t = Tmux::start(&["--config", &config, "--state", path_str(&state)], &[], 160, 40);
    t.wait_text("1 Services");
    t.keys(&["5"]);
    t.wait_text("aaa-disk-drill");
    t.keys(&["Enter"]);
    t.wait_text("New incident session: Disk drill");
    t.keys(&["Disk fills at night", "Enter"]);
    t.wait_text("○ Page the database owner");

    disk.fill();
    t.keys(&["Space"]);
    let screen = t.wait_text("NOT recorded");
    says(&screen, FULL, &state);
    assert!(
        screen.contains("○ Page the database owner") && !screen.contains("✓ Page the database owner"),
        "not shown ticked:\n{screen}"
    );

    disk.free();
    t.keys(&["Space"]);
    t.wait_text("✓ Page the database owner");
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0);
    let (code, out, err) = opsdeck(dir.path(), &["--state", path_str(&state), "audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn opsdeck_on_a_read_only_disk_starts_read_only_and_shows_the_checklist() {
    let disk = Disk::tmpfs("6m");
    let state = disk.state();
    let dir = tempfile::tempdir().expect("config dir");
    let config = drill_config(dir.path());
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let store = Store::open(&state).await.expect("open");
            seed(&store).await;
            shut_all(store).await;
        });
    }
    disk.remount_read_only();

    let t = Tmux::start(&["--config", &config, "--state", path_str(&state)], &[], 160, 40);
    let screen = t.wait_text("running read-only");
    says(&screen, READ_ONLY, &state);
    t.keys(&["5"]);
    t.wait_text("open sessions");
    t.keys(&["Enter"]);
    let screen = t.wait_text("Update the status page");
    assert!(screen.contains("✓ Announce the incident in #ops"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_dead(), 0, "{}", t.capture());
}
