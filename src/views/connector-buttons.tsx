import { createContext, useContext } from 'hono/jsx';
import type { ConnectorChoice } from '../connectors/connector-sign-in.js';

/**
 * The connectors the login page offers. Provided by the bridge routes around the page, so the
 * login page itself only places {@link ConnectorButtons} (one line) and needs no new props.
 */
export const ConnectorChoices = createContext<readonly ConnectorChoice[]>([]);

export interface ConnectorButtonsProps {
  requestId: string;
  csrfToken: string;
}

/**
 * "Continue with …" buttons: each a POST form (CSRF token, the pending request) to the bridge,
 * which starts the upstream round trip. Nothing is shown when no connector is configured.
 */
export function ConnectorButtons(props: ConnectorButtonsProps) {
  const choices = useContext(ConnectorChoices);
  if (choices.length === 0) return null;
  return (
    <div class="connectors">
      <p class="divider">
        <span>or</span>
      </p>
      {choices.map((choice) => (
        <form method="post" action={`/connectors/${choice.id}/start`} class="connector-form">
          <input type="hidden" name="request_id" value={props.requestId} />
          <input type="hidden" name="csrf" value={props.csrfToken} />
          <button type="submit" class={`secondary connector connector-${iconClass(choice.icon)}`} data-connector={choice.id}>
            {choice.icon && /^(https:|\/static\/)/.test(choice.icon) ? <img src={choice.icon} alt="" width={18} height={18} /> : null}
            Continue with {choice.label}
          </button>
        </form>
      ))}
    </div>
  );
}

function iconClass(icon: string | undefined): string {
  return icon && /^[a-z]+$/.test(icon) ? icon : 'generic';
}
