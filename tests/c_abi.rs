//! Installs the library (as scripts/install.sh lays it out, the cargo-c layout) into a temporary
//! prefix, compiles tests/c/*.c against the installed header with pkg-config, and runs them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// target/<profile>, found from this test executable (target/<profile>/deps/c_abi-…).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn install_prefix() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c-abi-prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    let profile = profile_dir();
    assert!(profile.join("libsession_sdk.so").exists(), "no cdylib in {}", profile.display());
    let status = Command::new("bash")
        .arg(root.join("scripts/install.sh"))
        .arg(&prefix)
        .arg(if profile.ends_with("release") { "--release-prebuilt" } else { "--debug" })
        .arg("--no-build")
        .env("CARGO_TARGET_DIR", profile.parent().unwrap())
        .status()
        .expect("run scripts/install.sh");
    assert!(status.success(), "scripts/install.sh failed");
    prefix
}

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new("pkg-config")
        .args(args)
        .arg("session_sdk")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("pkg-config is installed");
    assert!(out.status.success(), "pkg-config {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split_whitespace().map(str::to_owned).collect()
}

#[test]
fn c_program_against_the_installed_library() {
    let prefix = install_prefix();
    // The installed layout: versioned soname with symlinks, header, pkg-config file.
    let lib = prefix.join("lib");
    let soname_file = std::fs::read_dir(&lib)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().into_string().unwrap())
        .find(|n| n.starts_with("libsession_sdk.so.") && n.matches('.').count() == 3)
        .expect("libsession_sdk.so.MAJOR.MINOR symlink");
    assert!(prefix.join("include/session_sdk.h").exists());
    let readelf = Command::new("readelf").arg("-d").arg(lib.join("libsession_sdk.so")).output();
    if let Ok(out) = readelf {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("[{soname_file}]")), "soname is not {soname_file}:\n{text}");
    }

    let exe = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("abi_test");
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", "-o"]).arg(&exe);
    cc.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/abi_test.c"));
    cc.args(pkg_config(&prefix, &["--cflags", "--libs"]));
    cc.arg(format!("-Wl,-rpath,{}", lib.display()));
    let status = cc.status().expect("a C compiler (cc) is installed");
    assert!(status.success(), "compiling tests/c/abi_test.c failed");

    let out = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "C ABI test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("C ABI checks passed"), "{stdout}");
    eprintln!("{stdout}");

    // A C++ compiler accepts the header too (cpp_compat).
    let cxx_src = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("header_check.cpp");
    std::fs::write(&cxx_src, "#include <session_sdk.h>\nint main() { return ssdk_abi_version() == SSDK_ABI_VERSION ? 0 : 1; }\n").unwrap();
    if let Ok(st) = Command::new("c++")
        .args(["-Wall", "-Werror", "-fsyntax-only"])
        .arg(format!("-I{}", prefix.join("include").display()))
        .arg(&cxx_src)
        .status()
    {
        assert!(st.success(), "the header does not compile as C++");
    }
}
