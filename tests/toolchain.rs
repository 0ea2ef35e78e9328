//! The toolchain claim: `rust-version` in Cargo.toml (and the README's "1.88 or newer") is no
//! older than what every locked dependency declares it needs. This machine has one toolchain,
//! so building with the declared one is not possible here; the dependencies' own declarations,
//! read by cargo from the lockfile, are the evidence.
#![allow(clippy::unwrap_used)]

use std::process::Command;

/// `1.88` and `1.88.0` are the same version: three parts, missing ones zero.
fn version(text: &str) -> Vec<u32> {
    let mut parts: Vec<u32> = text.split('.').map(|p| p.parse().unwrap()).collect();
    parts.resize(3, 0);
    parts
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let declared = version(env!("CARGO_PKG_RUST_VERSION"));
    let mut needs: Vec<(Vec<u32>, String)> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let v = p["rust_version"].as_str()?;
            Some((version(v), format!("{} {}", p["name"], p["version"])))
        })
        .collect();
    needs.sort();
    let (newest, by) = needs.last().unwrap();
    assert!(*newest <= declared, "{by} needs Rust {newest:?}, Cargo.toml declares {declared:?}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let claim = format!("({}.{} or newer", declared[0], declared[1]);
    assert!(readme.contains(&claim), "the README does not say {claim}");
}
