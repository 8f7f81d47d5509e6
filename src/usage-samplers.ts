// One usage sampler a server: the same customer on several servers has a counter on each, so
// each server's counters are compared with that server's last sample only. The name each is kept
// under is historyName's, the one /stats and the client card read back.
import { historyName } from "./core/usage.js";
import type { ClientService } from "./service/client-service.js";
import type { UsageHistory } from "./store/usage-history.js";
import { startUsageSampler, type UsageSampler } from "./store/usage-sampler.js";

export interface ServerSamplersOptions {
  everyMs: number;
  now?: () => number;
  onError: (error: unknown, server: string) => void;
}

export function startServerSamplers(service: Pick<ClientService, "serverNames" | "usageCounters">, history: UsageHistory, options: ServerSamplersOptions): UsageSampler[] {
  const names = service.serverNames;
  return names.map((server) =>
    startUsageSampler({
      history,
      server: historyName(names, server),
      read: () => service.usageCounters({ servers: [server] }),
      everyMs: options.everyMs,
      ...(options.now ? { now: options.now } : {}),
      onError: (error) => options.onError(error, server),
    }),
  );
}
