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
echo "layers ok: domain has no IO dependencies; infra does not know the web"
