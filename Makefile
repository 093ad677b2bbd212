# Switchboard: `make run` serves the API locally, `make test` runs every test.
SWIFT        ?= swift
JOBS         ?= 2
SWIFT_FLAGS  ?= -j $(JOBS)
# Swift Testing runs every test case at once by default; on two cores that starved the
# tests' servers (a retry due in 150 ms came 3 s late) and the whole run was slower (113 s
# against 87 s with 16 at a time).
TEST_WIDTH   ?= --experimental-maximum-parallelization-width 16
# What swift-format keeps in shape (.swift-format: 4 spaces, 140 columns, layout only); `make format` applies it.
FORMATTED     = Sources Tests/SwitchboardTests Plugins Package.swift
BIN           = $(shell $(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)

.PHONY: run format test build deps migrate smoke fuzz bench clean test-db test-db-stop browser-test screenshots settings-page

## Install missing system packages (as root) or print the apt-get line.
deps:
	@scripts/install-deps.sh

## Build the server and the migrate tool (debug).
build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

## Apply pending migrations to DATABASE_URL (default sqlite://./switchboard.sqlite).
migrate: build
	@scripts/ensure-env.sh
	$(BIN)/switchboard-migrate up

## Build, migrate the local database and serve API on 127.0.0.1:8080 (see .env / environment).
run: migrate
	$(BIN)/switchboard serve

## The console's screenshots (docs/screenshots/, shown in docs/console.md), made from fixed data in chromium.
screenshots: build
	XDG_CONFIG_HOME=$$(mktemp -d) XDG_CACHE_HOME=$$(mktemp -d) "$$(scripts/python-venv.sh)/bin/python" scripts/screenshots.py "$(BIN)"

## Write docs/configuration.md from the settings' declarations (Sources/Server/Settings/SettingsCatalogue.swift);
## run after changing a setting and commit both (a test fails when they differ).
settings-page: build
	$(BIN)/switchboard settings > docs/configuration.md

## Only the console's browser tests (binaries must be built).
browser-test:
	scripts/browser-test.sh "$(BIN)"

## Apply swift-format's layout (.swift-format) to the Swift sources; `make test` fails when they are not in it.
format:
	$(SWIFT) format format --in-place --recursive $(FORMATTED)

## Check that SQL lives only in stores, migrations and drivers, that the Swift sources are formatted and web/'s lines fit 140 columns; build and run the whole test suite (Swift Testing) against SQLite and against throwaway
## PostgreSQL and MariaDB servers on loopback (installed and started if absent), then the
## system tests of the built server (Tests/System, pytest): the database-failure test on both
## (restart and 30 s down under load), the hardening test (slow clients, connection limits,
## proxies, start-up refusals), forward authentication behind Debian's nginx and Caddy with
## docs/proxy's files, the outbox under
## kill -9 on all three databases, receivers down for 30 s and 5 min and the throttle with two
## servers (all three databases at once, about 6 minutes), the
## schemathesis fuzz run against the OpenAPI document, the console's browser tests (Playwright
## driving Debian's chromium), and last the end-to-end smoke test of the binaries and the curl
## examples of README.md and docs/api.md.
test: deps
	scripts/check-sql-placement.sh
	scripts/check-line-length.sh
	$(SWIFT) format lint --strict --recursive $(FORMATTED)
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	scripts/test-databases.sh start > .build/test-databases.env
	. ./.build/test-databases.env && $(SWIFT) test $(SWIFT_FLAGS) --skip-build --disable-xctest $(TEST_WIDTH)
	. ./.build/test-databases.env && scripts/system-test.sh "$(BIN)"
	scripts/fuzz-api.sh "$(BIN)"
	scripts/browser-test.sh "$(BIN)"
	scripts/smoke-test.sh "$(BIN)"

## Start (installing if needed) the PostgreSQL and MariaDB servers the tests use, and print
## their TEST_POSTGRES_URL / TEST_MYSQL_URL; `make test-db-stop` stops them.
test-db:
	@scripts/test-databases.sh start

test-db-stop:
	@scripts/test-databases.sh stop

## Only the end-to-end smoke test (binaries must be built).
smoke:
	scripts/smoke-test.sh "$(BIN)"

## Only the API fuzz run (binaries must be built).
fuzz:
	scripts/fuzz-api.sh "$(BIN)"

## Benchmarks (release build): delivery (nginx receiver), auth, analytics at 1 M logs, the console's budgets in chromium; ratios from one run. Not part of CI.
bench: deps
	benchmarks/all-databases.sh
	benchmarks/analytics/run.sh
	"$$(scripts/python-venv.sh)/bin/python" benchmarks/fairness/run.py
	XDG_CONFIG_HOME=$$(mktemp -d) XDG_CACHE_HOME=$$(mktemp -d) "$$(scripts/python-venv.sh)/bin/python" benchmarks/console/run.py \
		"$$($(SWIFT) build -c release $(SWIFT_FLAGS) --scratch-path .build-release --show-bin-path)"

clean:
	rm -rf .build
