// The infrastructure part of a promotion: a fingerprint of what Terraform would build (the
// terraform/ code + the profile's tfvars); when it differs from the one recorded in SSM after the
// last apply, `terraform init` + `plan` (and, after confirmation, `apply` of that saved plan).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import { canonicalJson } from '../profile/digest.js';
import type { Profile } from '../profile/schema.js';
import { findBinary, run } from '../platform/exec.js';
import { packageRoot } from '../package-info.js';
import { backendConfigArgs, profileToTfvars } from './tfvars.js';

/** The project's terraform/ folder, else the one shipped with omrs. */
export const terraformDir = (cwd: string): string =>
  existsSync(join(cwd, 'terraform')) ? join(cwd, 'terraform') : join(packageRoot(), 'terraform');

/** The Terraform root of a profile: envs/<name> when it exists, else envs/prod for prod-level profiles, else envs/qa. */
export function terraformRoot(dir: string, name: string, profile: Profile): string {
  const own = join(dir, 'envs', name);
  if (existsSync(own)) return own;
  return join(dir, 'envs', profile.checks.level === 'prod' ? 'prod' : 'qa');
}

const IGNORED = new Set([
  '.terraform',
  '.terraform.lock.hcl',
  'terraform.tfvars.json',
  'terraform.tfstate',
  'terraform.tfstate.backup',
]);

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (IGNORED.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** sha256 over every file of terraform/ (path + content, sorted) and the canonical tfvars. */
export async function infraFingerprint(dir: string, profile: Profile, profileName: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of (await files(dir)).sort()) {
    hash
      .update(relative(dir, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  hash.update('tfvars\0').update(canonicalJson(profileToTfvars(profile, { profile: profileName })));
  return 'sha256:' + hash.digest('hex');
}

const README_HINT =
  'Terraform needs the hashicorp/aws provider; see terraform/README.md ("`terraform validate` / `plan`: the AWS provider") for how to provide it offline.';

export interface TerraformPlan {
  root: string;
  planFile: string;
  summary: string;
  dataDir: string;
}

/** OMRS_TERRAFORM, else terraform on PATH, else OpenTofu's `tofu` (the same CLI). */
async function findTerraform(env: Record<string, string | undefined>, why: string): Promise<string> {
  const found = env.OMRS_TERRAFORM ?? (await findBinary('terraform', env)) ?? (await findBinary('tofu', env));
  if (found) return found;
  throw new OmrsError({
    code: 'TERRAFORM_NOT_FOUND',
    message: `${why}, and neither terraform nor OpenTofu is installed`,
    exitCode: ExitCode.prerequisite,
    hint: 'Install terraform >= 1.5 (https://developer.hashicorp.com/terraform/install) or OpenTofu, or set OMRS_TERRAFORM to its path; see terraform/README.md.',
  });
}

/**
 * `terraform init` (partial S3 backend from the profile) and `terraform plan -out`. Runs with a
 * temporary TF_DATA_DIR and -var-file, so nothing is written into terraform/.
 */
export async function terraformPlan(
  root: string,
  profile: Profile,
  profileName: string,
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
  mode: 'apply' | 'destroy' = 'apply',
): Promise<TerraformPlan> {
  const why =
    mode === 'destroy' ? '`omrs destroy --infrastructure` plans a destroy' : 'the infrastructure changed';
  const terraform = await findTerraform(env, why);
  const work = await mkdtemp(join(tmpdir(), 'omrs-tf-'));
  const dataDir = join(work, 'data');
  const varFile = join(work, 'terraform.tfvars.json');
  const planFile = join(work, `${mode === 'destroy' ? 'destroy' : 'promotion'}.tfplan`);
  await writeFile(varFile, JSON.stringify(profileToTfvars(profile, { profile: profileName }), null, 2));
  const backend = backendConfigArgs(profile, { profile: profileName });
  if (env.OMRS_AWS_ENDPOINT) {
    // The S3 backend against an emulator: endpoints only; the bucket, key and table are the profile's.
    const file = join(work, 'emulator.s3.tfbackend');
    await writeFile(
      file,
      [
        `endpoints = { s3 = "${env.OMRS_AWS_ENDPOINT}", dynamodb = "${env.OMRS_AWS_ENDPOINT}" }`,
        'use_path_style = true',
        'skip_credentials_validation = true',
        'skip_requesting_account_id = true',
        'skip_metadata_api_check = true',
        '',
      ].join('\n'),
    );
    backend.unshift(`-backend-config=${file}`);
  }
  const tfEnv = { ...env, TF_DATA_DIR: dataDir, TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  const init = await run(terraform, [`-chdir=${root}`, 'init', '-input=false', '-no-color', ...backend], {
    env: tfEnv,
    timeoutMs: 300_000,
    ...(signal && { signal }),
  });
  if (init.code !== 0) {
    await rm(work, { recursive: true, force: true });
    const text = `${init.stderr}\n${init.stdout}`;
    const provider =
      /provider|registry\.terraform\.io|Failed to query available provider packages|could not connect to registry/i.test(
        text,
      );
    const reason =
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^[│╷╵]\s*$/.test(l))
        .map((l) => l.replace(/^[│╷╵]\s?/, ''))
        .find((l) => /^Error:/.test(l)) ??
      init.error ??
      `exit code ${String(init.code)}`;
    throw new OmrsError({
      code: provider ? 'TERRAFORM_PROVIDER_MISSING' : 'TERRAFORM_INIT_FAILED',
      message: `${why}, and \`terraform init\` in ${relative(process.cwd(), root) || root} failed: ${reason}`,
      exitCode: ExitCode.prerequisite,
      hint: provider
        ? README_HINT
        : 'Fix the terraform init error above (state bucket, lock table, credentials); see terraform/README.md.',
    });
  }
  const plan = await run(
    terraform,
    [
      `-chdir=${root}`,
      'plan',
      ...(mode === 'destroy' ? ['-destroy'] : []),
      '-input=false',
      '-no-color',
      '-lock-timeout=5m',
      `-var-file=${varFile}`,
      `-out=${planFile}`,
    ],
    { env: tfEnv, timeoutMs: 900_000, ...(signal && { signal }) },
  );
  if (plan.code !== 0) {
    await rm(work, { recursive: true, force: true });
    throw new OmrsError({
      code: 'TERRAFORM_PLAN_FAILED',
      message: `terraform plan failed: ${plan.stderr.trim().split('\n').slice(-5).join('\n')}`,
      exitCode: ExitCode.failed,
      hint: 'See terraform/README.md.',
    });
  }
  const summary = /Plan: .*|No changes\..*/.exec(plan.stdout)?.[0] ?? 'plan written';
  return { root, planFile, summary, dataDir };
}

export async function terraformApply(
  plan: TerraformPlan,
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<void> {
  const terraform = await findTerraform(env, 'the plan is applied');
  const result = await run(
    terraform,
    [`-chdir=${plan.root}`, 'apply', '-input=false', '-no-color', '-lock-timeout=5m', plan.planFile],
    {
      env: { ...env, TF_DATA_DIR: plan.dataDir, TF_IN_AUTOMATION: '1' },
      timeoutMs: 3_600_000,
      ...(signal && { signal }),
    },
  );
  if (result.code !== 0)
    throw new OmrsError({
      code: 'TERRAFORM_APPLY_FAILED',
      message: `terraform apply failed: ${result.stderr.trim().split('\n').slice(-5).join('\n')}`,
      exitCode: ExitCode.failed,
      hint: 'The state lock is released by terraform; inspect with `terraform plan` in the root and run `omrs promote` again.',
    });
}

/**
 * The Terraform root of a profile planned for destruction (`omrs destroy --infrastructure`). A
 * profile whose RDS has deletion protection is refused here, before any plan: omrs never turns
 * the protection off itself. RDS takes its final snapshot on the way (the module's
 * final_snapshot_identifier).
 */
export async function planInfrastructureTeardown(
  o: { cwd: string; profile: Profile; name: string; env: Record<string, string | undefined> },
  signal?: AbortSignal,
): Promise<{ root: string; summary: string; apply(): Promise<void> }> {
  const eks = o.profile.cluster.eks;
  if (!eks)
    throw new OmrsError({
      code: 'DESTROY_NO_INFRASTRUCTURE',
      message: `profile ${o.name} names no AWS infrastructure (cluster.eks)`,
      exitCode: ExitCode.usage,
      hint: 'Leave out --infrastructure: omrs destroy then removes the environment alone.',
    });
  if (eks.rds.deletionProtection)
    throw new OmrsError({
      code: 'DESTROY_DELETION_PROTECTED',
      message: `the RDS instance of profile ${o.name} has deletion protection (cluster.eks.rds.deletionProtection), so its infrastructure is not destroyed`,
      exitCode: ExitCode.failed,
      hint: 'Set cluster.eks.rds.deletionProtection: false and apply it with `omrs promote` (the prod root refuses that by design), then run destroy again. Nothing was removed.',
    });
  const dir = terraformDir(o.cwd);
  const plan = await terraformPlan(
    terraformRoot(dir, o.name, o.profile),
    o.profile,
    o.name,
    o.env,
    signal,
    'destroy',
  );
  return {
    root: relative(o.cwd, plan.root) || plan.root,
    summary: plan.summary,
    apply: () => terraformApply(plan, o.env, signal),
  };
}
