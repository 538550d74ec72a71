/** The pure-TypeScript engine: runs anywhere, used when the native addon cannot load. */
import type { Engine } from '../backend';
import { JsModel } from './model';

export const jsEngine: Engine = {
  name: 'js',
  info: { isa: 'js', threads: 1, bfloat16: 'emulated', binary: '' },
  createModel: (spec, params) => new JsModel(spec, params),
};
