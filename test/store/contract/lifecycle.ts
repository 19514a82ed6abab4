/** Contract: the store's lifecycle — a health round trip and the kind it reports. */
import { expect } from 'chai';
import type { StoreLifecycle } from '../../../src/store.js';
import type { ContractContext } from './context.js';

export function lifecycleContract(ctx: ContractContext<StoreLifecycle>): void {
  it('answers ping and reports its kind', async function () {
    await ctx.store.ping();
    expect(ctx.store.kind).to.be.a('string').and.not.equal('');
  });
}
