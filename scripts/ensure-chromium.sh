#!/bin/sh
# Makes sure Debian's chromium is installed for the browser tests (test/browser/**), which drive it
# through playwright-core. Idempotent: does nothing when /usr/bin/chromium is already there.
#
#   scripts/ensure-chromium.sh        # as root (CI); otherwise through sudo when it can
#
# Exits 0 when chromium is there (before or after), non-zero when it could not be installed.
set -u

CHROMIUM=/usr/bin/chromium
say() { printf 'ensure-chromium: %s\n' "$*"; }

version() {
	# Debian's wrapper script may print shell noise on stderr; keep the version line only.
	"$CHROMIUM" --version 2>/dev/null | head -n 1
}

if [ -x "$CHROMIUM" ]; then
	say "already installed: $CHROMIUM ($(version))"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO=sudo
else
	say "$CHROMIUM is missing and installing it needs root: run this script as root (or with password-less sudo)" >&2
	exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
	say "$CHROMIUM is missing and there is no apt-get here: install Chromium by hand and set CHROMIUM_PATH for the tests" >&2
	exit 1
fi

say "$CHROMIUM is missing: running apt-get update"
if ! $SUDO apt-get update; then
	say "apt-get update failed" >&2
	exit 1
fi
say "installing chromium"
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; then
	say "apt-get install chromium failed" >&2
	exit 1
fi

if [ -x "$CHROMIUM" ]; then
	say "installed: $CHROMIUM ($(version))"
	exit 0
fi
say "apt-get reported success but $CHROMIUM is still missing" >&2
exit 1
