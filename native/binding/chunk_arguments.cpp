#include "chunk_arguments.h"

#include <algorithm>
#include <string>

#include "arguments.h"
#include "errors.h"

namespace backprop_binding {

namespace {

// Rows of x: its length must be a positive multiple of the input width.
std::size_t rows_of(Napi::Env env, const Napi::TypedArrayOf<float>& x, std::size_t inputs) {
  std::size_t length = x.ElementLength();
  if (length == 0 || length % inputs != 0) {
    throw_error(env, ErrorKind::shape,
                "x: expected a non-zero length that is a multiple of inputs (" +
                    std::to_string(inputs) + "), got " + std::to_string(length));
  }
  return length / inputs;
}

// The batches trained are order[first·size … min((first+count)·size, length)).
void check_batches(Napi::Env env, const ChunkMemory& m) {
  std::size_t epoch_batches = (m.order_length + m.batch_size - 1) / m.batch_size;
  if (m.first_batch > epoch_batches || m.batch_count > epoch_batches - m.first_batch) {
    throw_error(env, ErrorKind::argument,
                "firstBatch + batchCount: expected at most " + std::to_string(epoch_batches) +
                    " (batches of " + std::to_string(m.batch_size) + " in an order of length " +
                    std::to_string(m.order_length) + "), got " + std::to_string(m.first_batch) +
                    " + " + std::to_string(m.batch_count));
  }
  std::size_t begin = m.first_batch * m.batch_size;
  std::size_t end = std::min(m.order_length, (m.first_batch + m.batch_count) * m.batch_size);
  for (std::size_t i = begin; i < end; ++i) {
    if (m.order[i] < 0 || static_cast<std::size_t>(m.order[i]) >= m.total_rows) {
      throw_error(env, ErrorKind::argument,
                  "order[" + std::to_string(i) + "]: expected a row index in [0, " +
                      std::to_string(m.total_rows) + "), got " + std::to_string(m.order[i]));
    }
  }
}

}  // namespace

ChunkArguments parse_chunk_arguments(const Napi::CallbackInfo& info,
                                     const backprop::ModelSpec& spec) {
  Napi::Env env = info.Env();
  Napi::TypedArrayOf<float> x = float32_array(info[0], "x");
  Napi::TypedArrayOf<std::int32_t> order = int32_array(info[2], "order");
  ChunkMemory memory;
  memory.batch_size = integer_argument(info[3], "batchSize", 1);
  memory.first_batch = integer_argument(info[4], "firstBatch", 0);
  memory.batch_count = integer_argument(info[5], "batchCount", 0);
  Napi::TypedArrayOf<double> stats = float64_array(info[6], "stats");

  ChunkArguments chunk;
  memory.total_rows = rows_of(env, x, spec.inputs);
  TargetsArgument targets =
      targets_argument(info[1], "targets", memory.total_rows, spec, chunk.labels);
  expect_rows_fit(env, memory.batch_size, spec, "batchSize");
  memory.x = x.Data();
  memory.targets = targets.targets;
  chunk.order.assign(order.Data(), order.Data() + order.ElementLength());
  memory.order = chunk.order.data();
  memory.order_length = chunk.order.size();
  check_batches(env, memory);
  std::size_t needed = 2 * memory.batch_count;  // batch_count ≤ order length: no overflow
  if (stats.ElementLength() < needed) {
    throw_error(env, ErrorKind::shape,
                "stats: expected length ≥ " + std::to_string(needed) +
                    " (2 × batchCount), got " + std::to_string(stats.ElementLength()));
  }
  memory.stats = stats.Data();
  chunk.memory = memory;
  chunk.x_array = x;
  chunk.targets_array = targets.array;
  chunk.order_array = order;
  chunk.stats_array = stats;
  return chunk;
}

std::size_t train_chunk(backprop::Network& network, const ChunkMemory& memory,
                        const std::atomic<bool>* stop) {
  return network.train_chunk(memory.x, memory.targets, memory.total_rows, memory.order,
                             memory.order_length, memory.batch_size, memory.first_batch,
                             memory.batch_count, memory.stats, stop);
}

}  // namespace backprop_binding
