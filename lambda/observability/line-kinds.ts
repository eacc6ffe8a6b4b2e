/**
 * The names that tell the telemetry lines apart, without the schemas (log-line.ts) that the
 * functions' bundles need not load.
 */

/** The `message` of each kind of line. */
export const LogMessage = { Invocation: 'invocation', RecoveryAttempt: 'recovery attempt', RecoverySweep: 'recovery sweep' } as const;
export type LogMessage = (typeof LogMessage)[keyof typeof LogMessage];

export const LogLevel = { Info: 'info', Warn: 'warn', Error: 'error' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** What a recovery sweep line says became of the sweep itself. */
export const SweepOutcome = { Swept: 'swept', Failed: 'sweep_failed' } as const;
export type SweepOutcome = (typeof SweepOutcome)[keyof typeof SweepOutcome];
