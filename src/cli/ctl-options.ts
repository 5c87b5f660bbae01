/** The options of `polysim ctl` (ctl.ts), shared with its parts (ctl-shards.ts). */
export interface CtlOptions {
  host?: string;
  hosts?: string;
  user: string;
  password?: string;
  auth: 'auto' | 'basic' | 'digest' | 'session';
  json?: boolean;
  ca?: string;
  pin?: string;
  mac?: string;
  insecureHttp?: boolean;
  concurrency: number;
  insecure?: boolean;
  wait?: boolean;
  waitTimeout: number;
  /**
   * polysim control APIs (repeatable, or comma-separated): with --host or --hosts, where a Status error's reason is
   * looked up (the phone's journal); alone, the shards whose phones the command is for.
   */
  control?: string[];
  /** A file of control API URLs, one per line: shards. */
  controls?: string;
  /** `name:port`: every address the name resolves to is a shard. */
  controlDns?: string;
  /** The DNS server --control-dns asks (default: the system's resolver). */
  dnsServer?: string;
  /** Which phones of the shards: field=value conditions (ctl-filter.ts). */
  where?: string[];
  controlToken?: string;
}
