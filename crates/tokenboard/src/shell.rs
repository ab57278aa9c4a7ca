//! `tokenboard sql` on a terminal without a query: a prompt with line editing and history.
//! A statement ends at `;`; errors are printed and the prompt goes on.

use std::path::PathBuf;

use anyhow::Result;
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use tokenboard_query::{Format, LakeSession};

pub async fn run(session: &LakeSession, format: Format) -> Result<()> {
    let mut editor = DefaultEditor::new()?;
    let history = history_path();
    if let Some(path) = &history {
        // A missing history file is the first run, not an error.
        let _ = editor.load_history(path);
    }
    let tables: Vec<&str> = session.versions().keys().copied().collect();
    eprintln!(
        "tables: {}. End a statement with `;`, quit with Ctrl-D.",
        if tables.is_empty() {
            "none yet".to_owned()
        } else {
            tables.join(", ")
        }
    );
    let mut statement = String::new();
    loop {
        let prompt = if statement.is_empty() {
            "tokenboard> "
        } else {
            "        ...> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                statement.push_str(&line);
                statement.push('\n');
                if !line.trim_end().ends_with(';') {
                    continue;
                }
                let _ = editor.add_history_entry(statement.trim());
                match session.sql(&statement).await {
                    Ok(batches) => {
                        let mut out = std::io::stdout().lock();
                        tokenboard_query::write_batches(&batches, format, &mut out)?;
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
                statement.clear();
            }
            Err(ReadlineError::Interrupted) => statement.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(())
}

fn history_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".tokenboard_history"))
}
