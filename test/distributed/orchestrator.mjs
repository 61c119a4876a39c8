// The orchestrator process of the distributed restart test: `node orchestrator.mjs '<json options>'`,
// options { socket, store, n, slots, out }.
//
// It opens a durable Engine of the BUILT library (dist/) on `store` with a BullMQDispatcher on the
// Redis at `socket` and the workload's pool limited to `slots`. It submits the layered job of `n`
// tasks only when the store holds no job (a restarted orchestrator resumes, it does not submit
// again), waits until the job has ended, writes the job's and its tasks' views to `out` (JSON),
// closes the engine and exits 0. The test may SIGKILL it at any moment and start it again.
//
// Lines on stdout: `opened <engine.recovery JSON>`, `submitted <jobId>`, `status …` every 2 s,
// `ended <state>`, `done`.
import { writeFileSync } from 'node:fs';
import { DIST_INDEX, MPID, PROCESSOR_NAME, layeredJob, requireDist } from './fixture.mjs';

const o = JSON.parse(process.argv[2] ?? 'null');
if (o === null || typeof o.socket !== 'string' || typeof o.store !== 'string' || typeof o.out !== 'string') {
  process.stderr.write('usage: node orchestrator.mjs \'{"socket":…,"store":…,"n":…,"slots":…,"out":…}\'\n');
  process.exit(2);
}
requireDist();
const { Engine, BullMQDispatcher } = await import(DIST_INDEX);
const out = (line) => process.stdout.write(line + '\n');

// The test keeps our stdin open: when it closes, the test process is gone without having killed
// us (it kills its children by PID when it can), and we must not linger.
process.stdin.on('end', () => process.exit(1));
process.stdin.resume();
process.on('warning', (w) => process.stderr.write(`warning: ${w.name} ${w.code ?? ''}: ${w.message}\n`));
process.on('unhandledRejection', (err) => {
  process.stderr.write(`orchestrator: unhandled rejection: ${err?.stack ?? err}\n`);
  process.exit(4);
});

// Tasks run on the workers: the orchestrator only needs to know the processor exists.
const stub = {
  id: MPID,
  name: PROCESSOR_NAME,
  run() {
    throw new Error('the orchestrator ran a task itself: tasks must run on the workers');
  },
};

const engine = await Engine.open({
  processors: [stub],
  store: o.store,
  dispatcher: new BullMQDispatcher({ connection: `unix://${o.socket}` }),
  pools: { [MPID]: o.slots },
});
out(`opened ${JSON.stringify(engine.recovery)}`);

if (engine.scheduler.jobs().length === 0) {
  const { definition } = await layeredJob(o.n, `layered ${o.n}`);
  const handle = engine.submit(definition);
  out(`submitted ${handle.id}`);
}

// Where the job stands, every 2 s: the test prints these lines when the orchestrator hangs.
const status = setInterval(() => {
  const count = (state) => engine.scheduler.tasks({ state }).length;
  out(`status finished ${count(3)} processing ${count(2)} scheduled ${count(1)} queued ${count(0)}`);
}, 2000);
status.unref();

await engine.idle();
const job = engine.scheduler.jobs()[0];
out(`ended ${job.State}`);
const tasks = engine.scheduler.tasks({ jobId: job.Id }).map((t) => ({ Id: t.Id, Name: t.Name, State: t.State, events: t.HistoricalEvents.map((e) => e.Code) }));
writeFileSync(o.out, JSON.stringify({ job: { Id: job.Id, State: job.State }, tasks }));
await engine.close();
out('done');
process.exit(0);
