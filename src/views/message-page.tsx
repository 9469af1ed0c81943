import type { Child } from 'hono/jsx';
import { Layout } from './layout.js';
import type { Ui } from './ui.js';

export interface MessagePageProps {
  /** Locale, translations and theme (`c.get('ui')`). */
  ui?: Ui;
  /** Only for callers without `ui` (see {@link Layout}). */
  siteName?: string;
  title: string;
  message: string;
  children?: Child;
  refreshAfter?: number;
  refreshUrl?: string;
}

/** A plain page with a heading and a sentence: errors, "could not complete", "please wait". */
export function MessagePage(props: MessagePageProps) {
  return (
    <Layout title={props.title} ui={props.ui} siteName={props.siteName} refreshAfter={props.refreshAfter} refreshUrl={props.refreshUrl}>
      <h1>{props.title}</h1>
      <p class="message">{props.message}</p>
      {props.children}
    </Layout>
  );
}

export interface RetryFormProps {
  ui: Ui;
  action: string;
  requestId: string;
  csrfToken: string;
}

/** The "try again" button after a failed postback. */
export function RetryForm(props: RetryFormProps) {
  return (
    <form method="post" action={props.action} class="form">
      <input type="hidden" name="request_id" value={props.requestId} />
      <input type="hidden" name="csrf" value={props.csrfToken} />
      <button type="submit">{props.ui.t('bridge.retry')}</button>
    </form>
  );
}
