// A pod's fsGroup on Docker. The kubelet gives a pod's volumes to its fsGroup (group owner, setgid,
// group-writable) before the pod starts; Docker creates a named volume owned by root, or by the
// image's owner of the mount path, so a non-root pod could not write to it. Before a pod with an
// fsGroup is created, omrs does what the kubelet does for each volume whose root is not in that
// group yet (the kubelet's OnRootMismatch): on the volume's folder when this machine can reach it
// (omrs as root beside a local engine), else in a short root container of the pod's own image
// (about a second). A no-op up does nothing, and an up interrupted half way is completed by the next.
import { chmod, chown, stat } from 'node:fs/promises';
import { OmrsError } from '../../errors.js';
import type { Docker } from '../../platform/docker.js';
import { removeContainer, waitExit } from './engine.js';
import { LABEL } from './names.js';
import type { ServicePlan } from './plan.js';

const SCRIPT = `gid=$1; shift
for v in "$@"; do
  [ "$(stat -c %g "$v")" = "$gid" ] || { chgrp "$gid" "$v" && chmod g+rwxs "$v"; } || exit 1
done`;

/** The named volumes the pod writes to, when it has an fsGroup. */
export function groupVolumes(s: ServicePlan): string[] {
  if (s.fsGroup === undefined) return [];
  const volumes = [...s.initContainers, ...s.containers].flatMap((c) =>
    c.mounts.flatMap((m) => (m.type === 'volume' && !m.readOnly ? [m.source] : [])),
  );
  return [...new Set(volumes)].sort();
}

/** The volume's root given to the group through its folder here; false when it cannot be reached. */
async function onThisMachine(docker: Docker, volume: string, gid: number): Promise<boolean> {
  try {
    const { Mountpoint } = (await docker.getVolume(volume).inspect()) as { Mountpoint: string };
    const root = await stat(Mountpoint);
    if (root.gid === gid) return true;
    await chown(Mountpoint, root.uid, gid);
    await chmod(Mountpoint, (root.mode & 0o7777) | 0o2070);
    return true;
  } catch {
    return false;
  }
}

export async function giveVolumesToGroup(
  docker: Docker,
  s: ServicePlan,
  name: string,
  labels: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const volumes: string[] = [];
  for (const v of groupVolumes(s)) if (!(await onThisMachine(docker, v, s.fsGroup!))) volumes.push(v);
  if (volumes.length > 0) await groupInContainer(docker, s, volumes, { name, labels, signal });
}

/** The kubelet's part done by a root container of the pod's first image (no network). */
export async function groupInContainer(
  docker: Docker,
  s: ServicePlan,
  volumes: string[],
  { name, labels, signal }: { name: string; labels: Record<string, string>; signal: AbortSignal },
): Promise<void> {
  const gid = s.fsGroup!;
  const targets = volumes.map((_, i) => `/volumes/${i}`);
  await removeContainer(docker, name);
  const container = await docker.createContainer({
    name,
    Image: s.containers[0]!.image,
    User: '0',
    Entrypoint: ['/bin/sh', '-c', SCRIPT, 'fsgroup', String(gid), ...targets],
    Labels: { ...labels, [LABEL.service]: s.name, [LABEL.role]: 'init' },
    HostConfig: {
      NetworkMode: 'none',
      Mounts: volumes.map((v, i) => ({ Type: 'volume' as const, Source: v, Target: targets[i]! })),
    },
  });
  try {
    await container.start();
    const code = await waitExit(docker, container.id, Date.now() + 60_000, signal);
    if (code !== 0)
      throw new OmrsError({
        code: 'COMPOSE_VOLUME_GROUP',
        message: `giving the volumes of ${s.name} (${volumes.join(', ')}) to group ${gid} failed (exit ${code ?? 'none in 60 s'})`,
        hint: `The pod's image (${s.containers[0]!.image}) needs sh, stat, chgrp and chmod; or run omrs as root beside the Docker engine, which does it on the volume's folder.`,
      });
  } finally {
    await removeContainer(docker, container.id);
  }
}
