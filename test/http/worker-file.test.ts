import { describe, expect, it } from 'vitest';
import { workerFile } from '../../src/http/worker-file.js';

describe('workerFile', () => {
  it('is the module itself where it runs from dist/http or src/http', () => {
    expect(workerFile('file:///pkg/dist/http/metrics-worker.js', 'metrics-worker').href).toBe('file:///pkg/dist/http/metrics-worker.js');
    expect(workerFile('file:///pkg/src/http/metrics-worker.ts', 'metrics-worker').href).toBe('file:///pkg/src/http/metrics-worker.ts');
  });
  it('from a bundle chunk in dist/cli, the module as tsc wrote it in dist/http', () => {
    expect(workerFile('file:///pkg/dist/cli/_dsari-daemon.server-Ab12.js', 'simulate-worker').href).toBe('file:///pkg/dist/http/simulate-worker.js');
  });
});
