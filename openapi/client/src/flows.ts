// The resident flow (scan → WeChat login → order → timeline → rate) and the staff
// flow (inbox → dispatch → handle → return visit), through a client generated
// from the committed spec alone. A spec change that breaks a front end breaks
// this build (tsc --strict) or this run.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";
import { FakeWechat } from "./fake-wechat.js";

type OrderView = components["schemas"]["OrderView"];
type Status = components["schemas"]["Status"];

const base = process.env.BASE ?? "";
const wechatPort = Number(process.env.WECHAT_PORT ?? "0");
if (!base || !wechatPort) throw new Error("BASE and WECHAT_PORT are required");

const api = createClient<paths>({ baseUrl: base });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`flow failed: ${what}`);
  console.log(`  ok  ${what}`);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`flow failed: no ${what}`);
  return value;
}

async function login(username: string, password: string) {
  const { data } = await api.POST("/api/v1/auth/login", { body: { username, password } });
  return need(data, `login of ${username}`);
}

function expectStatus(order: OrderView | undefined, status: Status, what: string): OrderView {
  const o = need(order, what);
  check(o.status === status, `${what}: ${o.status} (${o.status_label})`);
  return o;
}

async function residentSubmits(wechat: FakeWechat) {
  console.log("resident: scan → WeChat login → submit → timeline");
  const scan = await api.GET("/api/v1/scan/{code}", { params: { path: { code: "dd-hean" } } });
  const building = need(scan.data, "scan").building;
  check(building.name === "和安楼" && building.kind === "building", "the poster leads to 和安楼");
  const item = need(scan.data?.categories[0]?.items[0], "a category item");

  const { data: session } = await api.POST("/api/v1/auth/wechat", { body: { code: wechat.issueCode("client-check-wang") } });
  const resident = need(session, "WeChat login");
  check(resident.user.roles.some((g) => g.role === "resident"), "WeChat login makes a resident");

  const body = {
    kind: "issue" as const,
    category: item.code,
    description: "楼道灯坏了，晚上看不见台阶",
    poster_code: "dd-hean",
    contact: { name: "王阿姨", phone: "13812341234" },
    location: { lat: 24.414, lng: 111.566 },
  };
  const headers = { ...bearer(resident.access_token), "Idempotency-Key": "client-check-1" };
  const first = await api.POST("/api/v1/orders", { body, headers });
  const order = expectStatus(first.data, "submitted", "submitted");
  check(first.response.status === 201 && first.response.headers.get("location") === `/api/v1/orders/${order.id}`, "201 with Location");
  const again = await api.POST("/api/v1/orders", { body, headers });
  check(again.data?.id === order.id && again.response.headers.get("idempotent-replayed") === "true", "a retry replays, creating nothing");

  const events = await api.GET("/api/v1/orders/{id}/events", { params: { path: { id: order.id } }, headers: bearer(resident.access_token) });
  const first_event = need(events.data?.[0], "the first event");
  check(first_event.type === "submitted" && first_event.actor.role === "resident", "the timeline starts with submitted");
  return { resident, order };
}

async function staffHandles(orderId: string) {
  console.log("staff: inbox → dispatch → accept → arrive → resolve");
  const staff = await login("diandeng", "demo");
  const worker = await login("dd-grid1", "demo");
  const inbox = await api.GET("/api/v1/orders", { params: { query: { status: "submitted", limit: 50 } }, headers: bearer(staff.access_token) });
  check(need(inbox.data, "inbox").items.some((o) => o.id === orderId), "the new order is in the community inbox");

  const path = { params: { path: { id: orderId } } };
  const dispatched = await api.POST("/api/v1/orders/{id}/dispatch", {
    ...path,
    body: { target: { type: "grid_worker", id: worker.user.id } },
    headers: bearer(staff.access_token),
  });
  expectStatus(dispatched.data, "dispatched", "dispatched to the grid worker");
  const accepted = await api.POST("/api/v1/orders/{id}/accept", { ...path, headers: bearer(worker.access_token) });
  expectStatus(accepted.data, "accepted", "accepted");
  const arrived = await api.POST("/api/v1/orders/{id}/arrive", { ...path, body: { lat: 24.414, lng: 111.566 }, headers: bearer(worker.access_token) });
  expectStatus(arrived.data, "on_site", "on site");
  const resolved = await api.POST("/api/v1/orders/{id}/resolve", {
    ...path,
    body: { feedback: "已更换楼道灯", photos: [] },
    headers: bearer(worker.access_token),
  });
  expectStatus(resolved.data, "resolved", "resolved");
  return staff;
}

async function closeTheLoop(orderId: string, residentToken: string, staffToken: string) {
  console.log("resident rates; staff make the return visit");
  const path = { params: { path: { id: orderId } } };
  const rated = await api.POST("/api/v1/orders/{id}/rate", {
    ...path,
    body: { completion: 5, progress: 5, effect: 4, satisfaction: 5, comment: "很快就修好了" },
    headers: bearer(residentToken),
  });
  check(expectStatus(rated.data, "rated", "rated").rating?.satisfaction === 5, "the rating is on the order");
  const visited = await api.POST("/api/v1/orders/{id}/return-visit", { ...path, body: { satisfied: true, note: "电话回访满意" }, headers: bearer(staffToken) });
  expectStatus(visited.data, "closed", "closed after the return visit");

  const bad = await api.POST("/api/v1/orders/{id}/grab", { ...path, headers: bearer(residentToken) });
  check(bad.error?.code === "order.invalid_transition" && bad.response.status === 409, "a closed order cannot be grabbed: 409 problem");
  const labels = await api.GET("/api/v1/labels");
  const closed = need(labels.data, "labels")["status"]?.find((l) => l.value === "closed");
  check(closed?.label === "已关闭", "labels name the closed status");
}

const wechat = new FakeWechat(wechatPort);
try {
  const { resident, order } = await residentSubmits(wechat);
  const staff = await staffHandles(order.id);
  await closeTheLoop(order.id, resident.access_token, staff.access_token);
  console.log("client flows ok");
} finally {
  wechat.close();
}
