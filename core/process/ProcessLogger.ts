/** The logger shape media/ and recordings/ accept (pino satisfies it); they never import server/. */
export interface ProcessLogger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): ProcessLogger;
}
