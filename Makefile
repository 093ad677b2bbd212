# Switchboard: `make run` serves the API locally, `make test` runs every test.
SWIFT        ?= swift
JOBS         ?= 2
SWIFT_FLAGS  ?= -j $(JOBS)
BIN           = $(shell $(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)

.PHONY: run test build deps migrate smoke fuzz bench clean

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

## Build and run the whole test suite (Swift Testing), the schemathesis fuzz run against the
## OpenAPI document, and last the end-to-end smoke test of the binaries and README.
test: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --disable-xctest
	scripts/fuzz-api.sh "$(BIN)"
	scripts/smoke-test.sh "$(BIN)"

## Only the end-to-end smoke test (binaries must be built).
smoke:
	scripts/smoke-test.sh "$(BIN)"

## Only the API fuzz run (binaries must be built).
fuzz:
	scripts/fuzz-api.sh "$(BIN)"

## Delivery benchmark (release build, nginx receiver); prints ratios from one run. Not part of CI.
bench: deps
	benchmarks/delivery/run.sh
	benchmarks/auth/run.sh

clean:
	rm -rf .build
