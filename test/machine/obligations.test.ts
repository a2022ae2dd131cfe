import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DUTY_WORDS, OBLIGATION_KINDS, OBLIGATION_LABELS, REPORT_KINDS, isReportKind, type ActionName, type ObligationKind } from '../../src/plan/codes';
import { OBLIGATIONS, TABLE_BEGIN, TABLE_END, obligationTable, withObligationTable } from '../../src/machines/obligations';
import { DEFAULT_TARGETS, bindingOf, bindingOfObligation, ownerRoleOf, type Obligation } from '../../src/machines/incident.rules';
import type { IncidentSnapshot } from '../../src/machines/incident.machine';
import type { Finding } from '../../src/machines/effects';
import { calendarSlice, HOLIDAY_DATA_COVERS } from '../../src/plan/holidays';
import { DAY, HOUR, MIN, T0, act, assessed, findingsOf, makePlan, metrics, start, type Result } from './fixtures';

/**
 * The obligation table (src/machines/obligations.ts) against the machine: each kind is created by driving the pure
 * machine, and what the obligation and its finding carry must be what the table says, so the two cannot drift.
 */

/** The test plan naming no owners: every kind takes the table's default owner. */
const P = { ...makePlan(), owners: {} };

const pendingOf = (s: IncidentSnapshot, kind: ObligationKind): Obligation => {
  const ob = s.context.obligations.find((o) => o.kind === kind && o.status === 'pending');
  if (!ob) throw new Error(`no pending ${kind}; have ${s.context.obligations.map((o) => `${o.id}:${o.status}`).join(', ')}`);
  return ob;
};

/** The kinds a step met (pending before, met or late after), and the step's action must have been taken. */
function metIn(before: IncidentSnapshot, [after]: Result, action: ActionName): ObligationKind[] {
  expect(after.context.timeline.length, `${action} was refused`).toBeGreaterThan(before.context.timeline.length);
  const was = new Map(before.context.obligations.map((o) => [o.id, o.status]));
  return [...new Set(after.context.obligations
    .filter((o) => was.get(o.id) === 'pending' && (o.status === 'met' || o.status === 'late'))
    .map((o) => o.kind))].sort();
}

/** The kinds still pending, for the table's expectation. */
const pendingKinds = (s: IncidentSnapshot): ObligationKind[] => [...new Set(s.context.obligations.filter((o) => o.status === 'pending').map((o) => o.kind))];

/** What the table says an action meets among the kinds pending. */
const tableMeets = (s: IncidentSnapshot, action: ActionName): ObligationKind[] =>
  pendingKinds(s).filter((k) => OBLIGATIONS[k].metBy.includes(action)).sort();

/**
 * Each kind created where it is usually created, then met one minute after its due time by an action the table
 * says meets it: the obligation as created, and the finding the late act leaves.
 */
interface Case { created: Obligation; finding: Finding; by: ActionName }

const cases = new Map<ObligationKind, Case>();
const lateCase = (kind: ObligationKind): Case => {
  if (!cases.has(kind)) cases.set(kind, makeCase(kind));
  return cases.get(kind)!;
};

function makeCase(kind: ObligationKind): Case {
  const late = (s: IncidentSnapshot) => (pendingOf(s, kind).dueAt as number) + MIN;
  const finish = (s: IncidentSnapshot, created: Obligation, r: Result, by: ActionName): Case => {
    const finding = findingsOf(r[1]).find((f) => f.obligationId === created.id);
    if (!finding) throw new Error(`${kind}: ${by} left no finding about ${created.id}`);
    expect(metIn(s, r, by)).toContain(kind);
    return { created, finding, by };
  };
  switch (kind) {
    case 'firstReport': {
      const [s] = start({ plan: P });
      const ob = pendingOf(s, kind);
      return finish(s, ob, act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, late(s)), 'report');
    }
    case 'writtenReport': {
      let [s] = start({ plan: P });
      [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'phone' }, T0 + 5 * MIN);
      const ob = pendingOf(s, kind);
      return finish(s, ob, act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, late(s)), 'report');
    }
    case 'publicResponse': {
      const s = assessed({ plan: P });
      return finish(s, pendingOf(s, kind), act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, late(s)), 'respond');
    }
    case 'firstRelease': {
      const s = assessed({ plan: P, grade: 'major' });
      return finish(s, pendingOf(s, kind), act(s, 'release', { by: 'spk', form: 'pressRelease', text: '通报' }, late(s)), 'release');
    }
    case 'dispatch': {
      const s = assessed({ plan: P });
      return finish(s, pendingOf(s, kind), act(s, 'dispatch', { by: 'off', department: 'dep' }, late(s)), 'dispatch');
    }
    case 'explanation': {
      let s = assessed({ plan: P });
      [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
      return finish(s, pendingOf(s, kind), act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, late(s)), 'respond');
    }
    case 'inquiryOpinion': {
      let s = assessed({ plan: P, grade: 'larger' });
      [s] = act(s, 'classify', { by: 'off', category: 'inquiry' }, T0 + 50 * MIN);
      return finish(s, pendingOf(s, kind), act(s, 'replyOpinion', { by: 'dep', text: '正在处理' }, late(s)), 'replyOpinion');
    }
    case 'inquiryResult': {
      let s = assessed({ plan: P, grade: 'larger' });
      [s] = act(s, 'classify', { by: 'off', category: 'inquiry' }, T0 + 50 * MIN);
      [s] = act(s, 'replyOpinion', { by: 'dep', text: '正在处理' }, T0 + 60 * MIN);
      [s] = act(s, 'finishHandling', { by: 'dep' }, T0 + 2 * HOUR);
      return finish(s, pendingOf(s, kind), act(s, 'replyResult', { by: 'dep', text: '处理完毕' }, late(s)), 'replyResult');
    }
    case 'followUp': {
      const s = assessed({ plan: P });
      return finish(s, pendingOf(s, kind), act(s, 'report', { by: 'off', to: 'leadingGroup', mode: 'written', kind: 'followUp' }, late(s)), 'report');
    }
    case 'summaryReport': {
      let s = assessed({ plan: P, grade: 'larger' });
      [s] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, T0 + 40 * MIN);
      [s] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + 50 * MIN);
      [s] = act(s, 'publishFacts', { by: 'spk', text: '事实', channel: 'website' }, T0 + 60 * MIN);
      [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 70 * MIN);
      [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + DAY);
      return finish(s, pendingOf(s, kind), act(s, 'submitSummary', { by: 'dep', text: '总结' }, late(s)), 'submitSummary');
    }
    case 'upgradeReport': {
      // v3: a rise after the first report was made opens an upgrade report line (an old-shape plan's one line)
      let [s] = start({ plan: P, rulesVersion: 3 });
      [s] = act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, T0 + 10 * MIN);
      [s] = act(s, 'assess', { by: 'off' }, T0 + 20 * MIN);
      [s] = metrics(s, { mainstreamMedia: true }, T0 + 30 * MIN);
      return finish(s, pendingOf(s, kind), act(s, 'report', { by: 'mon', to: 'office', mode: 'written' }, late(s)), 'report');
    }
    default: {
      const never: never = kind;
      throw new Error(`no case for ${never as string}`);
    }
  }
}

describe('the obligation table', () => {
  it('declares every kind once, in the order of OBLIGATION_KINDS', () => {
    expect(Object.keys(OBLIGATIONS)).toEqual([...OBLIGATION_KINDS]);
    for (const k of OBLIGATION_KINDS) {
      const d = OBLIGATIONS[k];
      expect(d.label.zh && d.label.en && d.source && d.due, k).toBeTruthy();
      expect(d.metBy.length, `${k}: met by some action`).toBeGreaterThan(0);
    }
  });

  it('is where the codes\' labels, report kinds and duty words come from', () => {
    for (const k of OBLIGATION_KINDS) {
      expect(OBLIGATION_LABELS[k]).toEqual(OBLIGATIONS[k].label);
      expect(isReportKind(k)).toBe(OBLIGATIONS[k].report);
      expect(DUTY_WORDS[k]).toEqual(OBLIGATIONS[k].dutyWords);
      expect(ownerRoleOf(P, k)).toBe(OBLIGATIONS[k].defaultOwner);
      expect(bindingOf(P, k)).toBe(OBLIGATIONS[k].binding);
    }
    expect(REPORT_KINDS).toEqual(['firstReport', 'writtenReport', 'summaryReport', 'upgradeReport']);
    expect(DEFAULT_TARGETS).toEqual(['firstRelease', 'followUp']);
    // a plan's own owners and targets still win
    const own = makePlan((p) => { p.targets = ['publicResponse']; });
    expect(ownerRoleOf(own, 'summaryReport')).toBe('office');
    expect(bindingOf(own, 'firstRelease')).toBe('binding');
    expect(bindingOf(own, 'publicResponse')).toBe('target');
  });

  describe.each(OBLIGATION_KINDS.map((k) => [k]))('%s, as the machine creates it', (kind) => {
    const def = OBLIGATIONS[kind];
    const c = () => lateCase(kind);

    it('closes with the table\'s stage', () => {
      expect(c().created.closesWith).toBe(def.closesWith);
    });

    it('is owed by the table\'s default owner when the plan names none', () => {
      expect(c().created.ownerRole).toBe(def.defaultOwner);
      expect(c().finding.role).toBe(def.defaultOwner);
    });

    it('carries the table\'s source (a report line carries its line\'s)', () => {
      const { created, finding } = c();
      if (created.line) {
        // the old-shape plan's one line is the first report's
        expect(created.source).toBe(created.line.source);
        expect(created.line.source).toBe(OBLIGATIONS.firstReport.source);
        expect(finding.rule).toEqual({ basis: created.line.basis, source: created.line.source });
      } else {
        expect(created.source).toBe(def.source);
        expect(finding.rule).toEqual({ basis: def.basis, source: def.source });
      }
    });

    it('binds or is a target as the table says, in the words of its lapse', () => {
      expect(bindingOfObligation(P, c().created)).toBe(def.binding);
      expect(c().finding.binding).toBe(def.binding);
      const words = def.binding === 'target' ? 'targetMissed' : def.report ? 'late' : 'lateDuty';
      expect(c().finding.kind).toBe(words);
    });

    it('is met by an action the table names', () => {
      expect(def.metBy).toContain(c().by);
    });
  });

  it('says which kinds each handling action meets, and the machine meets exactly those', () => {
    const seen = new Set<string>();
    const check = (s: IncidentSnapshot, action: ActionName, r: Result) => {
      const met = metIn(s, r, action);
      const expected = tableMeets(s, action);
      expect(expected.length, `${action}: the scenario has nothing it meets pending`).toBeGreaterThan(0);
      expect(met, `${action} met`).toEqual(expected);
      for (const k of met) seen.add(`${k}:${action}`);
    };
    const general = assessed({ plan: P });
    check(general, 'dispatch', act(general, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN));
    const [dispatched] = act(general, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    check(dispatched, 'respond', act(dispatched, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, T0 + 40 * MIN));
    const major = assessed({ plan: P, grade: 'major' });
    check(major, 'release', act(major, 'release', { by: 'spk', form: 'pressRelease', text: '通报' }, T0 + HOUR));
    const [hype] = act(dispatched, 'classify', { by: 'off', category: 'hype' }, T0 + 50 * MIN);
    check(hype, 'publishFacts', act(hype, 'publishFacts', { by: 'spk', text: '事实', channel: 'website' }, T0 + 60 * MIN));
    const [constructive] = act(dispatched, 'classify', { by: 'off', category: 'constructive' }, T0 + 50 * MIN);
    check(constructive, 'adopt', act(constructive, 'adopt', { by: 'dep', text: '采纳' }, T0 + 60 * MIN));
    const [inquiry] = act(dispatched, 'classify', { by: 'off', category: 'inquiry' }, T0 + 50 * MIN);
    check(inquiry, 'replyOpinion', act(inquiry, 'replyOpinion', { by: 'dep', text: '正在处理' }, T0 + 60 * MIN));
    // an immediate reply with the result meets the result too
    const [finished] = act(inquiry, 'finishHandling', { by: 'dep' }, T0 + 55 * MIN);
    check(finished, 'replyOpinion', act(finished, 'replyOpinion', { by: 'dep', text: '已处理完毕', immediate: true }, T0 + 60 * MIN));
    // the result, with an explanation still owed (a dispatch after the opinion)
    let [s] = act(general, 'classify', { by: 'off', category: 'inquiry' }, T0 + 50 * MIN);
    [s] = act(s, 'replyOpinion', { by: 'dep', text: '正在处理' }, T0 + 60 * MIN);
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 70 * MIN);
    check(s, 'replyResult', act(s, 'replyResult', { by: 'dep', text: '处理完毕' }, T0 + 80 * MIN));
    // with the late cases, every action the table names has been seen meeting its kind
    for (const k of OBLIGATION_KINDS) seen.add(`${k}:${lateCase(k).by}`);
    const declared = OBLIGATION_KINDS.flatMap((k) => OBLIGATIONS[k].metBy.map((a) => `${k}:${a}`));
    expect([...seen].sort()).toEqual(declared.sort());
  });

  it('waives a reclassified category\'s duties, and a cadence when its stage ends', () => {
    let s = assessed({ plan: P, grade: 'larger' });
    [s] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, T0 + 40 * MIN);
    [s] = act(s, 'classify', { by: 'off', category: 'inquiry' }, T0 + 50 * MIN);
    expect(pendingKinds(s).filter((k) => OBLIGATIONS[k].category === 'inquiry')).toEqual(['inquiryOpinion']);
    [s] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + 55 * MIN);
    expect(s.context.obligations.filter((o) => OBLIGATIONS[o.kind].category === 'inquiry').map((o) => o.status)).toEqual(['waived']);
    [s] = act(s, 'publishFacts', { by: 'spk', text: '事实', channel: 'website' }, T0 + 60 * MIN);
    [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 70 * MIN);
    const cadences = OBLIGATION_KINDS.filter((k) => OBLIGATIONS[k].cadence);
    expect(cadences).toEqual(['followUp']);
    [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 2 * HOUR);
    for (const k of cadences) expect(s.context.obligations.filter((o) => o.kind === k).map((o) => o.status)).toEqual(['waived']);
  });
});

describe('day counting', () => {
  const calendar = calendarSlice('2026-03-02', HOLIDAY_DATA_COVERS.to);
  /** The day-counted kinds' one day or three days, from their anchor, under v2 (calendar days) and v1 (24 h each). */
  const dueOf = (kind: ObligationKind, rulesVersion: number): Obligation => {
    const o = { plan: P, rulesVersion, ...(rulesVersion >= 2 ? { calendar } : {}) };
    let s = assessed({ ...o, grade: kind === 'explanation' ? 'general' : 'larger' });
    [s] = act(s, 'dispatch', { by: 'off', department: 'dep' }, T0 + 30 * MIN);
    if (kind === 'summaryReport') {
      [s] = act(s, 'respond', { by: 'spk', channel: 'weibo', text: '已关注', inNameOf: 'unit' }, T0 + 40 * MIN);
      [s] = act(s, 'classify', { by: 'off', category: 'hype' }, T0 + 50 * MIN);
      [s] = act(s, 'publishFacts', { by: 'spk', text: '事实', channel: 'website' }, T0 + 60 * MIN);
      [s] = act(s, 'assignTracker', { by: 'off', tracker: 'off' }, T0 + 70 * MIN);
      [s] = act(s, 'subside', { by: 'off', reason: '平息' }, T0 + 2 * HOUR);
    }
    return pendingOf(s, kind);
  };

  it('counts the table\'s day-counted kinds in calendar days from v2, and only those', () => {
    const counted = OBLIGATION_KINDS.filter((k) => OBLIGATIONS[k].dayCounted);
    // (a kind newly marked day-counted needs its path here)
    expect(counted).toEqual(['explanation', 'summaryReport']);
    for (const k of counted) {
      const days = k === 'explanation' ? 1 : 3;
      const v1 = dueOf(k, 1);
      expect(v1.dueAt, `${k} v1`).toBe(v1.anchorAt + days * DAY);
      // v2 (civil law): the day of the trigger is not counted; the period ends at 24:00 local of its last day (a working day here)
      const v2 = dueOf(k, 2);
      expect(v2.dueAt, `${k} v2`).toBe(Date.parse('2026-03-02T00:00:00+08:00') + (days + 1) * DAY - 1);
    }
  });
});

describe('docs/rules.md', () => {
  const doc = readFileSync('docs/rules.md', 'utf8');

  it('shows the obligation table generated from the declarations', () => {
    expect(doc).toContain(`${TABLE_BEGIN}\n${obligationTable()}\n${TABLE_END}`);
    expect(withObligationTable(doc), 'regenerate with the command in withObligationTable (src/machines/obligations.ts)').toBe(doc);
  });
});
