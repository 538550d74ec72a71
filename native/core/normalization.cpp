#include "normalization.h"

#include <algorithm>
#include <cmath>

namespace backprop {
namespace {

// Σ term(j) for j in [0, n), in double, as kLanes interleaved partial sums
// added up at the end: a fixed order (the same bits every call) that
// vectorizes, where one running sum would wait on each addition.
constexpr std::size_t kLanes = 8;

template <class Term>
double lane_sum(std::size_t n, Term term) {
  double lanes[kLanes] = {};
  std::size_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (std::size_t k = 0; k < kLanes; ++k) lanes[k] += term(j + k);
  }
  for (std::size_t k = 0; j < n; ++j, ++k) lanes[k] += term(j);
  double sum = 0;
  for (double lane : lanes) sum += lane;
  return sum;
}

float inverse_std(double variance, double epsilon) {
  return static_cast<float>(1.0 / std::sqrt(variance + epsilon));
}

// Per unit over the rows (one pass): mean, biased variance and invstd. The
// double sums are shifted by the first row, so a constant column gives
// exactly 0 and a large mean costs the variance no precision.
void batch_statistics(const float* __restrict z, std::size_t rows, std::size_t units,
                      double epsilon, double* __restrict sums, float* __restrict mean,
                      float* __restrict variance, float* __restrict invstd) {
  if (rows == 0) {  // no batch (its loss is NaN and nothing is applied): nothing to read
    std::fill(mean, mean + units, 0.0f);
    std::fill(variance, variance + units, 0.0f);
    std::fill(invstd, invstd + units, inverse_std(0, epsilon));
    return;
  }
  double* __restrict shifted = sums;
  double* __restrict squares = sums + units;
  std::fill(sums, sums + 2 * units, 0.0);
  for (std::size_t r = 1; r < rows; ++r) {
    const float* row = z + r * units;
    for (std::size_t j = 0; j < units; ++j) {
      const double d = double(row[j]) - double(z[j]);
      shifted[j] += d;
      squares[j] += d * d;
    }
  }
  const double n = double(rows);
  for (std::size_t j = 0; j < units; ++j) {
    const double offset = shifted[j] / n;
    const double var = std::max(0.0, squares[j] / n - offset * offset);
    mean[j] = static_cast<float>(double(z[j]) + offset);
    variance[j] = static_cast<float>(var);
    invstd[j] = inverse_std(var, epsilon);
  }
}

// ẑ = (z − mean)·invstd per unit, in place, and y = γ·ẑ + β; y may be z.
void normalize_columns(float* normalized, float* y, std::size_t rows,
                       std::size_t units, const float* __restrict mean,
                       const float* __restrict invstd, const float* __restrict gamma,
                       const float* __restrict beta) {
  for (std::size_t r = 0; r < rows; ++r) {
    float* z = normalized + r * units;
    float* out = y + r * units;
    for (std::size_t j = 0; j < units; ++j) {
      const float z_hat = (z[j] - mean[j]) * invstd[j];
      z[j] = z_hat;
      out[j] = gamma[j] * z_hat + beta[j];
    }
  }
}

// One row's mean and invstd, over its units (two passes over the row, which
// is in cache: the sums in double).
void row_statistics(const float* z, std::size_t units, double epsilon, float* mean,
                    float* invstd) {
  const double row_mean = lane_sum(units, [z](std::size_t j) { return double(z[j]); }) / double(units);
  const double squares = lane_sum(units, [z, row_mean](std::size_t j) {
    const double d = double(z[j]) - row_mean;
    return d * d;
  });
  *mean = static_cast<float>(row_mean);
  *invstd = inverse_std(squares / double(units), epsilon);
}

// Layer normalization of each row: ẑ into `normalized` (in place), y = γ·ẑ +
// β (may be `normalized`), and each row's invstd into row_invstd when it is
// not null.
void normalize_rows(float* normalized, float* y, std::size_t rows, std::size_t units,
                    double epsilon, const float* __restrict gamma, const float* __restrict beta,
                    float* row_invstd) {
  for (std::size_t r = 0; r < rows; ++r) {
    float* z = normalized + r * units;
    float* out = y + r * units;
    float mean = 0, invstd = 0;
    row_statistics(z, units, epsilon, &mean, &invstd);
    if (row_invstd) row_invstd[r] = invstd;
    for (std::size_t j = 0; j < units; ++j) {
      const float z_hat = (z[j] - mean) * invstd;
      z[j] = z_hat;
      out[j] = gamma[j] * z_hat + beta[j];
    }
  }
}

// The affine part's gradients, both kinds: dβ = Σ_r dy, dγ = Σ_r dy·ẑ per
// unit (double sums).
void affine_gradients(const float* __restrict delta, const float* __restrict z_hat,
                      std::size_t rows, std::size_t units, double* __restrict sums,
                      float* __restrict d_gamma, float* __restrict d_beta) {
  double* __restrict sum_dy = sums;
  double* __restrict sum_dy_z_hat = sums + units;
  std::fill(sums, sums + 2 * units, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* dy = delta + r * units;
    const float* zh = z_hat + r * units;
    for (std::size_t j = 0; j < units; ++j) {
      sum_dy[j] += dy[j];
      sum_dy_z_hat[j] += double(dy[j]) * double(zh[j]);
    }
  }
  for (std::size_t j = 0; j < units; ++j) {
    d_beta[j] = static_cast<float>(sum_dy[j]);
    d_gamma[j] = static_cast<float>(sum_dy_z_hat[j]);
  }
}

// After affine_gradients: in place dz = (γ·invstd / n)·(n·dy − dβ − ẑ·dγ)
// per unit.
void batch_backward(float* __restrict delta, const float* __restrict z_hat, std::size_t rows,
                    std::size_t units, const float* __restrict gamma,
                    const float* __restrict invstd, const float* __restrict d_gamma,
                    const float* __restrict d_beta) {
  const float n = static_cast<float>(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    float* d = delta + r * units;
    const float* zh = z_hat + r * units;
    for (std::size_t j = 0; j < units; ++j) {
      d[j] = (gamma[j] * invstd[j] / n) * (n * d[j] - d_beta[j] - zh[j] * d_gamma[j]);
    }
  }
}

// Per row, in place, with g = dy·γ: dz = (invstd_r / units)·(units·g − Σg −
// ẑ·Σg·ẑ).
void layer_backward(float* __restrict delta, const float* __restrict z_hat, std::size_t rows,
                    std::size_t units, const float* __restrict gamma,
                    const float* __restrict row_invstd) {
  const float width = static_cast<float>(units);
  for (std::size_t r = 0; r < rows; ++r) {
    float* d = delta + r * units;
    const float* zh = z_hat + r * units;
    const double sum_g = lane_sum(units, [d, gamma](std::size_t j) { return double(d[j] * gamma[j]); });
    const double sum_g_z_hat = lane_sum(
        units, [d, gamma, zh](std::size_t j) { return double(d[j] * gamma[j]) * double(zh[j]); });
    const float scale = row_invstd[r] / width;
    const float g_sum = static_cast<float>(sum_g), g_z_hat_sum = static_cast<float>(sum_g_z_hat);
    for (std::size_t j = 0; j < units; ++j) {
      d[j] = scale * (width * (d[j] * gamma[j]) - g_sum - zh[j] * g_z_hat_sum);
    }
  }
}

}  // namespace

void normalize_training(const NormalizedLayer& layer, const float* state, std::size_t rows,
                        const NormalizationBuffers& buffers, float* y) {
  const std::size_t units = layer.units;
  const float* gamma = state + layer.weight;
  const float* beta = state + layer.bias;
  if (layer.settings.type == NormalizationType::layer) {
    normalize_rows(buffers.normalized, y, rows, units, layer.settings.epsilon, gamma, beta,
                   buffers.statistics);
    return;
  }
  float* mean = buffers.statistics;
  float* variance = mean + units;
  float* invstd = variance + units;
  batch_statistics(buffers.normalized, rows, units, layer.settings.epsilon, buffers.sums, mean,
                   variance, invstd);
  normalize_columns(buffers.normalized, y, rows, units, mean, invstd, gamma, beta);
}

void normalize_inference(const NormalizedLayer& layer, const float* state, std::size_t rows,
                         const NormalizationBuffers& buffers, float* z) {
  const std::size_t units = layer.units;
  const float* gamma = state + layer.weight;
  const float* beta = state + layer.bias;
  if (layer.settings.type == NormalizationType::layer) {
    normalize_rows(z, z, rows, units, layer.settings.epsilon, gamma, beta, nullptr);
    return;
  }
  const float* running_var = state + layer.running_var;
  float* invstd = buffers.statistics + 2 * units;
  for (std::size_t j = 0; j < units; ++j) {
    invstd[j] = inverse_std(running_var[j], layer.settings.epsilon);
  }
  normalize_columns(z, z, rows, units, state + layer.running_mean, invstd, gamma, beta);
}

void normalization_backward(const NormalizedLayer& layer, const float* state, std::size_t rows,
                            const NormalizationBuffers& buffers, float* delta, float* grads) {
  const std::size_t units = layer.units;
  const float* gamma = state + layer.weight;
  float* d_gamma = grads + layer.weight;
  float* d_beta = grads + layer.bias;
  affine_gradients(delta, buffers.normalized, rows, units, buffers.sums, d_gamma, d_beta);
  if (layer.settings.type == NormalizationType::layer) {
    layer_backward(delta, buffers.normalized, rows, units, gamma, buffers.statistics);
    return;
  }
  batch_backward(delta, buffers.normalized, rows, units, gamma, buffers.statistics + 2 * units,
                 d_gamma, d_beta);
}

void update_running_statistics(const NormalizedLayer& layer, std::size_t rows,
                               const NormalizationBuffers& buffers, float* state) {
  if (layer.settings.type != NormalizationType::batch) return;
  const std::size_t units = layer.units;
  const double momentum = layer.settings.momentum, keep = 1 - momentum;
  const float* mean = buffers.statistics;
  const float* variance = mean + units;
  float* running_mean = state + layer.running_mean;
  float* running_var = state + layer.running_var;
  for (std::size_t j = 0; j < units; ++j) {
    running_mean[j] = static_cast<float>(keep * running_mean[j] + momentum * mean[j]);
  }
  if (rows < 2) return;  // no unbiased variance of one row
  const double unbiased = double(rows) / double(rows - 1);
  for (std::size_t j = 0; j < units; ++j) {
    running_var[j] =
        static_cast<float>(keep * running_var[j] + momentum * (variance[j] * unbiased));
  }
}

}  // namespace backprop
