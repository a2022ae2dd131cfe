import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withDiagram } from '../scripts/diagram';
import { machineToMermaid } from '../src/machines/diagram';
import { STAGES } from '../src/plan/codes';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('shows the machine diagram generated from the current machine definition', () => {
    expect(withDiagram(readme)).toBe(readme);
  });

  it('the diagram names every stage with its Chinese label and the transitions between the five stages', () => {
    const diagram = machineToMermaid();
    for (const stage of STAGES) expect(diagram).toContain(`  ${stage}: ${stage} `);
    expect(diagram).toContain('researchAndWarning --> rapidResponse: ASSESS');
    expect(diagram).toContain('rapidResponse --> categorizedHandling: CLASSIFY');
    expect(diagram).toContain('categorizedHandling --> dynamicTracking: ASSIGN_TRACKER');
    expect(diagram).toContain('dynamicTracking --> summaryEvaluation: SUBSIDE');
    expect(diagram).toContain('summaryEvaluation --> closed: SUBMIT_SUMMARY');
  });

  it('.ci/run calls the test command README gives', () => {
    const ci = readFileSync('.ci/run', 'utf8');
    expect(readme).toMatch(/^npm test\b/m);
    expect(ci).toMatch(/^npm test\b/m);
  });
});
