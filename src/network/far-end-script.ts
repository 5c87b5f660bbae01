/** The schema of a far end's script, as the control API and fleet files take it (FarEndScript in far-end.ts). */
import { Type } from '@sinclair/typebox';

export const FarEndScriptSchema = Type.Object(
  {
    behaviour: Type.Union([Type.Literal('answer'), Type.Literal('busy'), Type.Literal('reject'), Type.Literal('no-answer')]),
    answerAfterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    hangupAfterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    name: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
