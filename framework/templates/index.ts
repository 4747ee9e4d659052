/**
 * Kiosk's template layer: `.hbs` files chosen by the customer's locale and platform,
 * rendered with locale-aware helpers into an `OutboundMessage`.
 *
 * @example
 * ```ts
 * import { createTemplates } from './templates';
 * const templates = createTemplates({ root: 'templates' });
 * templates.render('taxi/assigned', { driver }, conversation);
 * ```
 */
export { createTemplates, templatesOptionsSchema, type RenderOptions, type Templates, type TemplatesOptions, type TemplateStats } from './engine';
export { DEFAULT_PLATFORM_FORMATS, escapeHtml, formatForPlatform, type TemplateFormat } from './formats';
export { builtinHelpers } from './helpers';
export { canonicalLocale, localeChain } from './locale';
export { templateCandidates, TemplateLookup, type LookupRequest, type Resolution } from './lookup';
export { renderState, RenderState } from './render-state';
