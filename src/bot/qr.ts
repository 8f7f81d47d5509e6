// A QR code of a URL as a PNG, for sendPhoto: large enough modules for a phone camera to read
// a long vless:// link off another phone's screen.
import QRCode from "qrcode";

export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 6 });
}
