/** The `jobgraph` command. Returns the exit status: 0 ok, 1 the job is invalid or failed, 2 usage or I/O error. */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`jobgraph: unknown command ${JSON.stringify(argv[0] ?? '')}\n`);
  return 2;
}
