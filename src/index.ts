// The public API, each export listed by name.

// Errors
export { JobGraphError, CycleError, ValidationError } from './errors.js';
export { SchedulerError } from './scheduler/errors.js';

// The AMS model
export { TaskState, JobState, STATE_NAMES, AssetCreationOptions, DEFAULT_ASSET_CREATION_OPTIONS, AssetFormatOption, TaskOptions, TargetTaskState, TargetJobState, isFinalState, DependencyAction, DEPENDENCY_ACTION_NAMES, type DependencyActionName } from './job/enums.js';
export type { StateName } from './job/enums.js';
export type { Job, Task, JobDefinition, TaskDefinition, JobInputAsset, TaskOutputAsset, TaskNotificationSubscription, JobNotificationSubscription, AssetLink, JobExtensions } from './job/model.js';
export { ID_PREFIX, randomIds, sequentialIds } from './job/ids.js';
export type { IdFactory } from './job/ids.js';
export { loadJob, LIMITS, defaultOutputAssetName, assetIdFromUri } from './job/load.js';

// TaskBody
export { parseTaskBody, serializeTaskBody, formatAssetRef, parseAssetRef, escapeAttribute } from './taskbody/index.js';
export type { ParsedTaskBody, AssetRef, AssetKind, InputAssetEntry, OutputAssetEntry, TaskBodyProblem } from './taskbody/types.js';

// Graph
export { JobGraph } from './graph/job-graph.js';
export type { TaskNodeAttributes, AssetEdgeAttributes } from './graph/job-graph.js';
export { resolveDependencies } from './graph/dependencies.js';
export type { Dependencies } from './graph/dependencies.js';

// Validation
export { validateJob, validateTaskBody, isValidationResult, AMS_QUOTAS } from './validate/validate.js';
export type { ValidateOptions, ValidationResult, Profile } from './validate/validate.js';
export { validateAddition } from './validate/add.js';
export type { AdditionOptions, AdditionResult } from './validate/add.js';
export { validateJobTemplate } from './validate/template.js';
export type { JobTemplates, ValidateJobTemplateOptions, JobTemplateValidationResult } from './validate/template.js';
export { TemplateType } from './job/template.js';
export type { JobTemplateDefinition, TaskTemplateDefinition, JobTemplate, TaskTemplate } from './job/template.js';
export type { Diagnostic, CycleEdge } from './diagnostics/diagnostic.js';
export { CODES } from './diagnostics/codes.js';
export type { DiagnosticCode, Severity } from './diagnostics/codes.js';
export { formatDiagnosticText } from './validate/format-text.js';
export { formatSarif } from './validate/format-sarif.js';

// The core on typed arrays
export { topologicalOrder } from './core/topological-order.js';
export { topologicalGenerations } from './core/generations.js';
export { findCycles } from './core/cycles.js';

// Scheduling
export { Scheduler } from './scheduler/scheduler.js';
export type { TaskInfo } from './scheduler/inspect.js';
export type { SchedulerOptions, SubmitOptions, TaskFilter, FailOptions, RerunOptions, AddTasksOptions, RestoreOptions, JournalChunk, JournalJobRecord, RecoveredJob } from './scheduler/scheduler.js';
export type { Policy, DurationModel } from './scheduler/policy.js';
export type { TaskView, JobView, TaskClaim, ErrorDetail, Explanation, TaskStateChange, TaskProgressEvent, JobStateChange } from './scheduler/views.js';
export type { SchedulerSnapshot } from './scheduler/snapshot.js';
export type { HistoricalEvent } from './scheduler/event-log.js';

// Workloads
export { jobFromGraph } from './workload/ams-job.js';
export type { EdgeListGraph, JobFromGraphOptions } from './workload/ams-job.js';

// Running jobs
export { Engine } from './run/engine.js';
export type { EngineOptions, EngineOpenOptions, RecoveryReport, JobHandle, EngineExplanation } from './run/engine.js';

// Durable runs
export { SqliteStore } from './store/sqlite-store.js';
export type { SqliteStoreOptions } from './store/sqlite-store.js';
export { MemoryStore } from './store/memory-store.js';
export { StoreError } from './store/run-store.js';
export type { RunStore, RunBatch, StoredRun, StoredJob, TaskValue, StoreErrorCode } from './store/run-store.js';
export { ProcessorError } from './run/processor.js';
export type { Processor, ProcessorContext, ProcessorResult, ResolvedInput, MediaProcessorInfo } from './run/processor.js';
export type { Dispatcher, DispatcherContext, WorkItem, WorkLocation, WorkReporter, FailureReport } from './run/dispatcher.js';
export { InProcessDispatcher } from './run/in-process-dispatcher.js';
export { BullMQDispatcher, type BullMQDispatcherOptions } from './distributed/bullmq-dispatcher.js';
export { createWorker, type WorkerOptions, type TaskWorker, type CloseOptions } from './distributed/worker.js';
export type { RedisConnection } from './distributed/connection.js';
export type { RetryOptions } from './run/backoff.js';
export { demoProcessors } from './run/demo-processors.js';
export { DEMO_PROCESSOR_IDS } from './workload/demo.js';

// Simulation and pictures
export { simulate, simulateGrid, prepareWorkload, overallUtilisation, MAX_SIM_SECONDS } from './simulate/simulator.js';
export type { SimJob, SimulateOptions, SimResult, SimTask, PolicyName } from './simulate/simulator.js';
export { fixedDurations, demoDurations, perProcessorDurations } from './simulate/durations.js';
export type { DurationModel as SimDurationModel } from './simulate/durations.js';
export { summarize, utilisation } from './simulate/stats.js';
export { criticalPath } from './simulate/critical-path.js';
export type { ScheduledTask } from './simulate/critical-path.js';
export type { Summary } from './simulate/stats.js';
export { renderGanttSvg, assignGanttSlots, GANTT_ROWS } from './export/gantt-svg.js';
export type { GanttBar, GanttInput, GanttOptions, GanttRows } from './export/gantt-svg.js';
export { renderHtmlReport } from './export/report-html.js';
export type { ReportRun, ReportInput } from './export/report-html.js';
export { makeWorkload, layered, fan, chain, chainrev, media, SHAPES } from './workload/shapes.js';
export type { Workload, MediaWorkload, ShapeName } from './workload/shapes.js';
export { exportDot } from './export/dot.js';
export { exportMermaid } from './export/mermaid.js';
export { exportJson, processorName } from './export/graph-export.js';
export type { GraphExportOptions, GraphExportJson } from './export/graph-export.js';
export { generateWorkload, generateWorkloadStream, serializeWorkload, WORKLOAD_FORMAT, WORKLOAD_KINDS } from './workload/stream.js';
export type { GenerateOptions, WorkloadContainer, WorkloadHeader, WorkloadKind, WorkloadJob, SerializeOptions } from './workload/stream.js';
export { amsMixJobs } from './workload/ams-mix.js';

// Notifications
export { NotificationHub, NotificationDeliveryError, NotificationEndPointNotFoundError, NotificationEventType, buildMessage, signature, verifySignature } from './run/notifications/index.js';
export type { NotificationHubOptions, NotificationStats, EndPointInput, WebHookEndPointInput, CallbackEndPointInput, NotificationEndPointView, NotificationMessage } from './run/notifications/index.js';

// The REST facade
export { createServer, HttpError, ServerConfigError, HTTP_ERROR_CODES } from './server/index.js';
export type { JobGraphServer, ServerOptions, ListenOptions, AccessLogEntry } from './server/index.js';
