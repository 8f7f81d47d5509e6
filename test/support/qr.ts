// Reads back the QR codes the bot sends as photos (jsqr over the PNG's pixels).
import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import { expect } from "vitest";
import type { SentMessage } from "./telegram-stand-in.js";

// jsqr is CommonJS: its function is the default export under Node, the module itself under vitest's interop.
const jsQR = "default" in jsQRModule ? jsQRModule.default : jsQRModule;

/** What the QR code in a photo says. */
export function qrOf(m: SentMessage | undefined): string {
  expect(m?.photo).toBeDefined();
  const png = PNG.sync.read(m?.photo?.content as Buffer);
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(code).not.toBeNull();
  return code?.data ?? "";
}
