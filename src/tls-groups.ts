/**
 * The key exchange groups the phone's TLS accepts as a server (HTTPS, SIP over TLS) and offers as a client (SIP over
 * TLS, provisioning, posts to receivers): OpenSSL 3.0's default list, which is what node 20 has always used. Named
 * here so that a phone answers the same handshake whichever Node.js runs it: OpenSSL 3.5 (node 24) puts the
 * post-quantum hybrid X25519MLKEM768 first, which the firmware of these phones predates (ML-KEM was standardised in
 * 2024) and which costs each handshake more CPU.
 */
export const TLS_GROUPS = 'X25519:P-256:X448:P-521:P-384:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192';
