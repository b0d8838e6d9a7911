/** Path of the compiled cli/cli.js for the sources under `root` as they are now; compiles when needed. */
export function compiledCli(root?: string): Promise<string>;
