/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, package `onnx`) that
 * an exported network uses, as a protobufjs JSON descriptor, and TypeScript
 * shapes of the messages we write. Field names are onnx.proto's in camelCase
 * (as protobufjs's own code generator spells them); field numbers and types
 * are onnx.proto's. Fields we never write are left out: protobuf readers
 * need no declaration of absent fields.
 */
import type { INamespace } from 'protobufjs/light';

export const ONNX_SCHEMA: INamespace = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
          },
        },
        TypeProto: {
          fields: {
            tensorType: { type: 'TypeProtoTensor', id: 1 },
          },
        },
        // onnx.proto nests these (TypeProto.Tensor, TensorShapeProto.Dimension); the wire format does not know names.
        TypeProtoTensor: {
          fields: {
            elemType: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'TensorShapeDimension', id: 1 },
          },
        },
        TensorShapeDimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: {
            dimValue: { type: 'int64', id: 1 },
            dimParam: { type: 'string', id: 2 },
          },
        },
      },
    },
  },
};

/** TensorProto.DataType.FLOAT */
export const FLOAT = 1;
/** AttributeProto.AttributeType */
export const ATTRIBUTE_FLOAT = 1;
export const ATTRIBUTE_INT = 2;

export interface Attribute {
  name: string;
  type: typeof ATTRIBUTE_FLOAT | typeof ATTRIBUTE_INT;
  f?: number;
  i?: number;
}

export interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: Attribute[];
}

export interface Tensor {
  dims: number[];
  dataType: typeof FLOAT;
  name: string;
  /** Float32 values, little-endian. */
  rawData: Uint8Array;
}

/** A dimension is a number, or a name for one that varies (the batch). */
export type Dimension = { dimValue: number } | { dimParam: string };

export interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: typeof FLOAT; shape: { dim: Dimension[] } } };
}

export interface Graph {
  node: Node[];
  name: string;
  initializer: Tensor[];
  input: ValueInfo[];
  output: ValueInfo[];
}

export interface Model {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: Graph;
  metadataProps: { key: string; value: string }[];
}
