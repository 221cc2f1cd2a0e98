import { writeFile } from 'node:fs/promises';
import { namespaceName } from '../arguments.js';
import { join } from 'node:path';
import type { Command } from 'commander';
// A static import: the bundle turns a dynamic import of this CommonJS package into its default export only.
import { stringify } from 'yaml';
import { prepareOutputPath } from '../../output-path.js';
import { action, type CliContext } from '../context.js';
import { envOption, profileOption } from '../options.js';

interface RenderOptions {
  profile?: string;
  env?: string;
  namespace?: string;
  output?: string;
  showSecrets?: boolean;
  values?: boolean;
}

export function registerRenderCommands(program: Command, ctx: CliContext): void {
  program
    .command('render')
    .description('print the Kubernetes objects a profile deploys (helm template of charts/openmrs)')
    .addOption(profileOption())
    .addOption(envOption())
    .option(
      '-n, --namespace <namespace>',
      'namespace; default: cluster.namespace of the profile, else the environment name',
      namespaceName,
    )
    .option('-o, --output <dir>', 'write one file per object into this folder instead of printing')
    .option('--show-secrets', 'keep Secret values (they are masked as *** otherwise)')
    .option(
      '--values',
      'print the chart values omrs derives from the profile instead of the objects (secrets masked)',
    )
    .addHelpText(
      'after',
      '\nSecret values are masked unless --show-secrets is given; passwords the chart generates differ per render.',
    )
    .action(
      action(ctx, async (out, opts: RenderOptions) => {
        const { renderProfile, masked, printableValues, profileValues } =
          await import('../../render/index.js');
        if (opts.values) {
          const values = printableValues(
            await profileValues(
              { ...(opts.profile && { profile: opts.profile }), ...(opts.env && { env: opts.env }) },
              ctx.io,
            ),
          );
          out.result(values, () => stringify(values, { lineWidth: 0 }));
          return;
        }
        const dir =
          opts.output === undefined
            ? undefined
            : await prepareOutputPath(opts.output, ctx.io.cwd, {
                flag: '-o',
                kind: 'folder',
                notStdout: {
                  why: 'render writes one file per object into a folder',
                  hint: 'Leave out -o to print the objects to standard output.',
                },
              });
        const rendered = await renderProfile(
          {
            ...(opts.profile && { profile: opts.profile }),
            ...(opts.env && { env: opts.env }),
            ...(opts.namespace && { namespace: opts.namespace }),
          },
          { ...ctx.io, signal: ctx.io.signal },
        );
        const objects = opts.showSecrets ? rendered.objects : masked(rendered.objects);
        const documents = objects.map((o) => ({ o, text: o.text.endsWith('\n') ? o.text : `${o.text}\n` }));
        const summary = {
          profile: rendered.profile,
          env: rendered.env,
          namespace: rendered.namespace,
          appDigest: rendered.appDigest,
          objects: objects.map((o) => ({ kind: o.kind, name: o.metadata.name })),
        };
        if (dir) {
          const files: string[] = [];
          for (const [i, { o, text }] of documents.entries()) {
            const file = join(
              dir,
              `${String(i + 1).padStart(3, '0')}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`,
            );
            await writeFile(file, text, { mode: o.kind === 'Secret' ? 0o600 : 0o644 });
            files.push(file);
          }
          out.result(
            { ...summary, files },
            (c) =>
              `${c.green('✔')} wrote ${files.length} objects of ${c.bold(rendered.env)} (profile ${rendered.profile}) to ${dir}`,
          );
          return;
        }
        // The parsed objects only for --json: printing needs helm's text alone (see parseObjects).
        out.result(out.mode === 'json' ? { ...summary, manifests: objects.map((o) => o.raw) } : summary, () =>
          documents.map((d) => `---\n${d.text}`).join(''),
        );
      }),
    );

  const images = program.command('images').description('the container images a profile needs');
  images
    .command('ls')
    .description('list every image of a profile (with its digest where the reference pins one)')
    .addOption(profileOption())
    .option(
      '--resolve',
      'ask the registry of each image (through the Docker engine) for the digest it serves',
    )
    .action(
      action(ctx, async (out, opts: { profile?: string; resolve?: boolean }) => {
        const { listImages } = await import('../../render/index.js');
        const report = await listImages(opts.profile, ctx.io, { resolve: opts.resolve === true });
        out.result(report, (c) =>
          report.images
            .map((i) => {
              const note =
                i.pinned === false
                  ? `  ${i.digest}${c.dim(' (from the registry; not pinned)')}`
                  : i.digest
                    ? ''
                    : c.dim('  (not pinned by digest)');
              return `${c.dim(i.component.padEnd(9))}${i.image}${note}`;
            })
            .join('\n'),
        );
      }),
    );
  images
    .command('save')
    .description('write every image of a profile into one tar (docker save) for air-gapped sites')
    .addOption(profileOption())
    .requiredOption('-o, --output <file>', 'the bundle to write, e.g. bundle.tar')
    .addHelpText(
      'after',
      "\nEvery image must be in the local Docker engine (docker pull it first). The bundle is written to a\ntemporary file and renamed at the end, so an interrupted save leaves no partial bundle.\n\nThe profile's OpenMRS modules (openmrs.modules) are fetched into <file>.modules/, each checked against\nits sha256, laid out like the module repository: serve that folder on the site and set the\nprofile's moduleRepository to its URL.",
    )
    .action(
      action(ctx, async (out, opts: { profile?: string; output: string }) => {
        const { saveImages } = await import('../../render/images.js');
        await out.startProgress('omrs images save');
        const saved = await saveImages(
          { ...(opts.profile && { profile: opts.profile }), output: opts.output },
          { ...ctx.io, events: out.events, signal: ctx.io.signal },
        );
        out.result(
          saved,
          (c) =>
            `${c.green('✔')} saved ${saved.images.length} images of ${c.bold(saved.profile)} to ${saved.file} (${formatBytes(saved.bytes)})\n` +
            saved.images.map((i) => `  ${c.dim(i.component.padEnd(9))}${i.saved}`).join('\n') +
            (saved.modulesDir
              ? `\n${c.green('✔')} saved ${saved.modules.length} module${saved.modules.length === 1 ? '' : 's'} to ${saved.modulesDir} (serve it as the site's moduleRepository)\n` +
                saved.modules
                  .map((m) => `  ${c.dim(m.id.padEnd(9))}${m.version}  ${c.dim(m.sha256)}`)
                  .join('\n')
              : ''),
        );
      }),
    );
  images
    .command('load')
    .description('load an image bundle written by omrs images save, optionally pushing it to a registry')
    .argument('<bundle>', 'the tar written by omrs images save')
    .option(
      '--push <registry>',
      'retag every loaded image to <registry>/<path>:<tag> and push it (login: OMRS_REGISTRY_USERNAME/PASSWORD)',
    )
    .action(
      action(ctx, async (out, bundle: string, opts: { push?: string }) => {
        const { loadImages } = await import('../../render/images.js');
        await out.startProgress('omrs images load');
        const loaded = await loadImages(
          { file: bundle, ...(opts.push && { push: opts.push }) },
          { ...ctx.io, events: out.events, signal: ctx.io.signal },
        );
        out.result(loaded, (c) =>
          [
            `${c.green('✔')} loaded ${loaded.images.length + loaded.untagged.length} images from ${loaded.file}`,
            ...loaded.images.map((i) => `  ${i}`),
            ...loaded.untagged.map((i) => `  ${i} ${c.dim('(untagged)')}`),
            ...(loaded.pushed.length > 0 ? [`${c.green('✔')} pushed ${loaded.pushed.length} images`] : []),
            ...loaded.pushed.map((p) => `  ${p.target}${p.digest ? c.dim(`  ${p.digest}`) : ''}`),
          ].join('\n'),
        );
      }),
    );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
