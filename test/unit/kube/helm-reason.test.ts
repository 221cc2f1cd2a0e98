import { describe, expect, it } from 'vitest';
import { helmReason } from '../../../src/runtime/kube/helm.js';

describe('helmReason', () => {
  it('gives the errors under helm\'s "N errors occurred:" line, not the count', () => {
    const stderr = [
      'Error: UPGRADE FAILED: 2 errors occurred:',
      '\t* Deployment.apps "kt-gateway" is invalid: spec.template.spec.containers[0].image: Required value',
      '\t* Internal error occurred: resource quota evaluation timed out',
      '',
      '',
    ].join('\n');
    expect(helmReason(stderr, 'exit code 1')).toBe(
      'Deployment.apps "kt-gateway" is invalid: spec.template.spec.containers[0].image: Required value; Internal error occurred: resource quota evaluation timed out',
    );
  });

  it("gives the last Error: line of a single error, after helm's warnings", () => {
    const stderr =
      'WARNING: Kubernetes configuration file is group-readable\nError: INSTALLATION FAILED: context deadline exceeded\n';
    expect(helmReason(stderr, 'exit code 1')).toBe('INSTALLATION FAILED: context deadline exceeded');
  });

  it('falls back to the last line, then to what the caller knows', () => {
    expect(helmReason('something went wrong\n', 'exit code 1')).toBe('something went wrong');
    expect(helmReason('', 'exit code 1')).toBe('exit code 1');
  });
});
