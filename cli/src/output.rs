//! Standard output: tables for people, stable JSON for programs. Every
//! write goes through here, so that a closed pipe (`… | head`) ends the
//! command quietly instead of panicking as `println!` would.

use std::io::{self, Write};

use serde::Serialize;

use crate::failure::Outcome;

/// Writes `text` and a line break to standard output.
pub fn line(text: &str) -> Outcome {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Writes `text` and a line break to standard error, for people: a closed
/// standard error is ignored (nothing is left to tell), where `eprintln!`
/// would panic.
pub fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// Writes `value` as one line of JSON (for `watch --json`, one per event).
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> Outcome {
    let text = serde_json::to_string(value)
        .map_err(|e| crate::failure::Failure::other(format!("cannot write JSON: {e}")))?;
    line(&text)
}

/// Writes `value` as indented JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Outcome {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::failure::Failure::other(format!("cannot write JSON: {e}")))?;
    line(&text)
}

/// A record the tool prints: as a table row for people, as a JSON object
/// (its `Serialize` shape, stable) for programs.
pub trait Row: Serialize {
    /// The table's column names.
    const HEADER: &'static [&'static str];
    /// The row's cells in [`HEADER`](Row::HEADER)'s order, control
    /// characters made spaces.
    fn cells(&self) -> Vec<String>;
}

/// Writes `rows` as a table, or (`json`) as one JSON array.
pub fn rows<R: Row>(json: bool, rows: &[R]) -> Outcome {
    if json {
        return self::json(rows);
    }
    let cells: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
    table(R::HEADER, &cells)
}

/// Writes rows as a table: a header, then one line per row, each column as
/// wide as its widest cell (counted in characters), two spaces apart; the
/// last column is not padded. An empty cell shows as `-`.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Outcome {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(shown(cell).chars().count());
        }
    }
    let render = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate().take(columns) {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            if i + 1 < columns {
                let pad = widths[i].saturating_sub(cell.chars().count());
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        text.trim_end().to_owned()
    };
    let mut out = String::new();
    out.push_str(&render(&mut header.iter().copied()));
    for row in rows {
        out.push('\n');
        out.push_str(&render(&mut row.iter().map(|c| shown(c))));
    }
    line(&out)
}

/// A cell as shown: `-` for an empty one.
pub fn shown(cell: &str) -> &str {
    if cell.is_empty() {
        "-"
    } else {
        cell
    }
}

/// A cell's text, with control characters (line breaks, tabs, escapes a
/// server or a user put in a message) replaced by spaces.
pub fn cell(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// An optional text's cell: [`cell`], empty when there is none.
pub fn optional_cell(text: &Option<String>) -> String {
    cell(text.as_deref().unwrap_or_default())
}

/// A yes/no cell.
pub fn yes_no(value: bool) -> String {
    (if value { "yes" } else { "no" }).to_owned()
}
