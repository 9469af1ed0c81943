import type { SqlDialect } from './client.js';
import { Params } from './dialect.js';

/**
 * A named parameter in an operator's query: `:login`, `:id`, `:email`. The same pattern as the
 * config schema (`src/config/document.ts`), so what the schema accepted is exactly what is bound:
 * `::text` casts and `a:b` inside words are not parameters.
 */
const NAMED = /(?<![:\w]):([A-Za-z_]\w*)/g;

export interface BoundStatement {
  sql: string;
  params: string[];
}

/**
 * Turn an operator's lookup query with named parameters into the driver's positional form
 * (`$1` / `?`) with the values in order. Only the names in `values` are allowed; any other
 * `:name` is refused (the config schema already refuses them; this is the second lock). User
 * input only ever travels in `params`, never in the SQL text.
 *
 * The statement is wrapped as `SELECT * FROM (…) AS idbridge_q LIMIT 2`, so a query that matches
 * too much can never stream a table into memory, and two rows can be told from one.
 */
export function bindNamed(dialect: SqlDialect, query: string, values: Readonly<Record<string, string>>): BoundStatement {
  const params = new Params(dialect);
  const body = query.trim().replace(/;\s*$/, '');
  const sql = body.replace(NAMED, (_match, name: string) => {
    if (!Object.hasOwn(values, name)) throw new TypeError(`unknown parameter :${name}`);
    return params.add(values[name]!, name);
  });
  return { sql: `SELECT * FROM (${sql}\n) AS idbridge_q LIMIT 2`, params: params.values };
}
