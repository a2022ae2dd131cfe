import { STAGE_LABELS } from '../plan/codes';
import { incidentMachine } from './incident.machine';

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
  return lines.join('\n');
}
