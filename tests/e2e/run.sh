#!/usr/bin/env bash
# Runs Wharf's end-to-end tests in a real desktop session: Xvfb, a private D-Bus session, dunst,
# an unlocked gnome-keyring and tauri-driver (which starts WebKitWebDriver). Everything it starts
# is private to this run and stopped at the end. Fails (never skips) when a part is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/e2e"

if [[ "${1:-}" == "--inner" ]]; then
  WORK=$2; shift 2
  dunst >"$WORK/dunst.log" 2>&1 &
  DUNST=$!
  eval "$(printf '%s' e2e-password | gnome-keyring-daemon --daemonize --unlock --components=secrets)"
  has_owner() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
  }
  for name in org.freedesktop.Notifications org.freedesktop.secrets; do
    for _ in $(seq 1 100); do has_owner "$name" && break; sleep 0.1; done
    has_owner "$name" || { echo "e2e: nobody owns $name on the session bus" >&2; exit 1; }
  done
  PORT=${WHARF_WEBDRIVER_PORT:-4444}
  tauri-driver --port "$PORT" --native-port $((PORT + 1)) >"$WORK/tauri-driver.log" 2>&1 &
  DRIVER=$!
  trap 'kill $DRIVER $DUNST 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/status" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$PORT/status" >/dev/null || { echo "e2e: tauri-driver did not start" >&2; cat "$WORK/tauri-driver.log" >&2; exit 1; }
  export WHARF_WEBDRIVER_URL="http://127.0.0.1:$PORT"
  cd "$ROOT"
  # Benchmarks (`bench_*`, e.g. tests/memory/measure.sh's) run only when named.
  (($#)) || set -- --skip bench_
  cargo test -p wharf-e2e --tests -- --ignored --test-threads=1 "$@"
  exit $?
fi

missing=()
for tool in Xvfb dbus-run-session dunst dunstctl gnome-keyring-daemon secret-tool tauri-driver WebKitWebDriver curl xdotool; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
APP=${WHARF_APP:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/wharf}
[[ -x "$APP" ]] || missing+=("the app binary at $APP (make build-debug)")
if ((${#missing[@]})); then
  echo "e2e: FAILED, missing: ${missing[*]}" >&2
  echo "e2e: .ci/run installs them; tauri-driver comes from: cargo install tauri-driver --version '^2' --locked" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wharf-e2e.XXXXXX")
mkdir -p "$WORK/run" "$WORK/data" "$WORK/config" "$WORK/cache"
chmod 700 "$WORK/run"
# A private home for the app's data, config and keyring, so the run leaves no trace elsewhere.
export XDG_RUNTIME_DIR=$WORK/run XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache
export WHARF_APP=$APP WHARF_E2E_WORK=$WORK
# The download folder the export's Save dialog opens in, as a desktop names it (user-dirs.dirs).
mkdir -p "$WORK/downloads"
printf 'XDG_DOWNLOAD_DIR="%s"\n' "$WORK/downloads" >"$WORK/config/user-dirs.dirs"
export WHARF_E2E_DOWNLOADS=$WORK/downloads
# The app's receiver picks a free port, so parallel runs and a running Wharf do not collide.
export WHARF_RECEIVER_PORT=${WHARF_RECEIVER_PORT:-0}
# The fakes, like Quay, refuse webhook URLs on 127.0.0.1 and localhost; 127.0.0.2 is loopback too,
# so "Send to Wharf" URLs stay on this machine (never the LAN address).
export WHARF_RECEIVER_BIND=${WHARF_RECEIVER_BIND:-127.0.0.2}
# The Overview's background re-scan every 3 s instead of minutes, so the fleet test can see its
# toast without waiting (the fleet test's RESCAN matches).
export WHARF_FLEET_RESCAN_SECONDS=${WHARF_FLEET_RESCAN_SECONDS:-3}
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [[ -s "$WORK/display" ]] && break; sleep 0.1; done
[[ -s "$WORK/display" ]] || { echo "e2e: Xvfb did not start" >&2; cat "$WORK/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(cat "$WORK/display")"
set +e
dbus-run-session -- "$0" --inner "$WORK" "$@"
rc=$?
echo "e2e: logs in $WORK; exit code $rc"
exit $rc
