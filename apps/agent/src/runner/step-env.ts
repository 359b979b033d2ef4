/** Names the shell or the step contract owns; a credential cannot take them over. */
const RESERVED_NAMES = new Set([
  'TASK_ORIGIN_PARAM',
  'TASK_RESULT',
  'PATH',
  'IFS',
  'PWD',
  'OLDPWD',
  'ENV',
  'HOME',
  'SHELL',
  'PS1',
  'PS2',
  'PS4',
  'OPTIND',
  'PPID',
]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The agent's own settings (and anything pointing at its credential) stay out of step shells. */
function isAgentSetting(name: string): boolean {
  return name.startsWith('OUTPOST_');
}

export interface StepEnv {
  env: Record<string, string>;
  /** Credential keys that could not become variables (they stay usable as `{{KEY}}`). */
  skippedKeys: string[];
}

/** The environment of every step shell of a run: the base environment plus one variable per credential. */
export function buildStepEnv(
  base: Readonly<Record<string, string | undefined>>,
  credentials: Readonly<Record<string, string>>,
): StepEnv {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (
      value !== undefined &&
      !isAgentSetting(name) &&
      name !== 'TASK_ORIGIN_PARAM' &&
      name !== 'TASK_RESULT'
    )
      env[name] = value;
  }
  const skippedKeys: string[] = [];
  for (const [key, value] of Object.entries(credentials)) {
    if (ENV_NAME.test(key) && !RESERVED_NAMES.has(key)) env[key] = value;
    else skippedKeys.push(key);
  }
  return { env, skippedKeys };
}
