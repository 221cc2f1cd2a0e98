// The runtimes a profile (and `--runtime`) can name, in a leaf module: the CLI's flag definitions
// read it at start-up without loading the profile schema.
export const RUNTIMES = ['compose', 'kind', 'minikube', 'kube', 'eks'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
