/**
 * The worker thread of certificate-pool.ts: makes self-signed certificates (certificate.ts) for the requests it is
 * sent, one at a time, and answers each with its certificate and key in PEM, or the reason it could not.
 */
import { parentPort } from 'node:worker_threads';
import { selfSignedCertificate } from './certificate.js';
import type { CertificateJob, CertificateResult } from './certificate-pool.js';

parentPort?.on('message', (job: CertificateJob) => {
  let result: CertificateResult;
  try {
    const made = selfSignedCertificate({
      ...job.request,
      notBefore: new Date(job.request.notBefore),
      notAfter: new Date(job.request.notAfter),
    });
    result = { id: job.id, cert: made.cert, key: made.key };
  } catch (err) {
    result = { id: job.id, error: String(err) };
  }
  parentPort?.postMessage(result);
});
