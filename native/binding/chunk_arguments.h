// The arguments of trainChunk / trainChunkAsync, checked, and the raw memory
// Network::train_chunk reads and writes.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model_spec.h"
#include "network.h"

namespace backprop_binding {

// Plain pointers and sizes: safe to hand to another thread for as long as
// the typed arrays behind them are referenced.
struct ChunkMemory {
  const float* x = nullptr;
  backprop::Targets targets;
  std::size_t total_rows = 0;
  const std::int32_t* order = nullptr;
  std::size_t order_length = 0;
  std::size_t batch_size = 0;
  std::size_t first_batch = 0;
  std::size_t batch_count = 0;
  double* stats = nullptr;
};

// Move-only: `memory` points into `labels` and `order` (checked copies of the
// index arrays, see targets_argument), and a moved vector keeps its buffer.
struct ChunkArguments {
  ChunkArguments() = default;
  ChunkArguments(ChunkArguments&&) = default;
  ChunkArguments& operator=(ChunkArguments&&) = default;
  ChunkArguments(const ChunkArguments&) = delete;
  ChunkArguments& operator=(const ChunkArguments&) = delete;

  ChunkMemory memory;
  std::vector<std::int32_t> labels, order;
  // The arrays behind `memory`, for the async path to keep alive.
  Napi::TypedArray x_array, targets_array, order_array, stats_array;
};

// info: (x, targets, order, batchSize, firstBatch, batchCount, stats), count
// already checked.
ChunkArguments parse_chunk_arguments(const Napi::CallbackInfo& info,
                                     const backprop::ModelSpec& spec);

std::size_t train_chunk(backprop::Network& network, const ChunkMemory& memory,
                        const std::atomic<bool>* stop);

}  // namespace backprop_binding
