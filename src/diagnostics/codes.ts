/**
 * The catalogue of diagnostic codes: stable, public, never renamed or reused. Each entry gives the
 * severity, a one-line summary (the README's table is generated from it) and the default hint.
 */

export type Severity = 'error' | 'warning';

export interface CodeInfo {
  severity: Severity;
  summary: string;
  hint: string;
}

export const CODES = {
  JSON_MALFORMED: {
    severity: 'error',
    summary: 'The job definition is not valid JSON.',
    hint: 'fix the JSON syntax at the position shown (a missing comma or quote is the usual cause)',
  },
  JSON_DUPLICATE_KEY: {
    severity: 'error',
    summary: 'An object of the JSON text gives one key twice: JSON.parse keeps the last, a reader of the file sees the first, and the service refuses the body.',
    hint: 'keep one of the two: delete the other',
  },
  JOB_INVALID: {
    severity: 'error',
    summary: 'The job definition is not a Create-Job body: not an object, or a property of the wrong type.',
    hint: 'send a JSON object with Name, InputMediaAssets and Tasks as in POST /API/Jobs',
  },
  JOB_NO_TASKS: {
    severity: 'error',
    summary: 'The job has no Tasks (and no TemplateId), or a plain graph\'s tasks is empty.',
    hint: 'add at least one task to Tasks',
  },
  JOB_TOO_MANY_TASKS: {
    severity: 'error',
    summary: 'More than 30 tasks in one job (the service quota; profile "ams").',
    hint: 'split the job in two, or validate with --profile relaxed if it will not run on AMS',
  },
  JOB_TOO_MANY_ASSETS: {
    severity: 'error',
    summary: 'More than 100 distinct assets in one job (profile "ams").',
    hint: 'split the job, or validate with --profile relaxed if it will not run on AMS',
  },
  TASK_TOO_MANY_ASSETS: {
    severity: 'error',
    summary: 'More than 50 assets (inputs plus outputs) in one task (profile "ams").',
    hint: 'split the task, or validate with --profile relaxed if it will not run on AMS',
  },
  JOB_TEMPLATE_UNSUPPORTED: {
    severity: 'error',
    summary: 'The job is made from a JobTemplate (TemplateId, no Tasks) and no templates were given to expand it from.',
    hint: 'pass the JobTemplate in the `templates` option (validateJob, submit), or inline the tasks under Tasks with their TaskBody',
  },
  TEMPLATE_INVALID: {
    severity: 'error',
    summary: 'A JobTemplate is not well formed: a property missing or of the wrong type, or a JobTemplateBody that is not <jobTemplate> holding <taskBody> elements.',
    hint: 'send Name, TemplateType 1, JobTemplateBody <jobTemplate><taskBody taskTemplateId="nb:ttid:UUID:…">…</taskBody></jobTemplate> and the TaskTemplates inline',
  },
  TEMPLATE_TASK_MISMATCH: {
    severity: 'error',
    summary: 'The <taskBody> elements of a JobTemplateBody and its TaskTemplates do not match one to one by taskTemplateId.',
    hint: 'give each TaskTemplate its own Id and exactly one <taskBody taskTemplateId="…"> with that Id',
  },
  TEMPLATE_NOT_FOUND: {
    severity: 'error',
    summary: 'The job\'s TemplateId names none of the JobTemplates given to validateJob or submit (or stored by the server).',
    hint: 'pass the template in `templates`, or create it first with POST /api/JobTemplates and use the Id it answers with',
  },
  TEMPLATE_ASSET_COUNT: {
    severity: 'warning',
    summary: 'A TaskTemplate\'s NumberofInputAssets or NumberofOutputAssets differs from the <inputAsset>/<outputAsset> count of its <taskBody> (the <taskBody> is what runs).',
    hint: 'set NumberofInputAssets and NumberofOutputAssets to the counts of <inputAsset> and <outputAsset> in the TaskTemplate\'s <taskBody>',
  },
  TEMPLATE_INPUT_COUNT: {
    severity: 'error',
    summary: 'A job made from a JobTemplate has a different number of InputMediaAssets than the template\'s NumberofInputAssets.',
    hint: 'give the job as many InputMediaAssets as the template\'s NumberofInputAssets, in the order its JobInputAsset(n) expect them',
  },
  NOTIFICATION_SUBSCRIPTION_INVALID: {
    severity: 'error',
    summary: 'A Job or Task notification subscription lacks NotificationEndPointId, or its target state is not 1 or 2.',
    hint: 'use {"NotificationEndPointId":"nb:nepid:UUID:…","TargetTaskState":2,"IncludeTaskProgress":true}; TargetTaskState/TargetJobState is 1 (FinalStatesOnly) or 2 (AllStates)',
  },
  JOB_NO_INPUTS: {
    severity: 'error',
    summary: 'InputMediaAssets is missing or empty: the job must name at least one input asset.',
    hint: 'add InputMediaAssets (odata=verbose: [{"__metadata":{"uri":".../Assets(\'id\')"}}]) or InputMediaAssets@odata.bind',
  },
  INPUT_ASSET_INVALID: {
    severity: 'error',
    summary: 'An entry of InputMediaAssets is not an asset link.',
    hint: 'use {"__metadata":{"uri":"https://.../api/Assets(\'nb:cid:UUID:...\')"}}, or a URI string under InputMediaAssets@odata.bind',
  },
  TASK_INVALID: {
    severity: 'error',
    summary: 'A task is not an object, or one of its properties has the wrong type.',
    hint: 'each task is an object with MediaProcessorId and TaskBody strings and optional Name, Configuration, Priority, Options',
  },
  UNKNOWN_PROPERTY: {
    severity: 'warning',
    summary: 'A property the Job or Task entity does not have (ignored).',
    hint: 'check the spelling: property names are PascalCase and case-sensitive',
  },
  TASKBODY_MISSING: {
    severity: 'error',
    summary: 'A task has no TaskBody, or it is empty.',
    hint: 'give the task a TaskBody: <taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>',
  },
  XML_MALFORMED: {
    severity: 'error',
    summary: 'The TaskBody is not well-formed XML.',
    hint: 'fix the XML at the position shown',
  },
  XML_DOCTYPE_FORBIDDEN: {
    severity: 'error',
    summary: 'The TaskBody has a DOCTYPE or an entity declaration; they are refused (no entity expansion).',
    hint: 'remove the <!DOCTYPE ...> declaration: a TaskBody needs none',
  },
  TASKBODY_ROOT: {
    severity: 'error',
    summary: 'The root element is not <taskBody>.',
    hint: 'wrap the assets in <taskBody>...</taskBody> (element names are case-sensitive)',
  },
  TASKBODY_UNKNOWN_ELEMENT: {
    severity: 'error',
    summary: 'An element other than <inputAsset> or <outputAsset> inside <taskBody>, or any element nested in an asset.',
    hint: 'a TaskBody holds only <inputAsset> and <outputAsset> elements, in camelCase',
  },
  TASKBODY_UNKNOWN_ATTRIBUTE: {
    severity: 'warning',
    summary: 'An attribute the TaskBody grammar does not have (ignored).',
    hint: 'outputAsset takes assetCreationOptions, assetName, storageAccountName and assetFormatOption (camelCase or PascalCase)',
  },
  TASKBODY_TEXT: {
    severity: 'error',
    summary: 'Text directly inside <taskBody>, outside any asset element.',
    hint: 'put asset references inside <inputAsset> or <outputAsset>',
  },
  TASKBODY_NO_INPUT: {
    severity: 'error',
    summary: 'The TaskBody has no <inputAsset>.',
    hint: 'add <inputAsset>JobInputAsset(0)</inputAsset> (or the JobOutputAsset(n) of the task it follows)',
  },
  TASKBODY_NO_OUTPUT: {
    severity: 'error',
    summary: 'The TaskBody has no <outputAsset>.',
    hint: 'add <outputAsset>JobOutputAsset(n)</outputAsset> with an index no other task outputs',
  },
  ASSET_REF_INVALID: {
    severity: 'error',
    summary: 'Asset text that is not JobInputAsset(n) or JobOutputAsset(n), or an <outputAsset> that names a job input.',
    hint: 'write JobInputAsset(n) or JobOutputAsset(n) with a zero-based decimal n; outputs are always JobOutputAsset(n)',
  },
  ASSET_CREATION_OPTIONS_INVALID: {
    severity: 'error',
    summary: 'assetCreationOptions is not one of 0 (None), 1 (StorageEncrypted), 2 (CommonEncryptionProtected), 4 (EnvelopeEncryptionProtected).',
    hint: 'use a single decimal value: 0, 1, 2 or 4 (combinations are not accepted)',
  },
  ASSET_FORMAT_OPTION_INVALID: {
    severity: 'error',
    summary: 'assetFormatOption is not 0 (None) or 1 (AdaptiveStreaming).',
    hint: 'use 0 or 1',
  },
  ATTRIBUTE_DUPLICATE: {
    severity: 'error',
    summary: 'The same attribute is given twice on one element (e.g. assetName and AssetName).',
    hint: 'keep one spelling of the attribute',
  },
  INPUT_INDEX_OUT_OF_RANGE: {
    severity: 'error',
    summary: 'JobInputAsset(n) with n not below the number of InputMediaAssets.',
    hint: 'job inputs are numbered from 0 in the order of InputMediaAssets',
  },
  OUTPUT_NOT_PRODUCED: {
    severity: 'error',
    summary: 'A task takes JobOutputAsset(n) as input but no task outputs it (in a plain graph: dependsOn names no task).',
    hint: 'add a task that outputs that asset, or read the index another task outputs',
  },
  OUTPUT_DUPLICATE: {
    severity: 'error',
    summary: 'JobOutputAsset(n) is output by more than one task (or twice by one).',
    hint: 'give each task its own output index',
  },
  OUTPUT_INDEX_GAP: {
    severity: 'warning',
    summary: 'Output indices skip a number (e.g. JobOutputAsset(0) and JobOutputAsset(2) but no 1).',
    hint: 'number job outputs 0, 1, 2, ... without gaps; the service numbers outputs in order',
  },
  INPUT_DUPLICATE: {
    severity: 'warning',
    summary: 'A task lists the same input asset twice.',
    hint: 'list each input once',
  },
  INPUT_ENDED: {
    severity: 'error',
    summary: 'A task added to a running job reads an output of a task that already failed or was canceled, so it could never run.',
    hint: 'rerun the producer first (Scheduler.rerun), then add the task; or read another output',
  },
  CYCLE: {
    severity: 'error',
    summary: 'Tasks depend on each other in a circle (a task consuming its own output included); one diagnostic per cycle.',
    hint: 'break the cycle: one of the tasks named must read an asset that does not come back from its own outputs',
  },
  NAME_TOO_LONG: {
    severity: 'error',
    summary: 'Job or task Name longer than 4,000 characters.',
    hint: 'shorten the name to at most 4000 characters',
  },
  CONFIGURATION_TOO_LONG: {
    severity: 'error',
    summary: 'Configuration longer than 100,000 characters.',
    hint: 'keep the preset under 100000 characters (store large presets as an asset)',
  },
  INITIALIZATION_VECTOR_TOO_LONG: {
    severity: 'error',
    summary: 'InitializationVector longer than 4,000 characters.',
    hint: 'the IV is a base64 string of 16 bytes (24 characters)',
  },
  TASK_ID_DUPLICATE: {
    severity: 'error',
    summary: 'Two tasks of a definition give the same Id (or a task to add gives the Id of a task of the job), which the scheduler refuses.',
    hint: 'give each task its own Id, or leave Id out to get a new one',
  },
  MEDIA_PROCESSOR_MISSING: {
    severity: 'error',
    summary: 'A task has no MediaProcessorId.',
    hint: 'set MediaProcessorId, e.g. "nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56" (Media Encoder Standard)',
  },
  MEDIA_PROCESSOR_ID_INVALID: {
    severity: 'error',
    summary: 'MediaProcessorId is not of the form nb:mpid:UUID:<guid>.',
    hint: 'use the Id of a MediaProcessor: nb:mpid:UUID: followed by a GUID',
  },
  MEDIA_PROCESSOR_UNKNOWN: {
    severity: 'error',
    summary: 'MediaProcessorId names no processor registered with the engine (reported by Engine.submit, not by validateJob).',
    hint: 'register a processor with that id, or use the id of one that is registered',
  },
  PRIORITY_INVALID: {
    severity: 'error',
    summary: 'Priority is not a 32-bit integer.',
    hint: 'use a whole number from -2147483648 to 2147483647 (larger runs first)',
  },
  OPTIONS_INVALID: {
    severity: 'error',
    summary: 'Options is not a combination of None (0), ProtectedConfiguration (1), DoNotDeleteOutputAssetOnFailure (2), DoNotCancelOnJobFailure (4).',
    hint: 'use 0, or a sum of 1, 2 and 4',
  },
  PROTECTED_CONFIGURATION_INCOMPLETE: {
    severity: 'error',
    summary: 'Options has ProtectedConfiguration but an encryption field is missing or wrong.',
    hint: 'set EncryptionKeyId (nb:kid:UUID:...), EncryptionScheme "ConfigurationEncryption", EncryptionVersion "1.0" and InitializationVector',
  },
  ENCRYPTION_FIELD_INVALID: {
    severity: 'error',
    summary: 'EncryptionScheme or EncryptionVersion has a value the service does not accept.',
    hint: 'EncryptionScheme is "ConfigurationEncryption" (or "None"), EncryptionVersion is "1.0"',
  },
  ASSET_REF_LEADING_ZERO: {
    severity: 'warning',
    summary: 'An asset reference index written with leading zeros, e.g. JobOutputAsset(01): read as 1, but the SDKs never write it so.',
    hint: 'write the index without leading zeros: JobOutputAsset(1)',
  },
  EXTENSION_NOT_AMS: {
    severity: 'error',
    summary: 'The definition uses a jobgraph extension (Weight, DependencyAction, Pool, MaxRunningTasks, or a plain graph) that the service does not have (profile "ams").',
    hint: 'remove the extension to stay within what AMS accepts, or validate and submit with profile "relaxed"',
  },
  EXTENSION_INVALID: {
    severity: 'error',
    summary: 'An extension property has a bad value: Weight or MaxRunningTasks not an integer >= 1, DependencyAction not "cancel", "run" or "skip", Pool not a non-empty string.',
    hint: 'Weight and MaxRunningTasks are whole numbers from 1; DependencyAction is "cancel" (the default), "run" or "skip"; Pool is a pool name',
  },
  TOO_MANY_DIAGNOSTICS: {
    severity: 'error',
    summary: 'More problems than maxDiagnostics (default 1,000): the first are reported, the rest counted. A warning when every problem left out is a warning.',
    hint: 'fix the problems reported and validate again (or raise maxDiagnostics to see more at once)',
  },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof CODES;

export function codeInfo(code: string): CodeInfo | undefined {
  return (CODES as Record<string, CodeInfo>)[code];
}
