//! The flight recorder's frames, without the database: what to write for a
//! poll (`Encoder`), and the model at a time from the rows written
//! (`replay`).
//!
//! One backend's rows, oldest first: a `key` holds the whole model as JSON,
//! a `delta` the JSON patch (RFC 6902) from the data row before it to its
//! own model, an `error` the poll's error text. A row stands for every poll
//! from its `at` to its `until` that saw the same thing: an unchanged poll
//! only moves `until`. Bodies are deflated.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::io::{Read, Write};

/// The largest body inflated: a corrupt or hostile row must not take the
/// memory (ten thousand alerts are a few megabytes of JSON).
const MAX_INFLATED: u64 = 256 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Key,
    Delta,
    Error,
}

impl FrameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FrameKind::Key => "key",
            FrameKind::Delta => "delta",
            FrameKind::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "key" => Some(FrameKind::Key),
            "delta" => Some(FrameKind::Delta),
            "error" => Some(FrameKind::Error),
            _ => None,
        }
    }
}

/// One stored row of one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub kind: FrameKind,
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Deflated.
    pub body: Vec<u8>,
}

/// What the recorder writes for one poll.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The same as the open row: move its `until` to the poll's time.
    Extend,
    /// A new row.
    Insert { kind: FrameKind, body: Vec<u8> },
}

/// Raw deflate: no header, which would be a tenth of a small delta.
pub fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

pub fn inflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("unreadable frame: {e}"))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err("frame larger than 256 MiB".into());
    }
    Ok(out)
}

/// The open row of a backend, as last written.
#[derive(Debug, Clone, PartialEq)]
enum Open {
    Data,
    Error(String),
}

/// One backend's memory of what it wrote last: the model the next delta is
/// taken against, when the last key was written, and what the open row
/// says. Forgotten (`reset`) whenever a write may not have reached the
/// store: the next row is then a key, so a chain never rests on a row that
/// is not there.
#[derive(Debug, Clone)]
pub struct Encoder {
    key_every: chrono::Duration,
    last: Option<Value>,
    last_key: Option<DateTime<Utc>>,
    open: Option<Open>,
}

impl Encoder {
    pub fn new(key_every: std::time::Duration) -> Self {
        Self {
            key_every: chrono::Duration::from_std(key_every).unwrap_or(chrono::Duration::minutes(5)),
            last: None,
            last_key: None,
            open: None,
        }
    }

    /// A poll that answered `model` at `at`.
    pub fn data(&mut self, at: DateTime<Utc>, model: Value) -> Step {
        if self.open == Some(Open::Data) && self.last.as_ref() == Some(&model) {
            return Step::Extend;
        }
        let key_due = self
            .last_key
            .is_none_or(|k| at.signed_duration_since(k) >= self.key_every);
        let step = match (&self.last, key_due) {
            (Some(last), false) => {
                let patch = json_patch::diff(last, &model);
                Step::Insert {
                    kind: FrameKind::Delta,
                    body: deflate(&serde_json::to_vec(&patch).unwrap_or_default()),
                }
            }
            _ => {
                self.last_key = Some(at);
                Step::Insert {
                    kind: FrameKind::Key,
                    body: deflate(&serde_json::to_vec(&model).unwrap_or_default()),
                }
            }
        };
        self.last = Some(model);
        self.open = Some(Open::Data);
        step
    }

    /// A poll that failed with `text` (already masked).
    pub fn error(&mut self, text: &str) -> Step {
        if matches!(&self.open, Some(Open::Error(e)) if e == text) {
            return Step::Extend;
        }
        self.open = Some(Open::Error(text.to_string()));
        Step::Insert {
            kind: FrameKind::Error,
            body: deflate(text.as_bytes()),
        }
    }

    /// Forget everything: the next data row is a key.
    pub fn reset(&mut self) {
        self.last = None;
        self.last_key = None;
        self.open = None;
    }
}

/// What one backend's rows say about time `t`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Replayed {
    /// The model, and the last poll at or before `t` that saw it.
    pub data: Option<(Value, DateTime<Utc>)>,
    /// The last error, and the last poll at or before `t` that failed so.
    pub error: Option<(String, DateTime<Utc>)>,
}

/// The state at `t` from one backend's rows, oldest first. Data rows before
/// the first key are skipped (their key was pruned); only rows that began
/// at or before `t` count.
pub fn replay(frames: &[Frame], t: DateTime<Utc>) -> Result<Replayed, String> {
    let mut out = Replayed::default();
    let mut model: Option<Value> = None;
    let mut seen_data = None;
    for f in frames.iter().filter(|f| f.at <= t) {
        let seen = f.until.min(t);
        match f.kind {
            FrameKind::Key => {
                let v = serde_json::from_slice(&inflate(&f.body)?).map_err(|e| format!("bad key frame: {e}"))?;
                model = Some(v);
            }
            FrameKind::Delta => {
                let Some(m) = model.as_mut() else {
                    continue;
                };
                let patch: json_patch::Patch =
                    serde_json::from_slice(&inflate(&f.body)?).map_err(|e| format!("bad delta frame: {e}"))?;
                json_patch::patch(m, &patch).map_err(|e| format!("delta does not apply: {e}"))?;
            }
            FrameKind::Error => {
                let text = String::from_utf8_lossy(&inflate(&f.body)?).into_owned();
                out.error = Some((text, seen));
                continue;
            }
        }
        seen_data = Some(seen);
    }
    out.data = model.zip(seen_data);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    /// Run the encoder over polls as the recorder would, keeping the rows.
    fn record(enc: &mut Encoder, polls: &[(i64, Result<Value, &str>)]) -> Vec<Frame> {
        let mut rows: Vec<Frame> = Vec::new();
        for (secs, poll) in polls {
            let step = match poll {
                Ok(v) => enc.data(at(*secs), v.clone()),
                Err(e) => enc.error(e),
            };
            match step {
                Step::Extend => {
                    if let Some(last) = rows.last_mut() {
                        last.until = at(*secs);
                    }
                }
                Step::Insert { kind, body } => rows.push(Frame {
                    kind,
                    at: at(*secs),
                    until: at(*secs),
                    body,
                }),
            }
        }
        rows
    }

    fn containers(states: &[&str]) -> Value {
        json!({ "containers": states.iter().enumerate().map(|(i, s)| json!({"name": format!("c{i}"), "state": s})).collect::<Vec<_>>() })
    }

    #[test]
    fn unchanged_polls_extend_one_row_and_changes_are_deltas_between_keys() {
        let mut enc = Encoder::new(std::time::Duration::from_secs(300));
        let rows = record(
            &mut enc,
            &[
                (0, Ok(containers(&["running", "running"]))),
                (5, Ok(containers(&["running", "running"]))),
                (10, Ok(containers(&["running", "exited"]))),
                (15, Ok(containers(&["running", "exited", "running"]))),
                (400, Ok(containers(&["running"]))),
                (405, Ok(containers(&["exited"]))),
            ],
        );
        let kinds: Vec<_> = rows.iter().map(|r| r.kind).collect();
        use FrameKind::*;
        assert_eq!(kinds, [Key, Delta, Delta, Key, Delta]);
        assert_eq!(rows[0].until, at(5));
        // Every point in time reads back the model that was polled then.
        let cases = [
            (0, containers(&["running", "running"]), 0),
            (7, containers(&["running", "running"]), 5),
            (12, containers(&["running", "exited"]), 10),
            (399, containers(&["running", "exited", "running"]), 15),
            (402, containers(&["running"]), 400),
            (10_000, containers(&["exited"]), 405),
        ];
        for (t, want, seen) in cases {
            let got = replay(&rows, at(t)).unwrap_or_default();
            assert_eq!(got.data, Some((want, at(seen))), "at +{t}s");
        }
        assert_eq!(replay(&rows, at(-1)).unwrap_or_default(), Replayed::default());
    }

    #[test]
    fn errors_sit_beside_the_data_chain() {
        let mut enc = Encoder::new(std::time::Duration::from_secs(300));
        let rows = record(
            &mut enc,
            &[
                (0, Ok(json!({"a": 1}))),
                (5, Err("refused")),
                (10, Err("refused")),
                (15, Ok(json!({"a": 2}))),
            ],
        );
        assert_eq!(rows.len(), 3);
        let mid = replay(&rows, at(12)).unwrap_or_default();
        assert_eq!(mid.data, Some((json!({"a": 1}), at(0))));
        assert_eq!(mid.error, Some(("refused".to_string(), at(10))));
        let after = replay(&rows, at(20)).unwrap_or_default();
        assert_eq!(after.data, Some((json!({"a": 2}), at(15))));
    }

    #[test]
    fn a_reset_encoder_starts_again_with_a_key() {
        let mut enc = Encoder::new(std::time::Duration::from_secs(300));
        let _ = enc.data(at(0), json!({"a": 1}));
        enc.reset();
        assert!(matches!(
            enc.data(at(5), json!({"a": 1})),
            Step::Insert {
                kind: FrameKind::Key,
                ..
            }
        ));
    }

    #[test]
    fn deltas_whose_key_was_pruned_are_skipped() {
        let mut enc = Encoder::new(std::time::Duration::from_secs(300));
        let rows = record(&mut enc, &[(0, Ok(json!({"a": 1}))), (5, Ok(json!({"a": 2})))]);
        let got = replay(&rows[1..], at(10)).unwrap_or_default();
        assert_eq!(got.data, None);
    }

    #[test]
    fn a_corrupt_body_is_an_error_not_a_panic() {
        let rows = [Frame {
            kind: FrameKind::Key,
            at: at(0),
            until: at(0),
            body: b"not deflate at all".to_vec(),
        }];
        assert!(replay(&rows, at(1)).is_err());
    }
}
