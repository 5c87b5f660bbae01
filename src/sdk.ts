/**
 * `polysim/client`: the PolyPhone SDK for those who installed the server. It is the `@polysim/client` package,
 * which stands alone (nothing of the server; fast-xml-parser its one dependency) for those who only drive phones.
 */
export * from '@polysim/client';
