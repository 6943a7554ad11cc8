//! The Markdown importer on CommonMark constructs: inline text (emphasis,
//! escapes, entities, links), setext headings, tables, block quotes, nested
//! lists, and a title that went through MacRoman. No services needed.

use opsdeck::runbook::import::{to_toml, Document};
use opsdeck::runbook::model::Runbook;
use std::path::Path;

fn import(md: &str) -> Runbook {
    let r = Document::parse(md.as_bytes(), Path::new("doc.md"))
        .import(None)
        .unwrap_or_else(|e| panic!("import failed: {e}\n{md}"));
    to_toml(&r, Path::new("doc.md")).unwrap_or_else(|e| panic!("invalid TOML: {e}"));
    r
}

fn titles(r: &Runbook) -> Vec<String> {
    r.steps().map(|(_, s)| s.title.clone()).collect()
}

#[test]
fn emphasis_escapes_and_entities_become_plain_text() {
    let md = "# Failover\n\n\
              1. Promote *the* replica \\*only\\* if lag &lt; 1s\n\
              2. Check __replication__ &amp; _slots_ with `psql -c 'select 1'`\n";
    let r = import(md);
    assert_eq!(
        titles(&r),
        vec![
            "Promote the replica *only* if lag < 1s",
            "Check replication & slots with psql -c 'select 1'"
        ]
    );
    // The code span is still a command to copy.
    assert_eq!(r.phases[0].steps[1].commands, vec!["psql -c 'select 1'"]);
}

#[test]
fn a_link_becomes_its_text_and_url() {
    let md = "# Links\n\n\
              1. Follow the [runbook](https://x/y) first\n   \
              See [the *dashboard*](https://grafana.example/d/1) and <https://status.example>\n";
    let r = import(md);
    let step = &r.phases[0].steps[0];
    assert_eq!(step.title, "Follow the runbook (https://x/y) first");
    assert_eq!(
        step.instructions,
        "See the dashboard (https://grafana.example/d/1) and https://status.example"
    );
}

#[test]
fn a_setext_heading_starts_a_phase_with_its_steps() {
    let md = "Database failover\n=================\n\n\
              Preparation (0-15 minutes)\n--------------------------\n\n\
              1. Freeze writes\n2. Take a snapshot\n\n\
              Escalation\n----------\n\n\
              1. Page the DBA\n";
    let r = import(md);
    assert_eq!(r.title, "Database failover");
    let phases: Vec<(&str, usize)> = r.phases.iter().map(|p| (p.name.as_str(), p.steps.len())).collect();
    assert_eq!(phases, vec![("Preparation", 2), ("Escalation", 1)]);
    assert_eq!(r.phases[1].steps[0].title, "Page the DBA");
    assert_eq!(r.phases[0].budget, Some(std::time::Duration::from_secs(900)));
}

#[test]
fn a_table_is_rows_of_cells_without_its_rule() {
    let md = "# Ports\n\n\
              1. Open the firewall for:\n\n   \
              | Service | Port |\n   \
              |---------|-----:|\n   \
              | **api** | `8080` |\n   \
              | a \\| b | 9090 |\n";
    let r = import(md);
    assert_eq!(
        r.phases[0].steps[0].instructions,
        "Service | Port\napi | `8080`\na | b | 9090"
    );
}

#[test]
fn a_block_quote_is_its_text() {
    let md = "# Restart\n\n\
              > Read this *before* you start.\n\n\
              1. Restart the service\n   \
              > **Warning:** this drops &amp; reconnects sessions\n   \
              > 1. not a step\n";
    let r = import(md);
    assert_eq!(titles(&r), vec!["Restart the service"]);
    assert_eq!(
        r.phases[0].steps[0].instructions,
        "Warning: this drops & reconnects sessions\n1. not a step"
    );
    assert!(
        r.description.starts_with("Read this before you start."),
        "{}",
        r.description
    );
}

#[test]
fn nested_lists_stay_under_their_step() {
    let md = "# Deploy\n\n\
              1. Drain the node\n   \
              - cordon *it*\n   \
              - evict the pods\n     \
              that are not daemonsets\n     \
              1. wait for [PDBs](https://k8s/pdb)\n\
              2. Upgrade\n";
    let r = import(md);
    assert_eq!(titles(&r), vec!["Drain the node", "Upgrade"]);
    assert_eq!(
        r.phases[0].steps[0].instructions,
        "- cordon it\n- evict the pods that are not daemonsets\n  - wait for PDBs (https://k8s/pdb)"
    );
}

#[test]
fn a_title_decoded_as_macroman_is_repaired() {
    // 🏢 (F0 9F 8F A2) read as MacRoman: Apple logo, ü, è, ¢.
    let md = "# \u{f8ff}üè¢ ENTERPRISE OPERATIONS RUNBOOK\n\n1. Check the \u{f8ff}üè¢ lobby\n";
    let r = import(md);
    assert_eq!(r.title, "🏢 ENTERPRISE OPERATIONS RUNBOOK");
    assert_eq!(titles(&r), vec!["Check the 🏢 lobby"]);
    // The Apple logo lost on the way: the lead byte is inferred.
    let r = import("# üè¢ ENTERPRISE OPERATIONS RUNBOOK\n\n1. Go\n");
    assert_eq!(r.title, "🏢 ENTERPRISE OPERATIONS RUNBOOK");
    // Real accented text is left alone.
    let r = import("# Café über Straße\n\n1. Go\n");
    assert_eq!(r.title, "Café über Straße");
}
