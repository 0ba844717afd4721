// Give the cdylib a versioned soname (libsession_sdk.so.<major>), as cargo-c's install does, so
// programs linked against a plain `cargo build` library record the same dependency.
fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_else(|_| "0".into());
    // Before 1.0, cargo-c's soname carries MAJOR.MINOR; keep the same rule.
    let abi = if major == "0" { format!("0.{minor}") } else { major };
    let capi = std::env::var_os("CARGO_FEATURE_CAPI").is_some();
    if !capi && (target_os == "linux" || target_os == "android" || target_os == "freebsd") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsession_sdk.so.{abi}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
