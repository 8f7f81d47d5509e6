// npm run api: the HTTP API alone (no Telegram), for scripts and other tools.
import { createApi } from "./api/app.js";
import { startApi } from "./api/server.js";
import { onStop, openRuntime, startUsageHistory } from "./runtime.js";

const { config, logger, service, audit, applier } = await openRuntime("api");
const { usage, sampler } = startUsageHistory({ config, service, logger });
const api = config.api as NonNullable<typeof config.api>;
const running = await startApi(createApi({ service, token: api.token, applier, logger, usage, publicHost: config.publicHost }), api.host, api.port);
logger.info({ host: api.host, port: running.port, db: config.xuiDbPath }, "api started");
onStop(
  logger,
  async () => {
    sampler.stop();
    await running.close();
    await applier.flush();
  },
  [audit, usage, service],
);
