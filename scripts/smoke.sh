#!/usr/bin/env bash
# Starts the real binary as `make run` does (fresh SQLite, fixtures, no Redis,
# no WeChat) on a spare port, and checks what an operator would check first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin mashangban
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
( cd "$work" && exec env -u DATABASE_URL -u REDIS_URL MSB_BIND="127.0.0.1:$port" \
    "$OLDPWD/target/debug/mashangban" serve --seed >"$work/out.log" 2>&1 ) &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

fail() { echo "smoke: $*" >&2; cat "$work/out.log" >&2; exit 1; }
grep -q "Swagger UI:   $base/swagger-ui/" "$work/out.log" || fail "banner does not say where Swagger UI is"
grep -q "auth/login" "$work/out.log" || fail "banner does not say how to log in"
[ -f "$work/data/mashangban.db" ] || fail "no SQLite file under ./data"
curl -sf "$base/readyz" | grep -q '"status":"ready"' || fail "/readyz not ready"
curl -sf "$base/api/v1/scan/dd-hean" | grep -q '和安楼' || fail "scan of a fixture poster"
curl -sf "$base/swagger-ui/" | grep -qi 'swagger-ui' || fail "Swagger UI page"
curl -sf "$base/swagger-ui/swagger-ui-bundle.js" -o /dev/null || fail "Swagger UI assets are not served offline"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/swagger-ui")" = 308 ] || fail "/swagger-ui does not redirect"
curl -sf "$base/api-docs/openapi.json" | python3 -c 'import json,sys; assert json.load(sys.stdin)["paths"]' || fail "spec"
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"admin"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') \
    || fail "admin login"
curl -sf "$base/api/v1/me" -H "Authorization: Bearer $token" | grep -q '"role":"admin"' || fail "/me"
resident=$(cd "$work" && "$OLDPWD/target/debug/mashangban" token jumin 2>/dev/null) || fail "token command"
curl -sf "$base/api/v1/me" -H "Authorization: Bearer $resident" | grep -q '"role":"resident"' || fail "resident token"

# The curl examples of docs/api-conventions.md answer what the document says.
staff=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"diandeng","password":"demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') \
    || fail "staff login"
BASE="$base" STAFF="$staff" RESIDENT="$resident" ./scripts/doc-examples.py || fail "docs/api-conventions.md examples"

# An operator creates a staff account from the shell, and it can log in.
(cd "$work" && echo 'a-long-password' | "$OLDPWD/target/debug/mashangban" user create --username ops-dd \
    --display-name '点灯社区 值班员' --role community_staff --region diandeng >/dev/null) || fail "user create"
curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"ops-dd","password":"a-long-password"}' | grep -q '"code":"diandeng"' || fail "login of a created user"
(cd "$work" && echo 'short' | "$OLDPWD/target/debug/mashangban" user create --username ops-x \
    --display-name x --role admin 2>/dev/null) && fail "a short password was accepted"
(cd "$work" && "$OLDPWD/target/debug/mashangban" sweep | grep -q '^sweep: ') || fail "sweep command"
(cd "$work" && "$OLDPWD/target/debug/mashangban" dispatch | grep -q '^dispatch: ') || fail "dispatch command"

# The statistics count the examples' order; the counters match a recount and rebuild alike.
curl -sf "$base/api/v1/stats/overview" -H "Authorization: Bearer $staff" \
    | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; assert s["orders"]==1, s' || fail "stats overview"
(cd "$work" && "$OLDPWD/target/debug/mashangban" stats verify | grep -q '^stats verify: 0 counter rows differ') || fail "stats verify"
(cd "$work" && "$OLDPWD/target/debug/mashangban" stats rebuild 2>/dev/null | grep -q '^stats rebuild: 1 orders recounted') \
    || fail "stats rebuild"

# Posters print (PNG, and a community's PDF from the CLI), and a photo uploads and is read back.
[ "$(curl -s -o "$work/poster.png" -w '%{content_type}' "$base/api/v1/posters/dd-hean/poster.png" -H "Authorization: Bearer $staff")" = image/png ] \
    || fail "poster.png"
python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); assert b[:8]==b"\x89PNG\r\n\x1a\n" and len(b)>50000' "$work/poster.png" || fail "poster.png is no PNG"
(cd "$work" && "$OLDPWD/target/debug/mashangban" posters --community diandeng --format pdf --out "$work/print" 2>/dev/null | grep -q '1 file') \
    || fail "posters command"
head -c 5 "$work/print/"*.pdf | grep -q '%PDF-' || fail "posters command wrote no PDF"
photo=$(curl -sf -X POST "$base/api/v1/media" -H "Authorization: Bearer $resident" -F "file=@$work/poster.png;type=image/png" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail "upload"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/media/$photo/thumbnail" -H "Authorization: Bearer $resident")" = 200 ] \
    || fail "thumbnail of an upload"
[ -z "$(find "$work/data/media/.incoming" -type f 2>/dev/null)" ] || fail "an upload left a partial file"

# Production refuses default secrets, and demo passwords.
(cd "$work" && MSB_ENV=prod MSB_BIND=127.0.0.1:0 "$OLDPWD/target/debug/mashangban" serve >/dev/null 2>&1) \
    && fail "prod started with the default JWT secret"
refusal=$(cd "$work" && MSB_ENV=prod MSB_BIND=127.0.0.1:0 MSB_JWT_SECRET=0123456789abcdef0123456789abcdef-x \
    MSB_WECHAT_APPID=wx1 MSB_WECHAT_SECRET=s MSB_PUBLIC_URL=https://msb.example.cn \
    MSB_PRIVACY_CONTROLLER=点灯街道办事处 MSB_PRIVACY_CONTACT=0771-1234567 \
    "$OLDPWD/target/debug/mashangban" serve 2>&1) && fail "prod started while demo passwords work"
echo "$refusal" | grep -q "demo fixture password" || fail "prod refusal does not say why: $refusal"
echo "smoke: ok ($base: healthz, readyz, scan, swagger-ui offline, login, me, token, doc examples, user create, sweep, dispatch, poster PNG and PDF, upload, prod refusals)"
