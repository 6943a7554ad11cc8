//! Every CSV opsdeck writes keeps a spreadsheet from running a cell as a
//! formula, and no export carries a control character from the data.

mod common;

use opsdeck::model::access::{AccessRow, Flag, FlagKind, LastLogin, ReviewItem};
use opsdeck::model::review::{Campaign, CampaignSummary, Decision, DecisionRecord};
use opsdeck::store::audit::ExportFormat;
use opsdeck::store::review_export::{render, ReviewExport};
use opsdeck::store::{AuditRecord, Outcome};
use std::process::Command;

const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example/x","confirmed by lead")"#;

fn opsdeck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("run opsdeck")
}

/// Every cell of a CSV document: none may start like a formula, and the
/// document holds no control byte but its line ends.
fn assert_safe_csv(what: &str, bytes: &[u8]) -> Vec<csv::StringRecord> {
    let controls: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| (*b < 0x20 && *b != b'\n') || *b == 0x7f)
        .collect();
    assert!(controls.is_empty(), "{what}: control bytes {controls:?}");
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    assert!(
        !text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)),
        "{what}: C1 controls in {text}"
    );
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("CSV record")).collect();
    for r in &records {
        for cell in r {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{what}: formula cell {cell:?}"
            );
        }
    }
    records
}

#[tokio::test]
async fn audit_csv_export_has_no_formula_cell_and_no_control() {
    let (dir, store, who) = common::audit_store().await;
    let record = AuditRecord::new("access", "review.decide", Outcome::Ok)
        .target("+campaign 1/-mallory")
        .justification(HYPERLINK)
        .details(serde_json::json!({"comment": "@SUM(1)", "note": "title\u{1b}]2;PWNED\u{7} \u{9b}7m"}));
    store.append_audit(&who, record).await.expect("append");
    store
        .append_audit(
            &who,
            AuditRecord::new("-pane", "@action", Outcome::Info).justification("-1+2"),
        )
        .await
        .expect("append");
    store.close().await;
    let db = dir.path().join("state.db");
    let db = db.to_str().expect("UTF-8 path");

    let out = opsdeck(&["--state", db, "audit", "export", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let records = assert_safe_csv("audit export", &out.stdout);
    assert_eq!(&records[0][0], "seq", "a header line first");
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(&records[1][8], format!("'{HYPERLINK}"));
    assert_eq!(&records[1][7], "'+campaign 1/-mallory");
    assert!(
        records[1][10].contains("title␛]2;PWNED␇ [U+009B]7m"),
        "{:?}",
        &records[1][10]
    );
    assert_eq!(&records[2][5], "'-pane");

    // JSON keeps the data as it is, cleaned of controls the same way.
    let json = opsdeck(&["--state", db, "audit", "export", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let text = String::from_utf8(json.stdout).expect("UTF-8");
    assert!(!text.contains("\\u001b") && !text.contains("\\u0007"), "{text}");
    assert!(!text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v[0]["details"]["note"], "title␛]2;PWNED␇ [U+009B]7m");
    assert_eq!(v[0]["justification"], HYPERLINK);

    // Read as it was stored: the chain still verifies.
    let verify = opsdeck(&["--state", db, "audit", "verify"]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn review_csv_export_has_no_formula_cell_and_no_control() {
    let t = chrono::DateTime::parse_from_rfc3339("2026-11-23T03:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    let campaign = Campaign {
        id: 1,
        name: "=Q4 review\u{1b}[7m".into(),
        created_at: t,
        created_by: "alice".into(),
        due_at: t,
        sources: serde_json::json!([]),
    };
    let item = ReviewItem {
        id: 7,
        row: AccessRow {
            source: "hr".into(),
            subject: "@evil\u{1b}]2;PWNED\u{7}".into(),
            role: "-admin".into(),
            status: Some("+active".into()),
            last_login: LastLogin::Never,
            created_at: None,
            mfa_enabled: Some(false),
            organization: Some("\tcorp".into()),
            granted_by: Some("\u{9b}7m".into()),
            extra: [("note".to_string(), "=1+1".to_string())].into(),
        },
        flags: vec![Flag {
            kind: FlagKind::MfaDisabled,
            reason: "-no MFA".into(),
        }],
    };
    let decision = DecisionRecord {
        id: 1,
        campaign_id: 1,
        item_id: 7,
        decision: Decision::Keep,
        outcome: "kept".into(),
        justification: HYPERLINK.into(),
        reviewer: "bob\u{7}".into(),
        decided_at: t,
        details: serde_json::json!({}),
    };
    let export = ReviewExport {
        summary: CampaignSummary {
            campaign,
            total: 1,
            decided: 1,
            deferred: 0,
            flagged: 1,
            flagged_open: 0,
        },
        items: vec![item],
        decisions: vec![decision],
        audit_head: Some((3, "abc".into())),
        exported_at: t,
    };
    let text = render(&export, ExportFormat::Csv).expect("render");
    let records = assert_safe_csv("review export", text.as_bytes());
    assert_eq!(records.len(), 2);
    let row = &records[1];
    assert_eq!(&row[4], "'@evil␛]2;PWNED␇");
    assert_eq!(&row[16], format!("'{HYPERLINK}"));
}
