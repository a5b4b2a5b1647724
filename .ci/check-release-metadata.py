#!/usr/bin/env python3
"""Checks what a release needs, without running one: each published crate's metadata and the
files its package carries, the `dist` configuration and the binstall metadata.

Run from the workspace root (`.ci/run` does). Exits 1 naming every problem found."""

import json
import subprocess
import sys
import tomllib

PUBLISHED = [
    "okta-eventhooks",
    "okta-eventhooks-receiver",
    "okta-eventhooks-relay",
    "okta-eventhooks-emulator",
    "okta-eventhooks-sql",
    "okta-eventhooks-cli",
]
NOT_PUBLISHED = ["xtask", "tests", "bench"]
REQUIRED = ["description", "keywords", "categories", "documentation", "readme"]
PACKAGE_FILES = ["LICENSE-MIT", "LICENSE-APACHE", "README.md", "Cargo.toml"]
DIST_TARGETS = {
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
}

problems = []


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


workspace = load("Cargo.toml")["workspace"]["package"]
for key in ["license", "repository", "rust-version"]:
    if key not in workspace:
        problems.append(f"Cargo.toml: [workspace.package] has no {key}")

for crate in PUBLISHED:
    package = load(f"{crate}/Cargo.toml")["package"]
    for key in REQUIRED:
        if not package.get(key):
            problems.append(f"{crate}: no {key}")
    if package.get("publish") is False:
        problems.append(f"{crate}: publish = false, but it is a published crate")
    is_lib = crate != "okta-eventhooks-cli"
    docs_rs = package.get("metadata", {}).get("docs", {}).get("rs", {})
    if is_lib and (docs_rs.get("all-features") is not True or "--cfg" not in docs_rs.get("rustdoc-args", [])):
        problems.append(f"{crate}: [package.metadata.docs.rs] needs all-features and --cfg docsrs")
    listed = subprocess.run(
        ["cargo", "package", "--list", "--locked", "--allow-dirty", "-p", crate],
        capture_output=True, text=True,
    )
    if listed.returncode != 0:
        problems.append(f"{crate}: cargo package --list failed: {listed.stderr.strip()}")
    else:
        files = set(listed.stdout.split())
        for name in PACKAGE_FILES:
            if name not in files:
                problems.append(f"{crate}: its package lacks {name}")
        if crate == "okta-eventhooks-cli" and not any(f.startswith("man/") for f in files):
            problems.append(f"{crate}: its package lacks the manual pages (man/)")

for crate in NOT_PUBLISHED:
    package = load(f"{crate}/Cargo.toml")["package"]
    if package.get("publish") is not False:
        problems.append(f"{crate}: must be publish = false")
    if package.get("metadata", {}).get("dist", {}).get("dist") is not False:
        problems.append(f"{crate}: must not be shipped by dist ([package.metadata.dist] dist = false)")

dist = load("dist-workspace.toml")
config = dist.get("dist", {})
if dist.get("workspace", {}).get("members") != ["cargo:."]:
    problems.append("dist-workspace.toml: [workspace] members must be [\"cargo:.\"]")
missing = DIST_TARGETS - set(config.get("targets", []))
if missing:
    problems.append(f"dist-workspace.toml: targets lack {sorted(missing)}")
for key in ["cargo-dist-version", "installers", "unix-archive", "windows-archive"]:
    if key not in config:
        problems.append(f"dist-workspace.toml: [dist] has no {key}")

binstall = load("okta-eventhooks-cli/Cargo.toml")["package"].get("metadata", {}).get("binstall", {})
url = binstall.get("pkg-url", "")
for var in ["{ repo }", "{ version }", "{ target }", "{ archive-suffix }"]:
    if var not in url:
        problems.append(f"binstall pkg-url lacks {var}")
if binstall.get("pkg-fmt") != "txz" or config.get("unix-archive") != ".tar.xz":
    problems.append("binstall pkg-fmt must match dist's unix-archive (.tar.xz)")
windows = binstall.get("overrides", {}).get("x86_64-pc-windows-msvc", {})
if windows.get("pkg-fmt") != "zip" or config.get("windows-archive") != ".zip":
    problems.append("binstall's Windows override must match dist's windows-archive (.zip)")

# The dist profile's per-crate opt levels (README "Binary size"): a name that no longer matches a
# crate of the build would silently stop applying; an override of the binary's own crate makes
# Cargo drop `strip = true` for it.
metadata = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked"],
    capture_output=True, text=True, check=True,
).stdout)
crates = {package["name"] for package in metadata["packages"]}
for name in load("Cargo.toml")["profile"]["dist"].get("package", {}):
    if name == "okta-eventhooks-cli":
        problems.append("Cargo.toml: [profile.dist.package] overrides the binary's crate (Cargo then keeps its symbols)")
    elif name not in crates:
        problems.append(f"Cargo.toml: [profile.dist.package] names {name}, which is not in the dependency graph")

if problems:
    print("release metadata problems:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"release metadata ok: {len(PUBLISHED)} published crates, {len(DIST_TARGETS)} dist targets, binstall")
