import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../runtime/connection';
import type { DeliveryChannel } from './channels/channel';
import { DingTalkChannel } from './channels/dingtalk';
import { EmailChannel } from './channels/email';
import { FeishuChannel } from './channels/feishu';
import { GATEWAY_PLACEHOLDERS, GatewayChannel, placeholdersIn, type JsonTemplate } from './channels/gateway';
import { WebhookChannel, webhookKey } from './channels/webhook';
import { WeComChannel } from './channels/wecom';

/**
 * The delivery configuration: the file named by DELIVERY_CONFIG (YAML or JSON) lists the real channels.
 *
 *   channels:
 *     - name: duty-dingtalk
 *       type: dingtalk
 *       accessToken: { fromEnv: DINGTALK_TOKEN }
 *       secret: { fromEnv: DINGTALK_SECRET }
 *       members: [zhang.san, li.si]
 *
 * Secrets: any setting marked secret below is either a literal string in the file or `{ fromEnv: NAME }`,
 * read from the environment when the file is loaded (a missing or empty variable is an error naming the
 * setting). Keep secrets in the environment; the file then holds none. In a gateway's `body` template any
 * value may be `{ fromEnv: NAME }` too.
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
/** a secret: a literal string, or `{ fromEnv: NAME }` */
const secret = z.union([z.string().min(1, 'must not be empty'), z.object({ fromEnv: envName }).strict()]);

const rate = z.object({ limit: z.number().int().positive(), windowMs: z.number().int().positive() }).strict();
const personIds = z.array(z.string().min(1)).min(1, 'list at least one person id');
const httpUrl = z.string().url('must be a URL').refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

const common = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit'),
  timeoutMs: z.number().int().positive().max(300_000).optional(),
  rate: rate.optional(),
};

const email = z.object({
  ...common,
  type: z.literal('email'),
  smtp: z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    security: z.enum(['tls', 'starttls', 'none']).optional(),
    user: secret.optional(),
    pass: secret.optional(),
    tlsRejectUnauthorized: z.boolean().optional(),
    /** SMTP connections kept open at once (default 8): lower it for a relay that limits connections per account */
    connections: z.number().int().min(1).max(50).optional(),
  }).strict(),
  from: z.string().min(3),
  replyTo: z.string().optional(),
  messageIdDomain: z.string().optional(),
  members: personIds.optional(),
}).strict();

const webhook = z.object({
  ...common,
  type: z.literal('webhook'),
  url: secret.optional(),
  secret,
  members: personIds.optional(),
  headers: z.record(z.string(), secret).optional(),
}).strict();

const wecom = z.object({
  ...common,
  type: z.literal('wecom'),
  baseUrl: httpUrl.optional(),
  key: secret,
  members: personIds,
  format: z.enum(['text', 'markdown']).optional(),
}).strict();

const dingtalk = z.object({
  ...common,
  type: z.literal('dingtalk'),
  baseUrl: httpUrl.optional(),
  accessToken: secret,
  secret: secret.optional(),
  keyword: z.string().min(1).optional(),
  members: personIds,
}).strict();

const feishu = z.object({
  ...common,
  type: z.literal('feishu'),
  baseUrl: httpUrl.optional(),
  token: secret,
  secret: secret.optional(),
  keyword: z.string().min(1).optional(),
  members: personIds,
}).strict();

const jsonTemplate: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonTemplate), z.record(z.string(), jsonTemplate)]));
const codes = z.array(z.union([z.string(), z.number()]));
const gatewayFields = {
  ...common,
  url: secret,
  method: z.enum(['POST', 'PUT', 'GET']).optional(),
  headers: z.record(z.string(), secret).optional(),
  bodyFormat: z.enum(['json', 'form']).optional(),
  body: jsonTemplate.optional(),
  success: z.object({ field: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean()]) }).strict().optional(),
  errorField: z.string().min(1).optional(),
  permanentCodes: codes.optional(),
  rateLimitCodes: codes.optional(),
  rateLimitRetryAfterMs: z.number().int().positive().optional(),
  members: personIds.optional(),
};
const sms = z.object({ ...gatewayFields, type: z.literal('sms') }).strict();
const voice = z.object({ ...gatewayFields, type: z.literal('voice') }).strict();

const channel = z.discriminatedUnion('type', [email, webhook, wecom, dingtalk, feishu, sms, voice]);
export const deliveryConfigSchema = z.object({ version: z.literal(1).optional(), channels: z.array(channel) }).strict();

export type DeliveryConfigFile = z.infer<typeof deliveryConfigSchema>;
type Resolved<T> = T extends { fromEnv: string } ? string
  : T extends string | number | boolean | null | undefined ? T
  : T extends readonly (infer U)[] ? Resolved<U>[]
  : { [K in keyof T]: Resolved<T[K]> };
/** One channel's settings with every secret resolved to its value. */
export type ChannelConfig = Resolved<z.infer<typeof channel>> & { body?: JsonTemplate };
export interface DeliveryConfig {
  /** the file it came from (none: DELIVERY_CONFIG unset) */
  source?: string;
  channels: ChannelConfig[];
  /** every secret value resolved, to keep them out of messages */
  secrets: string[];
}

const WHERE = 'DELIVERY_CONFIG';

function pathText(path: readonly PropertyKey[], raw: unknown): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    if (typeof k === 'number') {
      out += `[${k}]`;
      if (i === 1 && path[0] === 'channels') {
        const name = (raw as { channels?: { name?: unknown }[] })?.channels?.[k]?.name;
        if (typeof name === 'string') out += ` (${name})`;
      }
    } else out += out ? `.${String(k)}` : String(k);
  }
  return out;
}

const isFromEnv = (v: unknown): v is { fromEnv: string } =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { fromEnv?: unknown }).fromEnv === 'string';

/**
 * Parse and check a configuration (already read), resolving `{ fromEnv }` secrets from `env`.
 * Throws ConfigError naming each bad setting: `DELIVERY_CONFIG channels[2] (duty-dingtalk).secret: …`.
 */
export function parseDeliveryConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source?: string): DeliveryConfig {
  const parsed = deliveryConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${WHERE} ${pathText(i.path, raw) || '(file)'}: ${i.message}`);
    throw new ConfigError(lines.join('\n'));
  }
  const problems: string[] = [];
  const secrets: string[] = [];
  const names = new Set<string>();
  const resolve = (v: unknown, path: PropertyKey[]): unknown => {
    if (isFromEnv(v)) {
      const value = env[v.fromEnv];
      if (value === undefined || value === '') {
        problems.push(`${WHERE} ${pathText(path, raw)}: environment variable ${v.fromEnv} is ${value === undefined ? 'not set' : 'empty'}`);
        return '';
      }
      secrets.push(value);
      return value;
    }
    if (Array.isArray(v)) return v.map((x, i) => resolve(x, [...path, i]));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, [...path, k])]));
    return v;
  };
  const channels = parsed.data.channels.map((c, i) => {
    const at = (key?: string) => `${WHERE} ${pathText(['channels', i, ...(key ? [key] : [])], raw)}`;
    if (names.has(c.name)) problems.push(`${at('name')}: "${c.name}" is given twice`);
    names.add(c.name);
    const r = resolve(c, ['channels', i]) as ChannelConfig;
    // literal secrets in the file are secrets too
    collectLiterals(c, secrets);
    checkChannel(r, at, problems);
    return r;
  });
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return { source, channels, secrets: [...new Set(secrets.filter((s) => s.length >= 4))] };
}

function collectLiterals(c: z.infer<typeof channel>, out: string[]) {
  const add = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
  };
  switch (c.type) {
    case 'email': add(c.smtp.pass); break;
    case 'webhook': add(c.secret); add(c.url); Object.values(c.headers ?? {}).forEach(add); break;
    case 'wecom': add(c.key); break;
    case 'dingtalk': add(c.accessToken); add(c.secret); break;
    case 'feishu': add(c.token); add(c.secret); break;
    case 'sms': case 'voice': add(c.url); Object.values(c.headers ?? {}).forEach(add); break;
  }
}

/** Checks that need the resolved values. */
function checkChannel(c: ChannelConfig, at: (key?: string) => string, problems: string[]) {
  const isUrl = (u: string) => /^https?:\/\/[^\s/]+/i.test(u);
  switch (c.type) {
    case 'webhook':
      try {
        if (c.secret && webhookKey(c.secret).length < 24) problems.push(`${at('secret')}: too short (Standard Webhooks asks for at least 24 random bytes)`);
      } catch {
        problems.push(`${at('secret')}: must be whsec_ followed by base64`);
      }
      if (c.url !== undefined && c.url !== '' && !isUrl(c.url)) problems.push(`${at('url')}: must be an http(s) URL`);
      if (c.members && c.url === undefined) problems.push(`${at('members')}: members only limit whom the configured url reaches; set url`);
      break;
    case 'dingtalk':
      if (c.secret && !c.secret.startsWith('SEC')) problems.push(`${at('secret')}: a DingTalk signing secret starts with SEC`);
      break;
    case 'sms':
    case 'voice': {
      if (c.url && !isUrl(c.url.replace(/\{\{[^}]*\}\}/g, 'x'))) problems.push(`${at('url')}: must be an http(s) URL`);
      const unknown = [...placeholdersIn(c.body as JsonTemplate | undefined), ...placeholdersIn(c.url), ...placeholdersIn(Object.values(c.headers ?? {}))]
        .filter((p) => !(GATEWAY_PLACEHOLDERS as readonly string[]).includes(p));
      if (unknown.length) problems.push(`${at(placeholdersIn(c.body as JsonTemplate | undefined).includes(unknown[0]) ? 'body' : 'url')}: unknown placeholder {{${unknown[0]}}} (known: ${GATEWAY_PLACEHOLDERS.join(', ')})`);
      const everything = JSON.stringify([c.body ?? null, c.url]);
      if (!/\{\{\s*phone\s*\}\}/.test(everything)) problems.push(`${at('body')}: no {{phone}} placeholder in the body or the url: the gateway would not know whom to reach`);
      if (c.method === 'GET' && c.body !== undefined) problems.push(`${at('body')}: a GET request has no body; put the placeholders in the url`);
      break;
    }
    default:
      break;
  }
}

/** Read DELIVERY_CONFIG (YAML or JSON). Unset: no real channels. */
export function loadDeliveryConfig(env: NodeJS.ProcessEnv = process.env): DeliveryConfig {
  const path = env.DELIVERY_CONFIG?.trim();
  if (!path) return { channels: [], secrets: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${WHERE}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${WHERE}: ${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseDeliveryConfig(raw, env, path);
}

/** Construct the channels of a loaded configuration. */
export function buildChannels(config: DeliveryConfig): DeliveryChannel[] {
  return config.channels.map((c): DeliveryChannel => {
    const base = { name: c.name, timeoutMs: c.timeoutMs, rate: c.rate };
    switch (c.type) {
      case 'email':
        return new EmailChannel({
          ...base, host: c.smtp.host, port: c.smtp.port, security: c.smtp.security, user: c.smtp.user, pass: c.smtp.pass,
          tlsRejectUnauthorized: c.smtp.tlsRejectUnauthorized, connections: c.smtp.connections, from: c.from, replyTo: c.replyTo, messageIdDomain: c.messageIdDomain, members: c.members,
        });
      case 'webhook':
        return new WebhookChannel({ ...base, secret: c.secret, url: c.url, members: c.members, headers: c.headers });
      case 'wecom':
        return new WeComChannel({ ...base, key: c.key, members: c.members, baseUrl: c.baseUrl, format: c.format });
      case 'dingtalk':
        return new DingTalkChannel({ ...base, accessToken: c.accessToken, secret: c.secret, keyword: c.keyword, members: c.members, baseUrl: c.baseUrl });
      case 'feishu':
        return new FeishuChannel({ ...base, token: c.token, secret: c.secret, keyword: c.keyword, members: c.members, baseUrl: c.baseUrl });
      case 'sms':
      case 'voice':
        return new GatewayChannel({
          ...base, type: c.type, url: c.url, method: c.method, headers: c.headers, bodyFormat: c.bodyFormat, body: c.body as JsonTemplate | undefined,
          success: c.success, errorField: c.errorField, permanentCodes: c.permanentCodes, rateLimitCodes: c.rateLimitCodes,
          rateLimitRetryAfterMs: c.rateLimitRetryAfterMs, members: c.members, secrets: config.secrets,
        });
    }
  });
}

/** DELIVERY_CONFIG's channels, built (none when it is unset). */
export function deliveryChannelsFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryChannel[] {
  return buildChannels(loadDeliveryConfig(env));
}
