import type { Config } from '../../../config.js';
import { UsageError } from './args.js';
import { print, withServices, type Command } from './command.js';

/**
 * `aw show`: what the two halves must agree on (Janrain's "authenticating website" settings), as
 * true for this process's role. The identity service (or all-in-one) owns the API key and shows
 * it; a bridge shows the identity-service URLs it is configured with and its own Verify URL, but
 * never the key: it holds only the copy from IDBRIDGE_API_KEY, whose owner is the identity service.
 */
export const awShow: Command = {
  name: 'aw show',
  synopsis: '',
  summary: "Show the authenticating website's settings: API key, PostBack, Return and Verify URL",
  details: `With IDBRIDGE_ROLE=identity or all: the API key the bridge must present, the PostBack and
Return URL to configure on the bridge, and the bridge's Verify URL. With IDBRIDGE_ROLE=bridge:
the URLs this bridge uses and its own Verify URL (the key is not shown; \`aw show\` on the
identity service prints it).`,
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const { config } = services;
      if (config.role === 'bridge') {
        const info = bridgeInfo(config);
        print(input, info, [
          'IDBRIDGE_ROLE=bridge: the settings this bridge uses.',
          `Verify URL:   ${info.verify_url}   (IDBRIDGE_VERIFY_URL on the identity service)`,
          `PostBack URL: ${info.postback_url}   (IDBRIDGE_POSTBACK_URL)`,
          `Return URL:   ${info.return_url}   (IDBRIDGE_RETURN_URL)`,
          'API key:      from IDBRIDGE_API_KEY (not shown; `idbridge aw show` on the identity service prints it)',
        ].join('\n'));
        return;
      }
      const info = { ...identityInfo(config, await services.apiKeys.ensure()), janrain_compatible: await services.janrainCompatibility.enabled() };
      print(input, info, `${identityText(info)}\nJanrain-compatible postbacks: ${info.janrain_compatible ? 'on' : 'off'}`);
    }),
};

export const awJanrainCompat: Command = {
  name: 'aw janrain-compat',
  synopsis: 'on|off',
  summary: 'Accept postbacks from a stock Janrain authenticating website (no return_token; weaker, see docs/janrain-migration.md)',
  side: 'identity',
  positionals: ['on|off'],
  options: {},
  run: (input) => {
    const value = input.args.positionals[0];
    if (value !== 'on' && value !== 'off') throw new UsageError('needs on or off', input.command.name);
    return withServices(input, async (services) => {
      await services.janrainCompatibility.set(value === 'on');
      print(
        input,
        { janrain_compatible: value === 'on' },
        value === 'on'
          ? 'Janrain-compatible postbacks are on: postbacks without return_token are accepted, and consent is always asked\nunless the relying party is trusted. See docs/janrain-migration.md for what this gives up.'
          : 'Janrain-compatible postbacks are off: every postback must carry return_token.',
      );
    });
  },
};

export const awRotate: Command = {
  name: 'aw rotate',
  synopsis: '',
  summary: 'Replace that API key (the old one stops working at once)',
  side: 'identity',
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const info = identityInfo(services.config, await services.apiKeys.rotate());
      print(input, { ...info, rotated: true }, `API key rotated; set the new one as IDBRIDGE_API_KEY on the bridge.\n${identityText(info)}`);
    }),
};

function identityInfo(config: Config, apiKey: string) {
  return {
    role: config.role,
    api_key: apiKey,
    postback_url: `${config.publicUrl}/ows_auth`,
    return_url: `${config.publicUrl}/ows_return`,
    verify_url: config.identity.verifyUrl,
  };
}

function identityText(info: ReturnType<typeof identityInfo>): string {
  const split = info.role === 'identity';
  return [
    split ? 'IDBRIDGE_ROLE=identity: the settings for the bridge.' : 'IDBRIDGE_ROLE=all: bridge and identity service in this process.',
    `API key:      ${info.api_key}${split ? '   (IDBRIDGE_API_KEY on the bridge)' : ''}`,
    `PostBack URL: ${info.postback_url}${split ? '   (IDBRIDGE_POSTBACK_URL on the bridge)' : ''}`,
    `Return URL:   ${info.return_url}${split ? '   (IDBRIDGE_RETURN_URL on the bridge)' : ''}`,
    `Verify URL:   ${info.verify_url}${split ? "   (the bridge's, from IDBRIDGE_VERIFY_URL)" : ''}`,
  ].join('\n');
}

function bridgeInfo(config: Config) {
  return {
    role: config.role,
    verify_url: `${config.publicUrl}/verify`,
    postback_url: config.bridge.postbackUrl,
    return_url: config.bridge.returnUrl,
    api_key_configured: config.bridge.apiKey !== undefined,
  };
}
