import { GRADE_LABELS, gradeRank, type Grade } from './codes';
import type { Metrics } from './incident.schema';
import type { GradingMeasure, MeasureGrading, Plan, VolumeGrading } from './plan.schema';
import { GRADING_MEASURES, isVolumeGrading, measureBands } from './plan.values';

/** Why a grade was reached, for the timeline and the status view. */
export interface GradeDecision {
  grade: Grade;
  reasons: string[];
}

const SRC = '000 篇五 §五(三)';
const zh = (g: Grade) => GRADE_LABELS[g].zh;

/**
 * Grading from metrics with the plan's thresholds (000 篇五 §五(三)): a *computed* grade, a proposal that the
 * assessing party confirms or changes. A plan with the measure bands grades by every measure; a plan with the
 * old volume keys (recorded in workflow histories) grades exactly as it did when it was recorded.
 */
export function gradeFromMetrics(plan: Plan, m: Metrics): GradeDecision {
  // A major-only plan has no thresholds of its own: readings propose nothing (rule book, Scope).
  if (!plan.grading) return { grade: 'general', reasons: ['no grading thresholds in this plan (本预案无分级标准)'] };
  return isVolumeGrading(plan.grading) ? gradeByVolume(plan.grading, m) : gradeByMeasures(plan.grading, m);
}

/**
 * The old grading, unchanged (plans recorded before the measure bands must replay with the same grades):
 * posts only, a comments threshold, mainstream media alone major. Checks run from the most severe grade down;
 * the first that applies wins.
 */
function gradeByVolume(g: VolumeGrading, m: Metrics): GradeDecision {
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

/** One measure or condition and the grade it reaches. */
interface Reached {
  grade: Grade;
  reason: string;
  /** a measure's band (for the mixed-bands note); conditions have none */
  measure?: GradingMeasure;
}

/** Where one measure's reading falls, with the reason naming the measure and the band. */
function measureBand(g: MeasureGrading, measure: GradingMeasure, value: number): Reached {
  const { general, larger } = measureBands(g, measure);
  const notGeneral = `${measure} ${value} > ${general.max}: not 一般 (${SRC}1)`;
  if (value <= general.max) return { measure, grade: 'general', reason: `${measure} ${value} ≤ ${general.max}: within 一般 (${SRC}1)` };
  if (value < larger.min) {
    return {
      measure, grade: g.between,
      reason: `${measure} ${value}: above 一般's ${general.max} (${SRC}1), below 较大's ${larger.min} (${SRC}2), the seed is silent: plan between → ${zh(g.between)}`,
    };
  }
  if (value <= larger.max) {
    return { measure, grade: 'larger', reason: `${notGeneral}; in ${larger.min}–${larger.max}: 较大 (${SRC}2)` };
  }
  return {
    measure, grade: g.above,
    reason: `${notGeneral}; > ${larger.max}, above 较大's ${larger.min}–${larger.max} (${SRC}2), the seed is silent: plan above → ${zh(g.above)}`,
  };
}

/**
 * Grading by every measure (000 篇五 §五(三)). Reads, replies/comments and total volume (posts) each fall in a
 * band; 一般 needs all of them within it (均在50) and no mainstream media (未有主流媒体介入). Measures in different
 * bands take the highest (plan `mixed`). Mainstream media rules out 一般 but is 重大 only "if it may cause major
 * impact" (可能造成重大影响), a judgement left to the assessment: alone it computes 较大. "Different sites" is
 * confirmed by the office, never counted (`sites` is not graded). Key subject fermenting fast is 重大; casualties
 * or disrupted social order 特别重大.
 */
function gradeByMeasures(g: MeasureGrading, m: Metrics): GradeDecision {
  const found: Reached[] = [];
  if ((m.casualties ?? 0) > 0) found.push({ grade: 'especiallyMajor', reason: `casualties ${m.casualties} > 0: 特别重大 (${SRC}4, 人员伤亡)` });
  if (m.socialOrderDisrupted) found.push({ grade: 'especiallyMajor', reason: `socialOrderDisrupted: 特别重大 (${SRC}4, 扰乱社会秩序)` });
  if (m.keySubject && m.rapidSpread) found.push({ grade: 'major', reason: `keySubject + rapidSpread: 重大 (${SRC}3, 重点领域…迅速发酵)` });
  if (m.mainstreamMedia) {
    found.push({
      grade: 'larger',
      reason: `mainstreamMedia: not 一般 (${SRC}1, 未有主流媒体介入); 重大 only if it may cause major impact (可能造成重大影响, ${SRC}3), a judgement for the assessment: computed 较大`,
    });
  }
  const bands = GRADING_MEASURES.flatMap((k) => (m[k] === undefined ? [] : [measureBand(g, k, m[k])]));
  found.push(...bands);

  const grade = found.reduce<Grade>((top, f) => (gradeRank(f.grade) > gradeRank(top) ? f.grade : top), 'general');
  if (grade === 'general') {
    const reasons = bands.map((b) => b.reason);
    return { grade, reasons: reasons.length ? reasons : [`no posts, reads or comments given: none above 一般's ${g.general.max} (${SRC}1)`] };
  }
  const reasons = found.filter((f) => f.grade === grade).map((f) => f.reason);
  const distinct = [...new Set(bands.map((b) => b.grade))];
  if (distinct.length > 1 && bands.some((b) => b.grade === grade)) {
    const list = bands.map((b) => `${b.measure} ${zh(b.grade)}`).join(', ');
    reasons.push(`measures in different bands (${list}): the highest taken, plan mixed: highest (the seed is silent)`);
  }
  return { grade, reasons };
}

/** Metrics accumulate: a new reading replaces the fields it names and keeps the rest. */
export function mergeMetrics(prev: Metrics, next: Metrics): Metrics {
  return { ...prev, ...Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) };
}

export const isHigher = (a: Grade, b: Grade): boolean => gradeRank(a) > gradeRank(b);
