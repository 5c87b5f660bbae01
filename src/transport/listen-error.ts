/**
 * What a listener that cannot open tells the user, for every listener of the process alike (a phone's HTTP, HTTPS,
 * SIP over UDP, TCP and TLS, the shared listeners of address mode): the errno code of the failed bind or listen as
 * one entry of the error catalogue, naming the listener. Out of descriptors (EMFILE, ENFILE) is a start error like a
 * port in use: the process stops at once with the limit and how to raise it, instead of going on without the socket.
 */
import { DescriptorError, ListenError } from '../errors.js';
import type { PolysimError } from '../errors.js';
import { openFileLimit, raiseLimitHint } from './file-limit.js';

/**
 * `what`: the listener as the user knows it ("127.0.0.1:8080", "SIP 127.0.0.1:5060/udp"); `address`: the address it
 * wanted, for an address this machine does not have.
 */
export function listenError(err: unknown, what: string, address: string): PolysimError {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EADDRINUSE':
      return new ListenError(`port in use: ${what}`, { cause: err });
    case 'EADDRNOTAVAIL':
      return new ListenError(`address not available on this machine: ${address}`, { cause: err });
    case 'EACCES':
      return new ListenError(`no permission to listen on ${what}`, { cause: err });
    case 'EMFILE': {
      const limit = openFileLimit();
      return new DescriptorError(
        `cannot listen on ${what}: too many open files (this process may open ${limit?.soft ?? 'no more'}); raise the limit: ${raiseLimitHint()}`,
        { cause: err },
      );
    }
    case 'ENFILE':
      return new DescriptorError(
        `cannot listen on ${what}: the system's table of open files is full (sysctl fs.file-max); close other programs' files or raise it`,
        { cause: err },
      );
    default:
      return new ListenError(`cannot listen on ${what}: ${e.message}`, { cause: err });
  }
}
