/**
 * ONNX model → protobuf bytes, by protobufjs (its reflection-only "light"
 * build, no .proto parser). Loaded on the first export, so that users who
 * never export never load it.
 */
import type * as Protobuf from 'protobufjs/light';
import { ONNX_SCHEMA, type Model } from './schema';

let modelType: Protobuf.Type | undefined;

function onnxModelType(): Protobuf.Type {
  if (modelType === undefined) {
    const protobuf = require('protobufjs/light') as typeof Protobuf;
    modelType = protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  }
  return modelType;
}

export function encodeModel(model: Model): Uint8Array {
  const type = onnxModelType();
  // protobufjs writes into a Node Buffer, possibly a slice of a shared pool: hand out bytes of their own.
  return new Uint8Array(type.encode(type.fromObject(model)).finish());
}
