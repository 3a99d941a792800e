// Swagger UI proven in headless Chromium (Debian's, launched by playwright-core;
// nothing downloads a browser): the page is 码上办's and Chinese, a staff token
// authorises, and "Try it out" on list orders, regions and posters sends each
// request to its own path with the bearer token and gets a 200 with items.
import { mkdirSync } from "node:fs";
import { chromium, type Page } from "playwright-core";

const base = process.env.BASE ?? "";
const token = process.env.STAFF ?? "";
if (!base || !token) throw new Error("BASE and STAFF are required");
const origin = new URL(base).origin;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`swagger ui: ${what}`);
  console.log(`  ok  ${what}`);
}

async function tryItOut(page: Page, tag: string, operationId: string, path: string): Promise<void> {
  const block = page.locator(`#operations-${tag}-${operationId}`);
  await block.locator(".opblock-summary").first().click();
  await block.locator("button.try-out__btn").click();
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === path, { timeout: 15000 });
  await block.locator("button.execute").click();
  const response = await answered;
  const request = response.request();
  const auth = await request.headerValue("authorization");
  const body = (await response.json()) as { items?: unknown[] };
  check(
    response.status() === 200 && auth === `Bearer ${token}` && Array.isArray(body.items),
    `${operationId}: GET ${path} with the bearer token → 200 with items`,
  );
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const elsewhere: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith("http") && url.origin !== origin) elsewhere.push(r.url());
  });
  await page.goto(`${base}/swagger-ui/`);
  await page.locator(".information-container .title").waitFor({ timeout: 15000 });
  check((await page.title()).includes("码上办"), `the page title says 码上办 (${await page.title()})`);
  check((await page.getAttribute("html", "lang")) === "zh-CN", "the page language is zh-CN");

  await page.locator("button.authorize").first().click();
  await page.locator(".modal-ux input").first().fill(token);
  await page.locator(".modal-ux button.authorize").click();
  await page.locator(".modal-ux button.btn-done").click();

  await tryItOut(page, "orders", "list_orders", "/api/v1/orders");
  await tryItOut(page, "regions", "list_regions", "/api/v1/regions");
  await tryItOut(page, "posters", "list_posters", "/api/v1/posters");
  check(elsewhere.length === 0, `no request left ${origin} (${elsewhere.join(", ") || "none"})`);

  mkdirSync("screenshots", { recursive: true });
  await page.screenshot({ path: "screenshots/swagger-ui.png", fullPage: false });
  console.log("swagger ui ok: screenshot in openapi/client/screenshots/swagger-ui.png");
} finally {
  await browser.close();
}
