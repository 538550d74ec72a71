#include "dropout.h"

#include <cmath>

namespace backprop {
namespace {

// murmur3's fmix32: a bijection that mixes every bit.
std::uint32_t mix(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Draws below this drop the unit: floor(rate · 2^32), rate < 1.
std::uint64_t drop_threshold(double rate) {
  return static_cast<std::uint64_t>(std::floor(rate * 4294967296.0));
}

}  // namespace

std::uint32_t dropout_key(std::uint32_t seed, std::uint64_t step, std::uint32_t layer) {
  return mix(mix(mix(seed) ^ static_cast<std::uint32_t>(step)) ^ layer);
}

std::uint32_t dropout_draw(std::uint32_t key, std::uint32_t element) {
  return mix(key ^ (element * 0x9e3779b9u));
}

void dropout_forward(const float* __restrict a, float* __restrict out, std::size_t n,
                     std::uint32_t key, double rate) {
  const std::uint64_t threshold = drop_threshold(rate);
  const float scale = float(1.0 / (1.0 - rate));
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = dropout_draw(key, static_cast<std::uint32_t>(i)) < threshold ? 0.0f : a[i] * scale;
  }
}

void dropout_backward(float* d, std::size_t n, std::uint32_t key, double rate) {
  const std::uint64_t threshold = drop_threshold(rate);
  const float scale = float(1.0 / (1.0 - rate));
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = dropout_draw(key, static_cast<std::uint32_t>(i)) < threshold ? 0.0f : d[i] * scale;
  }
}

}  // namespace backprop
