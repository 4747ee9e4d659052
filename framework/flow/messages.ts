/**
 * What a flow says when the bot author has not chosen a template: short built-in texts in
 * the languages Kiosk ships (en, fr, zh), picked by the customer's locale.
 */

/** The built-in notices of a flow. */
export type FlowNotice = 'invalid' | 'cancelled' | 'timedOut';

const TEXTS: Record<FlowNotice, Record<string, string>> = {
  invalid: {
    en: 'Sorry, that is not an answer I can use here.',
    fr: 'Désolés, nous ne pouvons pas utiliser cette réponse ici.',
    zh: '抱歉，无法使用这个回答。',
  },
  cancelled: {
    en: 'Cancelled.',
    fr: 'Annulé.',
    zh: '已取消。',
  },
  timedOut: {
    en: 'We have not heard from you for a while, so we stopped here. Start again whenever you like.',
    fr: 'Sans nouvelles de votre part, nous nous sommes arrêtés ici. Recommencez quand vous voulez.',
    zh: '您已有一段时间没有回复，我们已停止本次操作。随时可以重新开始。',
  },
};

/** The built-in text of a notice in a locale, English when the language is not shipped. */
export function noticeText(notice: FlowNotice, locale: string | undefined): string {
  const language = (locale ?? 'en').split('-')[0]!.toLowerCase();
  return TEXTS[notice][language] ?? TEXTS[notice].en!;
}
