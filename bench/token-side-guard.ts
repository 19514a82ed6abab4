/**
 * The token side (userinfo, introspection, refresh_token against bare oidc-provider) is measured by
 * bench/token-side.ts (engineer C's module). Loaded by a computed specifier so that the bench runs,
 * and says why the section is missing, while that module is absent or fails.
 */
import type { TokenSideRow } from './report.js';

type BenchTokenSide = (opts: {
  seconds: number;
  connections: number;
  log?: (line: string) => void;
  /** Tobira compiled from this tree, or the sources through tsx. */
  tobira?: readonly ({ compiledDir: string } | { tsx: true })[];
}) => Promise<TokenSideRow[]>;

export async function runTokenSide(opts: Parameters<BenchTokenSide>[0]): Promise<TokenSideRow[] | string> {
  const specifier = './token-side.js';
  let module: { benchTokenSide?: BenchTokenSide };
  try {
    module = (await import(specifier)) as { benchTokenSide?: BenchTokenSide };
  } catch (error) {
    opts.log?.('token side: bench/token-side.ts is missing');
    return `bench/token-side.ts could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
  if (typeof module.benchTokenSide !== 'function')
    return 'bench/token-side.ts does not export benchTokenSide';
  try {
    return await module.benchTokenSide(opts);
  } catch (error) {
    opts.log?.(`token side failed: ${String(error)}`);
    return `benchTokenSide failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
