import type { ContainerInfo } from 'dockerode';
import { describe, expect, it } from 'vitest';
import { shippedContainers, shipperArgs, shipperPlan } from '../../../src/runtime/compose/log-shipper.js';
import type { ServicePlan } from '../../../src/runtime/compose/plan.js';

const info = (name: string, service: string, id: string): ContainerInfo =>
  ({ Id: id, Names: [`/${name}`], Labels: { 'omrs.dev/service': service } }) as unknown as ContainerInfo;
const planned = (name: string, component: string, tenant?: string): ServicePlan =>
  ({ name, component, ...(tenant && { tenant }) }) as ServicePlan;

describe('the Docker log shipper', () => {
  const services = [planned('backend-default', 'backend', 'default'), planned('db', 'db')];
  const containers = [
    info('omrs-e1-db', 'db', 'bbbb'),
    info('omrs-e1-backend-default', 'backend-default', 'aaaa'),
    info('omrs-e1-log-shipper', 'log-shipper', 'cccc'),
    info('omrs-e1-old', 'old', 'dddd'),
  ];
  const wanted = new Set(['omrs-e1-db', 'omrs-e1-backend-default', 'omrs-e1-log-shipper']);

  it('ships the containers up keeps, not its own output nor those about to go, with their component and tenant', () => {
    expect(shippedContainers(containers, services, wanted)).toEqual([
      { id: 'aaaa', name: 'omrs-e1-backend-default', service: 'backend', tenant: 'default' },
      { id: 'bbbb', name: 'omrs-e1-db', service: 'db' },
    ]);
  });

  it('gives each container’s log file its own fields, in the order of the files', () => {
    const args = shipperArgs({
      env: 'e1',
      store: 'e1-openmrs-logs',
      containers: shippedContainers(containers, services, wanted),
    });
    expect(args).toContain('-remoteWrite.url=http://e1-openmrs-logs:9428/internal/insert');
    expect(args).toContain('-fileCollector.streamFields=environment,tenant,service');
    const pairs = args.filter(
      (a) => a.startsWith('-fileCollector.glob=') || a.startsWith('-fileCollector.extraFields='),
    );
    expect(pairs).toEqual([
      '-fileCollector.glob=/docker-containers/aaaa/aaaa-json.log',
      '-fileCollector.extraFields={"environment":"e1","tenant":"default","service":"backend","container":"omrs-e1-backend-default"}',
      '-fileCollector.glob=/docker-containers/bbbb/bbbb-json.log',
      '-fileCollector.extraFields={"environment":"e1","service":"db","container":"omrs-e1-db"}',
    ]);
  });

  it('sees the folders of its environment’s containers only, read-only, as root with no capability', () => {
    const [c] = shipperPlan({
      env: 'e1',
      image: 'vlagent:1',
      pullPolicy: 'IfNotPresent',
      store: 's',
      dockerRoot: '/var/lib/docker',
      containers: shippedContainers(containers, services, wanted),
    }).containers;
    expect(c!.mounts.filter((m) => m.type === 'host')).toEqual([
      {
        type: 'host',
        source: '/var/lib/docker/containers/aaaa',
        target: '/docker-containers/aaaa',
        readOnly: true,
      },
      {
        type: 'host',
        source: '/var/lib/docker/containers/bbbb',
        target: '/docker-containers/bbbb',
        readOnly: true,
      },
    ]);
    expect([c!.user, c!.capDrop, c!.readOnlyRootfs, c!.noNewPrivileges]).toEqual([
      '0:0',
      ['ALL'],
      true,
      true,
    ]);
  });
});
