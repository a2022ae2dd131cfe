import type { ZodError } from 'zod';
import { ROLES, type ActionName, type Role } from './codes';
import type { Grading, MeasureGrading, VolumeGrading } from './plan.schema';

/**
 * The values of a plan that code running inside workflows needs (permissions, the grading measures, telling grading
 * blocks apart, reading a refusal's issues), kept apart from the zod schemas in plan.schema.ts: a workflow never
 * parses a plan (the client did), so its bundle need not build those schemas for every incident it runs.
 */

/** The measures the seed's figures apply to (阅读量、跟帖量、舆情总量 “均在…篇/条”), named as in the metrics. */
export const GRADING_MEASURES = ['posts', 'reads', 'comments'] as const;
export type GradingMeasure = (typeof GRADING_MEASURES)[number];

/** The bands of one measure: its own where the plan sets them, else the shared ones. */
export function measureBands(g: Pick<MeasureGrading, 'general' | 'larger' | 'measures'>, m: GradingMeasure) {
  return { general: g.measures?.[m]?.general ?? g.general, larger: g.measures?.[m]?.larger ?? g.larger };
}

/**
 * A grading block with the old keys (recorded plans, e.g. in workflow histories — they need not be parsed again
 * to be told apart) or with the measure bands.
 */
export const isVolumeGrading = (g: Grading): g is VolumeGrading => 'generalMaxVolume' in g;

/** Default permissions: which roles may record each action (a plan may override any entry). */
export const DEFAULT_PERMISSIONS: Record<ActionName, Role[]> = {
  report: ['monitor', 'office', 'officeDirector', 'department', 'leaderInCharge', 'principalLeader'],
  assess: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup'],
  dispatch: ['office', 'officeDirector'],
  respond: ['spokesperson'],
  release: ['spokesperson'],
  classify: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup'],
  replyOpinion: ['department', 'office', 'spokesperson'],
  finishHandling: ['department', 'office'],
  replyResult: ['department', 'office', 'spokesperson'],
  publishFacts: ['spokesperson'],
  refer: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader'],
  adopt: ['department', 'office', 'leaderInCharge', 'principalLeader'],
  regrade: ['officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup'],
  assignTracker: ['office', 'officeDirector'],
  reopen: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader'],
  subside: ['office', 'officeDirector', 'leaderInCharge'],
  submitSummary: ['office', 'officeDirector', 'department'],
  finding: ['leaderInCharge', 'principalLeader', 'leadingGroup', 'superior'],
  commend: ['leadingGroup', 'principalLeader'],
  dismiss: ['office', 'officeDirector', 'leaderInCharge'],
  withdraw: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader'],
  nameSubject: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader'],
  draftReply: ['department', 'office'],
  // the plan's approval role decides (refusals check it); these are the roles that can hold it
  approve: ['approver', 'leaderInCharge', 'principalLeader', 'leadingGroup', 'officeDirector'],
  // each step names its roles (refusals check them)
  handlingStep: ['policeStation', 'leadingGroup', 'coordinator', 'office', 'officeDirector', 'principalLeader', 'leaderInCharge'],
  correctDiscovery: ['office', 'officeDirector'],
  startHandling: ['office', 'officeDirector', 'leaderInCharge', 'principalLeader', 'leadingGroup', 'department'],
  // the reporting section names them, or the office does
  nameDepartments: ['monitor', 'department', 'office', 'officeDirector'],
  // anyone may try: the obligation's owner, or a role on its escalation policy (refusals check it)
  acknowledge: [...ROLES],
  // the office, which names the departments that write summaries (rule book, summaryReport)
  waiveSummary: ['office', 'officeDirector'],
  nameSummaryDepartment: ['office', 'officeDirector'],
};

/** Every failing field and its reason, one per line: "deadlines.firstReport.major: must be …". */
export function formatIssues(error: ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}
