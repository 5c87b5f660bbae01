import type { ParamSpec } from './types.js';
import { bool, int, oneOf, str } from './param-types.js';

/**
 * The web application interfaces (UC Software Web Application Developer's Guide 5.0.0 and the applications.cfg
 * template of UC Software 5.9/6.x): telephony notification, state polling, the push server and the microbrowser.
 */
export const webApps: ParamSpec[] = [
  ...['', '1.', '2.'].map((n) => ({
    name: `apps.telNotification.${n}URL`,
    type: str(1024),
    default: '',
    description: 'where the phone posts its telephony events (one of three)',
  })),
  ...(
    [
      ['incomingEvent', 'an incoming call'],
      ['outgoingEvent', 'an outgoing call'],
      ['offhookEvent', 'the phone goes off hook'],
      ['onhookEvent', 'the phone goes on hook'],
      ['callStateChangeEvent', "a call's state changes (with the whole CallLineInfo)"],
      ['lineRegistrationEvent', 'a line registers or unregisters'],
      ['userLogInOutEvent', 'a user logs in or out, the phone is locked or unlocked'],
      ['uiInitializationEvent', 'the phone UI comes up'],
      ['appInitializationEvent', 'an application initialises (not raised by polysim)'],
      ['taInitializationEvent', 'the telephony application initialises (not raised by polysim)'],
      ['networkUpEvent', 'the network comes up (not raised by polysim)'],
    ] as const
  ).map(([event, what]) => ({
    name: `apps.telNotification.${event}`,
    type: bool,
    default: '0',
    description: `post an event when ${what}`,
  })),
  { name: 'apps.statePolling.URL', type: str(1024), default: '', description: 'where polled state is posted (response mode 1)' },
  { name: 'apps.statePolling.username', type: str(), default: '', description: 'user of the polling handlers (Digest)' },
  { name: 'apps.statePolling.password', type: str(), default: '', secret: true, description: 'password of the polling handlers' },
  {
    name: 'apps.statePolling.responseMode',
    type: oneOf('0', '1'),
    default: '1',
    description: '0: the answer carries the state; 1: the state is posted to apps.statePolling.URL',
  },
  {
    name: 'apps.push.messageType',
    type: int(0, 5),
    default: '0',
    description: 'push messages shown: 0 none, 1 Normal, 2 Important, 3 High, 4 Critical, 5 all',
  },
  { name: 'apps.push.serverRootURL', type: str(1024), default: '', description: 'root of the URLs pushed in <URL>' },
  { name: 'apps.push.username', type: str(), default: '', description: 'user of the push server (Digest)' },
  { name: 'apps.push.password', type: str(), default: '', secret: true, description: 'password of the push server' },
  { name: 'apps.push.alertSound', type: bool, default: '0', description: 'sound when a push message shows' },
  { name: 'apps.push.secureTunnelEnabled', type: bool, default: '1', description: 'reach the web server through a secure tunnel' },
  { name: 'apps.push.secureTunnelPort', type: int(1, 65535), default: '443', description: 'port of the secure tunnel' },
  { name: 'apps.push.secureTunnelRequired', type: bool, default: '0', description: 'demand the secure tunnel' },
];
