import { z } from 'zod';

/**
 * Loaded once per worker thread, before any incident (WorkerOptions.bundlerOptions.preloadModules): the modules it
 * imports are shared by every incident the thread runs instead of being evaluated again for each one (zod's ~8 ms a
 * workflow start or replay). Only stateless libraries belong here: a shared module is frozen and must hold nothing of
 * one incident. The schemas themselves are still built per incident, from src/plan/incident.schema.ts.
 *
 * zod sets some of its module state up on first use (its default locale, whether it may compile parsers): a schema
 * built and used here does that now, before the modules are frozen.
 */
const warm = z
  .object({
    text: z.string().trim().min(1).max(10),
    at: z.iso.datetime({ offset: true }).optional(),
    kind: z.enum(['a', 'b']),
    n: z.number().int().nonnegative(),
    tags: z.array(z.string()).default([]),
    url: z.string().url().optional(),
    either: z.union([z.literal(1), z.object({ x: z.boolean() }).strict()]).optional(),
    rec: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export const preloaded = [warm.safeParse({ text: 'x', kind: 'a', n: 1, at: '2026-01-01T00:00:00+08:00' }).success, warm.safeParse({ text: '', extra: 1 }).success];
