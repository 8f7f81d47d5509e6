// `xui-admin panel-token`: an API token for the panel's HTTP API, added on the panel's own
// server to a 3.x file this tool may write. The only direct write into a 3.x file.
import { XuiDb } from "../xui/database.js";
import { addApiToken, type CreatedApiToken } from "../xui/v3/api-token.js";

export const DEFAULT_TOKEN_NAME = "xui-admin-bot";

export async function createPanelToken(path: string, name = DEFAULT_TOKEN_NAME, now = Date.now()): Promise<CreatedApiToken> {
  const db = XuiDb.open(path, { apiTokenWrite: true });
  try {
    return await addApiToken(db, name, now);
  } finally {
    db.close();
  }
}
