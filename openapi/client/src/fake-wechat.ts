// A fake of WeChat's jscode2session (see shared/design/wechat.md): codes made by
// `issueCode` work once, anything else is 40029; always HTTP 200.
import { createServer, type Server } from "node:http";

export const APPID = "wx-client-check";
export const SECRET = "client-check-secret";

export class FakeWechat {
  private codes = new Set<string>();
  private server: Server;

  constructor(port: number) {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://fake");
      const reply = (body: object) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== "/sns/jscode2session") return reply({ errcode: 40001, errmsg: "unknown api" });
      const q = url.searchParams;
      if (q.get("appid") !== APPID) return reply({ errcode: 40013, errmsg: "invalid appid" });
      if (q.get("secret") !== SECRET) return reply({ errcode: 40125, errmsg: "invalid appsecret" });
      const code = q.get("js_code") ?? "";
      if (!this.codes.delete(code)) return reply({ errcode: 40029, errmsg: "invalid code" });
      const openid = code.split(":")[1] ?? "unknown";
      reply({ openid, session_key: "never-leaves-the-server" });
    });
    this.server.listen(port, "127.0.0.1");
  }

  issueCode(openid: string): string {
    const code = `ok:${openid}:${Math.random().toString(36).slice(2)}`;
    this.codes.add(code);
    return code;
  }

  close(): void {
    this.server.close();
  }
}
