import type { PlanInput } from '../../src/plan/plan.schema';
import { makePlan } from './fixtures';

/**
 * Small v3 plans built from the test unit, shared by the machine tests (lines.test.ts) and the property test:
 * the shipped per-seed plans have tests of their own (test/plan/seed-plans/).
 */

/** 000 篇五 §五(二): the 涉事主体 owes three bodies (1 h 特别重大, 2 h 重大, no limit below); the monitor's target line. */
export const county = makePlan((p: PlanInput) => {
  p.id = 'test-county';
  p.people.push({ id: 'cyb', name: '同级网信部门', roles: ['cyberspaceOffice'] }, { id: 'gov', name: '县委党政办', roles: ['coordinator'] });
  p.assessors = ['department', 'office', 'officeDirector'];
  p.reportLines = [
    { key: 'monitor-office', label: '信息员采集上报办公室', from: 'role:monitor', to: ['office', 'officeDirector'], within: '2h', binding: false, basis: 'default', source: '000 篇五 §四(二)3' },
    { key: 'subject-coordinator', label: '涉事主体上报党政办', from: 'subject', to: ['coordinator'], within: { especiallyMajor: '1h', major: '2h' }, binding: true, basis: 'rule', source: '000 篇五 §五(二)' },
    { key: 'subject-superior', label: '涉事主体上报上级业务部门', from: 'subject', to: ['superior'], toLabel: '上级业务部门', within: { especiallyMajor: '1h', major: '2h' }, binding: true, basis: 'rule', source: '000 篇五 §五(二)' },
    { key: 'subject-cyberspace', label: '涉事主体上报同级网信部门', from: 'subject', to: ['cyberspaceOffice'], within: { especiallyMajor: '1h', major: '2h' }, binding: true, basis: 'rule', source: '000 篇五 §五(二)' },
  ];
});

/** A major-only plan (000 篇一 §四(二)): discoverer → office, then the office relays to both leaders. */
export const archives = makePlan((p: PlanInput) => {
  p.id = 'test-archives';
  p.scope = 'majorOnly';
  p.grading = undefined;
  p.reportLines = [
    { key: 'discoverer-office', label: '发现人报告科教编研科', from: 'discoverer', to: ['office', 'officeDirector'], within: '1h', binding: false, basis: 'default', source: '000 篇一 §四(二)' },
    { key: 'office-leaders', label: '科教编研科报告分管领导、主要领导', from: 'relay:discoverer-office', to: ['leaderInCharge', 'principalLeader'], perPerson: false, within: '1h', binding: false, basis: 'default', source: '000 篇一 §四(二)' },
  ];
  p.deadlines.publicResponse = { within: '3h', grades: ['major', 'especiallyMajor'] };
});

/** A major-only plan carrying 000 篇五's figures, borrowed, as proposals (lines.test.ts "figures propose, never start"). */
export const borrowed = makePlan((p: PlanInput) => {
  p.id = 'test-borrowed';
  p.scope = 'majorOnly';
  p.reportLines = archives.reportLines;
});
