//! include/session_sdk.h must equal a fresh cbindgen generation (with the pinned cbindgen).
//! To update it after an ABI change: `SSDK_UPDATE_HEADER=1 cargo test --test header`.

use std::path::Path;

#[test]
fn committed_header_matches_a_fresh_generation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut fresh = Vec::new();
    cbindgen::Builder::new().with_crate(root).with_config(config).generate().expect("cbindgen generates the header").write(&mut fresh);
    let path = root.join("include/session_sdk.h");
    if std::env::var_os("SSDK_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/session_sdk.h is out of date with the Rust sources.\n\
         Regenerate it with: SSDK_UPDATE_HEADER=1 cargo test --test header"
    );
}

/// Every exported function has documentation in the header (a doxygen comment right above it).
#[test]
fn every_function_in_the_header_is_documented() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/session_sdk.h")).unwrap();
    let lines: Vec<&str> = header.lines().collect();
    let mut undocumented = vec![];
    for (i, l) in lines.iter().enumerate() {
        if let Some(pos) = l.find("ssdk_") {
            let is_decl = l.contains('(')
                && !l.trim_start().starts_with('*')
                && !l.trim_start().starts_with("/*")
                && !l.trim_start().starts_with("typedef")
                && !l[..pos].trim_end().is_empty();
            if is_decl && (i == 0 || !lines[i - 1].trim_end().ends_with("*/")) {
                undocumented.push(l.trim().to_string());
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented functions: {undocumented:#?}");
}

/// The header's SSDK_ABI_VERSION macro is the crate's ABI version.
#[test]
fn header_abi_version_matches_the_crate() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/session_sdk.h")).unwrap();
    let line = header.lines().find(|l| l.starts_with("#define SSDK_ABI_VERSION ")).expect("SSDK_ABI_VERSION defined");
    assert_eq!(line.rsplit(' ').next().unwrap(), session_sdk::ABI_VERSION.to_string());
}
