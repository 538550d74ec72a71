#include "losses.h"

#include <algorithm>
#include <cmath>

#include "activations.h"

namespace backprop {
namespace {

std::size_t argmax(const float* row, std::size_t n) {
  return static_cast<std::size_t>(std::max_element(row, row + n) - row);  // first max wins
}

LossSums mse_sums(const float* a, const float* y, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = double(a[i]) - double(y[i]);
    sum += d * d;
  }
  return {sum, 0};
}

// max(z,0) − z·y + log1p(exp(−|z|)): log(1 + e^z) − z·y without overflow.
LossSums binary_cross_entropy_sums(const float* z, const float* a, const float* y,
                                   std::size_t n) {
  LossSums sums;
  for (std::size_t i = 0; i < n; ++i) {
    const double zi = z[i];
    sums.loss += std::max(zi, 0.0) - zi * double(y[i]) + std::log1p(std::exp(-std::fabs(zi)));
    sums.correct += (a[i] > 0.5f) == (y[i] > 0.5f) ? 1 : 0;
  }
  return sums;
}

double log_sum_exp(const float* z, std::size_t n) {
  const double max = *std::max_element(z, z + n);
  double sum = 0;
  for (std::size_t j = 0; j < n; ++j) sum += std::exp(double(z[j]) - max);
  return max + std::log(sum);
}

LossSums huber_sums(const float* a, const float* y, std::size_t n, double delta) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = std::fabs(double(a[i]) - double(y[i]));
    sum += e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
  }
  return {sum, 0};
}

LossSums mae_sums(const float* a, const float* y, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += std::fabs(double(a[i]) - double(y[i]));
  return {sum, 0};
}

// −Σ_j q_j·(z_j − lse) from the logits, with q = (1 − ε)·y + ε/outputs:
// (1 − ε)·(−Σ_j y_j·(z_j − lse)) + ε/outputs·Σ_j (lse − z_j).
LossSums cross_entropy_sums(const float* z, const float* a, Targets targets, std::size_t rows,
                            std::size_t outputs, double smoothing) {
  LossSums sums;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* zr = z + r * outputs;
    const double lse = log_sum_exp(zr, outputs);
    double uniform = 0;
    if (smoothing > 0) {
      for (std::size_t j = 0; j < outputs; ++j) uniform += lse - zr[j];
      uniform *= smoothing / double(outputs);
    }
    std::size_t expected;
    if (targets.labels) {
      expected = static_cast<std::size_t>(targets.labels[r]);
      sums.loss += (1 - smoothing) * (lse - zr[expected]) + uniform;
    } else {
      const float* yr = targets.dense + r * outputs;
      double term = 0;
      for (std::size_t j = 0; j < outputs; ++j) term += double(yr[j]) * (lse - zr[j]);
      sums.loss += (1 - smoothing) * term + uniform;
      expected = argmax(yr, outputs);
    }
    sums.correct += argmax(a + r * outputs, outputs) == expected ? 1 : 0;
  }
  return sums;
}

void scaled_difference(const float* __restrict a, const float* __restrict y,
                       float* __restrict delta, std::size_t n, float scale) {
  for (std::size_t i = 0; i < n; ++i) delta[i] = scale * (a[i] - y[i]);
}

// The smoothed targets q = keep·y + spread (keep = 1 − ε, spread = ε/outputs);
// with ε = 0 the arithmetic is that of q = y, bit for bit.
void cross_entropy_gradient(const float* __restrict s, Targets targets, std::size_t rows,
                            std::size_t outputs, double smoothing, float* __restrict delta) {
  const float scale = float(1.0 / double(rows));
  const float keep = float(1 - smoothing);
  const float spread = float(smoothing / double(outputs));
  if (targets.labels) {
    // Same arithmetic as a one-hot dense row (Σy = 1), so both give the same bits.
    const float hit = keep + spread;
    for (std::size_t r = 0; r < rows; ++r) {
      const float* sr = s + r * outputs;
      float* dr = delta + r * outputs;
      for (std::size_t j = 0; j < outputs; ++j) dr[j] = scale * (sr[j] - spread);
      const std::size_t label = static_cast<std::size_t>(targets.labels[r]);
      dr[label] = scale * (sr[label] - hit);
    }
    return;
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const float* sr = s + r * outputs;
    const float* yr = targets.dense + r * outputs;
    float* dr = delta + r * outputs;
    float total = 0;
    for (std::size_t j = 0; j < outputs; ++j) total += yr[j];
    const float mass = keep * total + float(smoothing);
    for (std::size_t j = 0; j < outputs; ++j) {
      dr[j] = scale * (sr[j] * mass - (keep * yr[j] + spread));
    }
  }
}

// dL/dA of huber (clamp(e, ±delta)·scale) and mae (sign(e)·scale, sign(0) = 0).
void huber_gradient(const float* __restrict a, const float* __restrict y, float* __restrict delta,
                    std::size_t n, float scale, float bound) {
  for (std::size_t i = 0; i < n; ++i) {
    const float e = a[i] - y[i];
    delta[i] = scale * (e > bound ? bound : e < -bound ? -bound : e);
  }
}

void mae_gradient(const float* __restrict a, const float* __restrict y, float* __restrict delta,
                  std::size_t n, float scale) {
  for (std::size_t i = 0; i < n; ++i) {
    const float e = a[i] - y[i];
    delta[i] = e > 0 ? scale : e < 0 ? -scale : 0.0f;
  }
}

}  // namespace

std::size_t loss_terms(Loss loss, std::size_t rows, std::size_t outputs) {
  return loss == Loss::cross_entropy ? rows : rows * outputs;
}

Targets target_rows(Targets targets, std::size_t first_row, std::size_t outputs) {
  if (targets.labels) return {nullptr, targets.labels + first_row};
  return {targets.dense + first_row * outputs, nullptr};
}

LossSums loss_sums(Loss loss, const float* z, const float* a, Targets targets, std::size_t rows,
                   std::size_t outputs, const LossParameters& parameters) {
  switch (loss) {
    case Loss::mse: return mse_sums(a, targets.dense, rows * outputs);
    case Loss::binary_cross_entropy:
      return binary_cross_entropy_sums(z, a, targets.dense, rows * outputs);
    case Loss::cross_entropy:
      return cross_entropy_sums(z, a, targets, rows, outputs, parameters.label_smoothing);
    case Loss::huber: return huber_sums(a, targets.dense, rows * outputs, parameters.delta);
    case Loss::mae: return mae_sums(a, targets.dense, rows * outputs);
  }
  return {};
}

void weighted_loss_sums(Loss loss, const float* z, const float* a, Targets targets,
                        std::size_t rows, std::size_t outputs, const float* weights,
                        double* weighted, double* weight_sum,
                        const LossParameters& parameters) {
  const double terms_per_row = double(loss_terms(loss, 1, outputs));
  *weighted = 0;
  *weight_sum = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const LossSums row = loss_sums(loss, z + r * outputs, a + r * outputs,
                                   target_rows(targets, r, outputs), 1, outputs, parameters);
    *weighted += double(weights[r]) * row.loss / terms_per_row;
    *weight_sum += double(weights[r]);
  }
}

void weight_gradient_rows(float* delta, std::size_t rows, std::size_t outputs,
                          const float* weights, double weight_sum) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float factor = float(double(weights[r]) * double(rows) / weight_sum);
    float* row = delta + r * outputs;
    for (std::size_t j = 0; j < outputs; ++j) row[j] *= factor;
  }
}

void loss_gradient(Loss loss, Activation last, const float* z, const float* a, Targets targets,
                   std::size_t rows, std::size_t outputs, float* delta,
                   const LossParameters& parameters) {
  const std::size_t n = rows * outputs;
  const double per_term = 1.0 / double(loss_terms(loss, rows, outputs));
  switch (loss) {
    case Loss::mse:
      scaled_difference(a, targets.dense, delta, n, float(2 * per_term));
      multiply_by_derivative(last, z, a, delta, rows, outputs);
      return;
    case Loss::binary_cross_entropy:
      scaled_difference(a, targets.dense, delta, n, float(per_term));
      return;
    case Loss::cross_entropy:
      cross_entropy_gradient(a, targets, rows, outputs, parameters.label_smoothing, delta);
      return;
    case Loss::huber:
      huber_gradient(a, targets.dense, delta, n, float(per_term), float(parameters.delta));
      multiply_by_derivative(last, z, a, delta, rows, outputs);
      return;
    case Loss::mae:
      mae_gradient(a, targets.dense, delta, n, float(per_term));
      multiply_by_derivative(last, z, a, delta, rows, outputs);
      return;
  }
}

}  // namespace backprop
