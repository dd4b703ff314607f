/** The executor: everything about one run's process (see types.ts for the map of files). */
export * from './types.js';
export { buildRunEnvironment, identityViolations, chooseWorkingDirectory, jobDirOf, runDirOf, IDENTITY_VARIABLES, DEFAULT_PATH } from './environment.js';
export { buildArgv } from './argv.js';
export { pythonFloatText } from './python-float.js';
export { startRun, signalName, signalFromStatus, WRAPPER_SHELL } from './spawn.js';
export { adoptRun } from './adopt.js';
export { readExitStatus, WRAPPER_SCRIPT } from './status.js';
export { readReturnData, RETURN_DATA_MAX_BYTES } from './return-data.js';
export { processStartTime, processAlive, processGroupMembers, processesWithRunId } from './proc.js';
export { findStartProblem } from './resolve.js';
export { RunTerminator, LEADER_KILL_DELAY_MS } from './terminate.js';
export { nativeSpawn, spawnMethod, SPAWN_METHOD_VARIABLE, NATIVE_ADDON, REAPER_BINARY, type NativeSpawn, type SpawnMethod } from './native.js';
