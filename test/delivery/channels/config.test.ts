import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildChannels, loadDeliveryConfig, parseDeliveryConfig } from '../../../src/delivery/config';
import { ConfigError } from '../../../src/runtime/connection';
import { DingTalkChannel } from '../../../src/delivery/channels/dingtalk';
import { DingTalkReceiver } from '../../helpers/receivers';
import { li, message, zhang } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'delivery-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const ENV = {
  SMTP_PASS: 'smtp-secret-pass', WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', WECOM_KEY: 'wecom-key-123',
  DINGTALK_TOKEN: 'ding-token-456', DINGTALK_SECRET: 'SECding-secret-789', FEISHU_TOKEN: 'feishu-token-abc', FEISHU_SECRET: 'feishu-secret-def',
  SMS_TOKEN: 'sms-token-ghi', VOICE_TOKEN: 'voice-token-jkl',
};

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('delivery configuration', () => {
  it('no DELIVERY_CONFIG: no real channels', () => {
    expect(loadDeliveryConfig({}).channels).toEqual([]);
    expect(buildChannels(loadDeliveryConfig({}))).toEqual([]);
  });

  it('the worked example file loads, resolves its secrets from the environment and builds every channel', () => {
    const cfg = loadDeliveryConfig({ ...ENV, DELIVERY_CONFIG: 'examples/delivery.example.yaml' });
    const channels = buildChannels(cfg);
    expect(channels.map((c) => [c.name, c.type, c.mode])).toEqual([
      ['office-mail', 'email', 'person'],
      ['ops-webhook', 'webhook', 'person'],
      ['duty-wecom', 'wecom', 'group'],
      ['duty-dingtalk', 'dingtalk', 'group'],
      ['duty-feishu', 'feishu', 'group'],
      ['duty-sms', 'sms', 'person'],
      ['duty-voice', 'voice', 'person'],
    ]);
    expect(cfg.secrets).toEqual(expect.arrayContaining(Object.values(ENV)));
    const wecom = cfg.channels.find((c) => c.name === 'duty-wecom')!;
    expect(wecom.type === 'wecom' && wecom.key).toBe('wecom-key-123');
    // the example holds no secret itself
    const text = readFileSync('examples/delivery.example.yaml', 'utf8');
    for (const v of Object.values(ENV)) expect(text).not.toContain(v);
  });

  it('names the exact setting whose environment variable is missing', () => {
    const env = { ...ENV, DINGTALK_SECRET: undefined, DELIVERY_CONFIG: 'examples/delivery.example.yaml' };
    const err = errorOf(() => loadDeliveryConfig(env));
    expect(err.message).toBe('DELIVERY_CONFIG channels[3] (duty-dingtalk).secret: environment variable DINGTALK_SECRET is not set');
  });

  it('names settings in nested places (headers, smtp) and every problem at once', () => {
    const raw = {
      channels: [
        { name: 'm', type: 'email', smtp: { host: 'smtp.example.cn', pass: { fromEnv: 'NOPE_PASS' } }, from: 'a <a@b.cn>' },
        { name: 's', type: 'sms', url: 'https://sms.example.cn/send', headers: { authorization: { fromEnv: 'NOPE_TOKEN' } }, body: { to: '{{phone}}', t: '{{text}}' } },
      ],
    };
    const err = errorOf(() => parseDeliveryConfig(raw, {}));
    expect(err.message.split('\n')).toEqual([
      'DELIVERY_CONFIG channels[0] (m).smtp.pass: environment variable NOPE_PASS is not set',
      'DELIVERY_CONFIG channels[1] (s).headers.authorization: environment variable NOPE_TOKEN is not set',
    ]);
  });

  it('schema errors name the setting: a wrong type, a missing field, an unknown key, an unknown channel type', () => {
    const wrongPort = errorOf(() => parseDeliveryConfig({ channels: [{ name: 'm', type: 'email', smtp: { host: 'h', port: 'x' }, from: 'a@b.cn' }] }, {}));
    expect(wrongPort.message).toMatch(/^DELIVERY_CONFIG channels\[0\] \(m\)\.smtp\.port: /);
    for (const connections of [0, 51, 2.5]) {
      const bad = errorOf(() => parseDeliveryConfig({ channels: [{ name: 'm', type: 'email', smtp: { host: 'h', connections }, from: 'a@b.cn' }] }, {}));
      expect(bad.message).toMatch(/^DELIVERY_CONFIG channels\[0\] \(m\)\.smtp\.connections: /);
    }
    const noMembers = errorOf(() => parseDeliveryConfig({ channels: [{ name: 'w', type: 'wecom', key: 'k' }] }, {}));
    expect(noMembers.message).toMatch(/^DELIVERY_CONFIG channels\[0\] \(w\)\.members: /);
    const typo = errorOf(() => parseDeliveryConfig({ channels: [{ name: 'd', type: 'dingtalk', accessToken: 't', members: ['a'], secert: 'SECx' }] }, {}));
    expect(typo.message).toContain('DELIVERY_CONFIG channels[0] (d)');
    expect(typo.message).toContain('secert');
    const kind = errorOf(() => parseDeliveryConfig({ channels: [{ name: 'x', type: 'pager' }] }, {}));
    expect(kind.message).toMatch(/^DELIVERY_CONFIG channels\[0\] \(x\)\.type: /);
  });

  it('checks what needs resolved values, and duplicate names', () => {
    const err = errorOf(() => parseDeliveryConfig({
      channels: [
        { name: 'hook', type: 'webhook', url: 'https://h.example.cn/x', secret: { fromEnv: 'SHORT' } },
        { name: 'hook', type: 'dingtalk', accessToken: 't', secret: 'not-sec', members: ['a'] },
        { name: 'sms', type: 'sms', url: 'https://g.example.cn', body: { text: '{{text}}' } },
        { name: 'sms2', type: 'sms', url: 'https://g.example.cn', body: { to: '{{phone}}', t: '{{txet}}' } },
      ],
    }, { SHORT: 'whsec_' + Buffer.from('short').toString('base64') }));
    const lines = err.message.split('\n');
    expect(lines).toContain('DELIVERY_CONFIG channels[0] (hook).secret: too short (Standard Webhooks asks for at least 24 random bytes)');
    expect(lines).toContain('DELIVERY_CONFIG channels[1] (hook).name: "hook" is given twice');
    expect(lines).toContain('DELIVERY_CONFIG channels[1] (hook).secret: a DingTalk signing secret starts with SEC');
    expect(lines.some((l) => l.startsWith('DELIVERY_CONFIG channels[2] (sms).body: no {{phone}} placeholder'))).toBe(true);
    expect(lines.some((l) => l.startsWith('DELIVERY_CONFIG channels[3] (sms2).body: unknown placeholder {{txet}}'))).toBe(true);
  });

  it('no secret value appears in any configuration error', () => {
    const err = errorOf(() => parseDeliveryConfig({
      channels: [{ name: 'd', type: 'dingtalk', accessToken: 'literal-token-in-file', secret: 'wrong-literal-secret', members: ['a'], baseUrl: 'ftp://x' }],
    }, {}));
    expect(err.message).not.toContain('literal-token-in-file');
    expect(err.message).not.toContain('wrong-literal-secret');
  });

  it('reads JSON as well as YAML; a bad file is named', () => {
    const json = file('d.json', JSON.stringify({ channels: [{ name: 'w', type: 'wecom', key: { fromEnv: 'WECOM_KEY' }, members: ['zhang.san'] }] }));
    expect(loadDeliveryConfig({ DELIVERY_CONFIG: json, WECOM_KEY: 'k-1234' }).channels[0]).toMatchObject({ name: 'w', key: 'k-1234' });
    const missing = errorOf(() => loadDeliveryConfig({ DELIVERY_CONFIG: join(dir, 'none.yaml') }));
    expect(missing.message).toMatch(/^DELIVERY_CONFIG: cannot read .*none\.yaml: ENOENT/);
    const broken = errorOf(() => loadDeliveryConfig({ DELIVERY_CONFIG: file('b.yaml', 'channels: [ {name: x') }));
    expect(broken.message).toMatch(/^DELIVERY_CONFIG: .*b\.yaml is not valid YAML/);
  });

  it('the example parses as the documented YAML (channels named, secrets only as fromEnv)', () => {
    const raw = parseYaml(readFileSync('examples/delivery.example.yaml', 'utf8')) as { channels: Record<string, unknown>[] };
    const secretKeys = ['pass', 'secret', 'key', 'accessToken', 'token'];
    for (const c of raw.channels) {
      for (const k of secretKeys) if (k in c) expect(c[k]).toMatchObject({ fromEnv: expect.any(String) });
    }
  });

  describe('built channels deliver', () => {
    const rx = new DingTalkReceiver({ accessToken: 'tok-from-env-1', secret: 'SEC-from-env-2' });
    beforeAll(async () => { await rx.start(); });
    afterAll(async () => { await rx.stop(); });

    it('a DingTalk channel built from a file with env secrets and a private base URL posts signed to it', async () => {
      const p = file('ding.yaml', [
        'channels:',
        '  - name: duty-dingtalk',
        '    type: dingtalk',
        `    baseUrl: ${rx.baseUrl}`,
        '    accessToken: { fromEnv: DT_TOKEN }',
        '    secret: { fromEnv: DT_SECRET }',
        '    members: [zhang.san]',
        '    timeoutMs: 2000',
      ].join('\n'));
      const [c] = buildChannels(loadDeliveryConfig({ DELIVERY_CONFIG: p, DT_TOKEN: 'tok-from-env-1', DT_SECRET: 'SEC-from-env-2' }));
      expect(c).toBeInstanceOf(DingTalkChannel);
      const members = c.members!([zhang, li]);
      expect(members).toEqual([zhang]);
      await c.deliver(message({ destination: 'group=duty-dingtalk', people: members }));
      expect(rx.accepted.length).toBe(1);
      expect(rx.messages[0].at?.atUserIds).toEqual(['dt-zhangsan']);
    });
  });
});
