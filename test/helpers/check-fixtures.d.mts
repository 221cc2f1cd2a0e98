/** Writes the checks rule fixtures (manifests/<id>/{pass,fail}.yaml, terraform/<id>/{pass,fail}/) under `root`. */
export function writeCheckFixtures(root: string): void;
