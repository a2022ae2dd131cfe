/**
 * Event histories as JSON (the format `temporal workflow show --output json` writes and replay reads).
 *
 * Why not `historyToJSON` / `historyFromJSON` from `@temporalio/common/lib/proto-utils`: they call
 * protobufjs' `toJson(type, …)`, which checks `type instanceof Type` against the protobufjs copy that
 * `@temporalio/common` resolves, while the History type comes from the copy `@temporalio/proto` resolves.
 * When npm installs two copies (here: @grpc/proto-loader keeps protobufjs 7 at the top level, so
 * each Temporal package gets its own nested protobufjs 8), every call throws "type must be a Type".
 * This module takes protojson from the very copy `@temporalio/proto` was built with, so it works
 * whatever the layout of node_modules. Same output and input format as the SDK functions.
 */
import { createRequire } from 'node:module';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const requireFromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** A fetched history (e.g. `handle.fetchHistory()`) as pretty-printed proto JSON. */
export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** Proto JSON of a history (also the older tctl / Web UI exports with short enum names) as a History. */
export function historyFromJSON(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('Invalid history, expected an object with an array of events');
  }
  const constantCase = (s: string) => s.replace(/[^\b][A-Z]/g, (m) => `${m[0]}_${m[1]}`).toUpperCase();
  const fixEnum = (obj: Record<string, any>, attr: string, prefix: string) =>
    typeof obj[attr] === 'string' && !obj[attr].startsWith(prefix) ? { [attr]: `${prefix}_${constantCase(obj[attr])}` } : {};
  const events = (json as { events: Record<string, any>[] }).events.map((e) => {
    const type = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
    if (!type) throw new TypeError(`Missing attributes in history event: ${JSON.stringify(e)}`);
    const attrs = e[type];
    return {
      ...e,
      ...fixEnum(e, 'eventType', 'EVENT_TYPE'),
      [type]: {
        ...attrs,
        ...(attrs.taskQueue && { taskQueue: { ...attrs.taskQueue, ...fixEnum(attrs.taskQueue, 'kind', 'TASK_QUEUE_KIND') } }),
        ...fixEnum(attrs, 'parentClosePolicy', 'PARENT_CLOSE_POLICY'),
        ...fixEnum(attrs, 'workflowIdReusePolicy', 'WORKFLOW_ID_REUSE_POLICY'),
        ...fixEnum(attrs, 'initiator', 'CONTINUE_AS_NEW_INITIATOR'),
        ...fixEnum(attrs, 'retryState', 'RETRY_STATE'),
      },
    };
  });
  const loaded = protojson.fromJson(historyType, { events }, { ignoreUnknownFields: true });
  if (loaded === null || loaded === undefined) throw new TypeError('Invalid history');
  return loaded as History;
}
