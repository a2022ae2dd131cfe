/**
 * Records event histories of whole incidents for the replay tests (test/replay):
 *
 *   npm run record-histories      (= tsx scripts/record-histories.ts)
 *   npm run record-histories -- --out v4 --only county-facts-verified-untrue-post-open   (one scenario)
 *
 * Starts its own dev server (in memory, headless) and an in-process worker with a temporary ledger,
 * plays three incidents from discovery to closing through the same client module the CLI uses, and
 * writes each workflow run's history to test/histories/<version>/<name>.json (`--out <version>`) (the JSON `client.ts history`
 * and `temporal workflow show --output json` write). Re-record after a deliberate, versioned change
 * of the workflow; an accidental change is what the replay test is there to catch.
 */
import fs, { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { openLedger, type Ledger } from '../src/activities/ledger';
import { historyToJSON } from '../src/api/history-json';
import { act, connect, feedMetrics, show, startIncident } from '../src/api/incidents';
import type { IncidentStatus } from '../src/machines/status';
import { loadPlanFile } from '../src/plan/plan.loader';
import { createIncidentWorker } from '../src/runtime/worker';
import { workflowIdFor } from '../src/workflows/incident.definitions';
import { REPO_ROOT, startDevServer } from './temporal-binaries';

/** `--out v1` writes test/histories/v1 (one folder per workflow version, see docs/versioning.md). */
const outArg = process.argv.indexOf('--out');
const OUT_DIR = path.join(REPO_ROOT, 'test', 'histories', outArg > 0 ? process.argv[outArg + 1] : 'latest');
const TASK_QUEUE = 'record-histories';
const MINUTE = 60_000;

/** An ISO time `ms` ago in China Standard Time, as the plans' people would enter it. */
const isoAgo = (ms: number) => new Date(Date.now() - ms + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function check(ok: boolean, what: string, s?: IncidentStatus): asserts ok {
  if (!ok) throw new Error(`record-histories: ${what}${s ? `\n${JSON.stringify({ stage: s.stage, grade: s.grade, obligations: s.obligations, outcomes: s.outcomes }, null, 2)}` : ''}`);
}

async function until(client: Client, id: string, what: string, test: (s: IncidentStatus) => boolean): Promise<IncidentStatus> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await show(client, id);
    if (test(s)) return s;
    if (Date.now() > deadline) check(false, `${id}: ${what} did not happen within 30 s`, s);
    await sleep(200);
  }
}

interface Scenario {
  /** file name under test/histories (without .json) and incident id */
  name: string;
  /** the history is taken while the incident is still open (then the run is terminated) */
  open?: boolean;
  /** needs the server that suggests continue-as-new early; every run's history is kept */
  continueAsNew?: boolean;
  /** the first workflow version with this path (older versions cannot take it) */
  since?: number;
  /** the workflow ends cancelled: its result is a failure */
  cancelled?: boolean;
  run(client: Client): Promise<IncidentStatus>;
}

// the histories of v0–v2 were recorded with the legacy-shape plans, kept as test fixtures
const plan = (id: string) => loadPlanFile(path.join(REPO_ROOT, fs.existsSync(path.join(REPO_ROOT, 'plans', `${id}.yaml`)) ? 'plans' : 'test/fixtures/plans', `${id}.yaml`));

const scenarios: Scenario[] = [
  {
    // (a) 询问、置疑类舆情按时处置完毕（学校预案）
    name: 'school-inquiry-on-time',
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id,
        title: '家长在本地论坛询问学校课后服务收费标准',
        summary: '一位家长在本地教育论坛发帖，询问课后服务的收费依据和退费办法，少量网友跟帖。',
        source: { url: 'https://bbs.example.org/thread/8848', platform: 'forum' },
        discoveredAt: isoAgo(5 * MINUTE),
        discoveredBy: 'zheng.hao',
        metrics: { posts: 12, reads: 430, comments: 5, sites: 1, mainstreamMedia: false },
      }, plan('school'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'zheng.hao', to: 'office', mode: 'written', note: '论坛帖文及跟帖截图已报宣传科' }],
        ['assess', { by: 'liu.yang', note: '一般舆情，转教务处答复' }],
        ['dispatch', { by: 'liu.yang', department: 'li.ming' }],
        ['classify', { by: 'liu.yang', category: 'inquiry' }],
        ['respond', { by: 'gao.yan', channel: 'forum', text: '已收到您的询问，学校正在核实，当日内答复。', inNameOf: 'spokesperson' }],
        ['replyOpinion', { by: 'li.ming', text: '课后服务收费依据市物价部门核定标准，退费按实际参加天数结算，教务处今日内书面答复。' }],
        ['finishHandling', { by: 'li.ming', note: '退费办法已在校园网公示' }],
        ['replyResult', { by: 'li.ming', text: '收费依据与退费办法已在校园网公示，发帖家长已电话确认。' }],
        ['assignTracker', { by: 'liu.yang', tracker: 'sun.li' }],
        ['subside', { by: 'liu.yang', reason: '48小时内无新增跟帖' }],
        ['submitSummary', { by: 'liu.yang', text: '询问类舆情，当日答复处理意见与结果，无迟报漏报。' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.stage === 'closed', 'school: closed', s);
      check(s.outcomes.length > 0 && s.outcomes.every((o) => o.kind === 'onTime'), 'school: every obligation met on time', s);
      return s;
    },
  },
  {
    // (b) 重大舆情：首报逾期、迟报；监测数据升级为特别重大，核实后调回重大
    name: 'county-major-late-report-regrade',
    async run(client) {
      const id = this.name;
      // The county plan gives a major incident two hours to the first report: due a few seconds from now.
      await startIncident(client, TASK_QUEUE, {
        id,
        title: '某镇征地补偿纠纷视频在短视频平台传播',
        summary: '网帖称某镇征地补偿款被截留，视频转发量快速上升，评论中出现聚集维权的呼声。',
        source: { url: 'https://video.example.org/v/20261122', platform: 'app' },
        discoveredAt: isoAgo(2 * 60 * MINUTE - 4_000),
        discoveredBy: 'liu.bo',
        metrics: { posts: 620, reads: 81000, comments: 260, sites: 9 },
      }, plan('county-office'));
      const overdue = await until(client, id, 'first report overdue', (s) => s.obligations.some((o) => o.kind === 'firstReport' && o.overdue));
      check(overdue.grade === 'major', 'county: starts major', overdue);
      await sleep(2_000); // reported a little after the deadline fired
      await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'phone', note: '补报：发现后未及时电话报告' });
      await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'written' });
      await act(client, id, 'assess', { by: 'zhao.min', note: '重大舆情，报领导小组' });
      await feedMetrics(client, id, { by: 'liu.bo', metrics: { posts: 1400, socialOrderDisrupted: true } });
      await until(client, id, 'escalation by metrics', (s) => s.grade === 'especiallyMajor');
      await act(client, id, 'regrade', { by: 'wang.jiazhi', grade: 'major', reason: '经公安机关核实，现场无聚集，未扰乱社会秩序' });
      // v3: the rise to 特别重大 owed an upgrade report (a new line: the first report was already made)
      await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'written', note: '升级情况报告' });
      const steps: Array<[string, Record<string, unknown>]> = [
        ['respond', { by: 'xu.fang', channel: 'weibo', text: '镇政府已成立工作组核查补偿款发放情况，将及时公布进展。', inNameOf: 'spokesperson' }],
        ['release', { by: 'xu.fang', form: 'pressRelease', text: '关于某镇征地补偿款发放情况的通报', channel: 'website' }],
        ['classify', { by: 'zhao.min', category: 'hype' }],
        ['publishFacts', { by: 'xu.fang', channel: 'website', text: '补偿款已足额发放至农户账户，网传截留不实。' }],
        ['assignTracker', { by: 'zhao.min', tracker: 'chen.lei' }],
        ['subside', { by: 'wang.jiazhi', reason: '通报发布后转发量明显回落' }],
        ['submitSummary', { by: 'zhao.min', text: '首报迟报，已在总结中说明原因并整改。' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.stage === 'closed' && s.grade === 'major', 'county: closed as major', s);
      check(s.outcomes.some((o) => o.kind === 'late' && (o.obligationId === 'firstReport' || o.id.endsWith('/firstReport/late'))), 'county: late first report', s);
      const regrades = s.timeline.filter((t) => t.action === 'regrade').map((t) => t.details).join('\n');
      check(regrades.includes('major → especiallyMajor') && regrades.includes('especiallyMajor → major'), 'county: escalated by metrics, regraded by hand', s);
      return s;
    },
  },
  {
    // (c) 捏造类舆情：公布事实、移交公安机关后结案（市档案局预案）
    name: 'archives-fabrication-referred',
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id,
        title: '网帖捏造“市档案馆将销毁历史土地档案”',
        summary: '多个论坛出现同一网帖，声称市档案馆将集中销毁1950年代土地档案，经核实系捏造。',
        source: { url: 'https://forum.example.org/t/52011', platform: 'forum' },
        discoveredAt: isoAgo(10 * MINUTE),
        discoveredBy: 'hu.jun',
        metrics: { posts: 64, reads: 5200, comments: 26, sites: 3, mainstreamMedia: false },
      }, plan('city-archives'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'hu.jun', to: 'office', mode: 'phone' }],
        ['report', { by: 'hu.jun', to: 'office', mode: 'written' }],
        ['assess', { by: 'fang.xiaoyu' }],
        ['classify', { by: 'fang.xiaoyu', category: 'fabrication' }],
        ['publishFacts', { by: 'ye.qing', channel: 'website', text: '市档案馆无任何销毁土地档案的计划，网帖内容系捏造。' }],
        ['refer', { by: 'fang.xiaoyu', to: 'police', reason: '捏造事实、扰乱公共秩序，报请公安机关依法处置' }],
        ['assignTracker', { by: 'fang.xiaoyu', tracker: 'huang.min' }],
        ['subside', { by: 'fang.xiaoyu', reason: '相关网帖已删除，无新增转发' }],
        ['submitSummary', { by: 'fang.xiaoyu', text: '捏造类舆情，已公布事实并移交公安机关。' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.stage === 'closed' && s.category === 'fabrication', 'archives: closed as fabrication', s);
      check(s.timeline.some((t) => t.action === 'refer'), 'archives: referred', s);
      return s;
    },
  },
  {
    // (d) 首报逾期仍未报告：事件仍在进行（升级部署时的典型在办事件）
    name: 'county-overdue-open',
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id,
        title: '某镇学校食堂食品安全传言在微信群扩散',
        discoveredAt: isoAgo(2 * 60 * MINUTE - 4_000),
        discoveredBy: 'liu.bo',
        metrics: { posts: 600, reads: 52000, comments: 210, sites: 6 },
      }, plan('county-office'));
      const s = await until(client, id, 'first report overdue', (x) => x.obligations.some((o) => o.kind === 'firstReport' && o.overdue));
      await act(client, id, 'assess', { by: 'zhao.min', note: '研判为重大舆情' });
      await feedMetrics(client, id, { by: 'liu.bo', metrics: { posts: 800 } });
      await until(client, id, 'metrics applied', (x) => x.timeline.some((t) => t.action === 'metrics'));
      check(s.stage === 'researchAndWarning', 'county open: still researching', s);
      return await show(client, id);
    },
  },
  {
    // (e) 首报逾期后以“不构成舆情”排除
    name: 'county-dismissed-after-overdue',
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id,
        title: '网传某镇停水通知系旧闻',
        discoveredAt: isoAgo(2 * 60 * MINUTE - 4_000),
        discoveredBy: 'liu.bo',
        metrics: { posts: 600, reads: 30000, comments: 120, sites: 4 },
      }, plan('county-office'));
      await until(client, id, 'first report overdue', (x) => x.obligations.some((o) => o.kind === 'firstReport' && o.overdue));
      // (v3 asks for the ground; older versions ignore it)
      const s = await act(client, id, 'dismiss', { by: 'zhao.min', reason: '经核实为三年前的旧闻，与本县无关', ground: 'notOurs' });
      check(s.stage === 'dismissed', 'county: dismissed', s);
      return s;
    },
  },
  {
    // (g) 首报逾期后由办公室撤销（v1 起：撤销保留已到期义务的认定）
    name: 'county-withdrawn-after-overdue',
    since: 1,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '与已立案事件重复的网帖', discoveredAt: isoAgo(2 * 60 * MINUTE - 4_000), discoveredBy: 'liu.bo',
        metrics: { posts: 600, reads: 30000, comments: 120, sites: 4 },
      }, plan('county-office'));
      await until(client, id, 'first report overdue', (x) => x.obligations.some((o) => o.kind === 'firstReport' && o.overdue));
      const s = await act(client, id, 'withdraw', { by: 'zhao.min', reason: '与已立案事件重复，合并处理' });
      check(s.stage === 'withdrawn' && s.outcomes.some((o) => o.kind === 'missed'), 'county: withdrawn with its finding', s);
      return s;
    },
  },
  {
    // (h) 操作员在 Web UI 取消（v1 起：取消保留认定）
    name: 'county-cancelled-by-operator',
    since: 1,
    cancelled: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '误建的演练事件', discoveredAt: isoAgo(2 * 60 * MINUTE - 4_000), discoveredBy: 'liu.bo', metrics: { posts: 600 },
      }, plan('county-office'));
      await until(client, id, 'first report overdue', (x) => x.obligations.some((o) => o.kind === 'firstReport' && o.overdue));
      await client.workflowService.requestCancelWorkflowExecution({
        namespace: 'default', workflowExecution: { workflowId: workflowIdFor(id) }, identity: 'record-histories', reason: '误建的演练事件',
      });
      await client.workflow.getHandle(workflowIdFor(id)).result().catch(() => undefined);
      return await show(client, id);
    },
  },
  {
    // (i) v3 000 篇三：发现时即记为重大；紧急电话报告后30分钟内书面报告；询问类答复经科室负责人审定后统一回复
    name: 'ethnic-religious-urgent-phone-approved-reply',
    since: 3,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '网帖质疑少数民族学生加分政策执行情况', discoveredAt: isoAgo(5 * MINUTE), discoveredBy: 'min.wang', grade: 'major',
        metrics: { posts: 140, reads: 26000, comments: 90, sites: 5 },
      }, plan('ethnic-religious'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'min.wang', to: 'office', mode: 'phone', urgent: true, note: '紧急情况下先电话报告' }],
        ['report', { by: 'min.wang', to: 'office', mode: 'written', receipt: '办公室周静签收' }],
        // 同时向有关部门通报: the office names the department, the section notifies it
        ['nameDepartments', { by: 'jing.zhou', departments: ['yan.huang'] }],
        ['report', { by: 'min.wang', to: 'yan.huang', mode: 'message' }],
        ['assess', { by: 'jing.zhou', note: '重大舆情，启动预案' }],
        ['classify', { by: 'jing.zhou', category: 'inquiry' }],
        ['draftReply', { by: 'fang.liu', text: '加分政策依据省级文件执行，名单已公示，欢迎监督。' }],
        ['approve', { by: 'lei.chen', note: '科长审定' }],
        ['replyOpinion', { by: 'fang.liu', text: '加分政策依据省级文件执行，名单已公示，欢迎监督。' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.obligations.some((o) => o.kind === 'writtenReport' && o.status === 'met'), 'ethnic-religious: written report met', s);
      check(s.obligations.some((o) => o.line?.key === 'section-office/notify' && o.line.toPerson === 'yan.huang' && o.status === 'met'), 'ethnic-religious: 通报 made', s);
      check(s.obligations.some((o) => o.kind === 'inquiryOpinion' && o.status === 'met'), 'ethnic-religious: approved reply published', s);
      return s;
    },
  },
  {
    // (j) v3 000 篇一：重大以下不起算；科教编研科研判为重大后，报告分管领导、主要领导（转报）仍在办
    name: 'archives-assessed-major-relay-open',
    since: 3,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '网传档案馆查档收费', discoveredAt: isoAgo(10 * MINUTE), discoveredBy: 'jun.hu',
        metrics: { posts: 30, reads: 2100, comments: 12 },
      }, plan('huangshan-archives'));
      await act(client, id, 'report', { by: 'jun.hu', to: 'office', mode: 'message' });
      const s0 = await show(client, id);
      check(s0.obligations.every((o) => o.status !== 'pending' || o.dueAt === null), 'archives: nothing runs below 重大', s0);
      await act(client, id, 'assess', { by: 'xiaoyu.fang', grade: 'major', note: '多家网站转载，研判为重大' });
      const s = await act(client, id, 'report', { by: 'xiaoyu.fang', to: 'leaderInCharge', mode: 'phone' });
      check(s.scope.inScope && s.obligations.some((o) => o.line?.from.startsWith('relay:') && o.status === 'met'), 'archives: relay to one leader met', s);
      return s;
    },
  },
  {
    // (k) v3 000 篇五：主流媒体报道测算为重大；指定涉事主体后向党政办、上级业务部门、网信部门分别上报；
    //     派出所提请、领导小组制定处置方案后进入分级处置（事件仍在办）
    name: 'county-subject-lines-handling-plan-open',
    since: 3,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '某镇养殖场污染河道视频被省级媒体转载', discoveredAt: isoAgo(10 * MINUTE), discoveredBy: 'liu.bo',
        metrics: { posts: 180, reads: 64000, comments: 150, sites: 6, mainstreamMedia: true },
      }, plan('county'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'liu.bo', to: 'office', mode: 'message', note: '采集上报' }],
        ['nameSubject', { by: 'zhao.min', department: 'chen.lei' }],
        ['assess', { by: 'chen.lei', grade: 'major', note: '省级媒体转载，可能造成重大影响' }],
        ['report', { by: 'chen.lei', to: 'coordinator', mode: 'phone' }],
        ['report', { by: 'chen.lei', to: 'superior', mode: 'written' }],
        ['report', { by: 'chen.lei', to: 'cyberspaceOffice', mode: 'written' }],
        ['respond', { by: 'xu.fang', channel: 'weibo', text: '县里已成立工作组赴现场核查，将及时公布进展。', inNameOf: 'spokesperson' }],
        ['handlingStep', { by: 'ma.li', step: 'police-request' }],
        ['handlingStep', { by: 'zhang.weidong', step: 'handling-plan', note: '线上线下同步处置' }],
        ['startHandling', { by: 'zhao.min' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.stage === 'categorizedHandling', 'county: graded handling', s);
      check(s.obligations.filter((o) => o.line?.from === 'subject').every((o) => o.status === 'met'), 'county: the 涉事主体 reported to all three', s);
      return s;
    },
  },
  {
    // (l) v4：监测员上报逾期后逐级提醒（办公室 → 分管领导 → 组长），责任人与办公室主任先后确认，提醒停止，报告仍须补报
    name: 'county-escalation-acknowledged-open',
    since: 4,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '网传某镇中学晚自习安全事故', discoveredAt: isoAgo(2 * 60 * MINUTE), discoveredBy: 'liu.bo',
        metrics: { posts: 30, reads: 4000, comments: 12, sites: 2 },
      }, plan('county'));
      // the monitor's 30 min line fell due 90 min ago: its overdue notice and the policy's first two steps run at once
      let s = await until(client, id, 'two escalation steps sent', (x) => x.timeline.filter((t) => t.action === 'escalation').length >= 2);
      const line = s.obligations.find((o) => o.overdue && o.line?.key === 'monitor-office');
      check(line !== undefined, 'county v4: the monitor line is overdue', s);
      s = await act(client, id, 'acknowledge', { by: 'liu.bo', obligation: line.id, note: '已知悉，正在补报' });
      s = await act(client, id, 'acknowledge', { by: 'wang.jiazhi', obligation: line.id, note: '已电话督促' });
      check(s.timeline.filter((t) => t.action === 'acknowledge').length === 2, 'county v4: both acknowledgements on the timeline', s);
      s = await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'message', note: '补报' });
      return s;
    },
  },
  {
    // (m) 000 篇五 §四(三)1、§四(三)4：涉事主体核查事实后再报县委党政办，归为不实贴文后即刻上报办公室（事件仍在办）
    name: 'county-facts-verified-untrue-post-open',
    since: 4,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '网传某镇自来水厂水质超标', discoveredAt: isoAgo(30 * MINUTE), discoveredBy: 'tian.xin', subject: 'chen.lei',
        metrics: { posts: 120, reads: 3000, comments: 40, sites: 2 },
      }, plan('county'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'tian.xin', to: 'office', mode: 'message', note: '采集上报' }],
        ['assess', { by: 'chen.lei', grade: 'larger', note: '多个论坛转载' }],
        ['startHandling', { by: 'zhao.min' }],
        ['handlingStep', { by: 'chen.lei', step: 'facts-verified', note: '水质检测合格，帖文不实' }],
        ['classify', { by: 'zhao.min', category: 'fabrication' }],
        ['report', { by: 'chen.lei', to: 'office', mode: 'phone', note: '不实贴文，即刻上报' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.obligations.some((o) => o.line?.key === 'subject-office-untrue' && o.status === 'met'), 'county: the untrue post reported to the office', s);
      check(s.obligations.some((o) => o.line?.key === 'subject-coordinator-facts' && o.status === 'pending'), 'county: the facts still owed to 县委党政办', s);
      return s;
    },
  },
  {
    // (n) 000 篇三：两个科室各有总结；办公室以“误列”为由免除其中一个科室的总结，另一科室提交后结案
    name: 'ethnic-religious-summary-waived-closed',
    since: 4,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '网帖称某宗教活动场所违规收费', discoveredAt: isoAgo(5 * MINUTE), discoveredBy: 'min.wang', grade: 'major',
        metrics: { posts: 90, reads: 15000, comments: 60, sites: 4 },
      }, plan('ethnic-religious'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'min.wang', to: 'office', mode: 'written' }],
        ['nameDepartments', { by: 'jing.zhou', departments: ['yan.huang'] }],
        ['report', { by: 'min.wang', to: 'yan.huang', mode: 'message' }],
        ['assess', { by: 'jing.zhou', note: '重大舆情，启动预案' }],
        ['respond', { by: 'jing.zhou', channel: 'website', text: '已关注，正在核查。', inNameOf: 'unit' }],
        ['dispatch', { by: 'jing.zhou', department: 'fang.liu' }],
        ['classify', { by: 'jing.zhou', category: 'constructive' }],
        ['adopt', { by: 'li.xu', text: '采纳建议，公示收费标准。' }],
        ['assignTracker', { by: 'jing.zhou', tracker: 'li.xu' }],
        ['subside', { by: 'jing.zhou', reason: '收费标准公示后无新增讨论' }],
        ['waiveSummary', { by: 'jing.zhou', department: 'fang.liu', reason: '转办对象有误，该科室未参与处置' }],
        ['submitSummary', { by: 'li.xu', text: '已公示收费标准，舆情平息。' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.stage === 'closed', 'ethnic-religious: closed with one summary, the other waived', s);
      check(s.obligations.some((o) => o.kind === 'summaryReport' && o.status === 'waived'), 'ethnic-religious: a summary line waived', s);
      return s;
    },
  },
  {
    // (o) v5 001 篇1（区司法局）：发现即为重大，直接报告分管领导和两名组长（各一条线）；询问类答复经负责人审定（仍在办）
    name: 'justice-bureau-two-heads-approved-open',
    since: 5,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '网帖质疑社区矫正对象管理', discoveredAt: isoAgo(10 * MINUTE), discoveredBy: 'peng.luo', grade: 'major',
        metrics: { posts: 60, reads: 9000, comments: 45, sites: 3 },
      }, plan('justice-bureau'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'peng.luo', to: 'hui.he', mode: 'phone' }],
        ['report', { by: 'peng.luo', to: 'zhiyuan.gao', mode: 'phone' }],
        ['report', { by: 'peng.luo', to: 'wenjun.lin', mode: 'message' }],
        ['assess', { by: 'hui.he', note: '重大舆情，启动预案' }],
        ['classify', { by: 'hui.he', category: 'inquiry' }],
        ['dispatch', { by: 'hui.he', department: 'xue.han' }],
        ['draftReply', { by: 'xue.han', text: '社区矫正工作依法开展，欢迎监督。' }],
        ['approve', { by: 'jun.tang', note: '负责人审定' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.obligations.filter((o) => o.line?.key === 'discoverer-principal-leader' && o.status === 'met').length === 2, 'justice-bureau: both heads reported to', s);
      return s;
    },
  },
  {
    // (p) v5 001 学校预案（金盆山学校）：一般舆情转达科室后仍在扩大，改级为重大，党支部向镇、县两级各报一条线（仍在办）
    name: 'jinpenshan-school-general-spreads-open',
    since: 5,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '家长群转发学校食堂视频', discoveredAt: isoAgo(20 * MINUTE), discoveredBy: 'wu.xiaolan',
        metrics: { posts: 12, reads: 800, comments: 30 },
      }, plan('jinpenshan-school'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['report', { by: 'wu.xiaolan', to: 'office', mode: 'message' }],
        ['assess', { by: 'lin.fang', grade: 'general' }],
        ['dispatch', { by: 'lin.fang', department: 'tang.jun' }],
        ['regrade', { by: 'huang.wei', grade: 'major', reason: '舆情不能消除，还有扩大迹象' }],
        ['report', { by: 'luo.min', to: 'cao.bin', mode: 'phone' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.obligations.some((o) => o.line?.key === 'party-branch-up' && o.status === 'met'), 'jinpenshan-school: the 党支部 reported to the town', s);
      check(s.obligations.some((o) => o.line?.key === 'party-branch-up' && o.status === 'pending'), 'jinpenshan-school: the county still owed', s);
      return s;
    },
  },
  {
    // (q) v5 000 篇二（许昌实验中学）：研判为重大后报宣传科，询问类当日答复（无审定环节）后结案
    name: 'xuchang-school-inquiry-closed',
    since: 5,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id, title: '网帖询问新校区招生范围', discoveredAt: isoAgo(5 * MINUTE), discoveredBy: 'hao.sun',
        metrics: { posts: 40, reads: 6000, comments: 80, sites: 2 },
      }, plan('xuchang-school'));
      const steps: Array<[string, Record<string, unknown>]> = [
        ['assess', { by: 'li.chen', grade: 'major', note: '多家本地论坛转载' }],
        ['report', { by: 'hao.sun', to: 'office', mode: 'written' }],
        ['respond', { by: 'fang.zhou', channel: 'website', text: '学校已关注，招生范围以教育局公布为准。', inNameOf: 'spokesperson' }],
        ['classify', { by: 'li.chen', category: 'inquiry' }],
        ['replyOpinion', { by: 'li.chen', text: '新校区招生范围以市教育局公布为准。', immediate: true }],
        ['assignTracker', { by: 'li.chen', tracker: 'li.chen' }],
        ['subside', { by: 'li.chen', reason: '答复后无新增讨论' }],
        ['submitSummary', { by: 'li.chen', text: '询问类舆情，当日答复。' }],
      ];
      let s!: IncidentStatus;
      for (const [action, payload] of steps) s = await act(client, id, action, payload);
      check(s.stage === 'closed', 'xuchang-school: closed', s);
      return s;
    },
  },
  {
    // (f) 长期跟踪的事件：历史过长，转为新的运行（continue-as-new）
    name: 'county-continue-as-new',
    continueAsNew: true,
    open: true,
    async run(client) {
      const id = this.name;
      await startIncident(client, TASK_QUEUE, {
        id,
        title: '持续发酵的拆迁安置舆情',
        discoveredAt: isoAgo(10 * MINUTE),
        discoveredBy: 'liu.bo',
        metrics: { posts: 20 },
      }, plan('county-office'));
      await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'phone' });
      await act(client, id, 'report', { by: 'liu.bo', to: 'office', mode: 'written' });
      await act(client, id, 'assess', { by: 'zhao.min' });
      for (let i = 1; i <= 40; i++) await feedMetrics(client, id, { by: 'liu.bo', metrics: { posts: 20 + i } });
      await act(client, id, 'report', { by: 'zhao.min', to: 'leaderInCharge', mode: 'written', kind: 'followUp' });
      for (let i = 41; i <= 60; i++) await feedMetrics(client, id, { by: 'liu.bo', metrics: { posts: 20 + i } });
      return await until(client, id, 'all readings applied', (x) => x.metrics.posts === 80);
    },
  },
];

/** Write every run of one incident's workflow, newest first walked back to the first, oldest named first. */
async function writeRuns(client: Client, scenario: Scenario, status: IncidentStatus) {
  const workflowId = workflowIdFor(scenario.name);
  const runs: string[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const json = historyToJSON(history);
    runs.unshift(json);
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) break;
    runId = previous;
  }
  runs.forEach((json, i) => {
    const name = runs.length === 1 ? scenario.name : `${scenario.name}.run${i + 1}`;
    const file = path.join(OUT_DIR, `${name}.json`);
    writeFileSync(file, `${json}\n`);
    const events = (JSON.parse(json) as { events: unknown[] }).events.length;
    console.log(`${path.relative(REPO_ROOT, file)}: ${events} events, ${status.stage}, ${status.outcomes.map((o) => o.kind).join(' ')}`);
  });
}

async function recordOn(scenarios: Scenario[], work: string, extraArgs?: string[]) {
  const server = await startDevServer({ uiPort: false, extraArgs });
  let ledger: Ledger | undefined;
  let connection: NativeConnection | undefined;
  try {
    ledger = openLedger(`sqlite:${path.join(work, `ledger-${Date.now()}.sqlite`)}`);
    await ledger.migrate();
    connection = await NativeConnection.connect({ address: server.address });
    const worker = await createIncidentWorker({
      connection, namespace: 'default', taskQueue: TASK_QUEUE, ledger,
    });
    const client = await connect({ address: server.address, namespace: 'default', taskQueue: TASK_QUEUE });
    await worker.runUntil(async () => {
      // One at a time: each history then holds only its own incident's timing.
      for (const scenario of scenarios) {
        const status = await scenario.run(client);
        const handle = client.workflow.getHandle(workflowIdFor(scenario.name));
        if (scenario.open) await sleep(1_000);
        else await handle.result().catch((err: unknown) => { if (!scenario.cancelled) throw err; });
        await writeRuns(client, scenario, status);
        if (scenario.open) await handle.terminate('history recorded while open');
      }
    });
    await client.connection.close();
  } finally {
    await connection?.close();
    await ledger?.close();
    await server.stop();
  }
}

async function main() {
  Runtime.install({ logger: new DefaultLogger((process.env.RECORD_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  const work = mkdtempSync(path.join(tmpdir(), 'record-histories-'));
  mkdirSync(OUT_DIR, { recursive: true });
  try {
    const version = Number(/^v(\d+)$/.exec(path.basename(OUT_DIR))?.[1] ?? Infinity);
    // `--only a,b`: record these scenarios alone (the others' files are left as they are)
    const onlyArg = process.argv.indexOf('--only');
    const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(',')) : undefined;
    const taken = scenarios.filter((s) => (s.since ?? 0) <= version && (!only || only.has(s.name)));
    if (only && taken.length !== only.size) throw new Error(`--only: not scenarios of ${path.basename(OUT_DIR)}: ${[...only].filter((n) => !taken.some((s) => s.name === n)).join(', ')}`);
    await recordOn(taken.filter((s) => !s.continueAsNew), work);
    // A server that suggests continue-as-new after 60 events, for the long-running incident.
    await recordOn(taken.filter((s) => s.continueAsNew), work, ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
