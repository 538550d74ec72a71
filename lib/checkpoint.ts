/**
 * The fit option `checkpoint`: after each epoch (or only after an epoch that
 * improved the monitored value), the model with its training state is
 * written atomically to `path`, so a crashed run resumes from it.
 */
import { improvementTracker } from './early-stopping';
import { checkMonitorName } from './schedules';
import { checkBoolean, checkKeys, checkObject, fail } from './validate';

export interface CheckpointOptions {
  /** Where to write; replaced atomically each time. */
  path: string;
  /** With saveBestOnly: the logged value to watch; default 'valLoss' ('loss' without validation). */
  monitor?: string;
  /** Write only after epochs that improve the monitored value; default false (every epoch). */
  saveBestOnly?: boolean;
}

export interface Checkpoint {
  readonly path: string;
  readonly monitor?: string;
  /** After an epoch, with its logged values: whether to write now. */
  due(values: Readonly<Record<string, number | undefined>>): boolean;
}

export function resolveCheckpoint(value: unknown, hasValidation: boolean, name = 'options.checkpoint'): Checkpoint | undefined {
  if (value === undefined) return undefined;
  const options = checkObject(value, name);
  checkKeys(options, name, ['path', 'monitor', 'saveBestOnly']);
  if (typeof options.path !== 'string' || options.path === '') fail(`${name}.path`, 'a non-empty string', options.path);
  const path = options.path;
  if (!checkBoolean(options.saveBestOnly ?? false, `${name}.saveBestOnly`)) {
    if (options.monitor !== undefined) checkMonitorName(options.monitor, `${name}.monitor`);
    return { path, due: () => true };
  }
  const monitor = options.monitor === undefined ? (hasValidation ? 'valLoss' : 'loss') : checkMonitorName(options.monitor, `${name}.monitor`);
  const improves = improvementTracker(monitor, 'auto', 0);
  return { path, monitor, due: (values) => improves(values[monitor] as number) };
}
