// Serves the API on Node's http module; binds loopback unless told otherwise.
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface RunningApi {
  port: number;
  close(): Promise<void>;
}

export function startApi(app: Hono, host: string, port: number): Promise<RunningApi> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) =>
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
    server.once("error", reject);
  });
}
