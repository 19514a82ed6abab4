/**
 * The `tobira` command. `start` loads only what starting needs (start.ts): a cluster's primary, which
 * only supervises, never loads the server; every other command loads the whole CLI (commands.ts).
 */
import { parseArgs } from 'node:util';

const argv = process.argv.slice(2);
try {
  if (argv[0] === 'start' && !argv.includes('--help') && !argv.includes('-h')) {
    const { values } = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: { demo: { type: 'boolean', default: false } },
    });
    await (await import('./start.js')).start(values.demo); // keeps running
  } else {
    const code = await (await import('./commands.js')).main(argv);
    if (code >= 0) process.exit(code);
  }
} catch (error) {
  const { isRefusal } = await import('./usage.js');
  if (isRefusal(error)) {
    process.stderr.write(`tobira: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
