/**
 * `uri` naming database `name`: the path is replaced, options kept (a seed list of several hosts is
 * not a WHATWG URL, so by hand): `mongodb://a,b/?replicaSet=rs0` → `mongodb://a,b/name?replicaSet=rs0`.
 */
export function withDatabase(uri: string, name: string): string {
  const [base = '', query] = uri.split(/\?(.*)/s, 2);
  const slash = base.indexOf('/', base.indexOf('//') + 2);
  return `${slash < 0 ? base : base.slice(0, slash)}/${name}${query ? `?${query}` : ''}`;
}
