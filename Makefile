# Wharf — the two commands that matter: `make run` and `make test`.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
UI := ui

.PHONY: screenshots run demo system-deps test lint fmt-check clippy cargo-test ui-deps ui-build ui-check ui-test \
        bindings-check docs-check build-debug e2e fuzz package clean

## Build and launch the desktop app (installs missing system packages when root). Without a
## display it runs the headless receiver instead: `wharf headless`.
run: system-deps ui-build
	@if [[ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]]; then \
	  echo "No display (DISPLAY/WAYLAND_DISPLAY unset): starting the headless receiver." >&2; \
	  $(CARGO) run -p wharf -- headless $(ARGS); \
	else \
	  $(CARGO) run -p wharf; \
	fi

## The app against a local fake Quay (127.0.0.1:47901, token fake-quay-token) and fake DTR
## (127.0.0.1:47902, user alice, token fake-dtr-token), with the receiver on 127.0.0.2, which the
## fakes (like Quay) accept as a webhook host. Add the two connections in the app to try it.
demo: system-deps ui-build
	$(CARGO) build -p wharf -p wharf-fakes --bins
	@target/debug/fake-quay --port 47901 & quay=$$!; \
	  target/debug/fake-dtr --port 47902 & dtr=$$!; \
	  trap 'kill $$quay $$dtr 2>/dev/null' EXIT; \
	  echo "fake Quay: http://127.0.0.1:47901 (token fake-quay-token)"; \
	  echo "fake DTR:  http://127.0.0.1:47902 (user alice, token fake-dtr-token)"; \
	  WHARF_RECEIVER_BIND=127.0.0.2 target/debug/wharf $(ARGS)

system-deps:
	.ci/system-deps build

## Every test: formatting, lints, Rust tests, UI checks and tests, stale bindings, end to end.
test: fmt-check ui-build clippy docs-check cargo-test bindings-check ui-check ui-test e2e
	@echo "make test: all suites passed"

ui-deps: $(UI)/node_modules/.package-lock.json

# `npm ci` installs exactly the lock file and never rewrites it.
$(UI)/node_modules/.package-lock.json: $(UI)/package.json $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund

# The Rust shell embeds ui/dist at compile time, so it must exist before any cargo build.
ui-build: ui-deps
	cd $(UI) && npm run build

ui-check: ui-deps
	cd $(UI) && npm run check

ui-test: ui-deps
	cd $(UI) && npm test

fmt-check:
	$(CARGO) fmt --all --check

clippy: ui-build
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Also builds target/debug/wharf (src-tauri has integration tests), which e2e drives.
cargo-test: ui-build
	$(CARGO) test --workspace

# The core crates are libraries other code reads: every public item has a doc line
# (`missing_docs` in lib.rs) and rustdoc's own warnings (broken links) fail the build.
docs-check:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p wharf-registry -p wharf-inbox

# ts-rs rewrites ui/src/lib/bindings during `cargo test`; committed copies must match.
bindings-check:
	@if ! git diff --quiet -- $(UI)/src/lib/bindings || [[ -n "$$(git ls-files --others --exclude-standard -- $(UI)/src/lib/bindings)" ]]; then \
	  echo "TypeScript bindings are stale: cargo test regenerated ui/src/lib/bindings; commit them." >&2; \
	  git status --short -- $(UI)/src/lib/bindings >&2; exit 1; \
	fi

build-debug: ui-build
	$(CARGO) test --workspace --no-run

e2e:
	tests/e2e/run.sh

## The e2e run, saving its screenshots over docs/screenshots/ (the README shows them).
screenshots:
	WHARF_SCREENSHOTS=docs tests/e2e/run.sh

## libFuzzer on payload recognition (nightly + `cargo install cargo-fuzz`; not part of `make test`).
FUZZ_SECONDS ?= 120
fuzz:
	cd src-tauri/crates/inbox && cargo +nightly fuzz run recognize -- -max_total_time=$(FUZZ_SECONDS)

## A .deb bundle in target/release/bundle/deb/ (AppImage needs downloads from GitHub: not offered).
package: system-deps ui-build
	# The CLI finds src-tauri by searching below the current folder, so run it from the root.
	$(UI)/node_modules/.bin/tauri build --bundles deb

clean:
	$(CARGO) clean
	rm -rf $(UI)/dist $(UI)/node_modules
