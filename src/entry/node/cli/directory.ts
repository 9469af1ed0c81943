import { jsonLogger } from '../../../log.js';
import { directoryCheck as runCheck, directoryStatus as runStatus } from '../directory-commands.js';
import { loadNodeConfig } from '../environment.js';
import { withServices, type Command } from './command.js';

export const directoryCheck: Command = {
  name: 'directory check',
  synopsis: '',
  summary: "Check the site directory's mapping against the live site (exit 1 when it is wrong)",
  details:
    'Connects with the configured mapping, verifies the table, columns and queries, reads a sample of\n' +
    'users, and reports how many of them each hash format covers and which rows cannot sign in.',
  side: 'bridge',
  options: {},
  run: async (input) => {
    const { config } = loadNodeConfig();
    const result = await runCheck(config, { json: input.json, logger: jsonLogger((line) => process.stderr.write(`${line}\n`), 'warn') });
    process.stdout.write(`${result.output}\n`);
    return result.code;
  },
};

export const directoryStatus: Command = {
  name: 'directory status',
  synopsis: '',
  summary: 'Which directory serves users; in migrate mode, how many were migrated',
  side: 'bridge',
  options: {},
  run: async (input) => {
    let code = 0;
    await withServices(input, async (services) => {
      const result = await runStatus(services, { json: input.json });
      process.stdout.write(`${result.output}\n`);
      code = result.code;
    });
    return code;
  },
};
