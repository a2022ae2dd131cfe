import type { IncidentContext } from './incident.rules';
import { missingSteps } from './incident.rules';

/**
 * Categorized handling (分类处置) as the statechart's substates: where an incident's handling stands, by its
 * category (000 篇一 §四(三); 001 篇1 §四(三)), or by its grade in plans without the four-way split (000 篇五
 * §五(三); the 001 school plan). Pure: the phase follows from the facts the rules record, so the machine moves
 * between these states on its own (eventless transitions) after every event, and the diagram shows them.
 *
 * - inquiry (询问、置疑类): with an approval step (000 篇一/篇三, 001 篇1) draft → approval → opinion (publish) —
 *   otherwise opinion — then the result (办理结果), then done;
 * - hype (炒作类): the facts and the handling published, then done (a referral may follow);
 * - fabrication (捏造、歪曲类): clarify publicly → refer to the police or discipline bodies → done;
 * - constructive (建设性意见类): adopt and answer → done;
 * - graded (no category): the grade's handling steps (派出所 asks, the leading group's 处置方案) → the duties of
 *   handling (the response, the explanation) → done;
 * - unclassified: waiting for a category.
 */
export const HANDLING_PHASES = {
  unclassified: [],
  inquiry: ['draft', 'approval', 'opinion', 'result', 'done'],
  hype: ['facts', 'done'],
  fabrication: ['clarify', 'refer', 'done'],
  constructive: ['adopt', 'done'],
  graded: ['steps', 'duties', 'done'],
} as const;

/** What moves handling on from each phase (for the diagram): the action recorded. */
export const PHASE_MOVES: Record<string, string> = {
  'inquiry.draft': 'DRAFT_REPLY', 'inquiry.approval': 'APPROVE', 'inquiry.opinion': 'REPLY_OPINION', 'inquiry.result': 'REPLY_RESULT',
  'hype.facts': 'PUBLISH_FACTS', 'fabrication.clarify': 'PUBLISH_FACTS', 'fabrication.refer': 'REFER', 'constructive.adopt': 'ADOPT',
  'graded.steps': 'HANDLING_STEP', 'graded.duties': 'RESPOND / DISPATCH / …',
};

export type HandlingGroup = keyof typeof HANDLING_PHASES;
/** `inquiry.opinion`, `graded.steps`, `unclassified` … */
export type HandlingPhase = { [G in HandlingGroup]: (typeof HANDLING_PHASES)[G] extends readonly [] ? G : `${G}.${(typeof HANDLING_PHASES)[G][number]}` }[HandlingGroup];

export function handlingPhase(ctx: IncidentContext): HandlingPhase {
  const f = ctx.facts;
  switch (ctx.category) {
    case 'inquiry': {
      if (f.opinionRepliedAt === undefined) {
        // the approval step (v3 plans that have one): the reply is drafted, then approved, then published
        if ((ctx.rulesVersion ?? 0) >= 3 && ctx.plan.approval) {
          if (f.reply?.draftedAt === undefined) return 'inquiry.draft';
          if (f.reply.approvedAt === undefined) return 'inquiry.approval';
        }
        return 'inquiry.opinion';
      }
      return f.resultRepliedAt === undefined ? 'inquiry.result' : 'inquiry.done';
    }
    case 'hype': return f.publicFactsAt === undefined ? 'hype.facts' : 'hype.done';
    case 'fabrication':
      if (f.publicFactsAt === undefined) return 'fabrication.clarify';
      return f.referredAt === undefined ? 'fabrication.refer' : 'fabrication.done';
    case 'constructive': return f.adoptedAt === undefined ? 'constructive.adopt' : 'constructive.done';
    case undefined: {
      if ((ctx.rulesVersion ?? 0) < 3 || ctx.plan.categories !== 'optional') return 'unclassified';
      if (missingSteps(ctx).length) return 'graded.steps';
      const open = ctx.obligations.some((o) => o.status === 'pending' && (o.kind === 'publicResponse' || o.kind === 'explanation'));
      return open ? 'graded.duties' : 'graded.done';
    }
    default: {
      const never: never = ctx.category;
      return never;
    }
  }
}

/** The statechart's states for handling: an eventless router into the phase the facts say, and back out of a stale one. */
export function handlingStates() {
  const here = (phase: string) => ({ context }: { context: IncidentContext }) => handlingPhase(context) === phase;
  const elsewhere = (phase: string) => ({ context }: { context: IncidentContext }) => handlingPhase(context) !== phase;
  const leaf = (phase: string) => ({ always: { guard: elsewhere(phase), target: '#incident.categorizedHandling.route' } });
  const phases = Object.entries(HANDLING_PHASES).flatMap(([g, ps]) => (ps.length ? ps.map((p) => `${g}.${p}`) : [g]));
  const states: Record<string, unknown> = {
    // where the incident enters handling: moved at once to its phase
    route: { always: phases.map((p) => ({ guard: here(p), target: `#incident.categorizedHandling.${p}` })) },
  };
  for (const [group, ps] of Object.entries(HANDLING_PHASES)) {
    if (!ps.length) {
      states[group] = leaf(group);
      continue;
    }
    states[group] = { initial: ps[0], states: Object.fromEntries(ps.map((p) => [p, leaf(`${group}.${p}`)])) };
  }
  return { initial: 'route' as const, states };
}
