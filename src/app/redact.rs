//! What the operator types passes the config's redactor before it becomes a
//! `Command`: the stored note, the audit entry and the Alertmanager silence
//! comment all get the redacted text. The footer says when anything was
//! taken out (never what). What comes from outside into a details view
//! passes the same redactor before it is kept for drawing.

use crate::app::update::set_status;
use crate::app::{EditPurpose, Level, State};
use crate::model::docker::{Details, Row};
use crate::model::redact::{is_secret_key, Redactor, REDACTED};

/// `text` as it may be kept and sent, and what to tell the operator when
/// secrets were taken out of their `what` ("note", "comment", …).
pub(crate) fn typed(state: &State, what: &str, text: &str) -> (String, Option<String>) {
    let (clean, n) = state.setup.redactor.redact_counted(text);
    let notice = (n > 0).then(|| {
        let s = if n == 1 { "" } else { "s" };
        format!("{what}: {n} secret{s} redacted")
    });
    (clean, notice)
}

/// What the operator was writing in the checklist's editor, for the footer.
pub(crate) fn written(purpose: &EditPurpose) -> &'static str {
    match purpose {
        EditPurpose::Note { .. } => "note",
        EditPurpose::Skip { .. } => "skip reason",
        EditPurpose::Fail { .. } => "failure",
        EditPurpose::Close => "resolution",
        EditPurpose::DoneDespiteCheck { .. } => "reason",
        EditPurpose::NewSession { .. } => "title",
        EditPurpose::Window { .. } => "window",
    }
}

/// Say in the footer that secrets were taken out. With `again`, the result
/// of the action (which replaces the footer) says it too.
pub(crate) fn tell(state: &mut State, notice: Option<String>, again: bool) {
    let Some(notice) = notice else {
        return;
    };
    set_status(state, Level::Warn, notice.clone());
    if again {
        state.shell.redacted = Some(notice);
    }
}

/// The result of an action, with what was redacted from its text said again.
pub(crate) fn with_notice(state: &mut State, text: String) -> String {
    match state.shell.redacted.take() {
        Some(notice) => format!("{text} — {notice}"),
        None => text,
    }
}

/// Details rows from outside (a container's environment, labels and
/// command line, an alert's labels and annotations, a query, a source's
/// columns) as they may be shown: in a section of names and values, a value
/// under a secret-looking name is masked whole; any other value passes the
/// redactor. (A mount at `/run/secrets` keeps its source path.)
pub(crate) fn details(redactor: &Redactor, rows: Details) -> Details {
    let mut named = false;
    rows.into_iter()
        .map(|row| match row {
            Row::Section(name) => {
                named = NAMED_VALUES.contains(&name.as_str());
                Row::Section(name)
            }
            Row::Field(k, v) if named && is_secret_key(&k) && !v.is_empty() && v != MASK => {
                Row::Field(k, REDACTED.into())
            }
            Row::Field(k, v) => Row::Field(k, redactor.redact(&v)),
        })
        .collect()
}

/// Sections whose rows are a name and its value, set outside opsdeck.
const NAMED_VALUES: [&str; 4] = ["environment", "labels", "annotations", "other columns"];

/// How the Docker backend already masks a secret variable's value.
const MASK: &str = "••••";

#[cfg(test)]
mod tests {
    use super::*;

    fn field(k: &str, v: &str) -> Row {
        Row::Field(k.into(), v.into())
    }

    #[test]
    fn named_values_are_masked_by_name_and_every_value_by_shape() {
        let red = Redactor::new(["bars-pw"]);
        let rows = vec![
            field("command", "psql --password bars-pw"),
            Row::Section("mounts".into()),
            field("/run/secrets/db", "/srv/db-secret (ro)"),
            Row::Section("environment".into()),
            field("DB_PASSWORD", "••••"),
            field("DATABASE_URL", "postgres://u:s3cr3tpw@db/x"),
            Row::Section("labels".into()),
            field("traefik.basic.auth", "admin:$apr1$x"),
            field("author", "alice"),
        ];
        assert_eq!(
            details(&red, rows),
            vec![
                field("command", "psql --password [redacted]"),
                Row::Section("mounts".into()),
                field("/run/secrets/db", "/srv/db-secret (ro)"),
                Row::Section("environment".into()),
                field("DB_PASSWORD", "••••"),
                field("DATABASE_URL", "postgres://u:[redacted]@db/x"),
                Row::Section("labels".into()),
                field("traefik.basic.auth", "[redacted]"),
                field("author", "alice"),
            ]
        );
    }
}
