//! The shell side of the importer: a code block's lines into commands that
//! can each be copied and run as they are (continuations, open quotes,
//! heredocs and `for`/`if`/`case` blocks kept whole), the comments no
//! command follows as notes, and inline code in running text that looks like
//! a command.

/// Languages whose blocks are shell sessions, split into one command each.
fn is_shell(lang: &str) -> bool {
    matches!(
        lang,
        "" | "bash" | "sh" | "shell" | "zsh" | "console" | "shell-session" | "terminal" | "cmd"
    )
}

/// The commands of a code block, and its notes. Shell: one command per
/// line, except that a line continued with `\`, `|` or `&&`, an open quote
/// (`psql -c "` and its SQL), a heredoc, or a `for`/`if`/`case` block keeps
/// going until it closes, so each command can be copied and run as is.
/// Comment lines are left out, but a run of them that no command follows
/// ("# Verify: # - Connection count < 50" closing a block) says what to
/// check, so it comes back as notes for the step's instructions.
/// Other languages (SQL, YAML...) are one command: the whole block.
pub fn split_code(lang: &str, lines: &[String]) -> (Vec<String>, Vec<String>) {
    if !is_shell(lang) {
        let body = lines.join("\n").trim().to_string();
        return (if body.is_empty() { vec![] } else { vec![body] }, vec![]);
    }
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut state = ShellState::default();
    for line in lines {
        if current.is_empty() {
            let t = line.trim();
            if t.is_empty() {
                notes.append(&mut comments);
                continue;
            }
            if let Some(c) = t.strip_prefix('#') {
                let c = c.trim();
                if !c.is_empty() && !c.starts_with('!') {
                    comments.push(c.to_string());
                }
                continue;
            }
            comments.clear();
            let t = t.strip_prefix("$ ").unwrap_or(t);
            current.push(t.to_string());
            state.feed(t);
        } else {
            current.push(line.trim_end().to_string());
            state.feed(line);
        }
        if !state.open() {
            out.push(std::mem::take(&mut current).join("\n"));
            state = ShellState::default();
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    notes.append(&mut comments);
    out.retain(|c| !c.trim().is_empty());
    (out, notes)
}

/// Enough of the shell's grammar to know whether a command goes on.
#[derive(Default)]
struct ShellState {
    quote: Option<char>,
    heredoc: Option<String>,
    depth: i64,
    continued: bool,
}

impl ShellState {
    fn open(&self) -> bool {
        self.quote.is_some() || self.heredoc.is_some() || self.depth > 0 || self.continued
    }

    fn feed(&mut self, line: &str) {
        if let Some(delim) = &self.heredoc {
            if line.trim() == delim {
                self.heredoc = None;
            }
            return;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut word = String::new();
        let mut words: Vec<String> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match self.quote {
                Some('\'') => {
                    if c == '\'' {
                        self.quote = None;
                    }
                }
                Some(q) => {
                    if c == '\\' {
                        i += 1;
                    } else if c == q {
                        self.quote = None;
                    }
                }
                None => match c {
                    '\\' => {
                        word.push(c);
                        i += 1;
                    }
                    '\'' | '"' => self.quote = Some(c),
                    '#' if word.is_empty() => break,
                    '<' if chars.get(i + 1) == Some(&'<') && chars.get(i + 2) != Some(&'<') => {
                        let rest: String = chars[i + 2..].iter().collect();
                        let rest = rest.trim_start_matches('-').trim_start();
                        let delim: String = rest
                            .trim_start_matches(['\'', '"'])
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if !delim.is_empty() {
                            self.heredoc = Some(delim);
                        }
                        i += 1;
                    }
                    c if c.is_whitespace() || c == ';' => {
                        if !word.is_empty() {
                            words.push(std::mem::take(&mut word));
                        }
                    }
                    _ => word.push(c),
                },
            }
            i += 1;
        }
        if !word.is_empty() {
            words.push(word);
        }
        for w in &words {
            match w.as_str() {
                "for" | "while" | "until" | "if" | "case" => self.depth += 1,
                "done" | "fi" | "esac" => self.depth -= 1,
                _ => {}
            }
        }
        let end = line.trim_end();
        self.continued = self.quote.is_none()
            && (end.ends_with('\\') || end.ends_with('|') || end.ends_with("&&") || end.ends_with("||"));
    }
}

/// Inline code in running text that looks like a command (`docker logs
/// fluentd`), not a path or a URL (`reports/trivy.json`).
pub fn inline_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut parts = text.split('`');
    parts.next();
    while let (Some(code), Some(_)) = (parts.next(), parts.next()) {
        let code = code.trim();
        let first = code.split_whitespace().next().unwrap_or("");
        let looks_like_program = !first.is_empty()
            && !first.contains("://")
            && !first.contains('=')
            && first
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._/-".contains(c));
        if code.contains(' ') && looks_like_program {
            out.push(code.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(String::from).collect()
    }

    #[test]
    fn shell_blocks_split_into_whole_commands() {
        let block = lines(
            "# comment\nrisk-platform platform status\n\ndocker compose exec postgres psql -c \"\nSELECT 1\nFROM t;\"\n\
             for i in {1..15}; do\n  curl -f x || echo 'no'\n  sleep 60\ndone\ncat > f << EOF\nhello # not a comment\nEOF\n\
             curl -X POST x \\\n  -d '{}'\nps aux | grep x\n$ ls",
        );
        let c = split_code("bash", &block).0;
        assert_eq!(c.len(), 7, "{c:#?}");
        assert_eq!(c[0], "risk-platform platform status");
        assert!(c[1].starts_with("docker compose") && c[1].ends_with("FROM t;\""));
        assert!(c[2].starts_with("for i") && c[2].ends_with("done"));
        assert!(c[3].starts_with("cat > f") && c[3].ends_with("EOF"));
        assert!(c[4].contains("-d '{}'"));
        assert_eq!(c[6], "ls");
        let (cmds, notes) = split_code(
            "bash",
            &lines(
                "# Check resources\nrisk-platform performance monitor\n\n# Review key metrics:\n# - CPU usage < 70%",
            ),
        );
        assert_eq!(cmds, vec!["risk-platform performance monitor"]);
        assert_eq!(notes, vec!["Review key metrics:", "- CPU usage < 70%"]);
        assert_eq!(
            split_code("sql", &lines("SELECT 1;\nSELECT 2;")).0,
            vec!["SELECT 1;\nSELECT 2;"]
        );
    }

    #[test]
    fn inline_code_that_looks_like_a_command() {
        let t = "Check `docker ps | grep fluentd` and `reports/bandit.json` at `http://x:9090/targets`, set `LOG_LEVEL=DEBUG`";
        assert_eq!(inline_commands(t), vec!["docker ps | grep fluentd"]);
    }
}
