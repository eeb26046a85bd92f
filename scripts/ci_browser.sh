#!/usr/bin/env bash
# What the browser test (tests/browser/) needs on a fresh Debian machine beyond pip: Debian's
# Chromium (Playwright drives it; never `playwright install`, which downloads one). The Python
# side (the `browser` extra) comes with `pip install -e '.[dev]'`, the README's test command.
# Run as root (CI) or with sudo available. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Recommends bring the fonts the page is drawn with.
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null || true
