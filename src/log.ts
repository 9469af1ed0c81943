/**
 * Structured logging port. Each entry is one JSON object with an `event` name. Callers pass only
 * non-secret fields: never passwords, API keys, client secrets, tokens or profile values.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger writing JSON lines through `write` (stdout on Node, console on Workers). */
export function jsonLogger(write: (line: string) => void, minLevel: LogLevel = 'info', now = () => Date.now()): Logger {
  return {
    log(level, event, fields = {}) {
      if (ORDER[level] < ORDER[minLevel]) return;
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, event, ...fields }));
    },
  };
}

/** A logger that keeps entries in memory (tests, CLI). */
export function memoryLogger(): Logger & { entries: Array<{ level: LogLevel; event: string } & LogFields> } {
  const entries: Array<{ level: LogLevel; event: string } & LogFields> = [];
  return { entries, log: (level, event, fields = {}) => void entries.push({ level, event, ...fields }) };
}
