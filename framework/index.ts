/**
 * Kiosk's public API: everything a business imports to define its bots, jobs and
 * templates, run them, and test them. `bots/`, `workers/` and `templates/` import only this.
 */

// Core model and router
export type { Platform, User, Chat, Location, Media, Command, Message, ButtonPress, EventType, PlatformEvent, UpdateKind, Update, Conversation } from './core/update';
export { conversationOf, parseCommand } from './core/update';
export type { CallbackButton, UrlButton, Button, Card, PlatformTemplate, OutboundMessage } from './core/outbound';
export { isUrlButton, toOutbound, buttonsAsNumberedText } from './core/outbound';
export { Context } from './core/context';
export type { SentMessage, ContextServices, ReplyExtra, KeyValueStore } from './core/context';
export type { CustomerHandle, LinkCode, LinkResult, LinkRefusal } from './core/context';
export { Composer, run } from './core/composer';
export type { NextFunction, MiddlewareFn, MiddlewareObj, Middleware, Predicate, ErrorHandler, CommandContext, HearsContext, ButtonContext } from './core/composer';
export { Bot } from './core/bot';
export type { BotOptions, BotErrorHandler, ContextFactory } from './core/bot';
export type { Filter, FilterQuery, NarrowedUpdate } from './core/filter';
export { matchFilter, isFilterQuery } from './core/filter';
export { isTemplateName } from './core/content';
export type { Renderer } from './core/content';
export {
  KioskError,
  SignatureError,
  PayloadError,
  BodyTooLargeError,
  NotFoundError,
  ConfigError,
  StoreUnavailableError,
  DeliveryError,
  TemplateError,
  RouterError,
  BotError,
} from './core/errors';
export type { KioskErrorCode, DeliveryOutcome } from './core/errors';

// Platforms
export type { Adapter, WebhookRequest, WebhookResponse, RateLimits } from './adapters/adapter';
export { defineAdapter } from './adapters/definition';
export type { AdapterDefinition, AdapterEnvironment } from './adapters/definition';
export { hmac, digest, safeEqual, assertSignature } from './adapters/signature';
export { builtinAdapters } from './adapters/registry';

// HTTP routes a business adds to the web app (a payment provider's callback), through `createKiosk({ routers })`
/** express's `Router`, re-exported so a business's routes use the same express as Kiosk. */
export { Router } from 'express';
export type { Request as HttpRequest, Response as HttpResponse } from 'express';
export { readRawBody } from './http/raw-body';
export { errorAnswer } from './http/status';
export type { ErrorAnswer } from './http/status';
export { telegram, telegramSettings } from './adapters/telegram/adapter';
export type { TelegramSettings, TelegramSettingsInput } from './adapters/telegram/adapter';
export { webchat, webchatSettings } from './adapters/webchat/adapter';
export type { WebchatSettings, WebchatSettingsInput } from './adapters/webchat/adapter';

// Sessions
export { session, defaultSessionKey } from './session/session';
export type { SessionFlavor, SessionOptions } from './session/session';
export type { SessionStore } from './session/store';
export { MemorySessionStore } from './session/memory-store';
export { RedisSessionStore } from './session/redis-store';

// Jobs
export { defineJob, validateJobData } from './jobs/define-job';
export type { JobDefinition, JobContext, JobOptions } from './jobs/define-job';
export type { JobRef } from './core/job-options';
export type { JobRepeat, JobEnvelope, JobFlow } from './jobs/job-producer';

// Broadcasts
export type { BroadcastOptions, BroadcastRecipient } from './delivery/broadcast';
export type { BroadcastReport } from './delivery/broadcast-report';

// Configuration, runtime, logs
export { loadConfig } from './config/load';
export type { LoadConfigOptions } from './config/load';
export { configSchema } from './config/schema';
export { retentionSchema, retentionOf } from './config/schema';
export type { Retention } from './config/schema';
export type { KioskConfig, KioskConfigInput } from './config/schema';
export { redactConfig } from './config/redact';
export { createKiosk } from './kiosk';
export type { Kiosk, KioskOptions, KioskParts, ServableBot } from './kiosk';
export { createLogger } from './log';
export { stopOnSignals } from './shutdown';
export type { Logger, LoggerOptions } from './log';
export type { KioskMetrics } from './observability/metrics';
export type { Readiness } from './observability/readiness';
export { redactLogObject } from './observability/redaction';

// Testing kit
export { startFakeTelegram } from './testing/fake-telegram';
export type { FakeTelegram, FakeTelegramOptions, FakeTelegramCall, FakeTelegramSent, FakeTelegramFailure } from './testing/fake-telegram';
export { postTelegramUpdate, telegramTextUpdate, telegramCallbackUpdate, telegramLocationUpdate } from './testing/post-update';
export { openWebchat } from './testing/webchat-client';
export type { WebchatClient, WebchatInput, OpenWebchatOptions } from './testing/webchat-client';
export { startFakeWechat } from './testing/fake-wechat';
export type { FakeWechat, FakeWechatSent, FakeWechatOptions, FakeWechatFailure } from './testing/fake-wechat';
export { wechatTextXml, wechatEventXml, wechatLocationXml, postWechat, wechatHandshake as wechatTestHandshake } from './testing/wechat-client';
export { startFakeWhatsapp } from './testing/fake-whatsapp';
export type { FakeWhatsapp, FakeWhatsappOptions, FakeWhatsappCall, FakeWhatsappSent, FakeWhatsappFailure, FakeWhatsappStatus } from './testing/fake-whatsapp';
export {
  postWhatsapp,
  signWhatsapp,
  verifyWhatsappWebhook,
  whatsappWebhook,
  whatsappText,
  whatsappButtonReply,
  whatsappListReply,
  whatsappTemplateButton,
  whatsappLocation,
  whatsappImage,
} from './testing/whatsapp-client';
export { startFakeLine } from './testing/fake-line';
export type { FakeLine, FakeLineOptions, FakeLineCall, FakeLineSent, FakeLineFailure } from './testing/fake-line';
export { postLine, signLineBody, lineWebhookBody, lineTextEvent, linePostbackEvent, lineLocationEvent, lineFollowEvent, lineUnfollowEvent, lineId } from './testing/line-client';

/** zod, re-exported so bots and jobs validate with the same version Kiosk uses. */
export { z } from 'zod';
/**
 * ioredis's client, re-exported so a business keeps its own records (accounts, bills, seats)
 * in the same Redis as Kiosk, with atomic commands, transactions and Lua scripts.
 */
export { Redis } from 'ioredis';

// Templates
export { createTemplates } from './templates/engine';
export type { Templates, TemplatesOptions, RenderOptions, TemplateStats } from './templates/engine';

// Flows: multi-step conversations that survive restarts
export { Flow } from './flow/flow';
export type { FlowOptions, FlowEscapes, FlowMessages, StepDefinition, StepControl, Transition } from './flow/flow';
export type { AnswerKind, AnswerValues } from './flow/answer';
export { flows, defaultFlowKey } from './flow/middleware';
export type { FlowControl, FlowFlavor, FlowsOptions } from './flow/middleware';
export type { ActiveFlow } from './flow/turn';
export type { FlowState, FlowEndReason } from './flow/state';
export type { FlowStore, FlowLock } from './flow/store';
export { FlowConflictError, isFlowStore } from './flow/store';
export { MemoryFlowStore } from './flow/memory-store';
export { RedisFlowStore } from './flow/redis-store';
export { flowTimeout, flowTimeoutJob } from './flow/timeout-job';

// Platforms beyond Telegram and web chat
export { wechat, wechatSettings, wechatLimits, wechatApiOf } from './adapters/wechat/adapter';
export type { WechatSettings, WechatSettingsInput } from './adapters/wechat/adapter';
export { parseWechatMenu, publishWechatMenu, readWechatMenu, wechatMenuSchema } from './adapters/wechat/menu';
export type { WechatMenu } from './adapters/wechat/menu';
export { WechatApiError } from './adapters/wechat/api';
export type { WechatApi } from './adapters/wechat/api';
export { whatsapp, whatsappSettings } from './adapters/whatsapp/adapter';
export type { WhatsappSettings, WhatsappSettingsInput } from './adapters/whatsapp/adapter';
export { line, lineSettings, lineLimits } from './adapters/line/adapter';
export type { LineSettings, LineSettingsInput } from './adapters/line/adapter';

// Delivery records and customer-service windows
export type { DeliveryRecord } from './delivery/delivery-record';
export type { ServiceWindow, DeliveryStatus } from './adapters/adapter';

// Customers across platforms, their data rights, and retention
export { IdentityStore, accountRef, parseAccountRef, normaliseLinkCode } from './identity';
export type { Account, IdentityOptions, CustomerIdentity } from './identity';
export { exportCustomerData, eraseCustomerData } from './privacy';
export type { CustomerDataHook, PrivacySubject, CustomerLookup, PrivacyParts, CustomerExport, ExportedJob, ExportedValue, CustomerErasure, ErasureCounts } from './privacy';
