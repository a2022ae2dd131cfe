/**
 * What an action takes, read from the very zod schema the validator uses (`actionSchemas`), so the
 * help can never disagree with what is accepted. Pure.
 */
import { ACTIONS, type ActionName } from '../plan/codes';
import { actionSchemas } from '../plan/incident.schema';
import { DEFAULT_PERMISSIONS } from '../plan/plan.schema';
import { suggestion, table } from './text';

export interface FieldHelp {
  name: string;
  /** string, number, boolean, enum, ISO-8601 time, URL, array, object … */
  type: string;
  required: boolean;
  default?: unknown;
  values?: string[];
  /** length or range limits */
  limits?: string;
  description?: string;
}

export const isAction = (name: string): name is ActionName => (ACTIONS as readonly string[]).includes(name);

/** zod 4 internals we read: def.type, def.innerType, def.defaultValue, options, format, minLength … */
interface ZodLike {
  def: { type: string; innerType?: ZodLike; defaultValue?: unknown; element?: ZodLike };
  description?: string;
  options?: readonly unknown[];
  format?: string | null;
  minLength?: number | null;
  maxLength?: number | null;
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  shape?: Record<string, ZodLike>;
}

const FORMATS: Record<string, string> = {
  datetime: 'ISO-8601 time with offset',
  url: 'URL',
  email: 'email',
  uuid: 'UUID',
  date: 'ISO-8601 date',
};

/** Unwrap optional / default / nullable, keeping what they say. */
function unwrap(schema: ZodLike): { inner: ZodLike; optional: boolean; default?: unknown; description?: string } {
  let s = schema;
  let optional = false;
  let dflt: unknown;
  let description = s.description;
  for (;;) {
    const t = s.def.type;
    if (t === 'optional' || t === 'nullable') optional = true;
    else if (t === 'default' || t === 'prefault') {
      optional = true;
      const d = s.def.defaultValue;
      dflt = typeof d === 'function' ? (d as () => unknown)() : d;
    } else break;
    s = s.def.innerType!;
    description ??= s.description;
  }
  return { inner: s, optional, default: dflt, description };
}

function typeOf(s: ZodLike): { type: string; values?: string[]; limits?: string } {
  const t = s.def.type;
  if (t === 'enum' || t === 'literal') return { type: 'enum', values: (s.options ?? []).map(String) };
  if (t === 'string') {
    // a pattern is a plain string to the person typing it (its message says what it must be)
    const fmt = s.format && s.format !== 'regex' ? (FORMATS[s.format] ?? s.format) : undefined;
    const min = s.minLength ?? undefined;
    const max = s.maxLength ?? undefined;
    const limits = fmt ? undefined
      : min !== undefined && max !== undefined ? `${min}–${max} characters`
        : min !== undefined ? (min === 1 ? 'not empty' : `at least ${min} characters`)
          : max !== undefined ? `at most ${max} characters` : undefined;
    return { type: fmt ?? 'string', limits };
  }
  if (t === 'number' || t === 'int') {
    const min = s.minValue ?? undefined;
    const max = s.maxValue ?? undefined;
    const range = [min !== undefined && Number.isFinite(min) ? `≥ ${min}` : '', max !== undefined && Number.isFinite(max) ? `≤ ${max}` : ''].filter(Boolean).join(', ');
    return { type: s.isInt || t === 'int' ? 'integer' : 'number', limits: range || undefined };
  }
  if (t === 'array') return { type: `array of ${s.def.element ? typeOf(unwrap(s.def.element).inner).type : 'values'}` };
  return { type: t };
}

/** The payload fields of an action, in schema order. */
export function actionFields(action: ActionName): FieldHelp[] {
  const shape = (actionSchemas[action] as unknown as ZodLike).shape ?? {};
  return Object.entries(shape).map(([name, schema]) => {
    const u = unwrap(schema);
    const t = typeOf(u.inner);
    return {
      name,
      type: t.type,
      required: !u.optional,
      ...(u.default !== undefined ? { default: u.default } : {}),
      ...(t.values ? { values: t.values } : {}),
      ...(t.limits ? { limits: t.limits } : {}),
      ...(u.description ? { description: u.description } : {}),
    };
  });
}

/** `help <action>` as text: a table of fields, the roles allowed by default, an example. */
export function formatActionHelp(action: ActionName): string {
  const fields = actionFields(action);
  const rows = fields.map((f) => [
    f.name,
    f.required ? 'required' : 'optional',
    f.type,
    [f.values?.join(' | '), f.default !== undefined ? `default ${JSON.stringify(f.default)}` : '', f.limits, f.description].filter(Boolean).join('; '),
  ]);
  const example: Record<string, string> = {};
  for (const f of fields) if (f.required) example[f.name] = f.values ? f.values[0] : `<${f.name}>`;
  return [
    `act <id> ${action} --data '<json>' — the payload's fields:`,
    '',
    ...table([['field', 'required?', 'type', 'values / limits / description'], ...rows], { indent: '  ', header: true }),
    '',
    `roles that may record it (plans may change this): ${(DEFAULT_PERMISSIONS[action] ?? []).join(', ')}`,
    `example: act <id> ${action} --data '${JSON.stringify(example)}'`,
  ].join('\n');
}

/** "action: "asess" is not a known action. Did you mean "assess"? Actions: report, assess, …" */
export function unknownActionMessage(name: string): string {
  return `action: "${name}" is not a known action.${suggestion(name, ACTIONS)}\nactions: ${ACTIONS.join(', ')}\n(help <action> lists an action's fields)`;
}
