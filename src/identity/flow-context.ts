import type { Logger } from '../log.js';

/**
 * Where a flow runs: the client network (limits), the language of the mails, the bridge sign-in
 * the user is in (continued after a link), and how to finish work after the answer.
 */
export interface FlowContext {
  clientIp: string;
  /**
   * The language of mails the flow sends: the negotiated locale of the page that started it
   * (a bridge request's stored `ui_locales`, then Accept-Language, then the default).
   */
  locale: string;
  requestId?: string;
  /**
   * Run a task after the response (Workers: `waitUntil`; Node: it simply runs on). Mail goes out
   * this way so that the answer takes the same time whether or not a mail was sent.
   */
  defer: (task: Promise<unknown>) => void;
}

/** Send in the background; a failed delivery is logged, never shown (the page says the same either way). */
export function deferMail(context: FlowContext, logger: Logger, template: string, send: () => Promise<void>): void {
  // Started on a later turn of the event loop, so not even rendering the mail sits in the answer's path.
  const task = new Promise<void>((resolve) => setTimeout(resolve, 0))
    .then(send)
    .catch((error: unknown) => {
      logger.log('error', 'mail_failed', { template, reason: error instanceof Error ? error.message : String(error) });
    });
  context.defer(task);
}
