//! What a confirm dialog shows besides the command it runs on yes: the
//! facts as they were when the operator asked. `ui::confirm` words them.

/// The facts of a confirm dialog, by the kind of command it confirms.
#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    /// The container to restart, stop or start, as listed.
    Container { image: String, status: String },
    /// The PostgreSQL backends to cancel or terminate: the first few as listed.
    Backends(Vec<BackendFacts>),
    /// One of opsdeck's own alerts whose acknowledgement ends.
    OwnAck { instance: String },
    /// The silences holding an alert: each id, with who made it and why
    /// when the Alertmanager still lists it.
    Silences {
        alert: String,
        silences: Vec<(String, Option<(String, String)>)>,
    },
    /// A revoke: each statement it runs, as (source, database, statement).
    Revoke { statements: Vec<(String, String, String)> },
    /// A container restarted `restarts` times in the open incident, at or
    /// past its limit: restarted again only with a reason.
    RestartLimit {
        image: String,
        status: String,
        restarts: usize,
        limit: u32,
    },
}

/// One PostgreSQL backend as the confirm dialog lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendFacts {
    pub target: String,
    pub pid: i32,
    pub user: String,
    pub query: String,
}
