/** The pure-TypeScript backend: runs anywhere, used when the native addon cannot load. */
import type { Backend } from '../backend';
import { JsModel } from './model';

export const jsBackend: Backend = {
  name: 'js',
  info: { isa: 'js', threads: 1, bfloat16: 'emulated', binary: '' },
  createModel: (spec, params) => new JsModel(spec, params),
};
