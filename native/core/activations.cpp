#include "activations.h"

#include <algorithm>
#include <cmath>

namespace backprop {
namespace {

// Each activation is a pair of scalar functions; the kernels below hoist the
// switch over Activation out of the element loop, so every loop is a
// straight-line body the compiler can unroll and vectorize.
struct Sigmoid {
  template <class T>
  static T forward(T z) {
    const T e = std::exp(-std::fabs(z));  // never overflows
    return (z >= 0 ? T(1) : e) / (T(1) + e);
  }
  template <class T>
  static T derivative(T, T a) { return a * (T(1) - a); }
};

struct Tanh {
  template <class T>
  static T forward(T z) { return std::tanh(z); }
  template <class T>
  static T derivative(T, T a) { return T(1) - a * a; }
};

struct Relu {
  template <class T>
  // NaN passes through (as in PyTorch and the JS engine), so divergence is seen.
  static T forward(T z) { return z < T(0) ? T(0) : z; }
  template <class T>
  static T derivative(T z, T) { return z > 0 ? T(1) : T(0); }
};

struct LeakyRelu {
  static constexpr double kSlope = 0.01;
  template <class T>
  static T forward(T z) { return z > 0 ? z : T(kSlope) * z; }
  template <class T>
  static T derivative(T z, T) { return z > 0 ? T(1) : T(kSlope); }
};

struct Elu {  // alpha = 1
  template <class T>
  static T forward(T z) { return z > 0 ? z : std::expm1(z); }
  // exp(z) = a + 1 where z <= 0.
  template <class T>
  static T derivative(T z, T a) { return z > 0 ? T(1) : a + T(1); }
};

struct Gelu {  // exact: z·Φ(z)
  static constexpr double kInvSqrt2 = 0.70710678118654752440;
  static constexpr double kInvSqrt2Pi = 0.39894228040143267794;
  template <class T>
  static T forward(T z) { return T(0.5) * z * (T(1) + std::erf(z * T(kInvSqrt2))); }
  // Φ(z) + z·φ(z)
  template <class T>
  static T derivative(T z, T) {
    const T cdf = T(0.5) * (T(1) + std::erf(z * T(kInvSqrt2)));
    return cdf + z * T(kInvSqrt2Pi) * std::exp(T(-0.5) * z * z);
  }
};

template <class F, class T>
void forward_each(const T* z, T* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) a[i] = F::forward(z[i]);
}

template <class F, class T>
void derivative_each(const T* __restrict z, const T* __restrict a, T* __restrict delta,
                     std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) delta[i] *= F::derivative(z[i], a[i]);
}

template <class F, class T>
void derivative_rows_summing(const T* __restrict z, const T* __restrict a, T* __restrict delta,
                             std::size_t rows, std::size_t units, T* __restrict sums) {
  std::fill(sums, sums + units, T(0));
  for (std::size_t r = 0; r < rows; ++r) {
    const T* __restrict zr = z + r * units;
    const T* __restrict ar = a + r * units;
    T* __restrict dr = delta + r * units;
    for (std::size_t j = 0; j < units; ++j) {
      dr[j] *= F::derivative(zr[j], ar[j]);
      sums[j] += dr[j];
    }
  }
}

template <class T>
void softmax_rows(const T* z, T* a, std::size_t rows, std::size_t units) {
  for (std::size_t r = 0; r < rows; ++r) {
    const T* zr = z + r * units;
    T* ar = a + r * units;
    const T max = *std::max_element(zr, zr + units);
    T sum = 0;
    for (std::size_t j = 0; j < units; ++j) {
      ar[j] = std::exp(zr[j] - max);
      sum += ar[j];
    }
    const T scale = T(1) / sum;
    for (std::size_t j = 0; j < units; ++j) ar[j] *= scale;
  }
}

template <class T>
void softmax_jacobian_product(const T* __restrict s, T* __restrict delta, std::size_t rows,
                              std::size_t units) {
  for (std::size_t r = 0; r < rows; ++r) {
    const T* sr = s + r * units;
    T* dr = delta + r * units;
    T dot = 0;
    for (std::size_t j = 0; j < units; ++j) dot += dr[j] * sr[j];
    for (std::size_t j = 0; j < units; ++j) dr[j] = sr[j] * (dr[j] - dot);
  }
}

}  // namespace

template <class T>
void activate(Activation act, const T* z, T* a, std::size_t rows, std::size_t units) {
  const std::size_t n = rows * units;
  switch (act) {
    case Activation::linear:
      if (a != z) std::copy(z, z + n, a);
      return;
    case Activation::sigmoid: return forward_each<Sigmoid>(z, a, n);
    case Activation::tanh: return forward_each<Tanh>(z, a, n);
    case Activation::relu: return forward_each<Relu>(z, a, n);
    case Activation::leaky_relu: return forward_each<LeakyRelu>(z, a, n);
    case Activation::elu: return forward_each<Elu>(z, a, n);
    case Activation::gelu: return forward_each<Gelu>(z, a, n);
    case Activation::softmax: return softmax_rows(z, a, rows, units);
  }
}

template <class T>
void multiply_by_derivative(Activation act, const T* z, const T* a, T* delta, std::size_t rows,
                            std::size_t units) {
  const std::size_t n = rows * units;
  switch (act) {
    case Activation::linear: return;
    case Activation::sigmoid: return derivative_each<Sigmoid>(z, a, delta, n);
    case Activation::tanh: return derivative_each<Tanh>(z, a, delta, n);
    case Activation::relu: return derivative_each<Relu>(z, a, delta, n);
    case Activation::leaky_relu: return derivative_each<LeakyRelu>(z, a, delta, n);
    case Activation::elu: return derivative_each<Elu>(z, a, delta, n);
    case Activation::gelu: return derivative_each<Gelu>(z, a, delta, n);
    case Activation::softmax: return softmax_jacobian_product(a, delta, rows, units);
  }
}

// Row by row, so that the inner loop is contiguous and vectorizes.
template <class T>
void sum_columns(const T* __restrict delta, std::size_t rows, std::size_t units, T* __restrict sums) {
  std::fill(sums, sums + units, T(0));
  for (std::size_t r = 0; r < rows; ++r) {
    const T* row = delta + r * units;
    for (std::size_t j = 0; j < units; ++j) sums[j] += row[j];
  }
}

template <class T>
void multiply_by_derivative_summing_columns(Activation act, const T* z, const T* a, T* delta,
                                            std::size_t rows, std::size_t units, T* sums) {
  switch (act) {
    case Activation::sigmoid: return derivative_rows_summing<Sigmoid>(z, a, delta, rows, units, sums);
    case Activation::tanh: return derivative_rows_summing<Tanh>(z, a, delta, rows, units, sums);
    case Activation::relu: return derivative_rows_summing<Relu>(z, a, delta, rows, units, sums);
    case Activation::leaky_relu: return derivative_rows_summing<LeakyRelu>(z, a, delta, rows, units, sums);
    case Activation::elu: return derivative_rows_summing<Elu>(z, a, delta, rows, units, sums);
    case Activation::gelu: return derivative_rows_summing<Gelu>(z, a, delta, rows, units, sums);
    case Activation::linear:
    case Activation::softmax:
      multiply_by_derivative(act, z, a, delta, rows, units);
      return sum_columns(delta, rows, units, sums);
  }
}

template void activate<float>(Activation, const float*, float*, std::size_t, std::size_t);
template void activate<double>(Activation, const double*, double*, std::size_t, std::size_t);
template void multiply_by_derivative<float>(Activation, const float*, const float*, float*,
                                            std::size_t, std::size_t);
template void multiply_by_derivative<double>(Activation, const double*, const double*, double*,
                                             std::size_t, std::size_t);
template void sum_columns<float>(const float*, std::size_t, std::size_t, float*);
template void multiply_by_derivative_summing_columns<float>(Activation, const float*, const float*, float*,
                                                            std::size_t, std::size_t, float*);

}  // namespace backprop
