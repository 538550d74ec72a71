// Finiteness of a float array, at memory speed: the check fit runs over
// every parameter after each chunk of batches (lib/network.ts, publish), and
// the facade's check of float32 inputs (lib/finite.ts).
#pragma once

#include <cstddef>

namespace backprop {

// Index of the first NaN or infinite value of values[0, count), or count.
std::size_t first_non_finite(const float* values, std::size_t count);

}  // namespace backprop
