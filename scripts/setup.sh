#!/usr/bin/env bash
# Installs what building and testing Doorman needs and a fresh Debian machine with the Rust
# toolchain and Node lacks. Each step is skipped when already done, so running it again is
# quick.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the exact wasm-bindgen pin in Cargo.toml

step() { printf '\n==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(cargo leptos --version 2>/dev/null || true)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once per machine)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != *"$WASM_BINDGEN_VERSION"* ]]; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file names a webpki-roots release the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# The browser tests drive Debian's Chromium, headful ones inside a virtual X display, where
# xdotool plays people's keyboard and mouse; Mesa gives one of them a second WebGL driver
# besides Chromium's own.
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/xvfb-run || ! -x /usr/bin/xdotool ]] || ! dpkg -s libgl1-mesa-dri >/dev/null 2>&1; then
  step "installing Debian's Chromium, Xvfb, xdotool and Mesa for the browser tests"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium xvfb xauth xdotool libgl1-mesa-dri >/dev/null
fi

if [[ ! -d node_modules/@playwright/test || package.json -nt node_modules/.package-lock.json ]]; then
  step "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi

if [[ ! -s data/disposable-domains.txt || node_modules/disposable-email-domains/index.json -nt data/disposable-domains.txt ]]; then
  step "writing data/disposable-domains.txt from the disposable-email-domains package"
  node -e '
    const fs = require("fs");
    const dir = "node_modules/disposable-email-domains/";
    const pkg = require("./" + dir + "package.json");
    const domains = new Set([...require("./" + dir + "index.json"), ...require("./" + dir + "wildcard.json")]);
    const header = `# Disposable email domains from the npm package disposable-email-domains@${pkg.version} (MIT licence).\n`;
    fs.writeFileSync("data/disposable-domains.txt", header + [...domains].sort().join("\n") + "\n");
  '
fi

# IP databases from the npm registry: country (CC0) and AS numbers (CC BY 4.0), copied where
# `doorman serve` looks for them by default.
ipdb=node_modules/@ip-location-db
for pair in "$ipdb/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb:data/country.mmdb" \
            "$ipdb/asn/asn-ipv4.csv:data/asn-ipv4.csv" "$ipdb/asn/asn-ipv6.csv:data/asn-ipv6.csv"; do
  from="${pair%%:*}"; to="${pair##*:}"
  if [[ ! -s "$to" || "$from" -nt "$to" ]]; then
    step "copying $from to $to"
    cp "$from" "$to"
  fi
done
