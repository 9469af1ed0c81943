import { print, table, withServices, type Command } from './command.js';

export const keysRotate: Command = {
  name: 'keys rotate',
  synopsis: '',
  summary: 'Add new signing keys; old public keys stay published until the tokens they signed expire',
  side: 'identity',
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      await services.signingKeys.jwks(); // make sure the current keys exist before retiring them
      const kids = await services.signingKeys.rotate();
      print(input, { rotated: true, kids }, `New signing keys: ${kids.join(', ')}`);
    }),
};

export const keysList: Command = {
  name: 'keys list',
  synopsis: '',
  summary: 'List published signing keys',
  side: 'identity',
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const { keys } = await services.signingKeys.jwks();
      if (input.json) return void process.stdout.write(`${JSON.stringify({ keys })}\n`);
      table(['KID', 'ALG'], keys.map((k) => [String(k.kid), String(k.alg)]));
    }),
};
