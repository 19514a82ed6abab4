/** What the operations layer is built from: the store and the services, from the composition root. */
import type { Tobira } from '../app.js';

export type OperationDeps = Pick<
  Tobira,
  'store' | 'clock' | 'audit' | 'enrollment' | 'certificates' | 'recovery' | 'clients'
>;
