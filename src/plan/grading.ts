import { gradeRank, type Grade } from './codes';
import type { Metrics } from './incident.schema';
import type { Plan } from './plan.schema';

/** Why a grade was reached, for the timeline and the status view. */
export interface GradeDecision {
  grade: Grade;
  reasons: string[];
}

/**
 * Grading from metrics with the plan's thresholds (000 篇五 §五(三)).
 * Checks run from the most severe grade down; the first that applies wins.
 */
export function gradeFromMetrics(plan: Plan, m: Metrics): GradeDecision {
  const g = plan.grading;
  const volume = m.posts ?? 0;
  if ((m.casualties ?? 0) > 0) return { grade: 'especiallyMajor', reasons: [`casualties=${m.casualties}`] };
  if (m.socialOrderDisrupted) return { grade: 'especiallyMajor', reasons: ['socialOrderDisrupted'] };
  if (m.mainstreamMedia) return { grade: 'major', reasons: ['mainstreamMedia'] };
  if (m.keySubject && m.rapidSpread) return { grade: 'major', reasons: ['keySubject+rapidSpread'] };
  if (g.majorMinVolume !== undefined && volume >= g.majorMinVolume) {
    return { grade: 'major', reasons: [`posts=${volume}≥${g.majorMinVolume}`] };
  }
  if (volume >= g.largerMinVolume) return { grade: 'larger', reasons: [`posts=${volume}≥${g.largerMinVolume}`] };
  if ((m.comments ?? 0) >= g.largerMinComments) {
    return { grade: 'larger', reasons: [`comments=${m.comments}≥${g.largerMinComments}`] };
  }
  if (volume > g.generalMaxVolume) {
    return { grade: g.gapGrade, reasons: [`posts=${volume} between ${g.generalMaxVolume} and ${g.largerMinVolume} (plan gapGrade)`] };
  }
  return { grade: 'general', reasons: [`posts=${volume}≤${g.generalMaxVolume}`] };
}

/** Metrics accumulate: a new reading replaces the fields it names and keeps the rest. */
export function mergeMetrics(prev: Metrics, next: Metrics): Metrics {
  return { ...prev, ...Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) };
}

export const isHigher = (a: Grade, b: Grade): boolean => gradeRank(a) > gradeRank(b);
