//! The importer's builder: a section's blocks walked into phases and steps.
//! Headings split phases (sub-headings are then steps), bold labels split
//! phases within a heading, list items and bold lines are steps, and what
//! is indented under an item (text, nested lists, code) belongs to it.

use super::markdown::{plain, timing, Block, Timing};
use super::shell::{inline_commands, split_code};
use crate::runbook::model::{Contact, Phase, Step};

/// Collects phases and steps while walking a section's blocks.
#[derive(Default)]
pub struct Builder {
    pub phases: Vec<Phase>,
    pub timings: Vec<Option<Timing>>,
    /// Text outside any step ("Purpose: ...", success criteria): the description.
    pub notes: Vec<String>,
    pub labels: Vec<String>,
    pub contacts: Vec<Contact>,
}

/// A phase being filled.
struct Open {
    name: String,
    /// The name as written, for a step named after the phase.
    raw: String,
    timing: Option<Timing>,
    steps: Vec<Step>,
    /// Code under a label or heading with no steps: it becomes one step.
    loose_commands: Vec<String>,
    loose_text: Vec<String>,
}

impl Open {
    fn new(name: &str) -> Self {
        let (timing, name) = match timing(name) {
            Some((t, rest)) if !rest.is_empty() => (Some(t), rest),
            Some((t, _)) => (Some(t), name.to_string()),
            None => (None, name.trim().trim_end_matches(':').to_string()),
        };
        Open {
            raw: name.clone(),
            name: plain(&name),
            timing,
            steps: Vec::new(),
            loose_commands: Vec::new(),
            loose_text: Vec::new(),
        }
    }
}

fn new_step(title_line: &str) -> Step {
    // "**Title**: more" or "**Title** more": the bold part is the title.
    let t = title_line.trim();
    let (title, rest) = match t.strip_prefix("**").and_then(|r| r.split_once("**")) {
        Some((bold, rest)) if !bold.trim().is_empty() => (bold.to_string(), rest.trim_start_matches(':').trim()),
        _ => (t.to_string(), ""),
    };
    let mut title = plain(&title).trim_end_matches(':').trim().to_string();
    let mut instructions = plain(rest);
    if title.chars().count() > 160 {
        let cut: String = title.chars().take(160).collect();
        instructions = format!("{title}\n{instructions}").trim().to_string();
        title = format!("{cut}…");
    }
    Step {
        id: String::new(),
        commands: inline_commands(title_line),
        title: title.replace('`', ""),
        instructions,
        check: None,
        requires_note: false,
        on_fail: None,
        on_fail_runbook: None,
    }
}

/// Add a block's text to a step being filled.
fn add_to_step(step: &mut Step, block: &Block, base: usize) {
    let pad = |indent: usize| " ".repeat(indent.saturating_sub(base).min(12));
    let line = match block {
        Block::Code { lang, lines, .. } => {
            let first = step.commands.len() + 1;
            let (cmds, notes) = split_code(lang, lines);
            step.commands.extend(cmds);
            let last = step.commands.len();
            // "For API Service:" followed by its code: say which commands it means.
            if last >= first && step.instructions.ends_with(':') {
                match first == last {
                    true => step.instructions.push_str(&format!(" command {first}")),
                    false => step.instructions.push_str(&format!(" commands {first}-{last}")),
                }
            }
            for note in notes {
                if !step.instructions.is_empty() {
                    step.instructions.push('\n');
                }
                step.instructions.push_str(&note);
            }
            return;
        }
        Block::Blank => return,
        Block::Heading { text, .. } => plain(text),
        Block::Label { indent, text } => format!("{}{}:", pad(*indent), plain(text)),
        Block::Item { indent, text, .. } | Block::Bullet { indent, text } => {
            step.commands.extend(inline_commands(text));
            format!("{}- {}", pad(*indent), plain(text))
        }
        Block::Text { indent, text } => {
            step.commands.extend(inline_commands(text));
            format!("{}{}", pad(*indent), plain(text))
        }
    };
    if line.trim().is_empty() {
        return;
    }
    if !step.instructions.is_empty() {
        step.instructions.push('\n');
    }
    step.instructions.push_str(&line);
}

fn finish_step(step: &mut Step, n: usize) {
    if step.title.trim().is_empty() {
        let first = step.instructions.lines().next().unwrap_or("").trim().to_string();
        step.title = if first.is_empty() { format!("Step {n}") } else { first };
    }
    step.commands.retain(|c| !c.trim().is_empty());
    step.instructions = step.instructions.trim().to_string();
}

impl Builder {
    /// Split at the shallowest heading level: each heading is a phase whose
    /// steps are its sub-headings (or its items); text before the first
    /// heading is read for labels and items like a section without headings.
    pub fn phases_of(&mut self, body: &[Block], default_name: &str) {
        let level = body
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, .. } => Some(*level),
                _ => None,
            })
            .min();
        let Some(level) = level else {
            self.label_phases(body, default_name);
            return;
        };
        let starts: Vec<usize> = body
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, Block::Heading { level: l, .. } if *l == level))
            .map(|(i, _)| i)
            .collect();
        let first = starts.first().copied().unwrap_or(body.len());
        self.label_phases(&body[..first], default_name);
        for (n, start) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(body.len());
            let Some(Block::Heading { text, .. }) = body.get(*start) else {
                continue;
            };
            let chunk = &body[start + 1..end];
            if text.to_lowercase().contains("contact") && self.contacts_from(chunk) {
                continue;
            }
            if chunk.iter().any(|b| matches!(b, Block::Heading { .. })) {
                self.heading_phase(text, chunk);
            } else {
                self.label_phases(chunk, text);
            }
        }
    }

    /// `- **Security Team**: security@example.com` lines as contacts.
    fn contacts_from(&mut self, chunk: &[Block]) -> bool {
        let before = self.contacts.len();
        for b in chunk {
            if let Block::Bullet { text, .. } = b {
                let t = plain(text);
                if let Some((name, contact)) = t.split_once(':') {
                    if !name.trim().is_empty() && !contact.trim().is_empty() {
                        self.contacts.push(Contact {
                            name: name.trim().to_string(),
                            contact: contact.trim().to_string(),
                            after: None,
                        });
                    }
                }
            }
        }
        self.contacts.len() > before
    }

    /// A heading with sub-headings: one phase, a step per sub-heading (items
    /// before the first sub-heading are steps too).
    fn heading_phase(&mut self, name: &str, chunk: &[Block]) {
        let sub = chunk
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, .. } => Some(*level),
                _ => None,
            })
            .min()
            .unwrap_or(0);
        let mut phase = Open::new(name);
        let first = chunk
            .iter()
            .position(|b| matches!(b, Block::Heading { level, .. } if *level == sub))
            .unwrap_or(chunk.len());
        let mut pre = Builder::default();
        pre.label_phases(&chunk[..first], name);
        for p in pre.phases {
            phase.steps.extend(p.steps);
        }
        self.notes.extend(pre.notes);
        let mut current: Option<Step> = None;
        for b in &chunk[first..] {
            match b {
                Block::Heading { level, text } if *level == sub => {
                    if let Some(s) = current.take() {
                        phase.steps.push(s);
                    }
                    let numbered = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ');
                    current = Some(new_step(if numbered.is_empty() { text } else { numbered }));
                }
                other => {
                    if let Some(s) = current.as_mut() {
                        add_to_step(s, other, 0);
                    }
                }
            }
        }
        if let Some(s) = current.take() {
            phase.steps.push(s);
        }
        self.close(phase);
    }

    /// No headings: bold labels ("**Immediate Response (0-15 minutes):**")
    /// start phases, items start steps, indented blocks belong to the item.
    fn label_phases(&mut self, blocks: &[Block], default_name: &str) {
        let mut phase = Open::new(default_name);
        let mut current: Option<(Step, usize)> = None;
        let mut label: Option<String> = None;
        for b in blocks {
            // Inside an item: anything indented to its content, and blank lines.
            if let Some((step, content)) = current.as_mut() {
                let inside = if *content == usize::MAX {
                    !matches!(b, Block::Item { .. } | Block::Label { .. } | Block::Heading { .. })
                } else {
                    matches!(b, Block::Blank) || b.indent() >= *content
                };
                if inside {
                    add_to_step(step, b, *content);
                    continue;
                }
            }
            match b {
                Block::Item {
                    text,
                    content,
                    bold_only,
                    ..
                } => {
                    if let Some((s, _)) = current.take() {
                        phase.steps.push(s);
                    }
                    // A bold-only line has no indented content of its own:
                    // what follows it, up to the next step, is its text.
                    let content = if *bold_only { usize::MAX } else { *content };
                    current = Some((new_step(text), content));
                }
                Block::Label { text, .. } => {
                    if let Some((s, _)) = current.take() {
                        phase.steps.push(s);
                    }
                    self.labels.push(text.clone());
                    if !phase.steps.is_empty() || !phase.loose_commands.is_empty() {
                        let done = std::mem::replace(&mut phase, Open::new(text));
                        self.close(done);
                    } else {
                        self.notes.extend(std::mem::take(&mut phase.loose_text));
                        phase = Open::new(text);
                    }
                    label = Some(text.clone());
                }
                Block::Code { lang, lines, .. } => {
                    let (cmds, notes) = split_code(lang, lines);
                    phase.loose_commands.extend(cmds);
                    phase.loose_text.extend(notes);
                }
                Block::Blank | Block::Heading { .. } => {}
                Block::Bullet { text, .. } | Block::Text { text, .. } => {
                    let line = match (&label, b) {
                        (Some(l), _) if phase.loose_text.is_empty() => format!("{}:\n- {}", plain(l), plain(text)),
                        (_, Block::Bullet { .. }) => format!("- {}", plain(text)),
                        _ => plain(text),
                    };
                    phase.loose_text.push(line);
                    phase.loose_commands.extend(inline_commands(text));
                }
            }
        }
        if let Some((s, _)) = current.take() {
            phase.steps.push(s);
        }
        self.close(phase);
    }

    /// Keep a phase that has steps. A phase with only code under it becomes
    /// one step named after it; otherwise its text goes to the description.
    fn close(&mut self, mut phase: Open) {
        if phase.steps.is_empty() && !phase.loose_commands.is_empty() {
            let mut step = new_step(&phase.raw);
            step.commands = std::mem::take(&mut phase.loose_commands);
            step.instructions = phase.loose_text.join("\n");
            phase.loose_text.clear();
            phase.steps.push(step);
        }
        self.notes.extend(phase.loose_text);
        if phase.steps.is_empty() {
            return;
        }
        for (n, s) in phase.steps.iter_mut().enumerate() {
            finish_step(s, n + 1);
        }
        let name = if phase.name.trim().is_empty() {
            format!("Phase {}", self.phases.len() + 1)
        } else {
            phase.name
        };
        self.phases.push(Phase {
            name,
            budget: None,
            steps: phase.steps,
        });
        self.timings.push(phase.timing);
    }
}
