import { STAGE_LABELS } from '../plan/codes';
import { incidentMachine } from './incident.machine';
import { HANDLING_PHASES, PHASE_MOVES } from './handling';

/**
 * A Mermaid state diagram generated from the machine definition itself, so the README's picture
 * of the stages cannot drift from the code.
 */
export function machineToMermaid(): string {
  const lines = ['stateDiagram-v2'];
  const names = Object.keys(incidentMachine.states) as Array<keyof typeof STAGE_LABELS>;
  for (const name of names) lines.push(`  ${name}: ${name} ${STAGE_LABELS[name].zh}`);
  lines.push(`  [*] --> ${incidentMachine.config.initial as string}`);
  for (const name of names) {
    const node = incidentMachine.states[name];
    const edges = new Map<string, string[]>();
    for (const [eventType, defs] of node.transitions) {
      for (const def of defs) {
        for (const target of def.target ?? []) {
          if (target.key === name) continue;
          const list = edges.get(target.key) ?? [];
          if (!list.includes(eventType)) list.push(eventType);
          edges.set(target.key, list);
        }
      }
    }
    for (const [target, events] of edges) lines.push(`  ${name} --> ${target}: ${events.join(' / ')}`);
    if (node.type === 'final') lines.push(`  ${name} --> [*]`);
  }
  lines.push(...handlingDiagram());
  return lines.join('\n');
}

const PHASE_LABELS: Record<string, string> = {
  'inquiry.draft': 'draft 起草 (plans with an approval step)', 'inquiry.approval': 'approval 审定', 'inquiry.opinion': 'opinion 处理意见',
  'inquiry.result': 'result 办理结果', 'hype.facts': 'facts 公布事实', 'fabrication.clarify': 'clarify 澄清', 'fabrication.refer': 'refer 移交',
  'constructive.adopt': 'adopt 采纳', 'graded.steps': 'steps 处置方案', 'graded.duties': 'duties 回应说明',
};

/** Categorized handling's substates: the category (or the grade) routes to a phase; each action moves it on. */
function handlingDiagram(): string[] {
  const out = ['  state categorizedHandling {', '    [*] --> route'];
  for (const [group, phases] of Object.entries(HANDLING_PHASES) as Array<[string, readonly string[]]>) {
    out.push(`    route --> ${group}: ${group === 'graded' ? 'no category (graded plans)' : group === 'unclassified' ? 'not classified' : `category ${group}`}`);
    if (!phases.length) continue;
    out.push(`    state ${group} {`);
    for (const p of phases) out.push(`      state "${PHASE_LABELS[`${group}.${p}`] ?? p}" as ${group}_${p}`);
    out.push(`      [*] --> ${group}_${phases[0]}`);
    phases.forEach((p, i) => {
      const next = phases[i + 1];
      if (next) out.push(`      ${group}_${p} --> ${group}_${next}: ${PHASE_MOVES[`${group}.${p}`]}`);
    });
    out.push('    }');
  }
  out.push('  }');
  return out;
}
