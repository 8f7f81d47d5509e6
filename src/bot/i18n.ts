// Picks the texts for a user: their Telegram language when we have it, else BOT_LANGUAGE.
import { en, type Texts } from "./locales/en.js";
import { ru } from "./locales/ru.js";

const LOCALES: Record<string, Texts> = { en, ru };

export function textsFor(languageCode: string | undefined, fallback: "en" | "ru"): Texts {
  const lang = languageCode?.slice(0, 2).toLowerCase();
  return (lang && LOCALES[lang]) || LOCALES[fallback] || en;
}
