#!/usr/bin/env python3
"""make bench: the order endpoints against PostgreSQL holding many orders.

Builds the release binary, creates a throw-away database, seeds the fixtures,
bulk-inserts BENCH_ORDERS orders (default 200000) spread over the fixture
buildings (88% closed, 3% each waiting in a pool, 2% submitted, accepted, resolved...), then measures latency (p50/p95/p99) and throughput of the calls a
front end makes most, with BENCH_THREADS concurrent clients. Prints a table;
nothing is stored. Needs PostgreSQL at MSB_TEST_PG_URL (default
postgres://postgres@127.0.0.1:5432/test) and psql.

Then the notification cost: a second server on the same database runs the
dispatcher (the first has it switched off) with a webhook that answers after
a second, a dead WeCom and a dead WeChat, and order submissions (a transition
and its outbox rows) are measured on both, alternating; the ratio says whether
a transition slows when notifications are on and their receivers are slow.

Then uploads: 10 MB photos from one client and from eight at once, with the
server's peak resident memory after each (it should stay flat).

BENCH_BASELINE=<binary> also serves the same database with another build (say
the previous commit's) and measures each row on both, alternating, so the
ratio is read from one run on one machine (absolute times vary with the load
the two cores carry).
"""
import concurrent.futures as cf
import http.client
import http.server
import threading
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDERS = int(os.environ.get("BENCH_ORDERS", "200000"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
PG = os.environ.get("MSB_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


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
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def measure_many(name, ports, fn):
    """The same calls against each server; with two, in the order A B B A so that
    drift (caches warming, the table growing) falls on both alike. Prints a row
    per run and the ratio of the means."""
    if len(ports) == 1:
        label, port = ports[0]
        measure(f"{name} [{label}]", port, lambda i: fn(port, i))
        return
    results = {label: [] for label, _ in ports}
    for label, port in [ports[0], ports[1], ports[1], ports[0]]:
        results[label].append(measure(f"{name} [{label}]", port, lambda i, p=port: fn(p, i)))
    (a, ra), (b, rb) = [(label, results[label]) for label, _ in ports]
    mean = lambda runs, k: sum(r[k] for r in runs) / len(runs)
    print(f"{'':<44} {a}/{b}: throughput x{mean(ra, 0) / mean(rb, 0):.2f}, p50 x{mean(ra, 1) / mean(rb, 1):.2f}")


def measure(name, port, fn):
    latencies, statuses = [], {}
    start = time.perf_counter()
    with cf.ThreadPoolExecutor(THREADS) as pool:
        for status, _, elapsed in pool.map(lambda i: fn(i), range(REQUESTS)):
            latencies.append(elapsed * 1000)
            statuses[status] = statuses.get(status, 0) + 1
    wall = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    print(f"{name:<44} {REQUESTS / wall:>8.0f} req/s  p50 {q[49]:>7.1f} ms  p95 {q[94]:>7.1f} ms  p99 {q[98]:>7.1f} ms  {statuses}")
    return REQUESTS / wall, q[49]


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


def notification_cost(env, binary, port, admin, resident, order):
    """Submissions on a server without a dispatcher and on one running it against slow and dead receivers."""
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    dead = free_port()
    events = ["order.submitted", "order.dispatched", "order.accepted", "order.rejected", "order.arrived",
              "order.resolved", "order.rated", "order.escalated", "order.declined", "order.closed", "order.overdue"]
    hook = {"url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "events": events, "secret": "bench-secret-0123456789"}
    status = call(port, "POST", "/api/v1/webhooks", admin, hook)[0]
    assert status == 201, status
    other = free_port()
    notifying = subprocess.Popen([binary, "serve"], env=dict(env, MSB_BIND=f"127.0.0.1:{other}", MSB_DISPATCH_INTERVAL_MS="200",
                                 MSB_WECOM_API_BASE=f"http://127.0.0.1:{dead}", MSB_WECHAT_API_BASE=f"http://127.0.0.1:{dead}"),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(other)
        print("\nnotifications: [on] runs the dispatcher (webhook answering in 1 s, WeCom and WeChat dead); [off] has none")
        measure_many("POST /orders (transition + outbox rows)", [("on", other), ("off", port)],
                     lambda p, i: call(p, "POST", "/api/v1/orders", resident, order))
        time.sleep(2)
        queue = json.loads(call(port, "GET", "/api/v1/deliveries?limit=200", admin)[1])
        states = {}
        for item in queue["items"]:
            states[item["status"]] = states.get(item["status"], 0) + 1
        print(f"{'':<44} newest 200 in the queue by status: {states}; the slow webhook took {SlowReceiver.received}")
    finally:
        notifying.terminate()
        notifying.wait()
        receiver.shutdown()


def noise_png(side):
    """A PNG of random pixels (it does not compress): side 1820 is about 9.9 MB."""
    import struct
    import zlib
    raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def upload_cost(port, pid, token):
    """Uploads near the 10 MB limit, one client and then eight at once: uploads
    per second and the server's peak resident memory (VmHWM) after each. Files
    stream to disk and at most two pictures decode at a time, so eight clients
    should cost about what two do, and sixteen no more than eight."""
    png = noise_png(1820)
    boundary = "----msb-bench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"noise.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Authorization": "Bearer " + token, "Content-Type": f"multipart/form-data; boundary={boundary}"}

    def one(_):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start = time.perf_counter()
        conn.request("POST", "/api/v1/media", body=body, headers=headers)
        res = conn.getresponse()
        res.read()
        conn.close()
        return res.status, time.perf_counter() - start

    print(f"\nuploads: {len(body) / 1e6:.1f} MB PNG each (1820 x 1820 noise); server RSS before: {rss_kib(pid, 'VmRSS') / 1024:.0f} MiB")
    for clients, count in [(1, 8), (8, 32), (16, 32)]:
        start = time.perf_counter()
        with cf.ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(one, range(count)))
        wall = time.perf_counter() - start
        statuses = {}
        for status, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        p50 = statistics.median(t for _, t in results) * 1000
        print(f"POST /media x{count}, {clients} client(s){'':<17} {count / wall:>8.2f} up/s   p50 {p50:>7.0f} ms  "
              f"peak RSS so far {rss_kib(pid, 'VmHWM') / 1024:.0f} MiB  {statuses}")


def wait_healthy(port):
    for _ in range(200):
        try:
            if call(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server on {port} did not start")


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mashangban"], cwd=ROOT, check=True)
    db = f"msb_bench_{os.getpid()}"
    psql(PG, f"CREATE DATABASE {db}")
    url = PG.rsplit("/", 1)[0] + "/" + db
    port = free_port()
    import tempfile
    media = tempfile.mkdtemp(prefix="msb-bench-media-")
    env = dict(os.environ, DATABASE_URL=url, MSB_BIND=f"127.0.0.1:{port}", MSB_SWEEP_INTERVAL_SECONDS="0",
               MSB_DISPATCH_INTERVAL_MS="0", RUST_LOG="warn", MSB_MEDIA_DIR=media)
    env.pop("REDIS_URL", None)
    binary = os.path.join(ROOT, "target/release/mashangban")
    servers = [subprocess.Popen([binary, "serve", "--seed"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    ports = [("this", port)]
    baseline = os.environ.get("BENCH_BASELINE")
    try:
        wait_healthy(port)
        if baseline:
            other = free_port()
            servers.append(subprocess.Popen([baseline, "serve"], env=dict(env, MSB_BIND=f"127.0.0.1:{other}"),
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_healthy(other)
            ports.append(("baseline", other))
        t0 = time.perf_counter()
        psql(url, f"""
            INSERT INTO orders (id, number, kind, status, category_id, category_item_id, description, photos,
                building_id, grid_id, community_id, street_id, path, contact_name, contact_phone, reporter_id,
                channel, level, assignee_type, response_due_at, resolve_due_at, submitted_at, version, updated_at)
            SELECT gen_random_uuid()::text, 'B' || lpad(g::text, 9, '0'),
                (ARRAY['issue','wish','errand'])[1 + g % 3],
                CASE WHEN g % 100 < 88 THEN 'closed' WHEN g % 100 < 91 THEN 'rated' WHEN g % 100 < 93 THEN 'resolved'
                     WHEN g % 100 < 95 THEN 'accepted' WHEN g % 100 < 97 THEN 'submitted' ELSE 'dispatched' END,
                i.category_id, i.id, '批量生成的工单 ' || g, '[]',
                b.id, b.parent_id, c.parent_id, s.parent_id, b.path, '居民' || g, '13800000000',
                (SELECT id FROM users WHERE username = 'jumin'),
                'poster', 'community',
                CASE WHEN g % 100 >= 97 THEN 'pool' END,
                now() - interval '1 day', now() + interval '1 day', now() - (g || ' seconds')::interval, 0, now()
            FROM generate_series(1, {ORDERS}) g
            JOIN LATERAL (SELECT * FROM regions WHERE kind = 'building' ORDER BY id OFFSET g % 16 LIMIT 1) b ON true
            JOIN regions c ON c.id = b.parent_id
            JOIN regions s ON s.id = c.parent_id
            JOIN LATERAL (SELECT * FROM category_items ORDER BY id OFFSET g % 26 LIMIT 1) i ON true;
            ANALYZE;""")
        print(f"inserted {ORDERS} orders in {time.perf_counter() - t0:.1f}s; {THREADS} clients, {REQUESTS} requests each row\n")

        def login(u, p):
            return json.loads(call(port, "POST", "/api/v1/auth/login", body={"username": u, "password": p})[1])["access_token"]

        def token(u):
            return subprocess.run([os.path.join(ROOT, "target/release/mashangban"), "token", u], env=env,
                                  check=True, capture_output=True, text=True).stdout.strip()

        staff, grid, street = login("diandeng", "demo"), login("dd-grid1", "demo"), login("jiangnan", "demo")
        resident, party = token("jumin"), token("dangyuan")
        some = json.loads(call(port, "GET", "/api/v1/orders?limit=1", street)[1])["items"][0]["id"]
        order = {"kind": "issue", "category": "sewage-blockage", "description": "压测工单", "poster_code": "dd-hean",
                 "contact": {"name": "王阿姨", "phone": "13812341234"}}
        rows = [
            ("GET /orders (community staff inbox)", lambda p, i: call(p, "GET", "/api/v1/orders?status=submitted&limit=50", staff)),
            ("GET /orders (grid worker, all statuses)", lambda p, i: call(p, "GET", "/api/v1/orders?limit=50", grid)),
            ("GET /orders?pool=true (party member)", lambda p, i: call(p, "GET", "/api/v1/orders?pool=true&limit=50", party)),
            ("GET /orders (resident: own orders)", lambda p, i: call(p, "GET", "/api/v1/orders?limit=20", resident)),
            ("GET /orders?overdue=true (street)", lambda p, i: call(p, "GET", "/api/v1/orders?overdue=true&limit=50", street)),
            ("GET /orders/{id}", lambda p, i: call(p, "GET", f"/api/v1/orders/{some}", street)),
            ("GET /orders/{id}/events", lambda p, i: call(p, "GET", f"/api/v1/orders/{some}/events", street)),
            ("POST /orders", lambda p, i: call(p, "POST", "/api/v1/orders", resident, order)),
            ("GET /scan/{code} (no login)", lambda p, i: call(p, "GET", "/api/v1/scan/dd-hean")),
        ]
        for name, fn in rows:
            measure_many(name, ports, fn)
        notification_cost(env, binary, port, login("admin", "admin"), resident, order)
        upload_cost(port, servers[0].pid, resident)
    finally:
        for server in servers:
            server.terminate()
            server.wait()
        import shutil
        shutil.rmtree(media, ignore_errors=True)
        if os.environ.get("BENCH_KEEP"):
            print(f"kept database {db}")
        else:
            psql(PG, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
