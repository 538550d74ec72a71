// AMX kernel: a 32 × 32 block of C in four 16 × 16 float32 tiles (tmm0-3),
// two A tiles (tmm4-5: 16 rows × 32 bfloat16 of depth) and two B tiles
// (tmm6-7: 16 pairs of depth × 16 columns, the VNNI layout of bf16_pairs.h);
// each tdpbf16ps is 16·16·32 multiply-adds. Tiles are configured once per
// thread (palette 1, all eight 16 rows × 64 bytes) and never released, so a
// kernel call costs no ldtilecfg. The process must have been granted the tile
// data (isa.cpp asks Linux with arch_prctl before reporting amx supported).
// tdpbf16ps treats bfloat16 subnormals as zero (Intel SDM).
// Compiled with -mamx-tile -mamx-bf16 (and AVX-512 for the epilogue).
#include <immintrin.h>

#include <cstring>

#include "bf16_pairs.h"
#include "bf16_store.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 32;
constexpr std::size_t kNr = 32;
constexpr std::size_t kDepthPerTile = 32;  // bfloat16 per A tile row: 64 bytes
constexpr std::size_t kTileRows = 16;

// The 64-byte operand of ldtilecfg (Intel SDM, LDTILECFG).
struct alignas(64) TileConfig {
  std::uint8_t palette_id;
  std::uint8_t start_row;
  std::uint8_t reserved[14];
  std::uint16_t bytes_per_row[16];
  std::uint8_t rows[16];
};
static_assert(sizeof(TileConfig) == 64, "ldtilecfg reads 64 bytes");

thread_local bool tiles_configured = false;

void configure_tiles() {
  TileConfig config;
  std::memset(&config, 0, sizeof config);
  config.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    config.rows[t] = kTileRows;
    config.bytes_per_row[t] = 64;
  }
  _tile_loadconfig(&config);
  tiles_configured = true;
}

// Rows and columns past the matrix are zero in the packed slivers, so every
// call computes the full 32 × 32 block and stores only rows × cols of it.
void micro(std::size_t kp, const std::uint16_t* a, const std::uint16_t* b, float* c, std::size_t ldc,
           std::size_t rows, std::size_t cols, bool load_c, const float* bias) {
  if (!tiles_configured) configure_tiles();
  const std::size_t a_stride = kp * sizeof(std::uint16_t);       // bytes between rows of an A sliver
  const std::size_t b_stride = 2 * kNr * sizeof(std::uint16_t);  // bytes between pair rows of a B sliver
  const std::uint16_t* a_low = a;                                // rows 0-15
  const std::uint16_t* a_high = a + kTileRows * kp;              // rows 16-31
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (std::size_t p = 0; p < kp; p += kDepthPerTile) {
    const std::uint16_t* b_rows = b + (p / 2) * 2 * kNr;  // 16 pair rows from depth p
    _tile_loadd(4, a_low + p, a_stride);
    _tile_loadd(5, a_high + p, a_stride);
    _tile_loadd(6, b_rows, b_stride);       // columns 0-15
    _tile_loadd(7, b_rows + 32, b_stride);  // columns 16-31
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  alignas(64) float sums[kMr * kNr];
  constexpr std::size_t kRowBytes = kNr * sizeof(float);
  _tile_stored(0, sums, kRowBytes);
  _tile_stored(1, sums + 16, kRowBytes);
  _tile_stored(2, sums + kTileRows * kNr, kRowBytes);
  _tile_stored(3, sums + kTileRows * kNr + 16, kRowBytes);
  store_bf16_tile<kNr>(sums, c, ldc, rows, cols, load_c, bias);
}

}  // namespace

const Bf16Kernel& amx_kernel() {
  static const Bf16Kernel kernel{kMr, kNr, kDepthPerTile, 128, 512, 512, micro};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
