// The panel's `settings` rows as its SettingService reads them: a missing row means the
// default of web/service/setting.go (the same in 2.9.4 and 3.6.0 for everything read here).
import { isIP } from "node:net";

/** Which panel's link builders to follow: 3x-ui 2.x (sub/) or 3.x (internal/sub/). */
export type Dialect = 2 | 3;

const DEFAULTS: Record<string, string> = {
  subEnable: "true",
  subJsonEnable: "false",
  subPort: "2096",
  subPath: "/sub/",
  subJsonPath: "/json/",
  remarkModel: "-ieo",
};

export class PanelSettings {
  constructor(private readonly rows: ReadonlyMap<string, string>) {}

  get(key: string): string {
    return this.rows.get(key) ?? DEFAULTS[key] ?? "";
  }

  /** strconv.ParseBool; anything else is an error, which the panel's callers read as false. */
  bool(key: string): boolean {
    return ["1", "t", "T", "TRUE", "true", "True"].includes(this.get(key));
  }

  /** strconv.Atoi; an error reads as 0, as `subPort, _ := GetSubPort()` does. */
  int(key: string): number {
    const v = this.get(key);
    return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
  }
}

/** isRoutableHost of the 3.x sub service: a name, or an IP that is neither loopback nor unspecified. */
export function isRoutableHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "") return false;
  const kind = isIP(bare);
  if (kind === 4) return !bare.startsWith("127.") && bare !== "0.0.0.0";
  if (kind === 6) return !["::", "::0", "::1", "0:0:0:0:0:0:0:0", "0:0:0:0:0:0:0:1"].includes(bare.toLowerCase());
  return true;
}
