// The built CLI in a real terminal (tmux): what a person sees when they run `omrs`, and what
// the progress view leaves on the screen. Polls the screen with a deadline; no fixed sleeps.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_ENVIRONMENTS } from '../../../src/ui/shell/environments-panel.js';
import { requireEngine } from '../../helpers/engines.js';
import { isolatedDockerd, type IsolatedDockerd } from '../../helpers/isolated-docker.js';
import { makeProfilesProject, type ProfilesProject } from '../../helpers/profiles.js';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { openTerminal, tmuxAvailable, type Terminal } from '../../helpers/tmux.js';

const REPO = join(import.meta.dirname, '../../..');
const terminals: Terminal[] = [];
let cli: BuiltCli | undefined;

/** Runs `command` in a fresh 120x30 terminal; it stays open afterwards so the screen can be read. */
function startSession(session: string, cwd: string, command: string): Terminal {
  const terminal = openTerminal(session, command, { cwd, columns: 120, rows: 30 });
  terminals.push(terminal);
  return terminal;
}

const hasTmux = tmuxAvailable('the real-terminal checks of the shell and the progress view');
const docker = requireEngine('docker');

describe.skipIf(!hasTmux || !docker)('omrs in a real terminal', () => {
  let project: ProfilesProject;
  // The shell lists the environments of the Docker engine: an engine of its own is empty even
  // while other environments run on the shared one.
  let emptyEngine: IsolatedDockerd;

  beforeAll(() => {
    // Its own build: a `npm run build` of the shared dist/ would empty it under the other lanes' CLIs.
    cli = buildPrivateCli('shell-tmux');
    project = makeProfilesProject();
    emptyEngine = isolatedDockerd();
    const up = emptyEngine.script('up');
    if (up.status !== 0) throw new Error(`the isolated dockerd did not start: ${up.stderr}`);
  }, 240_000);
  afterAll(() => {
    for (const t of terminals) t.kill();
    cli?.remove();
    project?.remove();
    emptyEngine?.remove();
  });

  it('opens the shell: profiles, the empty environments state and the keys; moves, selects and quits with 0', async () => {
    const shell = startSession(
      'shell',
      project.root,
      `DOCKER_HOST=unix://${emptyEngine.socket} node ${cli!.bin}`,
    );
    // The environments come from the (empty) Docker engine: wait for the listing too.
    let text = await shell.waitFor(
      (s) => s.includes('app digest') && !s.includes('Looking for environments'),
      'the default profile details and the environments',
    );

    for (const name of project.names) expect(text).toContain(name);
    expect(text).toMatch(/❯ ● dev \(default\)/);
    expect(text).toMatch(/runtime\s+compose/);
    expect(text.replace(/[│\s]+/g, ' ')).toContain(EMPTY_ENVIRONMENTS);
    expect(text).toMatch(
      /↑\/↓ move\s+enter select\s+tab switch\s+u up\s+d diff\s+c check\s+n new\s+\? help\s+q quit/,
    );

    const next = project.names[project.names.indexOf('dev') + 1]!;
    shell.press('Down');
    await shell.waitFor((s) => new RegExp(`❯\\s+${next}`).test(s), `the cursor on ${next}`);
    shell.press('Enter');
    text = await shell.waitFor((s) => s.includes(`Profile ${next}`), `the details of ${next}`);
    expect(text).toMatch(/app digest\s+sha256:[0-9a-f]{16}/);
    // Enter shows the resolved profile; Esc goes back to the shell, q quits it.
    shell.press('Escape');
    await shell.waitFor((s) => s.includes('Profiles'), 'the shell again');
    shell.press('q');
    expect(await shell.exitCode()).toBe(0);
    text = shell.screen();
    // The alternate screen is gone: the terminal shows what it showed before.
    expect(text).not.toContain('Profiles');
  });

  it('prints the help instead of opening the shell without a terminal', async () => {
    // stdin is the terminal, stdout a pipe: no shell, the help instead (its first lines scroll away).
    const piped = startSession('piped', project.root, `(node ${cli!.bin}; echo omrs-code=$?) | cat`);
    await piped.exitCode();
    const text = piped.screen();
    // The help is longer than the terminal: its end is what stays on screen.
    expect(text).toContain('Examples:');
    expect(text).toMatch(/Exit codes: 0 ok/);
    expect(text).toContain('omrs-code=0');
    expect(text).not.toContain('Profiles');
  });

  it('draws the progress view on stderr and leaves one clean final frame', async () => {
    // The progress view has no command of its own yet: bundle a tiny script that drives it.
    const cache = join(REPO, 'node_modules/.cache/omrs-test');
    mkdirSync(cache, { recursive: true });
    const entry = join(cache, 'progress-demo.ts');
    writeFileSync(entry, progressDemo(REPO));
    const { build } = await import('esbuild');
    await build({
      entryPoints: [entry],
      outfile: join(cache, 'progress-demo.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      external: ['ink', 'react', 'react/*'],
      logLevel: 'silent',
    });

    const progress = startSession('progress', project.root, `node ${join(cache, 'progress-demo.mjs')} 2>&1`);
    expect(await progress.exitCode()).toBe(0);
    const text = progress.screen();
    expect(text).toContain('omrs up demo');
    expect(text).toMatch(/✔ Pull images \(\d/);
    expect(text).toMatch(/✔ Start database \(\d/);
    expect(text).toMatch(/NAME\s+KIND\s+STATE\s+HEALTH\s+RESTARTS\s+PORTS\s+AGE/);
    expect(text).toMatch(/db\s+StatefulSet\s+ok\s+healthy\s+0\s+3306/);
    expect(text).toContain('! the admin password is the default');
    // Earlier frames were erased, not stacked: every step shows once.
    expect(text.match(/Pull images/g)).toHaveLength(1);
    expect(text.match(/omrs up demo/g)).toHaveLength(1);
  });
});

function progressDemo(repo: string): string {
  return `
import { EventBus } from '${repo}/src/events/bus.js';
import { renderProgress } from '${repo}/src/ui/progress-view.js';

const pause = () => new Promise((resolve) => setTimeout(resolve, 60));
const bus = new EventBus();
const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: new AbortController().signal };
const view = renderProgress(bus, io, 'omrs up demo');
bus.emit({ type: 'step', id: 'images', title: 'Pull images', status: 'started' });
for (let i = 1; i <= 4; i++) { bus.emit({ type: 'progress', step: 'images', current: i, total: 4, unit: 'images' }); await pause(); }
bus.emit({ type: 'step', id: 'images', title: 'Pull images', status: 'done', durationMs: 240 });
bus.emit({ type: 'step', id: 'db', title: 'Start database', status: 'started' });
bus.emit({ type: 'resource', name: 'db', kind: 'StatefulSet', runtime: 'starting', health: 'starting' });
await pause();
bus.emit({ type: 'resource', name: 'db', kind: 'StatefulSet', runtime: 'ok', health: 'healthy', ports: ['3306'] });
bus.emit({ type: 'warning', message: 'the admin password is the default', hint: 'set OMRS_ADMIN_PASSWORD' });
bus.emit({ type: 'step', id: 'db', title: 'Start database', status: 'done', durationMs: 1300 });
await view.unmount();
`;
}
