export { HttpVendorReceiver, type VendorMode, type RecordedRequest, type Answer } from './http-base';
export { StandardWebhookReceiver } from './webhook';
export { WeComReceiver } from './wecom';
export { DingTalkReceiver } from './dingtalk';
export { FeishuReceiver } from './feishu';
export { GatewayReceiver } from './gateway';
export { SmtpReceiver, type SmtpMode, type ReceivedMail } from './smtp';
