/** A minimal Digest client for tests, written apart from the server code so that it checks it. */
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: string;
  stale: boolean;
  qop: string;
}

/** The Digest challenges of a 401, in header order. */
export function challenges(res: Response): Challenge[] {
  const out: Challenge[] = [];
  for (const value of headerValues(res, 'www-authenticate')) {
    if (!/^Digest /i.test(value)) continue;
    const get = (k: string): string | undefined => new RegExp(`${k}="?([^",]*)"?`, 'i').exec(value)?.[1];
    out.push({
      realm: get('realm') ?? '',
      nonce: get('nonce') ?? '',
      opaque: get('opaque'),
      algorithm: get('algorithm') ?? 'MD5',
      stale: /stale=true/i.test(value),
      qop: get('qop') ?? '',
    });
  }
  return out;
}

/** fetch joins repeated headers with ", "; split them back at each scheme name. */
export function headerValues(res: Response, name: string): string[] {
  const joined = res.headers.get(name);
  if (!joined) return [];
  return joined.split(/,\s*(?=(?:Digest|Basic) )/);
}

export interface SignOptions {
  method: string;
  uri: string;
  user?: string;
  password: string;
  nc?: number;
  cnonce?: string;
  quoteAlgorithm?: boolean;
  algorithm?: string;
  realm?: string;
  opaque?: string;
}

export function sign(ch: Challenge, o: SignOptions): string {
  const alg = o.algorithm ?? ch.algorithm;
  const hash = (s: string): string =>
    createHash(alg.toUpperCase() === 'MD5' ? 'md5' : 'sha256')
      .update(s)
      .digest('hex');
  const user = o.user ?? 'Polycom';
  const realm = o.realm ?? ch.realm;
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? randomBytes(8).toString('hex');
  const response = hash(`${hash(`${user}:${realm}:${o.password}`)}:${ch.nonce}:${nc}:${cnonce}:auth:${hash(`${o.method}:${o.uri}`)}`);
  const algorithm = o.quoteAlgorithm ? `algorithm="${alg}"` : `algorithm=${alg}`;
  const opaque = o.opaque ?? ch.opaque;
  return (
    `Digest username="${user}", realm="${realm}", nonce="${ch.nonce}", uri="${o.uri}", ${algorithm}, ` +
    `qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"${opaque !== undefined ? `, opaque="${opaque}"` : ''}`
  );
}
