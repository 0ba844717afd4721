//! The layers of ARCHITECTURE.md, enforced: every `crate::…`, `super::…` and `self::…` path in
//! src/ (imports and inline paths, test code included) may only reach a module of its own layer
//! or of a layer below it; the pure core reads no clock and does no I/O; inside `client` the
//! modules keep their own order; and the CLI uses only the SDK's public API. A module that
//! imports a layer above it fails this test with the file, the line and the two layers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Top-level modules, bottom to top. Modules on one line are one layer: neither may use the
/// other.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["sodium", "compression", "media"],
    &["identity"],
    &["crypto"],
    &["wire"],
    &["config"],
    &["clock"],
    &["store", "net"],
    &["client"],
    &["ffi"],
];

/// The pure core: no clock, no I/O, no runtime.
const PURE: &[&str] = &["error", "sodium", "compression", "media", "identity", "crypto", "wire", "config"];

/// What the pure core must not touch.
const IMPURE: &[&str] =
    &["tokio::", "reqwest::", "rusqlite::", "std::fs", "std::net", "std::process", "SystemTime", "Instant::now", "std::env", "std::thread"];

/// Modules inside `client`, bottom to top (see the comment in src/client/mod.rs). `root` is
/// client/mod.rs itself (the `Client` handle), which may use everything.
const CLIENT_LAYERS: &[&[&str]] = &[
    &["events", "runtime", "status", "pointers", "transfers", "own_profile", "group_state"],
    &["config", "user_configs"],
    &["state"],
    &["sync"],
    &["outbox"],
    &["contacts", "profile", "groups"],
    &["attachments", "send"],
    &["receive", "backup"],
    &["tasks"],
    &["root"],
];

/// Names the crate root re-exports, and the module each comes from.
const ROOT_NAMES: &[(&str, &str)] = &[
    ("Error", "error"),
    ("ErrorKind", "error"),
    ("Result", "error"),
    ("Identity", "identity"),
    ("SessionId", "identity"),
    ("VERSION", "error"),
    ("ABI_VERSION", "error"),
    ("Zeroizing", "error"),
];

fn rank(table: &[&[&str]], name: &str) -> Option<usize> {
    table.iter().position(|l| l.contains(&name))
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/client/groups/poll.rs` → ["client", "groups", "poll"]; `src/config/mod.rs` → ["config"].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a line without its `//` comment (string literals are rare enough in paths not
/// to matter; a `//` inside a string only shortens what is checked).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Expand `use` trees into full paths: `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else { return vec![tree.split(" as ").next().unwrap().trim().to_string()] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let mut items = vec![];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items.into_iter().filter(|i| !i.trim().is_empty()).flat_map(expand).map(|i| format!("{prefix}{i}")).collect()
}

/// `a as b` → `a` everywhere in a use tree.
fn strip_renames(tree: &str) -> String {
    let mut s = tree.to_string();
    while let Some(k) = s.find(" as ") {
        let end = s[k + 4..].find([',', '}', ';']).map_or(s.len(), |e| k + 4 + e);
        s.replace_range(k..end, "");
    }
    s
}

/// Every path a file names, with its line: the paths of `use` items (expanded) and inline
/// `crate::…` paths.
fn paths(text: &str) -> Vec<(usize, String)> {
    paths_in_modules(text).into_iter().map(|(l, p, _)| (l, p)).collect()
}

/// Like [`paths`], with the inline modules (`mod tests { … }`) each path is written in, whose
/// `super` is the file's module rather than its parent.
fn paths_in_modules(text: &str) -> Vec<(usize, String, Vec<String>)> {
    let mut out = vec![];
    let lines: Vec<&str> = text.lines().collect();
    let mut inline: Vec<(usize, String)> = vec![];
    let mut i = 0;
    while i < lines.len() {
        let line = code(lines[i]);
        let indent = line.len() - line.trim_start().len();
        if inline.last().is_some_and(|(d, _)| *d == indent && line.trim() == "}") {
            inline.pop();
        }
        let decl = line.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub ");
        if let Some(name) = decl.strip_prefix("mod ").and_then(|r| r.strip_suffix(" {")) {
            inline.push((indent, name.trim().to_string()));
        }
        let mods: Vec<String> = inline.iter().map(|(_, n)| n.clone()).collect();
        let trimmed = line.trim_start();
        let is_use = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "].iter().find(|p| trimmed.starts_with(*p));
        if let Some(p) = is_use {
            let start = i;
            let mut stmt = trimmed[p.len()..].to_string();
            while !stmt.contains(';') && i + 1 < lines.len() {
                i += 1;
                stmt.push_str(code(lines[i]).trim());
            }
            let stmt = strip_renames(stmt.split(';').next().unwrap()).replace(char::is_whitespace, "");
            for path in expand(&stmt) {
                out.push((start + 1, path, mods.clone()));
            }
        } else {
            out.extend(inline_paths(line).into_iter().map(|p| (i + 1, p, mods.clone())));
        }
        i += 1;
    }
    out
}

/// Paths written in code rather than imported: `crate::a::b(…)`, `super::x::y`.
fn inline_paths(line: &str) -> Vec<String> {
    let mut out = vec![];
    let bytes = line.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(k) = line[from..].find(start).map(|k| k + from) {
            let word_before = k > 0 && (bytes[k - 1].is_ascii_alphanumeric() || bytes[k - 1] == b'_' || bytes[k - 1] == b':');
            let tail = &line[k..];
            let end = tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(tail.len());
            if !word_before {
                out.push(tail[..end].trim_end_matches(':').to_string());
            }
            from = k + end.max(start.len());
        }
    }
    out
}

/// The absolute module path a path names, from inside `module` (a file's module path
/// for a file, see [`module_of`]). `None` for paths into other crates.
fn resolve(module: &[String], path: &str) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let (base, rest): (Vec<String>, &[&str]) = match *segs.first()? {
        "crate" => (vec![], &segs[1..]),
        "self" => (module.to_vec(), &segs[1..]),
        "super" => {
            // A file foo.rs is module foo and a mod.rs the module of its directory; either way
            // `super` is that module's parent.
            let mut m = module.to_vec();
            let mut k = 0;
            while segs.get(k) == Some(&"super") {
                m.pop();
                k += 1;
            }
            (m, &segs[k..])
        }
        _ => return None,
    };
    Some(base.into_iter().chain(rest.iter().map(|s| s.to_string())).collect())
}

fn top_of(target: &[String]) -> Option<String> {
    let first = target.first()?;
    if let Some((_, m)) = ROOT_NAMES.iter().find(|(n, _)| n == first) {
        return Some(m.to_string());
    }
    Some(first.clone())
}

#[test]
fn every_module_uses_only_its_own_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    rs_files(&src, &mut files);
    let mut violations = vec![];
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        let Some(top) = module.first().cloned() else { continue }; // lib.rs
        let from = rank(LAYERS, &top).unwrap_or_else(|| panic!("{}: module `{top}` is in no layer of tests/layers.rs", file.display()));
        let text = std::fs::read_to_string(file).unwrap();
        for (line, path, inline) in paths_in_modules(&text) {
            let here: Vec<String> = module.iter().chain(inline.iter()).cloned().collect();
            let Some(target) = resolve(&here, &path) else { continue };
            let Some(to_top) = top_of(&target) else { continue };
            let Some(to) = rank(LAYERS, &to_top) else {
                violations.push(format!("{}:{line}: `{path}` names `{to_top}`, which is in no layer", file.display()));
                continue;
            };
            checked += 1;
            if to_top != top && to >= from {
                let how = if to == from { "a module of the same layer" } else { "a layer above it" };
                violations.push(format!("{}:{line}: `{top}` uses `{path}` — {how} (`{to_top}`)", file.display()));
            }
        }
    }
    assert!(checked > 500, "only {checked} paths checked: the scanner is broken");
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

/// The lines of a file outside its `#[cfg(test)] mod … { … }` blocks, with their index.
fn outside_tests(text: &str) -> Vec<(usize, &str)> {
    let mut out = vec![];
    let mut test_block: Option<usize> = None;
    let mut cfg_test = false;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        match test_block {
            Some(d) => {
                if indent == d && line.trim() == "}" {
                    test_block = None;
                }
                continue;
            }
            None if cfg_test && line.trim_start().starts_with("mod ") && line.trim_end().ends_with('{') => {
                test_block = Some(indent);
                continue;
            }
            None => {}
        }
        cfg_test = line.trim() == "#[cfg(test)]";
        out.push((i, line));
    }
    out
}

#[test]
fn the_pure_core_reads_no_clock_and_does_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    rs_files(&src, &mut files);
    let mut violations = vec![];
    for file in &files {
        let module = module_of(&src, file);
        if !module.first().is_some_and(|m| PURE.contains(&m.as_str())) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        // Test code may use the file system and threads (fixtures, concurrency checks).
        for (i, line) in outside_tests(&text) {
            for bad in IMPURE {
                if code(line).contains(bad) {
                    violations.push(format!("{}:{}: pure code uses `{bad}`", file.display(), i + 1));
                }
            }
        }
    }
    assert!(violations.is_empty(), "I/O or clock in the pure core:\n{}", violations.join("\n"));
}

#[test]
fn client_modules_keep_their_order() {
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/client");
    let src = client.parent().unwrap().to_path_buf();
    let mut files = vec![];
    rs_files(&client, &mut files);
    let mut violations = vec![];
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let own = module.get(1).cloned().unwrap_or_else(|| "root".into());
        let from = rank(CLIENT_LAYERS, &own).unwrap_or_else(|| panic!("{}: client module `{own}` is in no layer", file.display()));
        *seen.entry(own.clone()).or_default() += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for (line, path, inline) in paths_in_modules(&text) {
            let here: Vec<String> = module.iter().chain(inline.iter()).cloned().collect();
            let Some(target) = resolve(&here, &path) else { continue };
            if target.first().map(String::as_str) != Some("client") {
                continue;
            }
            // `crate::client::Type` names the handle's module itself.
            let to_name = match target.get(1) {
                Some(n) if rank(CLIENT_LAYERS, n).is_some() => n.clone(),
                _ => "root".to_string(),
            };
            if to_name == own {
                continue;
            }
            let to = rank(CLIENT_LAYERS, &to_name).unwrap();
            if to >= from {
                violations.push(format!("{}:{line}: client::{own} uses `{path}` (client::{to_name}, not below it)", file.display()));
            }
        }
    }
    // Every client module is placed, and every placed module exists.
    for name in CLIENT_LAYERS.iter().flat_map(|l| l.iter()) {
        assert!(seen.contains_key(*name), "tests/layers.rs places client::{name}, which does not exist");
    }
    assert!(violations.is_empty(), "client module order violated:\n{}", violations.join("\n"));
}

#[test]
fn the_cli_uses_only_the_public_api() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("cli");
    let mut files = vec![];
    rs_files(&cli.join("src"), &mut files);
    rs_files(&cli.join("tests"), &mut files);
    let public =
        ["client", "identity", "crypto", "error", "Error", "ErrorKind", "Result", "VERSION", "ABI_VERSION", "Identity", "SessionId"];
    let mut violations = vec![];
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let mut rest = code(line);
            while let Some(k) = rest.find("session_sdk::") {
                let tail = &rest[k + "session_sdk::".len()..];
                let name: String = tail.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '{').collect();
                let names: Vec<String> = if name.starts_with('{') {
                    let inner = &tail[1..tail.find('}').unwrap_or(tail.len())];
                    inner
                        .split(',')
                        .map(|s| s.trim().split("::").next().unwrap().split(" as ").next().unwrap().trim().to_string())
                        .collect()
                } else {
                    vec![name]
                };
                for n in names.iter().filter(|n| !n.is_empty()) {
                    if !public.contains(&n.as_str()) {
                        violations.push(format!("{}:{}: session_sdk::{n} is not public API", file.display(), i + 1));
                    }
                }
                rest = tail;
            }
        }
    }
    assert!(violations.is_empty(), "the CLI reaches into SDK internals:\n{}", violations.join("\n"));
}

#[test]
fn the_scanner_sees_what_it_must() {
    // Guard the guard: the parser finds nested use trees, inline paths and relative paths.
    let text = "use crate::{a::{b, c as d}, e};\nuse super::super::x::Y;\nfn f() { crate::wire::proto::f(); super::groups::g(); }\n// crate::ignored\n";
    let p: Vec<String> = paths(text).into_iter().map(|(_, p)| p).collect();
    assert_eq!(p, ["crate::a::b", "crate::a::c", "crate::e", "super::super::x::Y", "crate::wire::proto::f", "super::groups::g"]);
    let m = vec!["client".to_string(), "groups".to_string(), "poll".to_string()];
    assert_eq!(resolve(&m, "super::admin::f").unwrap(), ["client", "groups", "admin", "f"]);
    assert_eq!(resolve(&m, "super::super::sync").unwrap(), ["client", "sync"]);
    assert_eq!(resolve(&m, "crate::Result").unwrap(), ["Result"]);
    assert_eq!(top_of(&["Result".to_string()]).unwrap(), "error");
    assert!(resolve(&m, "std::fs").is_none());
    // Inside `mod tests { … }` of a file, `super` is the file's module.
    let t = "use crate::x;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\nuse super::y;\n";
    let p = paths_in_modules(t);
    assert_eq!(p[1], (4, "super::*".to_string(), vec!["tests".to_string()]));
    assert_eq!(p[2], (6, "super::y".to_string(), vec![]));
    assert_eq!(strip_renames("a::{b as c, d}"), "a::{b, d}");
    let f = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn t() { std::fs::read(\"x\"); }\n}\nfn b() {}\n";
    let kept: Vec<usize> = outside_tests(f).into_iter().map(|(i, _)| i).collect();
    assert_eq!(kept, [0, 1, 5]);
}

#[test]
fn the_architecture_document_names_every_module_and_only_existing_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let src = root.join("src");
    // Every `…` span that looks like a path under src/.
    let named: Vec<String> = doc
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.ends_with(".rs") || (s.ends_with('/') && !s.contains(' ')))
        .map(str::to_string)
        .collect();
    let mut missing = vec![];
    for name in &named {
        let p = src.join(name);
        let elsewhere = ["node/", "cli/", "bindings/", "examples/", "tests/", "include/", "docs/"].iter().any(|d| name.starts_with(d))
            || name.starts_with("node/src/");
        if !elsewhere && !p.exists() && !root.join(name).exists() {
            missing.push(format!("ARCHITECTURE.md names `{name}`, which does not exist"));
        }
    }
    let mut files = vec![];
    rs_files(&src, &mut files);
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        if rel == "lib.rs" {
            continue;
        }
        let dir = rel.rsplit_once('/').map(|(d, _)| format!("{d}/"));
        let covered = named.iter().any(|n| {
            *n == rel
                || dir.as_ref().is_some_and(|d| n == d)
                // a mod.rs is described by its directory's files
                || (rel.ends_with("/mod.rs") && n.starts_with(dir.as_deref().unwrap_or("-")))
                // test helpers beside the code they serve
                || (rel.ends_with("/test_support.rs") || rel.ends_with("/tests.rs")) && dir.as_ref().is_some_and(|d| n.starts_with(d.as_str()))
        });
        if !covered {
            missing.push(format!("src/{rel} is not in ARCHITECTURE.md's module map"));
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md and the tree disagree:\n{}", missing.join("\n"));
}
