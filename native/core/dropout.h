// Inverted dropout with masks from a counter-based generator: whether unit
// `element` (row · units + unit, within the batch) of layer `layer` is kept
// at optimizer step `step` depends only on (seed, step, layer, element), so
// nothing is stored between forward and backward. Twin of
// lib/backends/js/dropout.ts (same uint32 arithmetic: same masks).
#pragma once

#include <cstddef>
#include <cstdint>

namespace backprop {

// The key of one layer's masks at one step; the step counts modulo 2^32.
std::uint32_t dropout_key(std::uint32_t seed, std::uint64_t step, std::uint32_t layer);

// The uniform 32-bit draw of one element under a layer's key.
std::uint32_t dropout_draw(std::uint32_t key, std::uint32_t element);

// out = a with dropped units 0 and kept ones scaled by 1/(1 − rate).
void dropout_forward(const float* a, float* out, std::size_t n, std::uint32_t key, double rate);

// d: dL/d(dropped output) into dL/d(activation output), in place.
void dropout_backward(float* d, std::size_t n, std::uint32_t key, double rate);

}  // namespace backprop
