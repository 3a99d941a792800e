// The staff console (/console/) in headless Chromium: a staff member logs in,
// sees the open orders of their area, and a resident's new order arrives
// live with its category, building and due time and a 叮咚; nothing is loaded
// from anywhere but the server.
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.BASE ?? "";
const resident = process.env.RESIDENT ?? "";
if (!base || !resident) throw new Error("BASE and RESIDENT are required");
const origin = new URL(base).origin;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`console: ${what}`);
  console.log(`  ok  ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const elsewhere: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith("http") && url.origin !== origin) elsewhere.push(r.url());
  });
  await page.goto(`${base}/console/`);
  check((await page.title()).includes("码上办"), `the page title says 码上办 (${await page.title()})`);

  await page.fill("#username", "diandeng");
  await page.fill("#password", "wrong");
  await page.click("#login button");
  await page.locator("#login-error").filter({ hasText: /./ }).waitFor({ timeout: 10000 });
  check(true, `a wrong password is refused: ${await page.textContent("#login-error")}`);
  await page.fill("#password", "demo");
  await page.click("#login button");
  await page.locator("#status.live").waitFor({ timeout: 15000 });
  check((await page.textContent("#who"))?.includes("李秀兰") ?? false, "logged in as the 点灯 community staff");
  const before = await page.locator("li.order").count();

  const submitted = await fetch(`${base}/api/v1/orders`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${resident}` },
    body: JSON.stringify({
      kind: "issue", category: "street-light", description: "和安楼门口路灯不亮，晚上看不见台阶",
      poster_code: "dd-hean", contact: { name: "王阿姨", phone: "13812341234" },
    }),
  });
  check(submitted.status === 201, `a resident submits an order (${submitted.status})`);
  const order = (await submitted.json()) as { id: string; number: string; item: { name: string } };

  const card = page.locator(`li.order[data-id="${order.id}"]`);
  await card.waitFor({ timeout: 10000 });
  const text = (await card.textContent()) ?? "";
  check(text.includes(order.item.name) && text.includes("和安楼") && text.includes(order.number), `the new order shows its item, building and number: ${text}`);
  check(text.includes("响应时限") && /\d+月\d+日 \d\d:\d\d/.test(text), "and its due times");
  check((await card.getAttribute("class"))?.includes("fresh") ?? false, "it is marked new");
  check((await page.locator("li.order").first().getAttribute("data-id")) === order.id, "at the top");
  check((await page.locator("li.order").count()) === before + 1, "once");
  const dings = await page.evaluate(() => (window as unknown as { msb: { dings: number } }).msb.dings);
  check(dings === 1, `叮咚 rang once (${dings})`);
  check(elsewhere.length === 0, `no request left ${origin} (${elsewhere.join(", ") || "none"})`);

  mkdirSync("screenshots", { recursive: true });
  await page.screenshot({ path: "screenshots/console.png", fullPage: false });
  console.log("console ok: screenshot in openapi/client/screenshots/console.png");
} finally {
  await browser.close();
}
