/**
 * Which Node.js releases Tobira runs on — the same range as package.json's `engines` (a test keeps the
 * two equal). Checked by bin/tobira.js before anything else loads, so an unsupported runtime stops with
 * one line of ours instead of failing somewhere inside a dependency. Pure: no process access.
 *
 * 24 LTS is what Tobira is tested on first and ships with (.nvmrc, the Dockerfile); 22.12+ LTS is
 * oidc-provider's own minimum; 20.19+ is past its end of life (April 2026) but still runs and is tested
 * in CI on the machines that carry it, with a notice (oidc-provider adds its own "Unsupported runtime"
 * warning there). 20.19 / 22.12 are the first releases that load ES modules through require(), which
 * mongoose and the MongoDB driver need.
 */
export const SUPPORTED_NODE_RANGE = '^20.19.0 || ^22.12.0 || >=24.0.0';
export const SHIPPED_NODE_MAJOR = 24;

export type RuntimeVerdict =
  { kind: 'supported' } | { kind: 'end_of_life'; message: string } | { kind: 'unsupported'; message: string };

/** `version` as in `process.versions.node` ("24.22.3"). */
export function runtimeVerdict(version: string): RuntimeVerdict {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const at = (wanted: number, minimum: number) => major === wanted && minor >= minimum;
  if (major >= 24 || at(22, 12)) return { kind: 'supported' };
  if (at(20, 19))
    return {
      kind: 'end_of_life',
      message:
        `tobira: Node.js ${version} is past its end of life; Tobira still runs on it, but is tested first ` +
        `on and ships with Node.js ${SHIPPED_NODE_MAJOR} LTS (oidc-provider's "Unsupported runtime" warning refers to this)`,
    };
  return {
    kind: 'unsupported',
    message: `tobira: Node.js ${version} is not supported; use Node.js ${SHIPPED_NODE_MAJOR} LTS (supported: ${SUPPORTED_NODE_RANGE})`,
  };
}
