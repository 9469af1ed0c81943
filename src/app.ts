import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { LoginThrottle } from './bridge/login-throttle.js';
import type { OutgoingFetch } from './bridge/postback-client.js';
import { BridgeSessions } from './bridge/sessions.js';
import { BridgeSignIn } from './bridge/sign-in.js';
import { systemClock, type Clock } from './clock.js';
import { ConfigError, type Config } from './config.js';
import { bridgeHome, bridgeRoutes } from './http/bridge-routes.js';
import { SealedCookies } from './http/cookies.js';
import { CsrfTokens } from './http/csrf.js';
import type { AppEnv, HttpServices } from './http/context.js';
import { bodyLimit } from './http/body-limit.js';
import { notFound, onError } from './http/error-handler.js';
import { securityHeaders } from './http/security-headers.js';
import { healthRoutes } from './http/health-routes.js';
import { jsonLogger, type Logger } from './log.js';
import { ProfileCompletion } from './identity/profile-completion.js';
import { buildProfileModel, customRelease, profileAttributeValidator, type ProfileModel } from './identity/profile-model.js';
import { demoRoutes } from './demo/demo-routes.js';
import { janrainRoutes } from './http/identity-routes.js';
import { openId2Routes } from './http/openid2-routes.js';
import { ApiKeyVault } from './provider/api-key.js';
import { JanrainCompatibility } from './provider/janrain-compatibility.js';
import { OpenId2Provider } from './provider/openid2-provider.js';
import { ClientRegistry } from './provider/oidc/client-registry.js';
import { OidcAuthorization } from './provider/oidc/oidc-authorization.js';
import { RpLogout } from './provider/oidc/rp-logout.js';
import { SigningKeys } from './provider/oidc/signing-keys.js';
import { TokenService } from './provider/oidc/token-service.js';
import { adminRoutes, adminTokenAuth } from './http/admin-routes.js';
import { importRoutes, isImportUpload } from './api/import-routes.js';
import type { ImportJobs } from './import/ports.js';
import { accountRoutes } from './http/account-routes.js';
import { accountPageRoutes } from './http/account-page-routes.js';
import { Account } from './identity/account.js';
import { AccountSignIn } from './bridge/account-sign-in.js';
import { ConnectedApps } from './provider/connected-apps.js';
import { oidcRoutes } from './http/oidc-routes.js';
import { GrantRepository } from './storage/grant-repository.js';
import { Housekeeping, type PurgeCounts } from './storage/housekeeping.js';
import { OidcClientRepository } from './storage/oidc-client-repository.js';
import { OpSessionRepository } from './storage/op-session-repository.js';
import { SigningKeyRepository } from './storage/signing-key-repository.js';
import { ReturnFlow } from './provider/return-flow.js';
import { SignInStarter } from './provider/start-sign-in.js';
import { NO_RP_FETCH, RelyingPartyDiscovery, type RelyingPartyFetch } from './provider/rp-discovery.js';
import { AssociationRepository } from './storage/association-repository.js';
import { AuthRequestRepository } from './storage/auth-request-repository.js';
import { ConsentRepository } from './storage/consent-repository.js';
import { IdentityRepository } from './storage/identity-repository.js';
import { BridgeRequestRepository } from './storage/bridge-request-repository.js';
import { BridgeSessionRepository } from './storage/bridge-session-repository.js';
import { sqlErrorMessage, type Database } from './storage/database.js';
import { SECRET_CHECK_SETTING } from './storage/sealed-value-repository.js';
import { SettingsRepository } from './storage/settings-repository.js';
import { ThrottleRepository } from './storage/throttle-repository.js';
import { UserRepository } from './storage/user-repository.js';
import { ProfileRepository } from './storage/profile-store.js';
import { DirectoryLinkRepository } from './storage/directory-link-repository.js';
import { SiteDirectory, type SiteDirectoryDeps } from './users/site-directory.js';
import { DirectoryUnavailableError, type SiteUserSource } from './users/site-source.js';
import { BuiltinUserDirectory } from './users/builtin-directory.js';
import type { HashPrimitives } from './users/hashes/primitives.js';
import { createHashRegistry, type HashRegistry } from './users/hashes/registry.js';
import { PasswordHasher, type ScryptFunction } from './users/password-hasher.js';
import type { UserDirectory } from './users/user.js';
import { utf8 } from './util/bytes.js';
import { Languages, type LanguageFile } from './i18n/languages.js';
import { HttpMailer } from './mail/http-mailer.js';
import { MailDeliveryError, type Mailer, type OutgoingMail } from './mail/mailer.js';
import { OutboxMailer } from './mail/outbox.js';
import { NO_MAILER, TemplateMail } from './mail/outgoing-mail.js';
import { MailTemplates, type TemplateFile } from './mail/templates.js';
import { OutboxRepository } from './storage/outbox-repository.js';
import { outboxRoutes } from './http/outbox-routes.js';
import { themeRoutes } from './http/theme-routes.js';
import { uiContext, uiFactory } from './http/ui.js';
import { resolveTheme, themeContrastWarnings, type Theme } from './views/theme.js';
import { ApiTokens } from './api/api-tokens.js';
import type { AttributeValidator } from './api/user-resource.js';
import { scimRoutes } from './api/scim/scim-routes.js';
import { usersRoutes } from './api/users-routes.js';
import { UsersApi, type UserEmailLinks } from './api/users-service.js';
import { IdbridgeError } from './errors.js';
import { ApiTokenRepository } from './storage/api-token-repository.js';
import { AuditRepository } from './storage/audit-repository.js';
import type { UserRevocation } from './users/user-revocation.js';
import { BridgeRevocation, RemoteIdentityRevocation } from './bridge/user-revocation.js';
import { IdentityRevocation } from './provider/user-revocation.js';
import { EmailTokenRepository } from './storage/email-token-repository.js';
import { EmailTokens } from './identity/email-tokens.js';
import { ActionLimits } from './identity/action-limits.js';
import { Registration } from './identity/registration.js';
import { EmailVerification } from './identity/email-verification.js';
import { PasswordReset } from './identity/password-reset.js';
import { signUpRoutes } from './http/signup-routes.js';
import { revocationRoutes } from './http/revocation-routes.js';
import { ConnectorAccounts } from './connectors/account-connections.js';
import { ConnectorSignIn } from './connectors/connector-sign-in.js';
import { discoveryCache as newDiscoveryCache, Upstream } from './connectors/upstream.js';
import { connectorRedirectUri, connectorRoutes } from './http/connector-routes.js';
import { ConnectorFlowRepository, ConnectorLinkRepository, ConnectorUserRepository } from './storage/connector-repositories.js';
import { deploymentSecrets, deriveSecret, SEAL_PURPOSE, SecretBox } from './util/secret-box.js';
import { WebhookRepository } from './storage/webhook-repository.js';
import { DeliveryWorker, type DeliveryPolicy } from './api/webhooks/delivery-worker.js';
import { WebhookAdmin } from './api/webhooks/webhook-admin.js';
import { webhookRoutes } from './api/webhook-routes.js';

/** Everything the app needs from its runtime. Entry points (Node, Workers, tests) provide these. */
export interface AppDeps {
  config: Config;
  db: Database;
  /** Outgoing HTTP (undici on Node, global fetch on Workers). */
  fetch: OutgoingFetch;
  /** The scrypt primitive for the built-in user directory. */
  scrypt: ScryptFunction;
  /**
   * The primitives for verifying the site's own (legacy) password hashes: native on Node, pure JS
   * on Workers (`createHashRegistry` in users/hashes/registry.ts). Optional until a directory
   * that reads site hashes is configured.
   */
  hashPrimitives?: HashPrimitives;
  clock?: Clock;
  /** A ready-made user directory (tests); otherwise chosen by `config.directory`. */
  users?: UserDirectory;
  /**
   * The site's own user database for `directory.kind` sql or http, opened by the entry point
   * (Node: the SQL drivers or undici; Workers: http only). The app closes nothing: the entry does.
   */
  siteSource?: SiteUserSource;
  logger?: Logger;
  /** The TCP peer address of a request, when the runtime knows it. */
  remoteAddress?: (c: Context) => string | undefined;
  /** Serves `/static/*` from `public/` (runtime-specific). */
  assets?: MiddlewareHandler;
  /** Source of randomness for retry jitter. */
  random?: () => number;
  /**
   * Bounded fetch for OpenID 2.0 relying-party discovery (URLs an RP chose). Without it every
   * realm counts as unverified (the consent page warns).
   */
  rpFetch?: RelyingPartyFetch;
  /**
   * Changes whenever another process (the CLI) has committed to the database, so read caches of
   * rarely changing rows (clients, the API key) drop what it changed at once. Absent (Workers),
   * those caches hold for their short time bound.
   */
  dataVersion?: () => number;
  /** Runs bulk-import jobs (`POST /api/v1/users/imports`); absent (Workers): those routes answer 501. */
  importJobs?: ImportJobs;
  /**
   * Outgoing mail (verification, reset): templates rendered and handed to the runtime's transport.
   * Without one, flows still answer as usual and every send fails with a logged `mail_failed`.
   */
  mail?: OutgoingMail;
  /**
   * Collaborators of the Users API that other parts provide: the revocation of a user's
   * sessions/tokens (sign-up flows), the mail service, the one-time email links (the email-token
   * mechanism) and the profile model's attribute check. Until provided, the operations that need
   * one answer 503 (fail closed: nothing is deleted or blocked without revoking, no mail is
   * pretended to be sent).
   */
  usersApi?: { revocation?: UserRevocation; mail?: OutgoingMail; emailLinks?: UserEmailLinks; attributeValidator?: AttributeValidator };
  /**
   * The mail transport the entry point opened (Node: SMTP when IDBRIDGE_SMTP_URL is set). Without
   * it the app uses the HTTP mail API (IDBRIDGE_MAIL_API_URL) or, outside production, the
   * development outbox in the database.
   */
  mailer?: Mailer;
  /** Operator files the entry point read (Node; Workers have no file system). */
  operatorFiles?: OperatorFiles;
  /** Webhook delivery timing (tests); defaults in api/webhooks/delivery-worker.ts. */
  webhookPolicy?: Partial<DeliveryPolicy>;
}

/** Files named by the configuration, read by the entry point and validated by the app. */
export interface OperatorFiles {
  /** `mail.templates`: template overrides (`reset-password.de.html`). */
  mailTemplates?: TemplateFile[];
  /** `languages.directory`: message files (`fr.json`). */
  languages?: LanguageFile[];
  /** `theme.customCss.file`: the operator's stylesheet, served in /theme.css. */
  customCss?: string;
}

export interface AppServices {
  config: Config;
  clock: Clock;
  logger: Logger;
  hasher: PasswordHasher;
  userStore: UserRepository;
  directory: UserDirectory;
  /** Identity links of site users (`directory_links`). */
  links: DirectoryLinkRepository;
  /** The site source behind `directory`, when it is a site directory. */
  siteSource: SiteUserSource | undefined;
  apiKeys: ApiKeyVault;
  janrainCompatibility: JanrainCompatibility;
  signIn: BridgeSignIn;
  bridgeSessions: BridgeSessions;
  requests: BridgeRequestRepository;
  authRequests: AuthRequestRepository;
  associations: AssociationRepository;
  identities: IdentityRepository;
  consents: ConsentRepository;
  openid2: OpenId2Provider;
  returnFlow: ReturnFlow;
  clients: ClientRegistry;
  signingKeys: SigningKeys;
  oidc: OidcAuthorization;
  tokens: TokenService;
  rpLogout: RpLogout;
  connectedApps: ConnectedApps;
  /** Users API tokens (`idbridge token …`). */
  apiTokens: ApiTokens;
  /** The audit log of Users API writes. */
  audit: AuditRepository;
  usersApi: UsersApi;
  /** Upstream sign-in (config file `connectors`) and its account side. */
  connectors: ConnectorSignIn;
  connectorAccounts: ConnectorAccounts;
  /**
   * Purges expired rows in every table, returns the counts and logs them as one JSON line; the
   * runtime schedules it (Node: an interval, Workers: a cron trigger).
   */
  housekeeping: { run(): Promise<PurgeCounts> };
  /** Send a templated mail (registration, verification, reset, invitations, linking). */
  mail: OutgoingMail;
  /** The languages of this deployment: negotiation and translate functions. */
  languages: Languages;
  theme: Theme;
  /** The development outbox, when it is the transport (never in production). */
  outbox: OutboxMailer | undefined;
  /** Problems worth a warning at start (missing translations, low-contrast theme colours). */
  startupWarnings: string[];
  /** Mailed single-use links (verification, reset, later link-account). */
  emailTokens: EmailTokens;
  /** Sign-up at the bridge. */
  registration: Registration;
  /** Verification links, resend, and email change ({@link EmailVerification.requestEmailChange}). */
  emailVerification: EmailVerification;
  passwordReset: PasswordReset;
  /**
   * End a user's sessions and tokens (reset, block, deletion): bridge sessions here, then the
   * identity service's part, in-process (all-in-one) or over `POST /ows_revoke` (split).
   */
  userRevocation: UserRevocation;
  /** The identity service's part of {@link userRevocation} (what `/ows_revoke` runs). */
  identityRevocation: IdentityRevocation;
  /** The account page's operations (issue 11 §6). */
  account: Account;
  /** The account page's own sign-in and its current-password check (under the login throttle). */
  accountSignIn: AccountSignIn;
  profileModel: ProfileModel;
  /** Whether users may delete their account on the account page (the Users API can write the directory). */
  accountDeletable: boolean;
  /** Webhook endpoints (CLI, `/api/v1/webhooks`). */
  webhooks: WebhookAdmin;
  /** Sends the outbox's change notifications; the runtime schedules `run()` like the housekeeping. */
  webhookDelivery: DeliveryWorker;
}

/** Build the domain services from the runtime dependencies (shared by the app and the CLI). */
export function createServices(deps: AppDeps): AppServices {
  const { config, db } = deps;
  // The current secret seals; during a rotation the previous one still opens (see secret-rotation.ts).
  const secrets = deploymentSecrets(config);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? jsonLogger((line) => console.log(line), config.logLevel);
  const hasher = new PasswordHasher(deps.scrypt, config.passwordHash);
  const userStore = new UserRepository(db, config.tenant);
  const links = new DirectoryLinkRepository(db, config.tenant);
  // Imported users may keep their old site's hash (bcrypt, argon2, …) until their first sign-in.
  const builtinHashes = deps.hashPrimitives ? createHashRegistry(deps.hashPrimitives, { logger }) : undefined;
  const directory = deps.users ?? createDirectory(config, { store: userStore, hasher, links, clock, logger, source: deps.siteSource, builtinHashes });
  const settings = new SettingsRepository(db, config.tenant);
  const janrainCompatibility = new JanrainCompatibility(settings, clock, config.identity.janrainCompatible);
  const apiKeys = new ApiKeyVault(
    settings,
    new SecretBox(secrets, SEAL_PURPOSE.apiKey),
    clock,
    config.bridge.apiKey,
    deps.dataVersion,
  );
  const requests = new BridgeRequestRepository(db, config.tenant);
  // The profile model (config file `profile`): completion at the bridge, release at the identity service.
  const profileModel = buildProfileModel(config.profile);
  const release = customRelease(profileModel, config.publicUrl);
  const bridgeSessions = new BridgeSessions(new BridgeSessionRepository(db, config.tenant), clock, config.bridge.sessionTtlSeconds);
  const loginThrottle = new LoginThrottle(
    new ThrottleRepository(db, config.tenant),
    config.bridge.throttle,
    clock,
    deriveSecret(config.secret, 'login-throttle').then(utf8),
  );
  const signIn = new BridgeSignIn({
    config: config.bridge,
    requests,
    sessions: bridgeSessions,
    throttle: loginThrottle,
    directory,
    clock,
    logger,
    fetch: deps.fetch,
    random: deps.random ?? Math.random,
    // Split mode: the key the identity service issued (IDBRIDGE_API_KEY). All-in-one: the co-located
    // identity service's own key (the same vault).
    apiKey: () => apiKeys.ensure(),
    returnTokenKey: utf8(`idbridge/return-token/v1|${config.secret}`),
    profile: new ProfileCompletion({ model: profileModel, store: new ProfileRepository(userStore, links), clock }),
    verification: config.registration.verification,
  });
  const authRequests = new AuthRequestRepository(db, config.tenant);
  const associations = new AssociationRepository(db, config.tenant, new SecretBox(secrets, SEAL_PURPOSE.associations), () => clock.now());
  const identities = new IdentityRepository(db, config.tenant);
  const consents = new ConsentRepository(db, config.tenant);
  const signIns = new SignInStarter({ identity: config.identity, requests: authRequests, clock });
  const rpDiscovery = new RelyingPartyDiscovery(deps.rpFetch ?? NO_RP_FETCH, { clock });
  const openid2 = new OpenId2Provider({ config, associations, signIns, identities, clock, logger, rpDiscovery, release });
  const clientStore = new OidcClientRepository(db, config.tenant, clock, deps.dataVersion);
  const clients = new ClientRegistry(clientStore, clock);
  const oidcConfig = config.identity.oidc;
  const signingKeys = new SigningKeys(
    new SigningKeyRepository(db, config.tenant),
    new SecretBox(secrets, SEAL_PURPOSE.signingKeys),
    clock,
    Math.max(oidcConfig.idTokenTtlSeconds, oidcConfig.accessTokenTtlSeconds) + 300,
  );
  const grants = new GrantRepository(db, config.tenant);
  const opSessions = new OpSessionRepository(db, config.tenant);
  const oidc = new OidcAuthorization({ config, clients: clientStore, signIns, grants, clock, logger, release });
  const tokens = new TokenService({ issuer: config.publicUrl, config: oidcConfig, clients: clientStore, grants, keys: signingKeys, clock, logger });
  const rpLogout = new RpLogout({
    issuer: config.publicUrl,
    clients: clientStore,
    grants,
    opSessions,
    keys: signingKeys,
    clock,
    logger,
    bridgeLogoutUrl: config.identity.bridgeLogoutUrl,
    apiKey: () => apiKeys.ensure(),
  });
  const connectedApps = new ConnectedApps({ consents, clients: clientStore, grants, opSessions, clock });
  const audit = new AuditRepository(db, config.tenant);
  const unavailable = (what: string) => async (): Promise<never> => {
    throw new IdbridgeError('server_error', `${what} is not available in this deployment.`, { status: 503 });
  };
  // Mail first: the Users API sends through it.
  const languages = new Languages({ defaultLocale: config.languages.default, files: deps.operatorFiles?.languages });
  const theme = resolveTheme(config.theme, config.siteName, deps.operatorFiles?.customCss);
  const outbox = !deps.mailer && config.mail.transport === 'outbox' ? new OutboxMailer(new OutboxRepository(db, config.tenant), clock, config.environment) : undefined;
  // A ready-made mail service (tests) or the templates over the runtime's transport.
  const mail = deps.mail ?? new TemplateMail({
    templates: new MailTemplates(languages, deps.operatorFiles?.mailTemplates),
    languages,
    transport: deps.mailer ?? outbox ?? defaultTransport(config, deps.fetch),
    brand: {
      productName: theme.productName,
      // Only a configured logo goes into mails (absolute: a mail has no base URL).
      logoUrl: config.theme.logo ? new URL(config.theme.logo, `${config.publicUrl}/`).toString() : undefined,
      brandColour: theme.colours.brand,
      onBrandColour: theme.colours.onBrand,
    },
    logger,
  });
  const identityRevocation = new IdentityRevocation({ opSessions, grants, consents, clock, logger });
  const userRevocation = new BridgeRevocation(
    bridgeSessions,
    config.role === 'bridge'
      ? new RemoteIdentityRevocation({ url: new URL('/ows_revoke', config.bridge.postbackUrl).toString(), fetch: deps.fetch, apiKey: () => apiKeys.ensure(), clock, logger })
      : identityRevocation,
  );
  const emailTokens = new EmailTokens(new EmailTokenRepository(db, config.tenant), clock);
  const limits = new ActionLimits(new ThrottleRepository(db, config.tenant), clock, deriveSecret(config.secret, 'action-limits').then(utf8));
  const mailLinks = {
    verifyEmail: (token: string, locale: string) => `${config.publicUrl}/verify-email?token=${token}&ui_locales=${encodeURIComponent(locale)}`,
    resetPassword: (token: string, locale: string) => `${config.publicUrl}/reset-password?token=${token}&ui_locales=${encodeURIComponent(locale)}`,
  };
  const registration = new Registration({ config: config.registration, store: userStore, directory, hasher, tokens: emailTokens, mail, limits, links: mailLinks, clock, logger });
  const emailVerification = new EmailVerification({ config: config.registration, store: userStore, directory, tokens: emailTokens, registration, limits, clock, logger });
  const passwordReset = new PasswordReset({
    config: config.registration,
    store: userStore,
    directory,
    hasher,
    tokens: emailTokens,
    mail,
    limits,
    links: mailLinks,
    revocation: userRevocation,
    clock,
    logger,
  });
  const usersApi = new UsersApi({
    tenant: config.tenant,
    store: userStore,
    directory,
    writable: deps.users === undefined && config.directory.kind === 'builtin',
    readOnlyReason:
      config.directory.kind === 'builtin'
        ? undefined
        : `users are served from the site's own database (directory.kind ${config.directory.kind}, mode ${config.directory.mode}), which idbridge does not write`,
    hasher,
    hashes: builtinHashes,
    revocation: deps.usersApi?.revocation ?? userRevocation,
    mail: deps.usersApi?.mail ?? mail,
    links: deps.usersApi?.emailLinks ?? apiEmailLinks(emailTokens, mailLinks, config.registration, config.languages.default),
    audit,
    // With a profile section, custom attributes are the model's fields and pass its rules; without
    // one there is no model to check against and any attribute of the right shape is kept.
    attributeValidator: deps.usersApi?.attributeValidator ?? (config.profile ? profileAttributeValidator(profileModel) : undefined),
    defaultLocale: 'en',
    clock,
    logger,
  });
  const returnFlow = new ReturnFlow({
    requests: authRequests,
    identities,
    consents,
    responders: { openid2, oidc },
    opSessions,
    janrainCompatible: () => janrainCompatibility.enabled(),
    sessionTtlSeconds: oidcConfig.sessionTtlSeconds,
    clock,
    logger,
  });
  const accountSignIn = new AccountSignIn({ throttle: loginThrottle, directory, sessions: bridgeSessions, verification: config.registration.verification, clock, logger });
  const account = new Account({
    store: userStore,
    profiles: new ProfileRepository(userStore, links),
    passwords: accountSignIn,
    sessions: bridgeSessions,
    revocation: userRevocation,
    hasher,
    tokens: emailTokens,
    verification: emailVerification,
    reset: passwordReset,
    // The Users API's write path: revocation with consents, the delete, the audit entry (actor `self`).
    deleteUser: (userId) => usersApi.delete(userId, undefined, { actor: 'self', scopes: new Set() }),
    model: profileModel,
    passwordMinLength: config.registration.passwordMinLength,
    clock,
    logger,
  });
  const webhookStore = new WebhookRepository(db, config.tenant);
  const webhookSecrets = new SecretBox(secrets, SEAL_PURPOSE.webhookSecrets);
  const webhooks = new WebhookAdmin({ store: webhookStore, seal: (s) => webhookSecrets.seal(s), clock, environment: config.environment });
  const webhookDelivery = new DeliveryWorker({
    store: webhookStore,
    openSecret: (sealed) => webhookSecrets.open(sealed),
    fetch: deps.fetch,
    clock,
    logger,
    tenant: config.tenant,
    random: deps.random,
    policy: deps.webhookPolicy,
  });
  return {
    account,
    accountSignIn,
    profileModel,
    accountDeletable: deps.users === undefined && config.directory.kind === 'builtin',
    emailTokens,
    registration,
    emailVerification,
    passwordReset,
    userRevocation,
    identityRevocation,
    webhooks,
    webhookDelivery,
    config,
    clock,
    logger,
    hasher,
    userStore,
    directory,
    links,
    siteSource: deps.users ? undefined : deps.siteSource,
    apiKeys,
    janrainCompatibility,
    signIn,
    bridgeSessions,
    requests,
    authRequests,
    associations,
    identities,
    consents,
    openid2,
    returnFlow,
    clients,
    signingKeys,
    oidc,
    tokens,
    rpLogout,
    connectedApps,
    apiTokens: new ApiTokens(new ApiTokenRepository(db, config.tenant), clock),
    audit,
    usersApi,
    ...createConnectors(config, { db, userStore, directory, fetch: deps.fetch, clock, logger, secrets }),
    housekeeping: housekeeping(new Housekeeping({ db, tenant: config.tenant, clock, throttleWindowSeconds: config.bridge.throttle.windowSeconds }), clock, logger),
    mail,
    languages,
    theme,
    outbox,
    startupWarnings: [...languages.warnings, ...(Object.keys(config.theme.colors).length > 0 ? themeContrastWarnings(theme.colours) : [])],
  };
}

/** The transport when the entry point gave none: the HTTP mail API, or none (sending fails, logged). */
function defaultTransport(config: Config, fetch: OutgoingFetch): Mailer {
  const { mail } = config;
  if (mail.transport === 'http') {
    return new HttpMailer({ url: mail.apiUrl!, apiKey: mail.apiKey!, from: mail.from, timeoutMs: mail.http.timeoutMs, fetch });
  }
  if (mail.transport === 'smtp') {
    // SMTP needs a runtime socket: the Node entry passes its transport. A caller without one (a
    // CLI command that sends nothing) gets a transport that says why, should it ever send.
    return { send: async () => Promise.reject(new MailDeliveryError('SMTP is opened by the Node entry point; this process has no SMTP transport', false)) };
  }
  return NO_MAILER;
}

/** The connectors of the config file: one upstream client each, the flows, links and policies. */
function createConnectors(
  config: Config,
  deps: { db: Database; userStore: UserRepository; directory: UserDirectory; fetch: OutgoingFetch; clock: Clock; logger: Logger; secrets: string[] },
): Pick<AppServices, 'connectors' | 'connectorAccounts'> {
  const links = new ConnectorLinkRepository(deps.db, config.tenant);
  const users = new ConnectorUserRepository(deps.db, config.tenant, deps.userStore);
  const discoveryCache = newDiscoveryCache(deps.clock);
  const upstreams = new Map(
    config.connectors.map((c) => [c.id, new Upstream(c, connectorRedirectUri(config.publicUrl, c.id), { fetch: deps.fetch, discoveryCache })]),
  );
  // Keyed with the deployment secret(s): the current one first, the one being rotated away from next.
  let keys: Promise<Uint8Array<ArrayBuffer>[]> | undefined;
  const identityKeys = () => (keys ??= Promise.all(deps.secrets.map(async (s) => utf8(await deriveSecret(s, 'connector-identity')))));
  return {
    connectors: new ConnectorSignIn({
      connectors: config.connectors,
      upstreams,
      flows: new ConnectorFlowRepository(deps.db, config.tenant),
      links,
      users,
      directory: deps.directory,
      box: new SecretBox(deps.secrets, 'connector-flows'),
      identityKeys,
      clock: deps.clock,
      logger: deps.logger,
    }),
    connectorAccounts: new ConnectorAccounts({ connectors: config.connectors, links, users, logger: deps.logger }),
  };
}

/** Housekeeping as the runtimes call it: one purge, its counts logged as one JSON line. */
function housekeeping(rows: Housekeeping, clock: Clock, logger: Logger): AppServices['housekeeping'] {
  return {
    async run() {
      const started = clock.now();
      const counts = await rows.purge();
      logger.log('info', 'housekeeping', { ...counts, ms: clock.now() - started });
      return counts;
    },
  };
}

/**
 * The user directory `config.directory` names: the built-in table (the default), or the site's
 * own database (sql / http) through the source the entry point opened.
 */
function createDirectory(
  config: Config,
  deps: Omit<SiteDirectoryDeps, 'source'> & { source: SiteUserSource | undefined; builtinHashes: HashRegistry | undefined },
): UserDirectory {
  const d = config.directory;
  if (d.kind === 'builtin') return new BuiltinUserDirectory(deps.store, deps.hasher, deps.clock, deps.builtinHashes);
  if (deps.source && deps.source.kind !== d.kind) throw new ConfigError([`directory.kind: ${d.kind}, but the entry point opened a ${deps.source.kind} source`]);
  if (!deps.source) {
    // CLI commands that never sign anyone in (user list, client add, directory status) run
    // without opening the site; the servers always open it (or refuse to start).
    return unopenedDirectory(d.kind);
  }
  return new SiteDirectory({ ...deps, source: deps.source }, { mode: d.mode, writeBack: d.kind === 'sql' ? d.writeBack : false, name: d.name });
}

function unopenedDirectory(kind: string): UserDirectory {
  const fail = async (): Promise<never> => {
    throw new DirectoryUnavailableError('misconfigured', `the ${kind} directory was not opened by this entry point`);
  };
  return { authenticate: fail, findById: fail, findByEmail: fail, recordLogin: fail };
}

/** Build the Hono app. No runtime-specific imports: the same app runs on Node and Workers. */
export async function createApp(deps: AppDeps): Promise<{ app: Hono<AppEnv>; services: AppServices }> {
  // All-in-one: the bridge's postback to its co-located identity service is handed to this very app
  // instead of a loopback HTTP connection (same request, same answers and retries, no TCP and
  // HTTP parsing on both ends). Split deployments, and any other URL, use the real network.
  let local: ((request: Request) => Response | Promise<Response>) | undefined;
  const ownOrigin = new URL(deps.config.publicUrl).origin;
  const fetch: OutgoingFetch = (input, init) =>
    local && deps.config.role === 'all' && new URL(input).origin === ownOrigin ? Promise.resolve(local(new Request(input, init))) : deps.fetch(input, init);
  const services = createServices({ ...deps, fetch });
  const { config, logger } = services;
  const http: HttpServices = {
    config,
    logger,
    // Cookies and CSRF tokens issued under the previous secret stay valid during a rotation.
    cookies: new SealedCookies(await Promise.all(deploymentSecrets(config).map((s) => deriveSecret(s, 'cookie-seal'))), config.secureCookies, services.clock),
    csrf: new CsrfTokens(await Promise.all(deploymentSecrets(config).map(async (s) => utf8(await deriveSecret(s, 'csrf'))))),
    clientIp: (c) => clientIp(c, config.trustProxy, deps.remoteAddress),
    ui: uiFactory(services.languages, services.theme),
    connectorChoices: services.connectors.choices(),
  };
  for (const warning of services.startupWarnings) logger.log('warn', 'config_warning', { detail: warning });

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('http', http);
    c.set('errorFormat', 'html');
    await next();
  });
  app.use('*', securityHeaders(services.theme.cspSources));
  app.use('*', uiContext(http.ui));
  // The one body limit; the error is raised when a route reads the body, in that route's format.
  // An import upload alone is counted against its own, larger limit (api/import-routes.ts).
  const limit = bodyLimit();
  app.use('*', (c, next) => (isImportUpload(c.req.method, c.req.path) ? next() : limit(c, next)));
  if (deps.assets) app.use('/static/*', deps.assets);
  // Readiness reads a real table (the secret check value), not just `select 1`: migrations applied.
  const settings = new SettingsRepository(deps.db, config.tenant);
  const readiness = async () => {
    try {
      await settings.get(SECRET_CHECK_SETTING);
    } catch (error) {
      throw new Error(sqlErrorMessage(error)); // the driver's reason, not Drizzle's "Failed query"
    }
  };
  app.route('/', healthRoutes(readiness, logger));
  app.route('/', themeRoutes(services.theme));
  // The outbox exists only outside production (config.mail and OutboxMailer both refuse it there).
  if (services.outbox && config.environment !== 'production') app.route('/', outboxRoutes(services.outbox));

  if (config.role !== 'identity') {
    const connectors = connectorRoutes({
      signIn: services.signIn,
      connectors: services.connectors,
      accounts: services.connectorAccounts,
      sessions: services.bridgeSessions,
      sessionTtlSeconds: config.bridge.sessionTtlSeconds,
      publicUrl: config.publicUrl,
    });
    app.route('/', bridgeRoutes(services.signIn, config.bridge.sessionTtlSeconds, connectors.direct));
    app.route('/', connectors.routes);
  }
  if (config.role !== 'identity') app.route('/', accountPageRoutes({ account: services.account, signIn: services.accountSignIn, sessions: services.bridgeSessions, directory: services.directory, model: services.profileModel, apps: config.role === 'all' ? { kind: 'local', service: services.connectedApps } : { kind: 'remote', manageUrl: new URL('/account/apps', config.bridge.returnUrl).toString() }, canDelete: services.accountDeletable, sessionTtlSeconds: config.bridge.sessionTtlSeconds, passwordMinLength: config.registration.passwordMinLength }));
  if (config.role !== 'identity') app.route('/', signUpRoutes({ signIn: services.signIn, registration: services.registration, verification: services.emailVerification, reset: services.passwordReset, sessionTtlSeconds: config.bridge.sessionTtlSeconds }));
  // Users live with the bridge, and so does their import.
  if (config.role !== 'identity') app.route('/', importRoutes(deps.importJobs, adminTokenAuth(config.identity.adminToken)));
  if (config.role !== 'identity') app.route('/api/v1/webhooks', webhookRoutes(services.webhooks, { tokens: services.apiTokens, adminToken: config.identity.adminToken }));
  if (config.role !== 'bridge') {
    app.route(
      '/',
      janrainRoutes(
        {
          requests: services.authRequests,
          apiKeyMatches: (key) => services.apiKeys.matches(key),
          janrainCompatible: () => services.janrainCompatibility.enabled(),
          clock: services.clock,
          logger,
        },
        services.returnFlow,
        { apiKey: () => services.apiKeys.current(), logger },
      ),
    );
    app.route('/', openId2Routes(services.openid2, services.identities));
    app.route(
      '/',
      oidcRoutes({ authorization: services.oidc, tokens: services.tokens, keys: services.signingKeys, logout: services.rpLogout, clients: services.clients }),
    );
    app.route('/', adminRoutes(services.clients, config.identity.adminToken));
    app.route('/', revocationRoutes({ apiKey: () => services.apiKeys.current(), revocation: services.identityRevocation, clock: services.clock, logger }));
    app.route('/', accountRoutes(services.connectedApps));
    if (config.identity.demo) app.route('/', demoRoutes(config, deps.fetch));
  }
  // Users live at the bridge's database: the bridge (or the all-in-one process) serves the Users API.
  if (config.role !== 'identity') app.route('/', usersRoutes({ users: services.usersApi, tokens: services.apiTokens, audit: services.audit, adminToken: config.identity.adminToken }));
  if (config.role !== 'identity') app.route('/', scimRoutes({ users: services.usersApi, tokens: services.apiTokens, adminToken: config.identity.adminToken, publicUrl: config.publicUrl }));
  if (config.role === 'bridge') app.get('/', bridgeHome);
  else app.get('/', (c) => c.redirect(config.identity.demo ? '/demo' : '/openid', 302));

  app.onError(onError);
  app.notFound(notFound);
  local = (request) => app.fetch(request);
  return { app, services };
}

/**
 * The client IP for throttling. Behind a trusted proxy, the last `X-Forwarded-For` hop is the
 * address that proxy saw (earlier hops are client-controlled and could be forged).
 */
function clientIp(c: Context, trustProxy: boolean, remote: ((c: Context) => string | undefined) | undefined): string {
  if (trustProxy) {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const last = hops.at(-1);
    if (last) return last.slice(0, 64);
  }
  return remote?.(c) ?? 'unknown';
}

/**
 * The Users API's mailed links, on the one email-token mechanism: a verification link, or a
 * reset link (an invitation's "choose a password" is a reset link that lives as long as a
 * verification link, since an invited person may open it days later).
 */
function apiEmailLinks(
  tokens: EmailTokens,
  links: { verifyEmail(token: string, locale: string): string; resetPassword(token: string, locale: string): string },
  ttl: { verificationTtlSeconds: number; resetTtlSeconds: number },
  defaultLocale: string,
): UserEmailLinks {
  return {
    async issue(user, kind) {
      // The page behind the link opens in the user's language, like the mail (docs/languages.md).
      const locale = user.profile.language ?? defaultLocale;
      if (kind === 'verify-email') {
        const token = await tokens.issue('verify-email', user.id, user.email, ttl.verificationTtlSeconds);
        return { link: links.verifyEmail(token, locale), expiresInMinutes: Math.round(ttl.verificationTtlSeconds / 60) };
      }
      const seconds = kind === 'set-password' ? ttl.verificationTtlSeconds : ttl.resetTtlSeconds;
      const token = await tokens.issue('reset-password', user.id, user.email, seconds);
      return { link: links.resetPassword(token, locale), expiresInMinutes: Math.round(seconds / 60) };
    },
  };
}
