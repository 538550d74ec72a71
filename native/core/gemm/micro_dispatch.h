// The micro-kernel dispatch every per-ISA file shares. An ISA writes its tile
// once, as `template <std::size_t ROWS, bool PACKED> struct Micro { static void
// run(...); }`: ROWS is fixed so that the accumulators are named registers and
// a partial tile at the bottom of C costs only its own rows; PACKED fixes A's
// strides at compile time for the common, packed case. `micro_kernel` turns
// that into the driver's MicroKernel by picking the instantiation from a table.
// Internal linkage, like pack.h: each kernel file gets its own copy, built
// with its own instruction-set flags.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "kernel.h"

namespace backprop {
namespace gemm_detail {
namespace {

// MicroKernel with the tile's row count fixed: what Micro<ROWS, PACKED>::run is.
using MicroVariant = void (*)(std::size_t kc, ASource a, const float* b, float* c, std::size_t ldc,
                              std::size_t cols, bool load_c, const float* bias);

template <template <std::size_t, bool> class Micro, bool PACKED, std::size_t... Rows>
constexpr std::array<MicroVariant, sizeof...(Rows) + 1> micro_variants(std::index_sequence<Rows...>) {
  return {nullptr, Micro<Rows + 1, PACKED>::run...};
}

// [packed][rows], rows 1 to MR (a tile never has 0 rows).
template <template <std::size_t, bool> class Micro, std::size_t MR>
constexpr std::array<MicroVariant, MR + 1> kMicroVariants[2] = {
    micro_variants<Micro, false>(std::make_index_sequence<MR>()),
    micro_variants<Micro, true>(std::make_index_sequence<MR>())};

// The MicroKernel of an ISA whose tiles have at most MR rows.
template <template <std::size_t, bool> class Micro, std::size_t MR>
void micro_kernel(std::size_t kc, ASource a, const float* b, float* c, std::size_t ldc, std::size_t rows,
                  std::size_t cols, bool load_c, const float* bias) {
  kMicroVariants<Micro, MR>[a.packed][rows](kc, a, b, c, ldc, cols, load_c, bias);
}

}  // namespace
}  // namespace gemm_detail
}  // namespace backprop
