#!/usr/bin/env bash
# The spec as a front-end developer meets it: two independent validators
# (redocly from npm, openapi-spec-validator from PyPI), a typed TypeScript
# client generated from openapi/openapi.json and compiled under tsc --strict,
# that client running the resident and staff flows against the real binary
# (WeChat faked at the wire), and Swagger UI driven in Debian's headless
# Chromium. Installs what it needs (npm packages, chromium, CJK fonts).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then
    echo "installing chromium and fonts-noto-cjk from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

(cd openapi/client && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
(cd openapi/client && npx redocly lint --config redocly.yaml --format=summary ../openapi.json)
venv=target/spec-validator-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "openapi-spec-validator==0.7.*"
fi
"$venv/bin/openapi-spec-validator" openapi/openapi.json

cargo build --quiet --bin mashangban
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
wechat_port=$(free_port)
base="http://127.0.0.1:$port"
( cd "$work" && exec env -u DATABASE_URL -u REDIS_URL MSB_BIND="127.0.0.1:$port" RUST_LOG=warn \
    MSB_WECHAT_API_BASE="http://127.0.0.1:$wechat_port" MSB_WECHAT_APPID=wx-client-check \
    MSB_WECHAT_SECRET=client-check-secret "$root/target/debug/mashangban" serve --seed >"$work/out.log" 2>&1 ) &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

staff=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"diandeng","password":"demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
(cd openapi/client && BASE="$base" WECHAT_PORT="$wechat_port" node dist/flows.js)
(cd openapi/client && BASE="$base" STAFF="$staff" node dist/swagger-ui.js)
resident=$(cd "$work" && "$root/target/debug/mashangban" token jumin)
(cd openapi/client && BASE="$base" RESIDENT="$resident" node dist/console.js)
mkdir -p target/ci-artifacts
cp openapi/client/screenshots/swagger-ui.png target/ci-artifacts/swagger-ui.png
cp openapi/client/screenshots/console.png target/ci-artifacts/console.png
if grep -q 'panicked' "$work/out.log"; then
    echo "the server panicked" >&2
    exit 1
fi
echo "client check ok: 2 validators, tsc --strict, flows, Swagger UI and the console (target/ci-artifacts/swagger-ui.png, console.png)"
