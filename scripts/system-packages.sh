#!/usr/bin/env bash
# Ensure the Debian/Ubuntu packages audioessay needs are installed.
# Usage: scripts/system-packages.sh PACKAGE...
# Installs only what is missing (so a second run does nothing); when not root or not on
# Debian/Ubuntu, prints the exact command to run instead and fails.
set -euo pipefail
missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "audioessay needs these system packages: ${missing[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "Run: sudo apt-get install -y ${missing[*]}" >&2
else
  echo "On Debian/Ubuntu run: sudo apt-get install -y ${missing[*]}" >&2
  echo "On Fedora: sudo dnf install -y espeak-ng ffmpeg lame mpg123 libebur128; on macOS: brew install espeak-ng ffmpeg lame mpg123 libebur128" >&2
fi
exit 1
