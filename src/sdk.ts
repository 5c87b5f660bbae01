/**
 * `polysim/client`: the PolyPhone SDK for those who installed the server. It is the `@polysim/client` package,
 * which stands alone (no dependencies beyond Node) for those who only drive phones.
 */
export * from '@polysim/client';
