#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for the real-browser tests, gettext for the translation checks,
# Pango for PDF reports (WeasyPrint) and poppler-utils to turn PDF pages into images in tests.
# Installs them when missing and we are root (CI, the project's machines); otherwise says what is missing.
set -euo pipefail
needed=()
for pkg in chromium gettext fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
else
  echo "Missing Debian packages: ${needed[*]} — install them with: sudo apt-get install ${needed[*]}" >&2
  exit 1
fi
