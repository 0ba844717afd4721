//! Installs the library (as scripts/install.sh lays it out, the cargo-c layout) into a temporary
//! prefix, compiles tests/c/*.c against the installed header with pkg-config, and runs them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// target/<profile>, found from this test executable (target/<profile>/deps/c_abi-…).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// The install, done once per test binary (tests run in parallel threads).
fn install_prefix() -> PathBuf {
    static PREFIX: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PREFIX.get_or_init(do_install).clone()
}

fn do_install() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c-abi-prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    // `cargo test` leaves the freshly built cdylib in deps/ (only `cargo build` copies it up).
    let libs = profile_dir().join("deps");
    assert!(libs.join("libsession_sdk.so").exists(), "no cdylib in {}", libs.display());
    let status = Command::new("bash")
        .arg(root.join("scripts/install.sh"))
        .arg(&prefix)
        .arg("--no-build")
        .arg("--from")
        .arg(&libs)
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

    let exe = compile(&prefix, "tests/c/abi_test.c", "abi_test");

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

/// Compile a C source of the repository against the installed library (pkg-config, rpath).
fn compile(prefix: &Path, source: &str, name: &str) -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-pthread", "-o"]).arg(&exe);
    cc.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(source));
    cc.args(pkg_config(prefix, &["--cflags", "--libs"]));
    cc.arg(format!("-Wl,-rpath,{}", prefix.join("lib").display()));
    let status = cc.status().expect("a C compiler (cc) is installed");
    assert!(status.success(), "compiling {source} failed");
    exe
}

fn scratch(tag: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn c_client_on_the_testnet() {
    let prefix = install_prefix();
    let exe = compile(&prefix, "tests/c/client_test.c", "client_test");
    let net = session_node::testnet::TestnetHandle::start(Default::default()).expect("testnet");
    let dir = scratch("c-client");
    let desc = dir.join("network.json");
    net.write_description(&desc).unwrap();
    let out = Command::new(&exe).arg(&desc).arg(&dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "client C ABI test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("client C ABI checks passed"), "{stdout}");
    eprintln!("{stdout}");
}

#[test]
fn c_echo_bot_answers_every_message() {
    use std::io::{BufRead, BufReader};
    let prefix = install_prefix();
    let exe = compile(&prefix, "examples/c/echo_bot.c", "echo_bot");
    let net = session_node::testnet::TestnetHandle::start(Default::default()).expect("testnet");
    let dir = scratch("c-echo");
    let desc = dir.join("network.json");
    net.write_description(&desc).unwrap();
    let mut bot = Command::new(&exe).arg(dir.join("bot")).arg(&desc).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(bot.stdout.take().unwrap()).lines();
    let bot_id = lines.next().unwrap().unwrap();
    session_sdk::SessionId::parse(&bot_id).expect("the bot prints its Session ID first");

    let network = session_sdk::client::NetworkConfig::from_file(&desc).unwrap();
    let mut cfg = session_sdk::client::ClientConfig::new(dir.join("user"), network);
    cfg.poll_active = std::time::Duration::from_millis(300);
    let user = session_sdk::client::Client::new(cfg).unwrap();
    user.start().unwrap();
    for text in ["ping", "second"] {
        user.send_text(&bot_id, text).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let want = format!("echo: {text}");
        let mut got = false;
        while !got && std::time::Instant::now() < deadline {
            if let Some(session_sdk::client::Event::MessageReceived { message, .. }) =
                user.next_event(std::time::Duration::from_millis(100))
            {
                got = message.body.as_deref() == Some(want.as_str()) && message.sender == bot_id;
            }
        }
        assert!(got, "no {want:?} from the bot");
    }
    unsafe { libc_kill(bot.id() as i32, 15) };
    let status = bot.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "bot exited with {status:?}: {rest:?}");
    assert!(rest.iter().any(|l| l == "stopped after answering 2 messages"), "{rest:?}");
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}
