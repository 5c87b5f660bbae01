/** The screen: simulated hook, key taps, text input and touch, and the UIXML of what is shown. */
import { Type } from '@sinclair/typebox';
import { renderUixml, tapAt } from '../phone/screen/uixml.js';
import { ALL_KEY_NAMES, KEY_NAMES_BY_FAMILY } from '../phone/models.js';
import { PhoneError, Status } from '../phone/status.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { NumberLike, S } from './schema.js';

const caseless = (...words: string[]): string =>
  `^(${words.map((w) => [...w].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join('')).join('|')})$`;

const simulateHook = defineOperation({
  needsCallApp: true,
  name: 'Management.SimulateHook',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/simulateHook'],
  inputFrom: 'body',
  input: Type.Object({ Type: Type.String({ pattern: caseless('Up', 'Down') }) }, { examples: [{ Type: 'Up' }] }),
  returnCodes: [...STANDARD_CODES, 4000, 4002, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.screen.hook(input.Type.toLowerCase() === 'up');
    return {};
  },
});

const simulateKeyEvent = defineOperation({
  needsCallApp: true,
  name: 'Management.SimulateKeyEvent',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/simulateKeyEvent'],
  inputFrom: 'body',
  input: Type.Object(
    {
      Type: Type.String({ pattern: caseless('Tap') }),
      // Key names are exact (case included) and per model: the enum is every model's, the description says which.
      KeyName: Type.String({ minLength: 1, enum: [...ALL_KEY_NAMES], description: KEY_NAMES_BY_FAMILY }),
    },
    { examples: [{ Type: 'Tap', KeyName: 'MicMute' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4002, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.screen.key(input.KeyName);
    return {};
  },
});

const simulateTextInput = defineOperation({
  needsCallApp: true,
  name: 'Management.SimulateTextInput',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/simulateTextInput'],
  inputFrom: 'body',
  input: Type.Object(
    {
      Value: Type.String({ maxLength: 1024 }),
      ReplaceText: Type.Optional(Type.Union([Type.Boolean(), Type.String({ pattern: caseless('true', 'false') })])),
    },
    { examples: [{ Value: '1002', ReplaceText: 'true' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4002, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.screen.textInput(input.Value, String(input.ReplaceText ?? 'false').toLowerCase() === 'true');
    return {};
  },
});

const Position = Type.Object({ X: NumberLike, Y: NumberLike });

const simulateTouch = defineOperation({
  needsCallApp: true,
  name: 'Management.SimulateTouch',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/simulateTouch'],
  inputFrom: 'body',
  input: Type.Object(
    {
      Type: Type.String({ pattern: caseless('Tap', 'Press', 'Release', 'Swipe') }),
      Positions: Type.Array(Position, { minItems: 1, maxItems: 5 }),
      Duration: Type.Optional(NumberLike),
      Easing: Type.Optional(NumberLike),
    },
    { examples: [{ Type: 'Tap', Positions: [{ X: '100', Y: '100' }] }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4002, 4003, 4007, 4009],
  handler: ({ phone, input }) => {
    const type = input.Type.toLowerCase();
    const n = input.Positions.length;
    if (type === 'swipe' ? n < 2 : n !== 1) {
      throw new PhoneError(Status.INVALID_INPUT, type === 'swipe' ? 'Swipe takes 2 to 5 positions' : `${input.Type} takes one position`);
    }
    if (input.Easing !== undefined && Number(input.Easing) > 40) throw new PhoneError(Status.INVALID_INPUT, 'Easing is 0 to 40');
    const { width, height } = phone.profile.model.screen;
    const points = input.Positions.map((p) => ({ x: Number(p.X), y: Number(p.Y) }));
    if (points.some((p) => p.x >= width || p.y >= height)) {
      throw new PhoneError(Status.INVALID_INPUT, `positions must lie on the ${width}x${height} screen`);
    }
    phone.noteActivity();
    const first = points[0] as { x: number; y: number };
    if (type === 'tap' || type === 'release') tapAt(phone, phone.screen, first.x, first.y);
    if (type === 'swipe') {
      const last = points[points.length - 1] as { x: number; y: number };
      // A leftward swipe along the softkey row shows the next page of softkeys.
      if (last.x < first.x && first.y >= height - 32)
        phone.screen.softkeyPage = (phone.screen.softkeyPage + 1) % phone.screen.pages().length;
    }
    return {};
  },
});

const uixml = defineOperation({
  needsCallApp: true,
  name: 'Management.UIXML',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/uixml'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: S,
  handler: ({ phone }) => ({ data: renderUixml(phone, phone.screen) }),
});

export const simulateOperations = [simulateHook, simulateKeyEvent, simulateTextInput, simulateTouch, uixml];
