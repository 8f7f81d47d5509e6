// A child process for the crash test: one bulk extension over every client, through the
// compiled service layer, as `xui-admin extend --all` would do it. The test kills it.
/* global process */
import { XuiService } from "../../dist/service/xui-service.js";

const [path, days] = process.argv.slice(2);
const service = XuiService.open(path, { backupThreshold: Number.MAX_SAFE_INTEGER });
process.stdout.write("started\n");
await service.apply({ kind: "extend", days: Number(days) }, { all: true });
service.close();
process.stdout.write("done\n");
