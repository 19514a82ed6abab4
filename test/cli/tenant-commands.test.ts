/** `tobira tenant create|update|show` with the brand options, as an operator runs them (real processes). */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG_1PX_B64, runTobira } from '../helpers/cli-runner.js';

const PNG = Buffer.from(PNG_1PX_B64, 'base64');

describe('tobira tenant commands: branding and time zone', function () {
  let dataDir: string;
  const tobira = (...args: string[]) => runTobira(dataDir, ...args);

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'tobira-cli-brand-'));
    await writeFile(path.join(dataDir, 'logo.png'), PNG);
    await writeFile(path.join(dataDir, 'logo.svg'), '<svg/>');
  });
  after(async () => rm(dataDir, { recursive: true, force: true }));

  it('creates a branded tenant, changes one setting at a time, and shows them', async function () {
    const created = await tobira(
      'tenant',
      'create',
      '--id',
      'p-61',
      '--support',
      'さくら銀行 サポートデスク',
      '--display-name',
      'さくら銀行',
      '--primary-color',
      '#0B3D91',
      '--logo',
      path.join(dataDir, 'logo.png'),
      '--support-phone',
      '0120-111-222',
      '--terms-url',
      'https://sakura.example/terms',
      '--time-zone',
      'Europe/Berlin',
    );
    expect(created.stdout, created.stderr).to.include('tenant p-61 created');
    const updated = await tobira(
      'tenant',
      'update',
      '--id',
      'p-61',
      '--support-hours',
      '9:00-17:00',
      '--accent-color',
      '#f39800',
    );
    expect(updated.code, updated.stderr).to.equal(0);
    expect(updated.stdout).to.include('time zone:     Europe/Berlin');
    expect(updated.stdout).to.include('display name:  さくら銀行');
    expect(updated.stdout).to.include(`logo:          image/png, ${PNG.length} bytes`);
    expect(updated.stdout).to.include('colours:       primary #0b3d91, accent #f39800');
    // The phone set at creation stays when only the hours change.
    expect(updated.stdout).to.include('support desk:  0120-111-222 / 9:00-17:00');
    expect(updated.stdout).to.include('terms:         https://sakura.example/terms');
    const removed = await tobira(
      'tenant',
      'update',
      '--id',
      'p-61',
      '--remove-logo',
      '--time-zone',
      'Asia/Tokyo',
    );
    expect(removed.stdout).to.include('logo:          (none)');
    expect((await tobira('tenant', 'show', '--id', 'p-61')).stdout).to.include('time zone:     Asia/Tokyo');
  });

  it('refuses bad values in one line each, exit 1', async function () {
    const colour = await tobira('tenant', 'update', '--id', 'p-61', '--primary-color', 'navy');
    expect(colour.code).to.equal(1);
    expect(colour.stderr).to.include('policy.branding.primaryColor: a colour is #rrggbb');
    const zone = await tobira('tenant', 'update', '--id', 'p-61', '--time-zone', 'Mars/Olympus');
    expect(zone.code).to.equal(1);
    expect(zone.stderr).to.include('policy.timeZone: an IANA time zone name');
    const logo = await tobira('tenant', 'update', '--id', 'p-61', '--logo', path.join(dataDir, 'logo.svg'));
    expect(logo.code).to.equal(1);
    expect(logo.stderr).to.include('--logo: a .png, .jpg/.jpeg or .webp file');
  });
});
