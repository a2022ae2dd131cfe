import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DeliveryRow, Ledger, NoticeRow } from '../activities/ledger';
import type { Ending } from '../plan/codes';
import { findingsAtEnding } from '../machines/incident.rules';
import { stateQuery, workflowIdFor, WORKFLOW_TYPE } from '../workflows/incident.definitions';

/**
 * What the ledger knows beyond the workflow: where each notice's delivery stands, the failures an operator
 * re-drives, and the findings of incidents that ended outside their workflow code (reconcile).
 */
export interface NoticeView {
  notice: NoticeRow;
  deliveries: DeliveryRow[];
}

export async function noticesFor(ledger: Ledger, incidentId: string): Promise<NoticeView[]> {
  const [notices, deliveries] = await Promise.all([ledger.listNotices({ incidentId }), ledger.listDeliveries({ incidentId })]);
  return notices.map((notice) => ({ notice, deliveries: deliveries.filter((d) => d.noticeId === notice.id) }));
}

/** Notices the dispatcher gave up on, with their deliveries' last errors. */
export async function failures(ledger: Ledger, incidentId?: string): Promise<NoticeView[]> {
  const notices = await ledger.listNotices({ status: 'failed', ...(incidentId ? { incidentId } : {}) });
  return Promise.all(notices.map(async (notice) => ({ notice, deliveries: await ledger.listDeliveries({ noticeId: notice.id }) })));
}

/** Put failed notices back in the dispatcher's queue, due now. */
export async function redrive(ledger: Ledger, target: { noticeId?: string; incidentId?: string }, now = Date.now()): Promise<NoticeRow[]> {
  return ledger.redrive(target, now);
}

const CLOSED_OUTSIDE: Record<string, Ending> = { TERMINATED: 'terminated', TIMED_OUT: 'timedOut', FAILED: 'failed' };

export interface Reconciled {
  incidentId: string;
  ending: Ending;
  at: string;
  findings: number;
  written: number;
  error?: string;
}

/**
 * Terminated, timed-out and failed incidents never ran their ending: write the findings their last
 * recorded state leaves, judged as of the ending event's time (not now), and the ending itself.
 * Idempotent: ids are the ones the workflow would have written, and an incident whose ending is in the
 * ledger is skipped. Needs a worker on the incidents' task queue (it answers the state query from history).
 */
export async function reconcile(client: Client, ledger: Ledger, opts: { incidentId?: string } = {}): Promise<Reconciled[]> {
  const q = [`WorkflowType = '${WORKFLOW_TYPE}'`, `ExecutionStatus IN ('Terminated', 'TimedOut', 'Failed')`];
  if (opts.incidentId) q.push(`WorkflowId = '${workflowIdFor(opts.incidentId).replace(/'/g, "\\'")}'`);
  const out: Reconciled[] = [];
  const recorded = new Set((await ledger.listEndings()).map((e) => e.incidentId));
  for await (const w of client.workflow.list({ query: q.join(' AND ') })) {
    const incidentId = w.workflowId.replace(/^incident-/, '');
    if (recorded.has(incidentId)) continue;
    const ending = CLOSED_OUTSIDE[w.status.name];
    const at = (w.closeTime ?? new Date()).getTime();
    const row: Reconciled = { incidentId, ending, at: new Date(at).toISOString(), findings: 0, written: 0 };
    try {
      const state = await client.workflow.getHandle(w.workflowId, w.runId).query(stateQuery);
      const found = findingsAtEnding(state.context, ending, at);
      row.findings = found.length;
      for (const f of found) if ((await ledger.recordFinding(f)).inserted) row.written++;
      await ledger.recordEnding({ incidentId, unitId: state.context.plan.unit.id, ending, at, reason: `reconciled: workflow ${w.status.name.toLowerCase()}` });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) continue;
      row.error = err instanceof Error ? err.message : String(err);
    }
    out.push(row);
  }
  return out;
}
