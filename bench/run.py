#!/usr/bin/env python3
"""make bench: the endpoints a front end calls most, on SQLite and on PostgreSQL,
each holding BENCH_ORDERS generated orders (default 1,000,000), against the
ceilings measured in the same run.

For each backend: a fresh database filled by `mashangban gen` (a year of
orders over 4 streets x 6 communities x 4 grids x 10 buildings, with their
events and statistics), a release server on loopback with the sweeper and
the dispatcher off, and oha (a well-kept load generator, `cargo install oha
--locked`; installed if missing) running BENCH_CONNECTIONS connections (16)
for BENCH_SECONDS (10) per row. The ceilings: the same server's `/healthz`
(what the HTTP stack gives), and on PostgreSQL pgbench on the same server
(`-S` select-only and the TPC-B-like default, same client count). Peak RSS is
the server's VmHWM after each row.

Then, on PostgreSQL: the notification cost (a second server runs the
dispatcher against a webhook that answers after a second and dead WeCom and
WeChat; POST /orders on both, alternating), and uploads (10 MB photos from
one client, then eight and sixteen at once, with peak RSS after each).

BENCH_BASELINE=<binary> also serves each database with another build (say a
previous commit's) and measures every row on both, alternating A B B A, so the
ratio is read in one run on one machine (absolute figures move with whatever
else the two cores carry).

Prints the tables and writes them, with the raw figures as JSON, to
bench/results/<UTC date and time>.md. BENCH_BACKENDS=sqlite or postgres runs one.
"""
import concurrent.futures as cf
import datetime
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDERS = int(os.environ.get("BENCH_ORDERS", "1000000"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
BACKENDS = [b.strip() for b in os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",") if b.strip()]
PG = os.environ.get("MSB_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
BINARY = os.path.join(ROOT, "target/release/mashangban")
PASSWORD = "bench-password-1"

# The targets of issue 10, as (row, measure, comparison, bound).
TARGETS = {
    "sqlite": [
        ("GET /orders/{id}", "share of /healthz", ">=", 0.30),
        ("POST /orders", "req/s", ">=", 3000),
        ("POST /orders", "p99 ms", "<", 20),
    ],
    "postgres": [
        ("GET /orders/{id}", "share of pgbench -S", ">=", 0.50),
        ("POST /orders", "share of pgbench TPC-B", ">=", 0.50),
    ],
    "both": [
        ("GET /orders (community inbox, submitted)", "p99 ms", "<", 50),
        ("GET /orders (street, overdue)", "p99 ms", "<", 50),
        ("GET /stats/overview (city, 30 days)", "p99 ms", "<", 50),
        ("GET /stats/overview (street, 30 days)", "p99 ms", "<", 50),
        ("peak RSS", "MiB", "<", 150),
    ],
}


def psql(url, sql):
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, token=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    start = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    res = conn.getresponse()
    data = res.read()
    elapsed = time.perf_counter() - start
    conn.close()
    return res.status, data, elapsed


def wait_healthy(port, proc):
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the server on {port} exited with {proc.returncode}")
        try:
            if call(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server on {port} did not start")


def rss_mib(pid, field="VmHWM"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def find_oha():
    for candidate in [shutil.which("oha"), os.path.expanduser("~/.cargo/bin/oha")]:
        if candidate and os.path.exists(candidate):
            return candidate
    print("oha not found: cargo install oha --locked", flush=True)
    subprocess.run(["cargo", "install", "oha", "--locked", "--quiet"], check=True)
    return os.path.expanduser("~/.cargo/bin/oha")


OHA = None


def oha(port, method, path, token=None, body=None, connections=CONNECTIONS, seconds=SECONDS, urls=None):
    """One load row: `connections` keep-alive connections for `seconds`.
    `urls`, a list of paths, makes each request pick one at random (oha's
    --rand-regex-url over an alternation of the escaped paths)."""
    base = f"http://127.0.0.1:{port}"
    args = [OHA, "--no-tui", "--output-format", "json", "-c", str(connections), "-z", f"{seconds}s", "-m", method]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "-d", json.dumps(body, ensure_ascii=False)]
    if urls:
        # oha reads the whole address as a regex (its host too: 127\.0\.0\.1 came out garbled), so the
        # host is localhost and the paths hold no metacharacters.
        assert all(re.fullmatch(r"[\w/-]+", u) for u in urls), urls
        args += ["--rand-regex-url", f"http://localhost:{port}(" + "|".join(urls) + ")"]
    else:
        args.append(base + path)
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    summary, pct = data["summary"], data["latencyPercentiles"]
    statuses = {str(k): v for k, v in sorted(data.get("statusCodeDistribution", {}).items())}
    errors = data.get("errorDistribution", {})
    return {
        "rps": summary["requestsPerSec"],
        "p50": (pct.get("p50") or 0) * 1000,
        "p99": (pct.get("p99") or 0) * 1000,
        "statuses": statuses,
        "errors": errors,
    }


def pgbench(url, select_only):
    args = ["pgbench", "-n", "-c", str(CONNECTIONS), "-j", "2", "-T", str(SECONDS)]
    if select_only:
        args.append("-S")
    out = subprocess.run(args + [url], check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    return {"rps": tps, "p50": latency, "p99": None, "statuses": {}, "errors": {}, "note": "pgbench: mean latency"}


def row_text(name, r):
    p99 = f"{r['p99']:8.1f}" if r.get("p99") is not None else "       -"
    other = {k: v for k, v in r["statuses"].items()}
    if any(not k.startswith("2") for k in other):
        other["!"] = "not all 2xx"
    if r.get("errors"):
        other["errors"] = r["errors"]
    rss = f"  RSS {r['rss']:4.0f} MiB" if r.get("rss") else ""
    return f"{name:<46} {r['rps']:>9.0f}/s  p50 {r['p50']:7.1f} ms  p99 {p99} ms{rss}  {other if other else ''}"


class SlowReceiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver that takes a second to answer."""
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(1.0)
        SlowReceiver.received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def noise_png(side):
    """A PNG of random pixels (it does not compress): side 1820 is about 9.9 MB."""
    import struct
    import zlib
    raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")


class Run:
    """One backend's database, server (and baseline), tokens and results."""

    def __init__(self, backend, out):
        self.backend, self.out = backend, out
        self.rows, self.extra = [], []
        self.servers, self.ports = [], []
        self.media = tempfile.mkdtemp(prefix="msb-bench-media-")
        self.data = tempfile.mkdtemp(prefix="msb-bench-db-", dir=os.path.join(ROOT, "target"))
        # BENCH_REUSE=1 keeps the filled database between runs (target/bench-cache, msb_bench_cache_N),
        # for working on one figure; the figures committed come from fresh databases.
        self.reuse = bool(os.environ.get("BENCH_REUSE"))
        self.fresh = True
        if backend == "postgres":
            self.db = f"msb_bench_cache_{ORDERS}" if self.reuse else f"msb_bench_{os.getpid()}"
            if self.reuse and psql(PG, f"SELECT count(*) FROM pg_database WHERE datname = '{self.db}'") == "1":
                self.fresh = False
            else:
                psql(PG, f"CREATE DATABASE {self.db}")
            self.url = PG.rsplit("/", 1)[0] + "/" + self.db
        else:
            self.db = None
            if self.reuse:
                cache = os.path.join(ROOT, "target/bench-cache")
                os.makedirs(cache, exist_ok=True)
                self.url = os.path.join(cache, f"sqlite-{ORDERS}.db")
                self.fresh = not os.path.exists(self.url)
            else:
                self.url = os.path.join(self.data, "bench.db")
        self.env = dict(os.environ, DATABASE_URL=self.url, MSB_SWEEP_INTERVAL_SECONDS="0", MSB_DISPATCH_INTERVAL_MS="0",
                        RUST_LOG="warn", MSB_RATE_LIMITS="off", MSB_MEDIA_DIR=self.media, MSB_ENV="dev", MSB_NEW_PASSWORD=PASSWORD,
                        MSB_JWT_SECRET="bench-secret-bench-secret-bench-secret")
        self.env.pop("REDIS_URL", None)

    def say(self, text=""):
        print(text, flush=True)
        self.out.append(text)

    def cli(self, *args, show=False):
        res = subprocess.run([BINARY, *args], env=self.env, check=True, text=True,
                             stdout=None if show else subprocess.PIPE, stderr=None if show else subprocess.PIPE)
        return (res.stdout or "").strip()

    def serve(self, binary, label):
        port = free_port()
        proc = subprocess.Popen([binary, "serve"], env=dict(self.env, MSB_BIND=f"127.0.0.1:{port}"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.servers.append(proc)
        wait_healthy(port, proc)
        self.ports.append((label, port, proc))
        return port, proc

    def prepare(self):
        self.say(f"\n## {self.backend}: {ORDERS:,} orders\n")
        t0 = time.perf_counter()
        self.cli("migrate")
        if self.fresh:
            self.cli("gen", "--orders", str(ORDERS), show=True)
            self.cli("seed")  # the demo accounts (jumin, dangyuan, admin) beside the generated people
            for username, role, region in [("bench-city", "admin", None), ("bench-street", "street_staff", "gen-s1"),
                                           ("bench-community", "community_staff", "gen-s1-c1")]:
                args = ["user", "create", "--username", username, "--display-name", username, "--role", role]
                self.cli(*args + (["--region", region] if region else []))
            self.say(f"database filled in {time.perf_counter() - t0:.0f} s (`mashangban gen`, with events and statistics)")
        else:
            self.say(f"database reused ({self.url}): BENCH_REUSE")
        if self.backend == "postgres":
            size = psql(self.url, "SELECT pg_size_pretty(pg_database_size(current_database()))")
            psql(self.url, "ANALYZE")
        else:
            size = f"{os.path.getsize(self.url) / 2**20:.0f} MB"
        self.say(f"database size {size}")
        self.port, self.proc = self.serve(BINARY, "this")
        baseline = os.environ.get("BENCH_BASELINE")
        if baseline:
            self.serve(baseline, "baseline")
        login = lambda u: json.loads(call(self.port, "POST", "/api/v1/auth/login", body={"username": u, "password": PASSWORD})[1])["access_token"]
        self.city, self.street, self.community = login("bench-city"), login("bench-street"), login("bench-community")
        self.resident = self.cli("token", "jumin")
        self.party = self.cli("token", "dangyuan")
        ids = []
        cursor = ""
        while len(ids) < 400:
            page = json.loads(call(self.port, "GET", f"/api/v1/orders?limit=100{cursor}", self.street)[1])
            ids += [o["id"] for o in page["items"]]
            if not page.get("next_cursor"):
                break
            cursor = f"&cursor={page['next_cursor']}"
        self.order_ids = ids
        overview = json.loads(call(self.port, "GET", "/api/v1/stats/overview", self.city)[1])
        self.say(f"city overview, last 30 days: {overview['summary']['orders']} orders; GET /orders/{{id}} picks among {len(ids)} of street gen-s1's")

    def measure(self, name, **kw):
        """A row on this build, or on both builds A B B A with the ratio."""
        if len(self.ports) == 1:
            r = oha(self.port, **kw)
            r["rss"] = rss_mib(self.proc.pid, "VmRSS")
            self.rows.append((name, r))
            self.say(row_text(name, r))
            return r
        runs = {}
        order = [self.ports[0], self.ports[1], self.ports[1], self.ports[0]]
        for label, port, proc in order:
            r = oha(port, **kw)
            runs.setdefault(label, []).append(r)
        mean = lambda label, k: sum(r[k] for r in runs[label]) / len(runs[label])
        result = {k: mean("this", k) for k in ("rps", "p50", "p99")}
        result.update(statuses=runs["this"][0]["statuses"], errors=runs["this"][0]["errors"], rss=rss_mib(self.proc.pid, "VmRSS"),
                      baseline={k: mean("baseline", k) for k in ("rps", "p50", "p99")})
        self.rows.append((name, result))
        b = result["baseline"]
        self.say(row_text(name, result) + f"  | baseline {b['rps']:.0f}/s p99 {b['p99']:.1f} ms, throughput x{result['rps'] / b['rps']:.2f}")
        return result

    def load_rows(self):
        s, c, city = self.street, self.community, self.city
        self.say(f"\noha: {CONNECTIONS} connections, {SECONDS} s a row, loopback, release build; p50/p99 in ms\n")
        self.say("```")
        self.measure("GET /healthz (HTTP ceiling)", method="GET", path="/healthz")
        self.measure("GET /orders/{id}", method="GET", path=None, token=s, urls=[f"/api/v1/orders/{i}" for i in self.order_ids[:200]])
        self.measure("GET /orders/{id}/events", method="GET", path=None, token=s,
                     urls=[f"/api/v1/orders/{i}/events" for i in self.order_ids[:200]])
        self.measure("GET /orders (community inbox, submitted)", method="GET", path="/api/v1/orders?status=submitted&limit=50", token=c)
        self.measure("GET /orders (community, all, page of 50)", method="GET", path="/api/v1/orders?limit=50", token=c)
        self.measure("GET /orders (street, overdue)", method="GET", path="/api/v1/orders?overdue=true&limit=50", token=s)
        self.measure("GET /orders (street, kind=wish)", method="GET", path="/api/v1/orders?kind=wish&limit=50", token=s)
        self.measure("GET /orders?pool=true (party member)", method="GET", path="/api/v1/orders?pool=true&limit=50", token=self.party)
        self.measure("GET /stats/overview (city, 30 days)", method="GET", path="/api/v1/stats/overview", token=city)
        self.measure("GET /stats/overview (street, 30 days)", method="GET", path="/api/v1/stats/overview", token=s)
        self.measure("GET /stats/overview (city, a year)", method="GET",
                     path=f"/api/v1/stats/overview?from={(datetime.date.today() - datetime.timedelta(days=364)).isoformat()}", token=city)
        self.measure("GET /stats/breakdown?by=region (city)", method="GET", path="/api/v1/stats/breakdown?by=region", token=city)
        self.measure("GET /stats/breakdown?by=day (street)", method="GET", path="/api/v1/stats/breakdown?by=day", token=s)
        self.measure("GET /stats/breakdown?by=category (street)", method="GET", path="/api/v1/stats/breakdown?by=category", token=s)
        self.measure("GET /exports/orders.csv (community, 30 days)", method="GET", path="/api/v1/exports/orders.csv", token=c,
                     connections=4)
        order = {"kind": "issue", "category": "sewage-blockage", "description": "压测工单", "poster_code": "dd-hean",
                 "contact": {"name": "王阿姨", "phone": "13812341234"}}
        self.order = order
        self.measure("POST /orders", method="POST", path="/api/v1/orders", token=self.resident, body=order)
        self.measure("GET /scan/{code} (no login)", method="GET", path="/api/v1/scan/dd-hean")
        if self.backend == "postgres":
            self.pgbench_rows()
        self.say("```")
        self.export_year()

    def pgbench_rows(self):
        db = f"msb_pgbench_{os.getpid()}"
        psql(PG, f"CREATE DATABASE {db}")
        url = PG.rsplit("/", 1)[0] + "/" + db
        try:
            subprocess.run(["pgbench", "-i", "-q", "-s", "10", url], check=True, capture_output=True)
            for name, select_only in [("pgbench -S (select-only ceiling)", True), ("pgbench TPC-B-like (write ceiling)", False)]:
                r = pgbench(url, select_only)
                self.rows.append((name, r))
                self.say(row_text(name, r))
        finally:
            psql(PG, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")

    def export_year(self):
        start = (datetime.date.today() - datetime.timedelta(days=364)).isoformat()
        status, data, elapsed = call(self.port, "GET", f"/api/v1/exports/orders.csv?from={start}", self.street)
        lines = data.count(b"\n") - 1
        self.extra.append({"name": "street export, a year", "status": status, "rows": lines, "seconds": elapsed,
                           "bytes": len(data), "rss": rss_mib(self.proc.pid)})
        self.say(f"\nGET /exports/orders.csv, street gen-s1, a year: {lines:,} rows, {len(data) / 2**20:.1f} MiB in {elapsed:.1f} s "
                 f"({lines / elapsed:,.0f} rows/s), status {status}; peak RSS so far {rss_mib(self.proc.pid):.0f} MiB")

    def ratios(self):
        by = dict(self.rows)
        def share(name, ceiling):
            return by[name]["rps"] / by[ceiling]["rps"] if name in by and ceiling in by else None
        figures = {"share of /healthz": {n: share(n, "GET /healthz (HTTP ceiling)") for n in by}}
        if self.backend == "postgres":
            figures["share of pgbench -S"] = {n: share(n, "pgbench -S (select-only ceiling)") for n in by}
            figures["share of pgbench TPC-B"] = {n: share(n, "pgbench TPC-B-like (write ceiling)") for n in by}
        self.say("\nratios to the ceilings:\n")
        for n in ["GET /orders/{id}", "POST /orders", "GET /orders (community inbox, submitted)", "GET /stats/overview (city, 30 days)"]:
            parts = [f"{k} {v[n] * 100:.1f} %" for k, v in figures.items() if v.get(n) is not None]
            self.say(f"- {n}: " + ", ".join(parts))
        peak = rss_mib(self.proc.pid)
        self.say(f"- peak RSS of the server: {peak:.0f} MiB")
        self.say("\ntargets (issue 10):\n")
        for name, measure, cmp, bound in TARGETS[self.backend] + TARGETS["both"]:
            if name == "peak RSS":
                value = peak
            elif measure in figures:
                value = figures[measure].get(name)
            elif measure == "req/s":
                value = by[name]["rps"]
            else:
                value = by[name]["p99"]
            ok = value is not None and (value >= bound if cmp == ">=" else value < bound)
            shown = f"{value * 100:.1f} %" if measure.startswith("share") else f"{value:.1f}"
            want = f"{bound * 100:.0f} %" if measure.startswith("share") else f"{bound}"
            self.say(f"- [{'x' if ok else ' '}] {name}: {measure} {shown} (target {cmp} {want})")

    def notification_cost(self):
        """Submissions on a server without a dispatcher and on one running it against slow and dead receivers."""
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowReceiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        dead = free_port()
        admin = json.loads(call(self.port, "POST", "/api/v1/auth/login", body={"username": "admin", "password": "admin"})[1])["access_token"]
        events = ["order.submitted", "order.dispatched", "order.accepted", "order.rejected", "order.arrived",
                  "order.resolved", "order.rated", "order.escalated", "order.declined", "order.closed", "order.overdue"]
        hook = {"url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "events": events, "secret": "bench-secret-0123456789"}
        assert call(self.port, "POST", "/api/v1/webhooks", admin, hook)[0] == 201
        port = free_port()
        notifying = subprocess.Popen([BINARY, "serve"], env=dict(self.env, MSB_BIND=f"127.0.0.1:{port}", MSB_DISPATCH_INTERVAL_MS="200",
                                     MSB_WECOM_API_BASE=f"http://127.0.0.1:{dead}", MSB_WECHAT_API_BASE=f"http://127.0.0.1:{dead}"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_healthy(port, notifying)
            self.say("\nnotifications: [on] runs the dispatcher (webhook answering in 1 s, WeCom and WeChat dead); [off] has none\n")
            self.say("```")
            runs = {"on": [], "off": []}
            for label, p in [("on", port), ("off", self.port), ("off", self.port), ("on", port)]:
                r = oha(p, method="POST", path="/api/v1/orders", token=self.resident, body=self.order)
                runs[label].append(r)
                self.say(row_text(f"POST /orders [{label}]", r))
            mean = lambda label, k: sum(r[k] for r in runs[label]) / 2
            self.say(f"on/off: throughput x{mean('on', 'rps') / mean('off', 'rps'):.2f}, p50 x{mean('on', 'p50') / mean('off', 'p50'):.2f}, "
                     f"p99 x{mean('on', 'p99') / mean('off', 'p99'):.2f}")
            time.sleep(2)
            queue = json.loads(call(self.port, "GET", "/api/v1/deliveries?limit=200", admin)[1])
            states = {}
            for item in queue["items"]:
                states[item["status"]] = states.get(item["status"], 0) + 1
            self.say(f"newest 200 deliveries by status: {states}; the slow webhook took {SlowReceiver.received}")
            self.say("```")
            self.extra.append({"name": "notifications", "on": runs["on"], "off": runs["off"]})
        finally:
            notifying.terminate()
            notifying.wait()
            receiver.shutdown()

    def upload_cost(self):
        """10 MB uploads, one client and then eight and sixteen at once: uploads per
        second and the server's peak RSS after each (files stream to disk and at
        most two pictures decode at a time, so it should stay flat)."""
        png = noise_png(1820)
        boundary = "----msb-bench"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"noise.png\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Authorization": "Bearer " + self.resident, "Content-Type": f"multipart/form-data; boundary={boundary}"}

        def one(_):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            start = time.perf_counter()
            conn.request("POST", "/api/v1/media", body=body, headers=headers)
            res = conn.getresponse()
            res.read()
            conn.close()
            return res.status, time.perf_counter() - start

        self.say(f"\nuploads: {len(body) / 1e6:.1f} MB PNG each (1820 x 1820 noise); server RSS now {rss_mib(self.proc.pid, 'VmRSS'):.0f} MiB\n")
        self.say("```")
        for clients, count in [(1, 8), (8, 32), (16, 32)]:
            start = time.perf_counter()
            with cf.ThreadPoolExecutor(clients) as pool:
                results = list(pool.map(one, range(count)))
            wall = time.perf_counter() - start
            statuses = {}
            for status, _ in results:
                statuses[status] = statuses.get(status, 0) + 1
            p50 = statistics.median(t for _, t in results) * 1000
            rss = rss_mib(self.proc.pid)
            self.say(f"POST /media x{count}, {clients:>2} client(s)   {count / wall:6.2f} up/s  p50 {p50:6.0f} ms  "
                     f"peak RSS {rss:.0f} MiB  {statuses}")
            self.extra.append({"name": f"uploads x{clients}", "per_s": count / wall, "p50": p50, "rss": rss, "statuses": statuses})
        self.say("```")

    def close(self):
        for proc in self.servers:
            proc.terminate()
            proc.wait()
        shutil.rmtree(self.media, ignore_errors=True)
        shutil.rmtree(self.data, ignore_errors=True)
        if self.db:
            if os.environ.get("BENCH_KEEP") or self.reuse:
                print(f"kept database {self.db}")
            else:
                psql(PG, f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")


def main():
    global OHA
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mashangban"], cwd=ROOT, check=True)
    OHA = find_oha()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    stamp = datetime.datetime.now(datetime.timezone.utc)
    oha_version = subprocess.run([OHA, "--version"], capture_output=True, text=True).stdout.strip()
    out = [f"# make bench, {stamp:%Y-%m-%d %H:%M} UTC", "",
           f"commit {commit}{' (with uncommitted changes)' if dirty else ''}; {os.cpu_count()} cores; {oha_version}; "
           f"{ORDERS:,} orders; {CONNECTIONS} connections, {SECONDS} s a row"
           + (f"; baseline {os.environ['BENCH_BASELINE']}" if os.environ.get("BENCH_BASELINE") else "")]
    print("\n".join(out), flush=True)
    raw = {}
    for backend in BACKENDS:
        run = Run(backend, out)
        try:
            run.prepare()
            run.load_rows()
            run.ratios()
            if backend == "postgres":
                run.notification_cost()
                run.upload_cost()
        finally:
            run.close()
        raw[backend] = {"rows": run.rows, "extra": run.extra}
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    path = os.path.join(ROOT, "bench/results", f"{stamp:%Y-%m-%d-%H%M}.md")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n\n<details><summary>raw figures (JSON)</summary>\n\n```json\n"
                + json.dumps(raw, ensure_ascii=False, indent=1) + "\n```\n</details>\n")
    print(f"\nwritten to {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
