/** oidc-provider's internal AsyncLocalStorage (provider-context.ts); the package ships no types of its own. */
declare module 'oidc-provider/lib/helpers/als.js' {
  import type { AsyncLocalStorage } from 'node:async_hooks';
  const als: AsyncLocalStorage<object>;
  export default als;
}
