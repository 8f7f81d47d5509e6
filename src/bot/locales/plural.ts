// "1 client", "2 clients"; "1 клиент", "3 клиента", "5 клиентов": the language's own plural
// rules (Intl.PluralRules), not a guess from the last digit.
type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const rules = new Map<string, Intl.PluralRules>();

/** `n` and the form of the word its count calls for in `locale`. */
export function plural(locale: "en" | "ru", n: number, forms: Forms): string {
  let r = rules.get(locale);
  if (!r) rules.set(locale, (r = new Intl.PluralRules(locale)));
  return `${n} ${forms[r.select(n)] ?? forms.other}`;
}
