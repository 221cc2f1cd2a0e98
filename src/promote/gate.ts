// Step 2 of a promotion: the check gate at level prod on what is about to be promoted: the
// rendered objects, the profile's Terraform root, the cluster, and every tenant's database (--db:
// mandatory at level prod, see refuseIncomplete).
import { join } from 'node:path';
import { evaluate, type Inputs } from '../checks/run.js';
import { readCluster } from '../checks/sources/cluster.js';
import { openDatabases } from '../checks/sources/databases.js';
import { loadTerraform } from '../checks/sources/terraform.js';
import type { CheckReport, Level } from '../checks/types.js';
import type { Profile } from '../profile/schema.js';
import type { KubeObject } from '../render/objects.js';
import { arr, isRecord, rec, str } from '../render/json.js';
import { podTemplateOf, rawOf } from '../render/workloads.js';

export interface GateRequest {
  profile: Profile;
  objects: KubeObject[];
  level: Level;
  terraformDir: string;
  terraformRoot: string;
  cwd: string;
  cluster?: { context: string; kubeconfig?: string; namespace: string };
  db?: string;
}

export async function runGate(r: GateRequest): Promise<CheckReport> {
  const inputs: Inputs = { skipped: [] };
  inputs.manifests = {
    objects: r.objects,
    // The objects carry the locked references: OMRS-K8S-024 judges the digests deployed.
    target: 'the rendered objects of the promotion',
  };
  const modules = join(r.terraformDir, 'modules');
  const model = await loadTerraform(r.terraformDir, r.cwd, {
    roots: (dir) =>
      dir === r.terraformRoot ||
      (dir.startsWith(r.terraformDir) &&
        !dir.startsWith(join(r.terraformDir, 'envs')) &&
        !dir.startsWith(join(r.terraformDir, 'bootstrap')) &&
        !dir.startsWith(modules)),
  });
  if (model.files.length) inputs.terraform = { model, target: r.terraformRoot };
  else inputs.skipped!.push({ scope: 'terraform', reason: `no .tf files in ${r.terraformRoot}` });
  if (r.cluster) {
    const snapshot = await readCluster({
      context: r.cluster.context,
      namespace: r.cluster.namespace,
      tenants: r.profile.tenants.map((t) => t.name),
      ...(r.cluster.kubeconfig && { kubeconfig: r.cluster.kubeconfig }),
    });
    // The claims this promotion's objects mount are in use, mounted or not yet: a run killed
    // between creating them and their mounters (the backup CronJob) must not block the next run.
    for (const claim of claimsMountedBy(r.objects))
      snapshot.mountedClaims.add(`${r.cluster.namespace}/${claim}`);
    inputs.cluster = { context: snapshot, target: `context ${r.cluster.context}` };
  } else inputs.skipped!.push({ scope: 'cluster', reason: 'no cluster context' });
  if (!r.db) {
    inputs.skipped!.push({ scope: 'database', reason: 'no --db URL (or OMRS_DB_URL)' });
    return evaluate(inputs, { level: r.level, waivers: r.profile.checks.waivers, now: new Date() });
  }
  // Every tenant's database on the target server, whatever database the URL names.
  const opened = await openDatabases(r.db, r.profile.tenants, true);
  try {
    inputs.databases = opened.databases;
    inputs.skipped!.push(...opened.skipped.map((reason) => ({ scope: 'database' as const, reason })));
    return await evaluate(inputs, { level: r.level, waivers: r.profile.checks.waivers, now: new Date() });
  } finally {
    await opened.close();
  }
}

/** The claims that the pod templates of rendered objects mount. */
function claimsMountedBy(objects: KubeObject[]): string[] {
  return objects.flatMap((o) =>
    arr(podTemplateOf(rawOf(o))?.spec.volumes)
      .filter(isRecord)
      .map((v) => str(rec(v.persistentVolumeClaim).claimName))
      .filter((c): c is string => c !== undefined),
  );
}
