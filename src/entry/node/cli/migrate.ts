import { print, withServices, type Command } from './command.js';

export const migrate: Command = {
  name: 'migrate',
  synopsis: '',
  summary: 'Apply database migrations and exit',
  options: {},
  run: (input) =>
    withServices(input, async ({ config }) => {
      print(input, { migrated: true, database: config.databasePath }, `Database ${config.databasePath} is up to date.`);
    }),
};
