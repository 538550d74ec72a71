/** Builds an ONNX graph a node at a time: each node's output is a value named like the node. */
import { ATTRIBUTE_FLOAT, ATTRIBUTE_INT, FLOAT, type Attribute, type Node, type Tensor } from './schema';

export type AttributeValues = Record<string, { float: number } | { int: number }>;

/** Float32 values as TensorProto raw_data: little-endian whatever the host's byte order. */
function rawFloat32(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

function attributes(values: AttributeValues): Attribute[] {
  return Object.entries(values).map(([name, value]) =>
    'float' in value ? { name, type: ATTRIBUTE_FLOAT, f: value.float } : { name, type: ATTRIBUTE_INT, i: value.int },
  );
}

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  readonly #names = new Set<string>();

  /** A float32 weight of the graph (an initializer); returns its name. Scalars have dims []. */
  constant(name: string, dims: number[], values: ArrayLike<number>): string {
    if (!this.#names.has(name)) {
      this.#names.add(name);
      this.initializers.push({ name, dims, dataType: FLOAT, rawData: rawFloat32(values) });
    }
    return name;
  }

  /** Appends a node; returns the name of its output. */
  node(opType: string, name: string, inputs: string[], values: AttributeValues = {}): string {
    this.nodes.push({ opType, name, input: inputs, output: [name], attribute: attributes(values) });
    return name;
  }

  /** Renames the last node's output (the graph's result, which no node reads). */
  nameResult(name: string): void {
    this.nodes[this.nodes.length - 1].output = [name];
  }
}
