#!/usr/bin/env node
// The `tobira` command: TypeScript runs directly through tsx (a runtime dependency on purpose).
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
