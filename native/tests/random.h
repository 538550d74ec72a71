// A seeded xorshift64 generator: the tests draw the same data on every
// platform and standard library (std::uniform_real_distribution does not).
#pragma once

#include <cstddef>
#include <cstdint>

namespace backprop_test {

struct Random {
  std::uint64_t state;  // never 0
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  // Uniform in [lo, hi), on a grid of 2^24 steps.
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(next() >> 40) / 16777216.0f; }
  // Uniform in [0, n).
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

}  // namespace backprop_test
