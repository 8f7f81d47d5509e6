// Counted nouns by the language's plural rules (Intl.PluralRules): "1 day", "2 days";
// "1 день", "3 дня", "5 дней", "21 день". A form's `#` is the number.

export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const rules = new Map<string, Intl.PluralRules>();

/** `forms[category]` for `n` in `locale`, `#` replaced by `n`; "other" when the language has no such form. */
export function plural(locale: string, n: number, forms: PluralForms): string {
  let rule = rules.get(locale);
  if (!rule) rules.set(locale, (rule = new Intl.PluralRules(locale)));
  return (forms[rule.select(n)] ?? forms.other).replace("#", String(n));
}

/** English, for the CLI and the English texts: `count(3, "client")` is "3 clients". */
export const count = (n: number, noun: string, nouns = `${noun}s`): string => plural("en", n, { one: `# ${noun}`, other: `# ${nouns}` });
