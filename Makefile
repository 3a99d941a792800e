# 码上办 mashangban. The README's commands call these targets.
CARGO ?= cargo
BIN := target/debug/mashangban

.PHONY: run build test lint fmt openapi smoke client bench clean-data

## run: build, migrate, load fixtures and serve on 127.0.0.1:8080 (embedded SQLite under ./data)
run:
	$(CARGO) build --bin mashangban
	$(BIN) serve --seed

build:
	$(CARGO) build --workspace --all-targets

## test: the whole suite; Postgres and Redis tests run when 127.0.0.1:5432 / :6379 answer
## (MSB_REQUIRE_SERVICES=1 turns a missing server into a failure)
test:
	$(CARGO) test --workspace --all-targets --features infra/testing
	./scripts/smoke.sh

## lint: formatting, clippy with warnings denied, and the layer rule (domain has no IO deps)
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --features infra/testing -- -D warnings
	./scripts/check-layers.sh
	./scripts/check-sizes.py

fmt:
	$(CARGO) fmt --all

## openapi: regenerate the committed spec from the code
openapi:
	$(CARGO) run --quiet --bin mashangban -- openapi > openapi/openapi.json

## smoke: start the real binary on a fresh SQLite file and curl it
smoke:
	./scripts/smoke.sh

## client: validators, a generated TypeScript client run through the flows, Swagger UI in Chromium
client:
	./scripts/client-check.sh

## bench: release build against PostgreSQL with BENCH_ORDERS (200000) orders; prints latencies
bench:
	python3 bench/run.py

clean-data:
	rm -rf data
