// What the interactive shell shows, and the data sources it gets them from. The sources are
// passed in, so tests give real ones pointed at a temp folder and runtimes can plug in later.
import type { DashboardSource } from '../../runtime/runtime.js';
import type { ViewStore } from '../progress-view.js';

export interface ProfileList {
  /** The profiles folder the names come from. */
  folder: string;
  names: string[];
  defaultProfile?: string;
}

export type ProfileDetails =
  | { ok: true; name: string; runtime: string; appDigest: string; file: string; description?: string }
  | { ok: false; name: string; error: string; hint?: string; problems: string[] };

export interface EnvironmentSummary {
  name: string;
  profile: string;
  runtime: string;
  /** running, stopped, ready, …: what the runtime said when the list loaded. */
  status: string;
  /** When a disposable environment expires (ms since the epoch): the panel counts down to it. */
  expiresAt?: number;
  /** The namespace of an environment on a cluster. */
  namespace?: string;
  url?: string;
}

export interface ShellSources {
  listProfiles(): Promise<ProfileList>;
  inspectProfile(name: string): Promise<ProfileDetails>;
  listEnvironments(): Promise<EnvironmentSummary[]>;
}

export interface ShellProps extends ShellSources {
  version: string;
}

/** What the shell opens when Enter is pressed on an environment: the dashboard's store and source. */
export interface OpenedEnvironment {
  store: ViewStore;
  source: DashboardSource;
  url?: string;
  close(): void;
}

/** A resolved profile as the shell shows it (`omrs profile show --origins`). */
export interface ShownProfile {
  name: string;
  appDigest: string;
  runtime: string;
  /** The YAML with an origin comment on every key. */
  text: string;
}
