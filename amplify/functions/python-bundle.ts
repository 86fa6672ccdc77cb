import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerImage, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Python sources of the scanner (and of any other function sharing its code asset). */
export const SCAN_IMAGE_SOURCE_DIR = resolve(REPO_ROOT, 'functions/scan_image');
/** Builds the asset: the sources plus the hashed lock's wheels (see the script's header). */
export const BUNDLE_SCRIPT = resolve(REPO_ROOT, 'scripts/bundle_lambda.sh');

/**
 * Runs scripts/bundle_lambda.sh on this machine (pip with Linux wheels; no Docker). Its public
 * `scriptSha256` field takes part in the asset hash (CDK hashes the bundling options as JSON), so
 * a changed script rebuilds the asset just as a changed source or lock does.
 */
class LocalPythonBundler implements ILocalBundling {
  readonly scriptSha256 = createHash('sha256').update(readFileSync(BUNDLE_SCRIPT)).digest('hex');

  tryBundle(outputDir: string): boolean {
    const run = spawnSync('bash', [BUNDLE_SCRIPT, outputDir], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (run.status !== 0) {
      // A failed bundle must stop the synth: returning false would fall back to Docker.
      throw new Error(`${BUNDLE_SCRIPT} failed (exit ${run.status ?? run.signal}):\n${run.stderr}${run.stdout}`);
    }
    if (run.stderr.trim()) process.stderr.write(run.stderr);
    return true;
  }
}

/**
 * The code asset of the Python functions, bundled during synth, so `ampx sandbox` (and its watch
 * mode), `ampx pipeline-deploy` and `cdk synth` build it themselves and never deploy a stale one.
 * The asset hash covers the sources (lock included) and the bundle script; an unchanged asset is
 * not rebuilt.
 */
export function scanImageCode(): lambda.Code {
  const bundling: BundlingOptions = {
    // Never used: local bundling always succeeds or throws. CDK requires an image all the same.
    image: DockerImage.fromRegistry('public.ecr.aws/sam/build-python3.12'),
    local: new LocalPythonBundler(),
  };
  return lambda.Code.fromAsset(SCAN_IMAGE_SOURCE_DIR, {
    bundling,
    // Caches of local test runs are not part of the source.
    exclude: ['__pycache__', '*.pyc'],
  });
}
