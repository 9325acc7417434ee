# One task runner for Grid Desk. `make help` lists the targets.
.PHONY: help setup start run fmt clippy lint-js test test-fast sim e2e bench gen gen-check deny

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: ## install system packages and tauri-driver (Debian/Ubuntu)
	scripts/install-deps

start: ## set up and open the app (offline demo when nothing is configured)
	scripts/start

run: ## open the app (debug build)
	cargo run -p grid-desk

fmt: ## format all Rust code
	cargo fmt --all

clippy: ## lint everything, warnings are errors
	cargo clippy --workspace --all-targets -- -D warnings

lint-js: ## type-check (tsc --checkJs) and lint (ESLint) the front end in ui/
	scripts/check-js

test: ## every test, as CI runs them
	scripts/test

test-fast: ## the crates that build without WebKit
	cargo test -p grid-client -p grid-sim -p deposit-instructions -p grid-desk-tests

sim: ## run the Grid simulator on 127.0.0.1:8787
	cargo run -p grid-sim -- --listen 127.0.0.1:8787

e2e: ## end-to-end tests of the real app window
	scripts/e2e

bench: ## benchmarks (print figures; see BENCHMARKS.md)
	cargo bench -p deposit-instructions --bench pdf
	cargo bench -p grid-desk-tests
	scripts/bench-app

gen: ## regenerate account-info models from spec/grid-openapi.yaml
	python3 scripts/gen_account_info.py
	rustfmt --edition 2021 crates/grid-client/src/models/account_info.rs

gen-check: ## fail when the generated models differ from what the spec gives (run by `make test`)
	python3 scripts/gen_account_info.py --check

deny: ## cargo-deny: licenses, bans, sources, RustSec advisories (offline snapshot)
	scripts/check-deny
