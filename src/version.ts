/** polysim's version, as the CLI and the OpenAPI document state it. */
export const VERSION = '0.1.0';
