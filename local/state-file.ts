import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Where a running local mode says how to reach its database, so `npm run ops` finds it without
 * being told (the embedded DynamoDB Local listens on a port picked at each start).
 */
export const DEFAULT_LOCAL_STATE_FILE = '.local-data/local-mode.json';

export interface LocalModeState {
  /** The local mode's own process, to tell a live state file from one a kill -9 left behind. */
  pid: number;
  url: string;
  dynamoDbEndpoint: string;
  tableName: string;
  /** Its recovery sweep interval, so a sweep run by `npm run ops` backs off as local mode's own does. */
  recoveryIntervalSeconds: number;
}

export const stateFilePath = (env: Record<string, string | undefined>) => resolve(env.LOCAL_STATE_FILE?.trim() || DEFAULT_LOCAL_STATE_FILE);

export function writeState(file: string, state: LocalModeState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** The state of a local mode that is running now, or undefined (no file, or its process is gone). */
export function readLiveState(file: string): LocalModeState | undefined {
  let state: LocalModeState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as LocalModeState;
  } catch {
    return undefined;
  }
  try {
    process.kill(state.pid, 0);
  } catch {
    return undefined;
  }
  return state;
}

export function removeState(file: string, pid: number): void {
  // Only our own: a second local mode on another port may have written its file since.
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as LocalModeState).pid === pid) rmSync(file);
  } catch {
    // already gone
  }
}
