/** Tenants and their OIDC client records (relying parties). */
import type Database from 'better-sqlite3';
import type { OidcClientRecord, Tenant } from '../../src/domain.js';
import type { NewOidcClient, NewTenant, TenantPatch } from '../../src/store.js';
import { ms, toClient, toTenant, type Row } from './rows.js';

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export class TenantTable {
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #byId: Database.Statement<[string], Row>;
  readonly #all: Database.Statement<[], Row>;
  readonly #update: Database.Statement<unknown[], Row>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO tenants (id, name, support_contact, policy, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#byId = db.prepare('SELECT * FROM tenants WHERE id = ?');
    this.#all = db.prepare('SELECT * FROM tenants ORDER BY id');
    // NULL keeps the column: only the given fields change, in one statement.
    this.#update = db.prepare(
      `UPDATE tenants SET name = COALESCE(?, name), support_contact = COALESCE(?, support_contact),
         policy = COALESCE(?, policy), updated_at = ? WHERE id = ? RETURNING *`,
    );
  }

  create(t: NewTenant, now: Date): Tenant {
    return toTenant(
      this.#insert.get(t.id, t.name, t.supportContact, JSON.stringify(t.policy), ms(now), ms(now))!,
    );
  }

  get(id: string): Tenant | null {
    const row = this.#byId.get(id);
    return row ? toTenant(row) : null;
  }

  list(): Tenant[] {
    return this.#all.all().map(toTenant);
  }

  update(id: string, patch: TenantPatch, now: Date): Tenant | null {
    const row = this.#update.get(
      patch.name ?? null,
      patch.supportContact ?? null,
      json(patch.policy),
      ms(now),
      id,
    );
    return row ? toTenant(row) : null;
  }
}

export class ClientTable {
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #byId: Database.Statement<[string], Row>;
  readonly #all: Database.Statement<[], Row>;
  readonly #ofTenant: Database.Statement<[string], Row>;
  readonly #update: Database.Statement<unknown[], Row>;
  readonly #delete: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO clients (client_id, tenant_id, metadata, first_party, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#byId = db.prepare('SELECT * FROM clients WHERE client_id = ?');
    this.#all = db.prepare('SELECT * FROM clients ORDER BY client_id');
    this.#ofTenant = db.prepare('SELECT * FROM clients WHERE tenant_id = ? ORDER BY client_id');
    this.#update = db.prepare(
      'UPDATE clients SET metadata = ?, updated_at = ? WHERE client_id = ? RETURNING *',
    );
    this.#delete = db.prepare('DELETE FROM clients WHERE client_id = ?');
  }

  create(c: NewOidcClient, now: Date): OidcClientRecord {
    const metadata = JSON.stringify(c.metadata);
    return toClient(
      this.#insert.get(c.clientId, c.tenantId, metadata, c.firstParty ? 1 : 0, ms(now), ms(now))!,
    );
  }

  get(clientId: string): OidcClientRecord | null {
    const row = this.#byId.get(clientId);
    return row ? toClient(row) : null;
  }

  list(tenantId?: string): OidcClientRecord[] {
    return (tenantId === undefined ? this.#all.all() : this.#ofTenant.all(tenantId)).map(toClient);
  }

  update(clientId: string, metadata: Record<string, unknown>, now: Date): OidcClientRecord | null {
    const row = this.#update.get(JSON.stringify(metadata), ms(now), clientId);
    return row ? toClient(row) : null;
  }

  delete(clientId: string): boolean {
    return this.#delete.run(clientId).changes === 1;
  }
}
