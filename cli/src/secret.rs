//! Secrets in: the database PIN, the recovery phrase and the passphrase of a backup. Never from
//! the command line (argv is visible to every user of the machine): from an environment
//! variable, a file, standard input (the phrase only) or a prompt on the terminal with echo off.

use crate::error::{CliError, Result};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;
use zeroize::Zeroizing;

pub const PIN_ENV: &str = "SESSION_CLI_PIN";
pub const PHRASE_ENV: &str = "SESSION_CLI_PHRASE";
pub const BACKUP_PASSPHRASE_ENV: &str = "SESSION_CLI_BACKUP_PASSPHRASE";

/// Read a secret file: its first line, without the line ending.
fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<String>> {
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| CliError::io(format!("reading {what} file {}", path.display()), e))?);
    let first = text.lines().next().unwrap_or("");
    Ok(Zeroizing::new(first.to_string()))
}

/// The controlling terminal, for prompts even when stdin or stdout are redirected.
fn tty() -> Option<std::fs::File> {
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok()
}

/// Turns terminal echo off for its lifetime.
struct NoEcho {
    fd: i32,
    saved: libc::termios,
}

/// The terminal settings to restore if a signal ends the process during a prompt.
static SAVED: std::sync::Mutex<Option<(i32, libc::termios)>> = std::sync::Mutex::new(None);

/// Restore terminal echo if a prompt turned it off (called before exiting on a signal).
pub fn restore_terminal() {
    if let Ok(mut g) = SAVED.lock() {
        if let Some((fd, t)) = g.take() {
            // SAFETY: tcsetattr only reads a `termios` through its pointer, made here from a
            // reference to the local `t` (a value tcgetattr filled in `NoEcho::new`), so it is
            // valid and aligned for the call, and tcsetattr keeps no pointer after returning.
            // `fd` is a plain integer to the kernel: were it no longer open, the call would fail
            // with EBADF without touching this process's memory. (While a `NoEcho` lives it is
            // the prompt's open terminal; its drop clears `SAVED` under this lock.)
            unsafe {
                libc::tcsetattr(fd, libc::TCSANOW, &t);
            }
        }
    }
}

impl NoEcho {
    fn new(fd: i32) -> Option<NoEcho> {
        // SAFETY: `libc::termios` is a C struct of integer flags, an integer array of control
        // characters and integer speeds; all-zero bytes are a valid value for each field.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: the pointer is made from `&mut t`, a live local, so it is valid and aligned
        // for the `termios` tcgetattr writes; it keeps no pointer after returning. A descriptor
        // that is not a terminal makes it fail (nonzero), and we then give up without echo off.
        if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
            return None;
        }
        let saved = t;
        t.c_lflag &= !libc::ECHO;
        t.c_lflag |= libc::ECHONL;
        if let Ok(mut g) = SAVED.lock() {
            *g = Some((fd, saved));
        }
        // SAFETY: tcsetattr only reads the `termios` behind the pointer, made from a reference
        // to the live local `t`, and keeps no pointer after returning.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) } != 0 {
            return None;
        }
        Some(NoEcho { fd, saved })
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        // SAFETY: tcsetattr only reads the `termios` behind the pointer, made from a reference
        // to `self.saved` (filled by tcgetattr in `new`), so it is valid and aligned for the
        // call, and tcsetattr keeps no pointer after returning. `self.fd` is still open: the
        // prompt drops this guard before the file it borrowed the descriptor from.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved);
        }
        if let Ok(mut g) = SAVED.lock() {
            *g = None;
        }
    }
}

/// Prompt on the terminal with echo off. `None` when there is no terminal.
pub fn prompt_hidden(prompt: &str) -> Result<Option<Zeroizing<String>>> {
    use std::os::fd::AsRawFd;
    let Some(mut t) = tty() else { return Ok(None) };
    let fd = t.as_raw_fd();
    t.write_all(prompt.as_bytes()).and_then(|_| t.flush()).map_err(|e| CliError::io("terminal", e))?;
    let guard = NoEcho::new(fd);
    let mut line = Zeroizing::new(String::new());
    let mut reader = std::io::BufReader::new(&t);
    let n = reader.read_line(&mut line).map_err(|e| CliError::io("terminal", e))?;
    drop(guard);
    if n == 0 {
        return Err(CliError::usage("no input on the terminal"));
    }
    let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string());
    Ok(Some(trimmed))
}

/// Where a PIN may come from, in order: `--pin-file`, `$SESSION_CLI_PIN`, a terminal prompt.
#[derive(Debug, Clone, Default)]
pub struct PinSource {
    pub file: Option<std::path::PathBuf>,
}

impl PinSource {
    /// A PIN given without prompting (file or environment), if any.
    pub fn given(&self) -> Result<Option<Zeroizing<String>>> {
        if let Some(f) = &self.file {
            return Ok(Some(read_secret_file(f, "PIN")?));
        }
        if let Ok(v) = std::env::var(PIN_ENV) {
            return Ok(Some(Zeroizing::new(v)));
        }
        Ok(None)
    }

    /// The PIN of an existing profile.
    pub fn for_open(&self, profile: &str) -> Result<Zeroizing<String>> {
        if let Some(p) = self.given()? {
            return Ok(p);
        }
        prompt_hidden(&format!("PIN for profile {profile}: "))?.ok_or_else(|| {
            CliError::usage(format!("profile {profile:?} needs its PIN: set {PIN_ENV}, use --pin-file FILE, or run on a terminal"))
        })
    }

    /// A new PIN (asked twice at a prompt).
    pub fn for_create(&self, profile: &str) -> Result<Zeroizing<String>> {
        let pin = match self.given()? {
            Some(p) => p,
            None => {
                let a = prompt_hidden(&format!("New PIN for profile {profile}: "))?.ok_or_else(|| {
                    CliError::usage(format!(
                        "a new profile needs a PIN: set {PIN_ENV}, use --pin-file FILE, run on a terminal, or pass --no-pin"
                    ))
                })?;
                let b = prompt_hidden("Repeat the PIN: ")?.ok_or_else(|| CliError::usage("no terminal"))?;
                if *a != *b {
                    return Err(CliError::invalid("the two PINs differ"));
                }
                a
            }
        };
        if pin.is_empty() {
            return Err(CliError::invalid("the PIN is empty (use --no-pin for a profile without one)"));
        }
        Ok(pin)
    }
}

/// The recovery phrase for `profile restore`: `--phrase-file`, else `$SESSION_CLI_PHRASE`, else
/// standard input when it is not a terminal, else a prompt.
pub fn read_phrase(file: Option<&Path>) -> Result<Zeroizing<String>> {
    let raw = if let Some(f) = file {
        Zeroizing::new(std::fs::read_to_string(f).map_err(|e| CliError::io(format!("reading phrase file {}", f.display()), e))?)
    } else if let Ok(v) = std::env::var(PHRASE_ENV) {
        Zeroizing::new(v)
    } else if !std::io::stdin().is_terminal() {
        let mut s = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut s).map_err(|e| CliError::io("standard input", e))?;
        s
    } else {
        prompt_hidden("Recovery phrase (13 words): ")?
            .ok_or_else(|| CliError::usage(format!("give the phrase on standard input, in {PHRASE_ENV} or with --phrase-file FILE")))?
    };
    let words: Vec<&str> = raw.split_whitespace().collect();
    if words.is_empty() {
        return Err(CliError::sdk(session_sdk::ErrorKind::MnemonicWordCount, "the recovery phrase is empty"));
    }
    Ok(Zeroizing::new(words.join(" ")))
}

/// The passphrase of a backup: `--passphrase-file` (its first line), else
/// `$SESSION_CLI_BACKUP_PASSPHRASE`, else a prompt on the terminal, asked twice when `confirm`
/// (a new backup: a typo would make it unreadable).
pub fn read_backup_passphrase(file: Option<&Path>, confirm: bool) -> Result<Zeroizing<String>> {
    let passphrase = if let Some(f) = file {
        read_secret_file(f, "passphrase")?
    } else if let Ok(v) = std::env::var(BACKUP_PASSPHRASE_ENV) {
        Zeroizing::new(v)
    } else {
        let prompt = if confirm { "Passphrase for the new backup: " } else { "Backup passphrase: " };
        let a = prompt_hidden(prompt)?.ok_or_else(|| {
            CliError::usage(format!(
                "a backup needs its passphrase: set {BACKUP_PASSPHRASE_ENV}, use --passphrase-file FILE, or run on a terminal"
            ))
        })?;
        if confirm {
            let b = prompt_hidden("Repeat the passphrase: ")?.ok_or_else(|| CliError::usage("no terminal"))?;
            if *a != *b {
                return Err(CliError::invalid("the two passphrases differ"));
            }
        }
        a
    };
    if passphrase.is_empty() {
        return Err(CliError::invalid("the backup passphrase is empty"));
    }
    Ok(passphrase)
}
