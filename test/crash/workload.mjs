// The crash test's workload: job definitions with fixed Ids, the processors' behaviour per task,
// and the final state every task and job reaches in a crash-free run. Plain JavaScript with no
// import of the library, so that the child (node, no loader) and the vitest test share it.
//
// Every task's behaviour is written in its Configuration and depends only on the attempt number
// the processor is given, never on time or on the process: so the final state of every task is a
// function of the workload alone, whatever the kills do (see expectedStates).
//
// - 'ok'       succeeds (after 1–20 ms)
// - 'retry:n'  fails with a retryable ProcessorError on attempts 1..n, then succeeds
// - 'exhaust'  fails with a retryable ProcessorError on every attempt: Error once attempts run out
// - 'fatal'    fails with a non-retryable ProcessorError: Error at once
// - 'hold'     never ends by itself; waits for its signal (the job is canceled by the child)

/** Processors: each appends its executions to its own file, exec-<key>.log. */
export const PROCESSORS = [
  { key: 'encoder', id: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', name: 'Media Encoder Standard' },
  { key: 'packager', id: 'nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93', name: 'Media Packager' },
  { key: 'indexer', id: 'nb:mpid:UUID:233e57fc-36bb-4f6f-8f18-3b662747a9f8', name: 'Azure Media Indexer' },
  { key: 'holder', id: 'nb:mpid:UUID:0d0e0a0d-0000-4000-8000-00000000c0de', name: 'Holder' },
];

/** The in-process Callback endpoint every job and some tasks subscribe to. */
export const ENDPOINT_ID = 'nb:nepid:UUID:c7a5e000-0000-4000-8000-000000000001';

/** Engine options of the child (and of the final inspection). Short backoffs: kills often land in one. */
export const RETRY = { maxAttempts: 3, baseDelayMs: 30, maxDelayMs: 100, jitter: false };
export const CONCURRENCY = 6;

export const STATE = { Queued: 0, Scheduled: 1, Processing: 2, Finished: 3, Error: 4, Canceled: 5, Canceling: 6 };
export const STATE_NAMES = ['Queued', 'Scheduled', 'Processing', 'Finished', 'Error', 'Canceled', 'Canceling'];

/** Index of the job the child cancels (its roots hold until then). */
export const CANCELED_JOB = 4;

const hex = (n, width) => n.toString(16).padStart(width, '0');
export const jobId = (j) => `nb:jid:UUID:c0a5c0a5-0000-4000-8000-${hex(j, 12)}`;
export const taskId = (j, i) => `nb:tid:UUID:c0a5c0a5-${hex(j, 4)}-4000-8000-${hex(i, 12)}`;

/**
 * mulberry32 (as Mulberry32 in src/workload/prng.ts; this file is plain JS that the child and the
 * parent load before any build): the workload's shapes are fixed (seed 1234), whatever the kill seed.
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The shapes, as node lists: node i reads the outputs of `deps` (all < i) or, without deps, a job
 * input asset; it outputs JobOutputAsset(i).
 */
function shapes() {
  const rnd = prng(1234);
  const pick = (n) => Math.floor(rnd() * n);
  const procOf = (i) => PROCESSORS[i % 3].key;
  const sprinkle = (i) => (i % 11 === 5 ? 'retry:1' : i % 23 === 7 ? 'retry:2' : 'ok');
  const jobs = [];

  // 0: chains. 12 chains of 18 tasks.
  {
    const nodes = [];
    for (let c = 0; c < 12; c++) for (let k = 0; k < 18; k++) nodes.push({ deps: k === 0 ? [] : [nodes.length - 1], behaviour: sprinkle(nodes.length), processor: procOf(c + k) });
    jobs.push({ name: 'chains', nodes });
  }
  // 1: fan-out / fan-in. A root, 120 workers, 12 joins of 10 workers, one final join.
  {
    const nodes = [{ deps: [], behaviour: 'retry:1', processor: 'encoder' }];
    for (let w = 0; w < 120; w++) nodes.push({ deps: [0], behaviour: sprinkle(w + 1), processor: procOf(w) });
    const joins = [];
    for (let g = 0; g < 12; g++) {
      joins.push(nodes.length);
      nodes.push({ deps: Array.from({ length: 10 }, (_, k) => 1 + g * 10 + k), behaviour: g === 3 ? 'retry:2' : 'ok', processor: 'packager' });
    }
    nodes.push({ deps: joins, behaviour: 'retry:1', processor: 'indexer' });
    jobs.push({ name: 'fan', nodes });
  }
  // 2: layered. 13 layers of 20; each task reads 1-3 tasks of earlier layers (mostly the one before).
  {
    const nodes = [];
    for (let l = 0; l < 13; l++) {
      for (let k = 0; k < 20; k++) {
        const deps = new Set();
        if (l > 0) {
          const n = 1 + pick(3);
          for (let d = 0; d < n; d++) {
            const layer = rnd() < 0.7 ? l - 1 : pick(l);
            deps.add(layer * 20 + pick(20));
          }
        }
        nodes.push({ deps: [...deps].sort((a, b) => a - b), behaviour: sprinkle(nodes.length), processor: procOf(pick(3)) });
      }
    }
    jobs.push({ name: 'layered', nodes });
  }
  // 3: lattice. 14 x 14; (r, c) reads (r-1, c) and (r, c-1).
  {
    const nodes = [];
    const N = 14;
    for (let r = 0; r < N; r++) {
      for (let c = 0; c < N; c++) {
        const deps = [];
        if (r > 0) deps.push((r - 1) * N + c);
        if (c > 0) deps.push(r * N + c - 1);
        nodes.push({ deps, behaviour: sprinkle(nodes.length + 3), processor: procOf(r + c) });
      }
    }
    jobs.push({ name: 'lattice', nodes });
  }
  // 4: canceled. Two roots that hold until the job is canceled; 38 tasks below them.
  {
    const nodes = [
      { deps: [], behaviour: 'hold', processor: 'holder' },
      { deps: [], behaviour: 'hold', processor: 'holder' },
    ];
    for (let k = 2; k < 40; k++) nodes.push({ deps: [pick(k), pick(k)].filter((d, x, a) => a.indexOf(d) === x).sort((a, b) => a - b), behaviour: 'ok', processor: procOf(k) });
    jobs.push({ name: 'canceled', nodes });
  }
  // 5: failures. 10 layers of 20; a few tasks fail for good (fatal, or retries exhausted): their
  // dependents end Canceled, the independent branches go on and finish.
  {
    const nodes = [];
    const bad = new Map([
      [2 * 20 + 3, 'fatal'],
      [3 * 20 + 11, 'exhaust'],
      [5 * 20 + 17, 'fatal'],
      [8 * 20 + 0, 'exhaust'],
    ]);
    for (let l = 0; l < 10; l++) {
      for (let k = 0; k < 20; k++) {
        const i = nodes.length;
        // Column k reads column k of the layer above, and every 4th column also its neighbour.
        const deps = l === 0 ? [] : k % 4 === 0 && k + 1 < 20 ? [(l - 1) * 20 + k, (l - 1) * 20 + k + 1] : [(l - 1) * 20 + k];
        nodes.push({ deps, behaviour: bad.get(i) ?? sprinkle(i), processor: procOf(k) });
      }
    }
    jobs.push({ name: 'failures', nodes });
  }
  // 6: mixed. Diamonds chained (a -> b, c -> d) with a fan at the end; one leaf fails for good.
  {
    const nodes = [{ deps: [], behaviour: 'ok', processor: 'encoder' }];
    let top = 0;
    for (let d = 0; d < 20; d++) {
      const b = nodes.length;
      nodes.push({ deps: [top], behaviour: sprinkle(b), processor: 'encoder' });
      nodes.push({ deps: [top], behaviour: sprinkle(b + 1), processor: 'packager' });
      nodes.push({ deps: [b, b + 1], behaviour: d % 5 === 2 ? 'retry:2' : 'ok', processor: 'indexer' });
      top = b + 2;
    }
    while (nodes.length < 119) nodes.push({ deps: [top], behaviour: sprinkle(nodes.length), processor: procOf(nodes.length) });
    nodes.push({ deps: [top], behaviour: 'fatal', processor: 'indexer' });
    jobs.push({ name: 'mixed', nodes });
  }
  return jobs;
}

export const SHAPES = shapes();

/** The job definitions, in the order the child submits them. */
export const JOBS = SHAPES.map((shape, j) => ({
  Id: jobId(j),
  Name: `crash-${shape.name}`,
  // The canceled job goes first: its holding roots take their slots at once, so the cancel often
  // finds them Processing (and a kill, Canceling).
  ...(j === CANCELED_JOB ? { Priority: 10 } : {}),
  InputMediaAssets: [0, 1].map((k) => ({ __metadata: { uri: `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3Ac0a5c0a5-0000-4000-8000-${hex(j * 16 + k, 12)}')` } })),
  JobNotificationSubscriptions: [{ NotificationEndPointId: ENDPOINT_ID, TargetJobState: 2 }],
  Tasks: shape.nodes.map((node, i) => {
    const reads = node.deps.length > 0 ? node.deps.map((d) => `JobOutputAsset(${d})`) : [`JobInputAsset(${i % 2})`];
    const task = {
      Id: taskId(j, i),
      Name: `${shape.name}-${i}`,
      MediaProcessorId: PROCESSORS.find((p) => p.key === node.processor).id,
      Configuration: node.behaviour,
      TaskBody: `<taskBody>${reads.map((r) => `<inputAsset>${r}</inputAsset>`).join('')}<outputAsset>JobOutputAsset(${i})</outputAsset></taskBody>`,
    };
    // Every 10th task also subscribes to its final state.
    if (i % 10 === 0) task.TaskNotificationSubscriptions = [{ NotificationEndPointId: ENDPOINT_ID, TargetTaskState: 1, IncludeTaskProgress: false }];
    return task;
  }),
}));

export const TASK_COUNT = SHAPES.reduce((n, s) => n + s.nodes.length, 0);

/** 'retry:2' → { kind: 'retry', n: 2 }. */
export function behaviourOf(configuration) {
  const [kind, n] = String(configuration).split(':');
  return { kind, n: Number(n ?? 0) };
}

/**
 * The final state of every task (by task Id) and job (by job Id) in a crash-free run: a failing
 * task is Error, every task that reads (transitively) from an Error or Canceled task is Canceled,
 * every task of the canceled job is Canceled (its roots hold until the job is canceled), the rest
 * Finished. Also the producers of each task, and the attempt its successful execution must have.
 */
export function expectedStates() {
  const tasks = new Map();
  const jobs = new Map();
  SHAPES.forEach((shape, j) => {
    const state = [];
    shape.nodes.forEach((node, i) => {
      const b = behaviourOf(node.behaviour);
      let s;
      if (j === CANCELED_JOB) s = STATE.Canceled;
      else if (node.deps.some((d) => state[d] !== STATE.Finished)) s = STATE.Canceled;
      else if (b.kind === 'fatal' || b.kind === 'exhaust' || (b.kind === 'retry' && b.n >= RETRY.maxAttempts)) s = STATE.Error;
      else s = STATE.Finished;
      state.push(s);
      tasks.set(taskId(j, i), {
        job: jobId(j),
        state: s,
        producers: node.deps.map((d) => taskId(j, d)),
        behaviour: b,
        acceptedAttempt: s === STATE.Finished ? (b.kind === 'retry' ? b.n + 1 : 1) : undefined,
      });
    });
    const jobState = j === CANCELED_JOB ? STATE.Canceled : state.includes(STATE.Error) ? STATE.Error : state.includes(STATE.Canceled) ? STATE.Canceled : STATE.Finished;
    jobs.set(jobId(j), jobState);
  });
  return { tasks, jobs };
}
