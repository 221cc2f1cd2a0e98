// What the interactive shell shows, and the data sources it gets them from. The sources are
// passed in, so tests give real ones pointed at a temp folder and runtimes can plug in later.

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
  status: string;
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
