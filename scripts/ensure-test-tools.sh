#!/bin/sh
# Installs what the tests drive besides Node: Debian's chromium (the report's browser test, through
# playwright-core), graphviz (`dot` checks the DOT export) and redis-server (the BullMQ dispatcher's
# tests start their own server on a Unix socket; nothing here starts one). Idempotent and quick when both are
# there; `npm test` runs it first (pretest). Needs root or password-less sudo to install.
set -u
say() { printf 'ensure-test-tools: %s\n' "$*"; }

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
if [ -z "$missing" ]; then
	say "chromium, graphviz and redis-server are installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO=sudo
else
	say "missing:$missing; installing needs root (or password-less sudo)" >&2
	exit 1
fi
command -v apt-get >/dev/null 2>&1 || { say "missing:$missing and there is no apt-get here: install them by hand" >&2; exit 1; }

say "installing$missing"
$SUDO apt-get update -qq || { say "apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || { say "apt-get install$missing failed" >&2; exit 1; }
say "installed$missing"
