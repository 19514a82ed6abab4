/**
 * `tobira client create` options → a client registration: the same fields as the admin API's
 * `POST /tenants/:id/clients`, checked by the same registry.
 */
import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import {
  CLIENT_AUTH_METHODS,
  TLS_SUBJECT_PROPERTIES,
  type ClientAuthMethod,
  type TlsSubjectProperty,
} from '../policy/client-auth.js';
import type { ClientAuthInput } from '../services/client-metadata.js';

export const CLIENT_CREATE_OPTIONS = {
  tenant: { type: 'string' },
  id: { type: 'string' },
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'third-party': { type: 'boolean', default: false },
  'auth-method': { type: 'string', default: 'client_secret_basic' },
  'pkce-optional': { type: 'boolean', default: false },
  'jwks-file': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'tls-subject-dn': { type: 'string' },
  'tls-san-dns': { type: 'string' },
  'tls-san-uri': { type: 'string' },
  'tls-san-ip': { type: 'string' },
  'tls-san-email': { type: 'string' },
  'bound-tokens': { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

export const CLIENT_CREATE_USAGE =
  'client create --tenant p-01 --redirect-uri URL [--id ID] [--name N] [--third-party]\n' +
  '                [--post-logout-redirect-uri URL] [--auth-method M] [--pkce-optional]\n' +
  '                [--jwks-file F | --jwks-uri URL] [--tls-subject-dn DN | --tls-san-dns|uri|ip|email V]\n' +
  '                [--bound-tokens]';

type Values = { [K in keyof typeof CLIENT_CREATE_OPTIONS]?: string | boolean | string[] | undefined };

const SUBJECT_FLAGS: Record<string, TlsSubjectProperty> = {
  'tls-subject-dn': 'tls_client_auth_subject_dn',
  'tls-san-dns': 'tls_client_auth_san_dns',
  'tls-san-uri': 'tls_client_auth_san_uri',
  'tls-san-ip': 'tls_client_auth_san_ip',
  'tls-san-email': 'tls_client_auth_san_email',
};

/** The client authentication of the options; `usage` builds the caller's one-line error. */
export function clientAuthOf(values: Values, usage: (message: string) => Error): ClientAuthInput {
  const method = values['auth-method'] as string;
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(method))
    throw usage(`--auth-method is one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  const subjects = Object.entries(SUBJECT_FLAGS).filter(
    ([flag]) => typeof values[flag as keyof Values] === 'string',
  );
  if (subjects.length > 1)
    throw usage(
      `give one certificate subject (${TLS_SUBJECT_PROPERTIES.length} kinds), not ${subjects.length}`,
    );
  let jwks: ClientAuthInput['jwks'];
  if (typeof values['jwks-file'] === 'string') {
    try {
      jwks = JSON.parse(readFileSync(values['jwks-file'], 'utf8')) as ClientAuthInput['jwks'];
    } catch (error) {
      throw usage(`--jwks-file: ${(error as Error).message}`);
    }
    if (!jwks || !Array.isArray(jwks.keys)) throw usage('--jwks-file must hold a JWK Set ({"keys": [...]})');
  }
  const [subject] = subjects;
  return {
    method: method as ClientAuthMethod,
    ...(jwks ? { jwks } : {}),
    ...(typeof values['jwks-uri'] === 'string' ? { jwksUri: values['jwks-uri'] } : {}),
    ...(subject
      ? { tlsSubject: { property: subject[1], value: values[subject[0] as keyof Values] as string } }
      : {}),
    certificateBoundTokens: values['bound-tokens'] === true,
  };
}
