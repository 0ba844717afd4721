//! Output: readable text for people (aligned columns, colours only on a terminal and without
//! `NO_COLOR`), or with `--json` one JSON object per line for scripts.

use serde::Serialize;
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
    pub color: bool,
}

/// Write a line to stdout. A closed pipe (`session-cli ... | head`) ends the process quietly.
fn write_stdout(s: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|_| out.write_all(b"\n")).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

impl Output {
    pub fn new(json: bool, color: ColorChoice) -> Output {
        let color = !json
            && match color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            };
        Output { json, color }
    }

    /// Print one JSON object on its own line (JSON mode).
    pub fn record<T: Serialize + ?Sized>(&self, v: &T) {
        match serde_json::to_string(v) {
            Ok(s) => write_stdout(&s),
            Err(e) => eprintln!("session-cli: cannot serialise output: {e}"),
        }
    }

    /// Print a line of text (people mode).
    pub fn line(&self, s: impl AsRef<str>) {
        write_stdout(s.as_ref());
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn cyan(&self, s: &str) -> String {
        self.paint("36", s)
    }

    /// Print rows as aligned columns under a header; the last column is not padded. Cells may
    /// be painted: width is measured without escape sequences.
    pub fn table(&self, header: &[&str], rows: &[Vec<String>]) {
        let n = header.len();
        let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate().take(n) {
                w[i] = w[i].max(visible_width(c));
            }
        }
        let fmt_row = |cells: Vec<String>| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(w[i].saturating_sub(visible_width(c)) + 2));
                }
            }
            s.trim_end().to_string()
        };
        self.line(fmt_row(header.iter().map(|h| self.bold(h)).collect()));
        for r in rows {
            self.line(fmt_row(r.clone()));
        }
    }

    /// `key: value` lines with the values aligned.
    pub fn fields(&self, pairs: &[(&str, String)]) {
        let w = pairs.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
        for (k, v) in pairs {
            self.line(format!("{}{}  {v}", self.bold(&format!("{k}:")), " ".repeat(w - k.chars().count())));
        }
    }
}

fn visible_width(s: &str) -> usize {
    let mut n = 0;
    let mut in_esc = false;
    for c in s.chars() {
        match (in_esc, c) {
            (false, '\x1b') => in_esc = true,
            (true, 'm') => in_esc = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Local time of a millisecond timestamp, `YYYY-MM-DD HH:MM:SS`.
pub fn local_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000) as libc::time_t;
    // SAFETY: `libc::tm` is a plain C struct of integers and (glibc, musl) a `*const c_char`
    // time zone name; all-zero bytes are a valid value for each of them (a null pointer for the
    // name), so the zeroed value is a valid `tm`.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are made from references to live locals (`secs` read, `tm`
    // written), so they are valid and aligned for the call, and localtime_r keeps neither after
    // it returns. Unlike localtime it uses no shared static buffer, so concurrent calls from
    // other threads cannot race on the result. It reads the TZ environment, which POSIX allows
    // to race only with a concurrent setenv, and nothing in this process changes the environment.
    // On failure (a time out of range) it returns null and `tm` is not read.
    if unsafe { libc::localtime_r(&secs, &mut tm) }.is_null() {
        return format!("@{ms}");
    }
    format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
}

/// One line of text: newlines shown as `⏎`, cut to `max` characters with `…`.
pub fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| {
            if c == '\n' {
                '⏎'
            } else if c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    if flat.chars().count() > max {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        flat
    }
}

/// A progress bar on stderr for uploads and downloads, drawn only when stderr is a terminal
/// (and not with `--json`). One line, redrawn in place.
pub struct Progress {
    enabled: bool,
    drawn: bool,
}

pub fn human_size(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

impl Progress {
    pub fn new(out: &Output) -> Progress {
        Progress { enabled: !out.json && std::io::stderr().is_terminal(), drawn: false }
    }

    pub fn update(&mut self, label: &str, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        const WIDTH: usize = 30;
        let frac = if total == 0 { 1.0 } else { (done as f64 / total as f64).clamp(0.0, 1.0) };
        let filled = (frac * WIDTH as f64).round() as usize;
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{}  [{bar}] {:>3}%  {} / {}",
            one_line(label, 30),
            (frac * 100.0) as u32,
            human_size(done),
            human_size(total)
        );
        let _ = err.flush();
        self.drawn = true;
    }

    pub fn finish(&mut self) {
        if self.drawn {
            let _ = writeln!(std::io::stderr());
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_ignore_colour() {
        let o = Output { json: false, color: true };
        assert_eq!(visible_width(&o.green("abc")), 3);
        assert_eq!(one_line("a\nbcdef", 4), "a⏎b…");
        assert_eq!(local_time(0).len(), 19);
    }
}
