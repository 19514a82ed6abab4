/**
 * `npm run bench -- --smoke`: the whole bench with tiny counts, spawned as a user runs it. Asserts
 * that every section of the results file was produced with numbers — never how fast anything was
 * (speed is shown by the full `npm run bench` only).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** Sections that need another module's work may say instead why they are missing. */
const SECTIONS: Array<{ title: string; mayBeMissing?: RegExp }> = [
  { title: 'Machine' },
  { title: 'Summary' },
  { title: 'argon2id ceiling' },
  { title: 'Logins by clients' },
  { title: '1 worker vs all workers' },
  { title: 'Store calls per login', mayBeMissing: /^not available: the server does not expose/m },
  { title: 'Token side', mayBeMissing: /^not available: /m },
  { title: 'Certificate minting' },
  { title: 'Login latency under issuance' },
  { title: 'Memory' },
  { title: 'Start-up' },
  { title: 'Targets' },
];

/** A section's body: the text from its heading to the next one. */
function sectionOf(markdown: string, title: string): string | null {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) return null;
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** The data rows of a section's tables: every table line but the headers and their separators. */
function tableRows(body: string): string[] {
  const lines = body.split('\n');
  const separator = (line: string | undefined) => line !== undefined && /^\|( --- \|)+$/.test(line);
  return lines.filter((line, i) => line.startsWith('|') && !separator(line) && !separator(lines[i + 1]));
}

describe('bench --smoke (every measurement is produced)', function () {
  this.timeout(600_000);
  let dir: string;
  let markdown: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-bench-smoke-'));
    await promisify(execFile)('npm', ['run', 'bench', '--', '--smoke', '--out', dir], {
      cwd: path.resolve(import.meta.dirname, '..'),
      maxBuffer: 1 << 24,
    });
    const files = await readdir(dir);
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/^\d{4}-\d{2}-\d{2}\.md$/);
    markdown = await readFile(path.join(dir, files[0]!), 'utf8');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const { title, mayBeMissing } of SECTIONS)
    it(`has the section "${title}" with numbers${mayBeMissing ? ' (or says why it is missing)' : ''}`, () => {
      const body = sectionOf(markdown, title);
      expect(body, `section ${title}`).to.be.a('string');
      if (mayBeMissing?.test(body!)) return;
      const rows = tableRows(body!);
      expect(rows.length, `table rows in ${title}`).to.be.greaterThan(0);
      expect(
        rows.some((row) => /\|\s*[\d.]+(\s|%|\s\(|\s*\|)/.test(row)),
        `numbers in ${title}:\n${body}`,
      ).to.equal(true);
    });

  it('states the machine and the commit it ran on', () => {
    const body = sectionOf(markdown, 'Machine')!;
    expect(body).to.match(/\| \d+ \| .+ \| v\d+\.\d+\.\d+ \| [0-9a-f]{7,}/);
  });

  it('shows each login phase with a rate and the server CPU per login (no missing readings)', () => {
    const rows = tableRows(sectionOf(markdown, 'Logins by clients')!);
    expect(rows).to.have.length(4); // 1, 2, 4, 8 clients
    for (const row of rows) expect(row, row).to.not.include('—');
  });
});
