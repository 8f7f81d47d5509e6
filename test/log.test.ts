import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";

describe("logs", () => {
  it("never contain a secret, wherever it appears", () => {
    const secret = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc";
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger("info", [secret], sink);
    logger.info(`fetching https://api.telegram.org/bot${secret}/getUpdates`);
    logger.error({ err: new Error(`Call to https://api.telegram.org/bot${secret}/sendMessage failed`), token: "x" }, "update failed");
    logger.warn({ nested: { url: `/bot${secret}/getMe` }, password: "hunter2" }, "odd");
    const all = lines.join("");
    expect(lines).toHaveLength(3);
    expect(all).not.toContain(secret);
    expect(all).not.toContain("hunter2");
    expect(all).toContain("[redacted]");
    expect(all).toContain("update failed");
  });
});
