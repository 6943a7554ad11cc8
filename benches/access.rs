//! The Access-review pane with 50,000 rows: reading a source (CSV parse,
//! flags, queue order, as the loading task does), the rows arriving through
//! update, and a frame of the pane.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use opsdeck::app::{update, Msg, OpenCampaign, PaneId, View};
use opsdeck::backends::access::rows::parse_csv;
use opsdeck::backends::access::{flagged, AccessLoad, FlagRules};
use opsdeck::config::theme::{ColorSupport, Theme};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const ROWS: usize = 50_000;

fn csv() -> String {
    let mut out = String::from("subject,role,status,last_login_at,created_at,mfa_enabled,team\n");
    for i in 0..ROWS {
        let role = ["viewer", "editor", "admin", "billing", "support"][i % 5];
        let status = if i % 97 == 0 { "suspended" } else { "active" };
        // Logins spread over a year; one in 50 never logged in.
        let login = if i % 50 == 0 {
            String::new()
        } else {
            format!("2026-{:02}-{:02}T08:00:00Z", 1 + i % 11, 1 + i % 28)
        };
        let mfa = i % 13 != 0;
        out.push_str(&format!(
            "user{i}@corp.example,{role},{status},{login},2024-01-01,{mfa},team{}\n",
            i % 40
        ));
    }
    out
}

fn rules() -> FlagRules {
    FlagRules {
        inactive_days: 90,
        privileged_roles: vec!["admin".into()],
    }
}

fn bench(c: &mut Criterion) {
    let text = csv();
    let now = fixtures::t0();
    c.bench_function("access 50k rows: parse CSV, flag, order (loading task)", |b| {
        b.iter(|| {
            flagged(
                parse_csv("app users", black_box(text.as_bytes())).expect("csv"),
                &rules(),
                now,
            )
        })
    });
    let rows = flagged(parse_csv("app users", text.as_bytes()).expect("csv"), &rules(), now);
    let load = Msg::AccessLoaded(AccessLoad {
        source: "app users".into(),
        at: now,
        result: Ok(rows),
    });
    let theme = Theme::builtin("default", ColorSupport::Ansi256).expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    let mut state = fixtures::state();
    state.shell.view = View::Zoom(PaneId::Access);
    c.bench_function(
        "access pane 50k rows: loaded rows through update, then a frame 160x50",
        |b| {
            b.iter_batched(
                || load.clone(),
                |load| {
                    update(&mut state, load);
                    terminal
                        .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                        .expect("draw");
                },
                BatchSize::LargeInput,
            )
        },
    );
    // A campaign over the same rows, opened (decisions counted), then framed.
    let items: Vec<_> = state
        .panes
        .access
        .live
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut item = item.clone();
            item.id = i as i64 + 1;
            item
        })
        .collect();
    let campaign = opsdeck::store::Campaign {
        id: 1,
        name: "bench".into(),
        created_at: now,
        created_by: "alice".into(),
        due_at: now + chrono::Duration::days(14),
        sources: serde_json::json!([]),
    };
    state.panes.access.opening = Some(1);
    update(
        &mut state,
        Msg::ReviewOpened(Ok(OpenCampaign::new(campaign, items, Vec::new()))),
    );
    c.bench_function("access pane 50k-item campaign: a frame 160x50", |b| {
        b.iter(|| {
            terminal
                .draw(|f| opsdeck::ui::draw(f, black_box(&state), &theme))
                .expect("draw");
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
