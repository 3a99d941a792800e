#!/usr/bin/env bash
# The domain crate holds rules only: it must not depend (even transitively)
# on a database, web framework, async runtime or HTTP client.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(diesel|actix|actix-web|actix-rt|tokio|reqwest|redis|hyper)( |$)'
found=$(cargo tree -p domain -e normal --prefix none --offline 2>/dev/null || cargo tree -p domain -e normal --prefix none)
if echo "$found" | grep -Eq "$forbidden"; then
    echo "domain depends on IO crates:" >&2
    echo "$found" | grep -E "$forbidden" | sort -u >&2
    exit 1
fi
# infra must not depend on the web layer.
if cargo tree -p infra -e normal --prefix none | grep -Eq '^(actix-web|api) '; then
    echo "infra depends on the web layer" >&2
    exit 1
fi
# api reaches storage only through infra's use cases: it names no diesel, and
# it compiles without infra's `testing` feature, which alone opens the
# repositories, connections and transactions.
if cargo tree -p api -e normal --depth 1 --prefix none | grep -Eq '^diesel'; then
    echo "api depends on diesel directly" >&2
    exit 1
fi
if grep -rnE '\bdiesel::|AnyConnection|write_tx' api/src; then
    echo "api names storage internals (above)" >&2
    exit 1
fi
cargo check --quiet -p api --lib --bins
echo "layers ok: domain has no IO dependencies; infra does not know the web; api reaches storage only through use cases"
