/** Roles: the append-only records — login history (ログイン履歴) and the audit log. */
import type { AuditEvent, LoginEvent } from '../domain.js';
import type { Page } from './results.js';

export type NewLoginEvent = Omit<LoginEvent, 'id'>;
export type NewAuditEvent = Omit<AuditEvent, 'id'>;

export interface LoginEventQuery {
  accountId?: string;
  tenantId?: string;
  since?: Date;
  until?: Date;
  offset?: number;
  limit?: number;
}

export interface AuditQuery {
  tenantId?: string;
  accountId?: string;
  action?: string;
  since?: Date;
  offset?: number;
  limit?: number;
}

export interface LoginHistoryStore {
  addLoginEvent(event: NewLoginEvent): Promise<LoginEvent>;
  /** Newest first. */
  listLoginEvents(query: LoginEventQuery): Promise<Page<LoginEvent>>;
  /** Events before `before` of one tenant, of none (`null`: the tenant was never known), or of all. */
  purgeLoginEvents(before: Date, tenantId?: string | null): Promise<number>;
}

export interface AuditStore {
  addAuditEvent(event: NewAuditEvent): Promise<AuditEvent>;
  /** Newest first. */
  listAuditEvents(query: AuditQuery): Promise<Page<AuditEvent>>;
}
