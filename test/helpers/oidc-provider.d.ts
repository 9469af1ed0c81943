// oidc-provider ships no type declarations; the tests use a small part of it (upstream-op.ts).
declare module 'oidc-provider' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Provider: new (issuer: string, configuration: Record<string, any>) => any;
  export default Provider;
}
